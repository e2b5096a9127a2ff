import CXen
import SyntheticGuest
import WardenCore
import XenRing

/// The generated guest planned with the kernel-core policy, and the write a rootkit makes to it as
/// Xen reports it: what the ring benchmarks feed the controller.
struct RootkitWrite {
    struct MissingTarget: Error {}

    let guest: SyntheticGuest
    let kernel: GuestKernel
    let plan: ProtectionPlan

    init(policy targets: [ProtectedTarget]) throws {
        guest = try SyntheticGuest()
        kernel = try GuestKernel.read(memory: guest.memory, registers: guest.vcpuRegisters())
        plan = try kernel.plan(targets, in: guest.memory)
    }

    /// A write to sys_call_table[1] from commit_creds (not a trusted writer) on `vcpu`, as the
    /// MEM_ACCESS request Xen puts on the ring while the vCPU runs in the restricted view.
    func request(vcpu: UInt32) throws -> vm_event_request_t {
        guard let table = plan.targets.first(where: { $0.target.extent == .symbol("sys_call_table") })?.frames.first,
            let rip = kernel.symbols.symbol(named: "commit_creds")?.address
        else { throw MissingTarget() }
        var registers = X86Registers()
        registers.rip = rip
        let event = MemAccessEvent(gfn: table.gfn, offset: table.offset + 8, gla: 0, flags: [.write, .glaValid, .faultWithGLA])
        return VMEventRequest(
            flags: [.vcpuPaused, .alternateP2M], reason: .memAccess, vcpuID: vcpu, altp2mIndex: 1,
            payload: .memAccess(event), registers: registers
        ).raw
    }
}
