import WardenCore
import XenRing

/// One vCPU: its registers, Xen's per-vCPU altp2m, pause and vm_event state, and the scripted guest
/// instructions it still has to run.
struct VCPUState {
    var registers: X86Registers
    var idtrBase: UInt64
    /// `vcpu_altp2m(v).p2midx`; nil is `INVALID_ALTP2M` (altp2m off: the host p2m).
    var view: Int?
    /// `v->vm_event_pause_count`.
    var vmEventPauseCount = 0
    /// `_VPF_mem_access` in `v->pause_flags`: paused by `vm_event_mark_and_pause` for ring space.
    var blockedForRing = false
    /// `v->arch.hvm.single_step`: MTF armed at every VM entry (xen/arch/x86/hvm/vmx/intr.c).
    var singleStep = false
    /// `v->arch.hvm.fast_single_step` (enabled, p2midx).
    var fastSinglestepView: UInt16?
    /// `v->arch.vm_event->emulate_flags`, applied at the next resume (hvm/vm_event.c `hvm_vm_event_do_resume`).
    var emulateFlags: VMEventFlags = []
    /// `v->arch.vm_event->gprs` when `set_gprs` is true.
    var pendingRegisters: X86Registers?
    /// `v->arch.monitor.next_interrupt_enabled`.
    var nextInterruptMonitored = false
    /// A request built while the ring was full: the vCPU sleeps in `vm_event_wait_slot` until a slot frees.
    var awaitingSlot: VMEventRequest?
    /// The gfn of the last MEM_ACCESS event this vCPU raised.
    var lastEventGFN: UInt64?
    /// The instruction that faulted and runs again (or is emulated) on resume.
    var pending: Sequenced?
    var queue: [Sequenced] = []
    /// The most recent retirements, oldest first: between `XenModelConfiguration.retiredHistory` and
    /// twice that many are kept, so a guest that runs for hours (`warden demo --hold`) does not grow
    /// the model without bound.
    var retired: [RetiredInstruction] = []
    var nextSequence = 0

    struct Sequenced {
        var sequence: Int
        var instruction: GuestInstruction
    }

    init(_ registers: VCPURegisters) {
        var file = X86Registers()
        file.cr0 = registers.cr0
        file.cr3 = registers.cr3
        file.cr4 = registers.cr4
        file.msrEFER = registers.efer
        file.rip = registers.rip
        file.gsBase = registers.gsBase
        file.shadowGS = registers.kernelGSBase
        self.registers = file
        idtrBase = registers.idtrBase
    }

    func snapshot(vcpu: Int) -> VCPURegisters {
        VCPURegisters(
            vcpu: vcpu, cr0: registers.cr0, cr3: registers.cr3, cr4: registers.cr4, efer: registers.msrEFER,
            rip: registers.rip, idtrBase: idtrBase, gsBase: registers.gsBase, kernelGSBase: registers.shadowGS)
    }

    mutating func retire(_ item: Sequenced, _ retirement: Retirement, keeping history: Int) {
        retired.append(
            RetiredInstruction(sequence: item.sequence, instruction: item.instruction, retirement: retirement))
        let keep = max(history, 1)
        if retired.count >= 2 * keep { retired.removeFirst(retired.count - keep) }
    }
}
