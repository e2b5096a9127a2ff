import Alerts
import Enforcement
import Hypervisor
import SyntheticGuest
import WardenCore
import XenModel

/// The demo's guest activity on the model of Xen 4.17: a rootkit overwrites sys_call_table entries
/// from three vCPUs at once, the kernel's own patcher (__text_poke) writes kernel text (a trusted
/// writer: allowed without an alert), and something rewrites modprobe_path (an alert target). Everything goes through the real pipeline: plan from
/// the guest's kallsyms, restricted view, the ring loop on its own thread, teardown.
struct DemoScenario {
    let model: XenModel
    let hypervisor: ModelHypervisor
    let symbols: [String: UInt64]
    let plan: ProtectionPlan
    let engine: DecisionEngine
    let kernelSpace: AddressSpace

    init(policy: Policy, fiveLevel: Bool) throws {
        var configuration = SyntheticGuest.Configuration()
        configuration.fiveLevelPaging = fiveLevel
        let guest = try SyntheticGuest(configuration)
        symbols = Dictionary(guest.symbols.map { ($0.name, $0.address) }, uniquingKeysWith: { first, _ in first })
        model = XenModel(guest: guest)
        hypervisor = ModelHypervisor(model: model, guestRoundsPerWait: 4)
        let kernel = try GuestKernel.read(memory: hypervisor.memory, registers: try hypervisor.vcpuRegisters())
        let space = AddressSpace(memory: hypervisor.memory, cr3: kernel.location.kernelCR3, fiveLevel: fiveLevel)
        kernelSpace = space
        plan = try Planner(symbols: kernel.symbols, space: space, kernel: KernelFacts(kernel.location))
            .plan(try PolicySet(policies: [policy]).targets)
        engine = DecisionEngine(frames: ProtectedFrames(plan: plan), symbols: kernel.symbols)
    }

    func address(_ name: String, plus offset: UInt64 = 0) -> UInt64 { (symbols[name] ?? 0) &+ offset }

    /// Queues the guest's writes; they run once the guest runs under protection.
    func script() {
        let hook = withUnsafeBytes(of: address("synthetic_function_7").littleEndian) { Array($0) }
        for (vcpu, entry) in [(1, 0), (2, 1), (3, 59)] {  // read, write, execve
            _ = model.enqueue(
                GuestInstruction(rip: address("synthetic_function_1", plus: 0x20),
                                 write: GuestWrite(virtual: address("sys_call_table", plus: UInt64(entry) * 8), bytes: hook)),
                on: vcpu)
        }
        _ = model.enqueue(
            GuestInstruction(rip: address("__text_poke", plus: 0x30),
                             write: GuestWrite(virtual: address("do_syscall_64", plus: 0x40), bytes: [0x0F, 0x1F, 0x44, 0x00, 0x00])),
            on: 0)
        _ = model.enqueue(
            GuestInstruction(rip: address("synthetic_function_2", plus: 0x10),
                             write: GuestWrite(virtual: address("modprobe_path"), bytes: Array("/tmp/x\0".utf8))),
            on: 0)
    }

    /// For `--hold`: whenever the guest has gone quiet, the rootkit tries again on every vCPU but 0,
    /// so requests keep arriving until Warden is stopped.
    func attackAgainIfIdle() {
        guard guestIsIdle else { return }
        let hook = withUnsafeBytes(of: address("synthetic_function_7").littleEndian) { Array($0) }
        for vcpu in 1..<model.vcpuCount {
            _ = model.enqueue(
                GuestInstruction(rip: address("synthetic_function_1", plus: 0x20),
                                 write: GuestWrite(virtual: address("sys_call_table", plus: UInt64(vcpu) * 8), bytes: hook)),
                on: vcpu)
        }
    }

    /// True once every scripted write has retired and no vCPU waits on the ring.
    var guestIsIdle: Bool {
        (0..<model.vcpuCount).allSatisfy { vcpu in
            guard let status = model.vcpuStatus(vcpu) else { return true }
            return status.pendingInstruction == nil && status.queuedInstructions == 0 && status.vmEventPauseCount == 0
                && !status.singleStep
        }
    }

    /// Guest bytes at a symbol, through the guest's own page tables.
    func read(_ name: String, count: Int) -> [UInt8] {
        (try? kernelSpace.read(virtual: address(name), count: count)) ?? []
    }
}
