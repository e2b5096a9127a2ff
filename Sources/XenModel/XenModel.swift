import Hypervisor
import Synchronization
import SyntheticGuest
import WardenCore

/// A model of Xen 4.17.7's altp2m + vm_event behaviour for one HVM domain, over a guest memory image.
///
/// Each method is one hypervisor operation with Xen's semantics and error codes (`XenErrno`); the guest
/// side runs scripted instructions on its vCPUs (`write`, `enqueue`, `step`). Requests go onto a real
/// 4 KiB ring page through the real ring.h code (`VMEventFrontRing`), so a controller reads them with
/// `VMEventBackRing` exactly as it would from Xen. State sits behind one lock, as Xen's domain locks
/// serialise these operations, so the model can be shared with a controller thread.
public final class XenModel: Sendable {
    let state: Mutex<DomainState>
    public let configuration: XenModelConfiguration
    public let vcpuCount: Int

    /// - Parameters:
    ///   - memory: the guest's RAM; the model owns it from now on (read it back with `readGuest`).
    ///   - vcpus: the vCPUs' registers at start (CR3 locates each vCPU's page tables).
    public init(
        memory: sending any WritableGuestMemory, vcpus: [VCPURegisters],
        configuration: XenModelConfiguration = XenModelConfiguration()
    ) {
        self.configuration = configuration
        vcpuCount = vcpus.count
        state = Mutex(DomainState(memory: memory, vcpus: vcpus, configuration: configuration))
    }

    /// A model over a generated guest's RAM and vCPUs.
    public convenience init(
        guest: sending SyntheticGuest, configuration: XenModelConfiguration = XenModelConfiguration()
    ) {
        let vcpus = guest.vcpuRegisters()
        self.init(memory: guest.ram, vcpus: vcpus, configuration: configuration)
    }

    public var domainID: UInt32 { configuration.domainID }

    // MARK: Domain

    /// xc_domain_pause. Pauses nest; more than 255 → EOVERFLOW.
    public func pause() throws(XenErrno) { try state.withLock { (s) throws(XenErrno) in try s.pause() } }
    /// xc_domain_unpause. Below zero → EINVAL.
    public func unpause() throws(XenErrno) { try state.withLock { (s) throws(XenErrno) in try s.unpause() } }
    /// xc_domain_set_access_required.
    public func setAccessRequired(_ required: Bool) { state.withLock { $0.setAccessRequired(required) } }
    /// xc_domain_debug_control(SINGLE_STEP_ON / SINGLE_STEP_OFF).
    public func setSingleStep(vcpu: Int, enabled: Bool) throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in try s.debugControl(vcpu: vcpu, singleStepOn: enabled) }
    }

    // MARK: Inspection

    public func vcpuRegisters() -> [VCPURegisters] {
        state.withLock { s in s.vcpus.indices.map { s.vcpus[$0].snapshot(vcpu: $0) } }
    }

    public func vcpuStatus(_ vcpu: Int) -> VCPUStatus? {
        state.withLock { s in s.vcpus.indices.contains(vcpu) ? s.status(of: vcpu) : nil }
    }

    public func snapshot() -> DomainSnapshot { state.withLock { $0.snapshot } }

    /// Guest RAM as it is now (the model owns the memory object).
    public func readGuest(physical: UInt64, count: Int) throws(GuestMemoryError) -> [UInt8] {
        try state.withLock { (s) throws(GuestMemoryError) in try s.memory.readBytes(physical: physical, count: count) }
    }

    public var ramRanges: [PhysicalRange] { state.withLock { $0.host.ram } }
    public var isCrashed: Bool { state.withLock { $0.crashed } }

    // MARK: Guest execution

    /// vCPU `vcpu` executes one instruction at `rip` that writes `bytes` at guest-virtual `virtual`, now if
    /// nothing is ahead of it, else after what is.
    /// `emulatable: false` makes it an instruction Xen's emulator does not implement.
    public func write(
        vcpu: Int, virtual: UInt64, bytes: [UInt8], rip: UInt64, length: UInt64 = 7, emulatable: Bool = true
    ) -> WriteOutcome {
        let instruction = GuestInstruction(
            rip: rip, length: length, write: GuestWrite(virtual: virtual, bytes: bytes), emulatable: emulatable)
        return state.withLock { s in
            guard s.vcpus.indices.contains(vcpu) else { return .queued }
            let sequence = s.enqueue(instruction, on: vcpu)
            return s.runIfFirst(sequence, on: vcpu)
        }
    }

    /// Queues an instruction on a vCPU to run at its next turns; returns its sequence number, or nil
    /// for a vCPU the domain does not have.
    @discardableResult
    public func enqueue(_ instruction: GuestInstruction, on vcpu: Int) -> Int? {
        state.withLock { s in s.vcpus.indices.contains(vcpu) ? s.enqueue(instruction, on: vcpu) : nil }
    }

    /// Where an instruction queued with `enqueue` stands.
    public func outcome(of sequence: Int, on vcpu: Int) -> WriteOutcome {
        state.withLock { s in s.vcpus.indices.contains(vcpu) ? s.outcome(of: sequence, on: vcpu) : .queued }
    }

    /// One round: every runnable vCPU takes one turn, in id order. Returns how many did something.
    @discardableResult
    public func step() -> Int { state.withLock { $0.step() } }

    /// Steps until no vCPU can do anything or `maxRounds` rounds ran; returns the rounds that did something.
    @discardableResult
    public func runUntilIdle(maxRounds: Int = 1000) -> Int {
        var rounds = 0
        while rounds < maxRounds, step() > 0 { rounds += 1 }
        return rounds
    }
}
