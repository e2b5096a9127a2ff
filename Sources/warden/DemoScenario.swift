import Alerts
import Enforcement
import GuestSources
import Hypervisor
import SyntheticGuest
import WardenCore
import XenModel

/// The demo's guest activity on the model of Xen 4.17: a rootkit overwrites sys_call_table entries
/// from the guest's vCPUs at once, the kernel's own patcher (__text_poke) writes kernel text (a
/// trusted writer: allowed without an alert), and something rewrites modprobe_path (an alert
/// target). Everything goes through the real pipeline: plan from the guest's kallsyms, restricted
/// view, the ring loop on its own thread, teardown.
///
/// The guest is either generated (`init(policy:fiveLevel:)`) or a real guest's ELF core
/// (`init(policy:core:)`), whose RAM the model writes through a copy-on-write layer.
struct DemoScenario {
    let model: XenModel
    let hypervisor: ModelHypervisor
    let plan: ProtectionPlan
    let engine: DecisionEngine
    let kernelSpace: AddressSpace
    let cast: DemoCast
    /// Where the guest came from, for the demo's first line.
    let origin: String

    /// A generated guest.
    init(policy: Policy, fiveLevel: Bool) throws {
        var configuration = SyntheticGuest.Configuration()
        configuration.fiveLevelPaging = fiveLevel
        let guest = try SyntheticGuest(configuration)
        try self.init(policy: policy, model: XenModel(guest: guest), origin: "generated guest") { symbols, _ in
            try DemoCast.synthetic(symbols)
        }
    }

    /// A real guest's ELF core (QEMU `dump-guest-memory` or Xen `xl dump-core`). The model runs over a
    /// copy-on-write layer, so the core file is only read. Every vCPU runs with the kernel's own page
    /// tables (a vCPU caught in user mode under PTI holds a CR3 that does not map the kernel) and with
    /// CR0.WP clear: the rootkit clears it before writing read-only pages, as such rootkits do, and
    /// __text_poke's writable alias of the text page reaches the same guest frame.
    init(policy: Policy, core path: String) throws {
        let (memory, vcpus) = try Self.openCore(path)
        try self.init(policy: policy, model: XenModel(memory: memory, vcpus: vcpus), origin: "ELF core \(path)") { symbols, plan in
            try DemoCast.realKernel(symbols, plan: plan)
        }
    }

    private static func openCore(_ path: String) throws -> (CopyOnWriteMemory, [VCPURegisters]) {
        let dump = try GuestCore.open(path: path)
        let registers = try dump.vcpuRegisters()
        let location = try KernelLocator.locate(memory: dump.memory, registers: registers)
        let writeProtect: UInt64 = 1 << 16
        let vcpus = registers.map { original in
            var vcpu = original
            vcpu.cr3 = location.kernelCR3
            vcpu.cr0 &= ~writeProtect
            return vcpu
        }
        return (CopyOnWriteMemory(over: dump.memory), vcpus)
    }

    private init(
        policy: Policy, model: XenModel, origin: String, cast makeCast: (SymbolTable, ProtectionPlan) throws -> DemoCast
    ) throws {
        self.model = model
        self.origin = origin
        hypervisor = ModelHypervisor(model: model, guestRoundsPerWait: 4)
        let kernel = try GuestKernel.read(memory: hypervisor.memory, registers: try hypervisor.vcpuRegisters())
        kernelSpace = AddressSpace(memory: hypervisor.memory, kernel: kernel.location)
        plan = try kernel.plan(try PolicySet(policies: [policy]).targets, in: hypervisor.memory)
        engine = DecisionEngine(frames: ProtectedFrames(plan: plan), symbols: kernel.symbols)
        cast = try makeCast(kernel.symbols, plan)
    }

    /// The vCPUs the rootkit writes from: every vCPU but 0 (which runs the kernel's own writes), or
    /// vCPU 0 alone in a one-vCPU guest, where everything runs in order on it.
    var rootkitVCPUs: [Int] { model.vcpuCount > 1 ? Array(1..<model.vcpuCount) : [0] }

    /// Queues the guest's writes; they run once the guest runs under protection.
    func script() {
        let entries: [UInt64] = [0, 1, 59]  // read, write, execve
        let vcpus = rootkitVCPUs
        for index in 0..<max(entries.count, vcpus.count) {
            let entry = index < entries.count ? entries[index] : UInt64(index)
            enqueueRootkitWrite(entry: entry, on: vcpus[index % vcpus.count])
        }
        _ = model.enqueue(
            GuestInstruction(rip: cast.textPokeRIP, write: GuestWrite(virtual: cast.patchedText, bytes: [0x0F, 0x1F, 0x44, 0x00, 0x00])),
            on: 0)
        _ = model.enqueue(
            GuestInstruction(rip: cast.modprobeWriterRIP, write: GuestWrite(virtual: cast.modprobePath, bytes: Array("/tmp/x\0".utf8))),
            on: 0)
    }

    /// For `--hold`: whenever the guest has gone quiet, the rootkit tries again on each of its vCPUs,
    /// so requests keep arriving until Warden is stopped.
    func attackAgainIfIdle() {
        guard guestIsIdle else { return }
        for vcpu in rootkitVCPUs { enqueueRootkitWrite(entry: UInt64(vcpu), on: vcpu) }
    }

    private func enqueueRootkitWrite(entry: UInt64, on vcpu: Int) {
        let hook = withUnsafeBytes(of: cast.hook.littleEndian) { Array($0) }
        _ = model.enqueue(
            GuestInstruction(rip: cast.rootkitRIP, write: GuestWrite(virtual: cast.sysCallTable &+ entry * 8, bytes: hook)), on: vcpu)
    }

    /// True once every scripted write has retired and no vCPU waits on the ring.
    var guestIsIdle: Bool {
        (0..<model.vcpuCount).allSatisfy { vcpu in
            guard let status = model.vcpuStatus(vcpu) else { return true }
            return status.pendingInstruction == nil && status.queuedInstructions == 0 && status.vmEventPauseCount == 0
                && !status.singleStep
        }
    }

    /// sys_call_table's bytes now, through the guest's own page tables.
    func sysCallTable() throws -> [UInt8] {
        try kernelSpace.read(virtual: cast.sysCallTable, count: cast.sysCallTableBytes)
    }
}
