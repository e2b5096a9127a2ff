import Alerts
import Enforcement
import Hypervisor
import SyntheticGuest
import WardenCore
import XenModel

/// Attach (plan → restricted view on every planned frame → switch) and teardown of the real
/// controller on the model of Xen 4.17, with the generated guest and the kernel-core policy.
struct ModelAttach {
    let hypervisor: ModelHypervisor
    let engine: DecisionEngine

    init(policy targets: [ProtectedTarget]) throws {
        hypervisor = ModelHypervisor(model: XenModel(guest: try SyntheticGuest()))
        let kernel = try GuestKernel.read(memory: hypervisor.memory, registers: try hypervisor.vcpuRegisters())
        let plan = try kernel.plan(targets, in: hypervisor.memory)
        engine = DecisionEngine(frames: ProtectedFrames(plan: plan), symbols: kernel.symbols)
    }

    func session() -> ProtectionSession {
        ProtectionSession(hypervisor: hypervisor, engine: engine, domain: AlertDomain(id: 1, name: "bench"), report: { _ in })
    }
}
