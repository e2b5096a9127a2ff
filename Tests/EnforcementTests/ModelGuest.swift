import Alerts
import Enforcement
import Hypervisor
import SyntheticGuest
import WardenCore
import XenModel

/// The generated guest running on the model of Xen 4.17, planned by the real pipeline through the
/// hypervisor's own memory, with a session ready to set up.
final class ModelGuest {
    let model: XenModel
    let hypervisor: ModelHypervisor
    let plan: ProtectionPlan
    let symbols: [String: UInt64]
    let textBase: UInt64
    let physicalBase: UInt64
    let baseline: DomainSnapshot
    private(set) var alerts: [Alert] = []

    static func target(_ name: String, _ action: PolicyAction, length: UInt64? = nil, writers: [String] = []) -> ProtectedTarget {
        PlannedGuest.target(length.map { .symbolWithLength(name, $0) } ?? .symbol(name), action, writers: writers)
    }

    init(_ targets: [ProtectedTarget], vcpus: Int = 4, configuration xen: XenModelConfiguration = XenModelConfiguration()) throws {
        var configuration = SyntheticGuest.Configuration()
        configuration.vcpuCount = vcpus
        let guest = try SyntheticGuest(configuration)
        symbols = Dictionary(guest.symbols.map { ($0.name, $0.address) }, uniquingKeysWith: { first, _ in first })
        textBase = guest.textBase
        physicalBase = configuration.physicalBase
        model = XenModel(guest: guest, configuration: xen)
        hypervisor = ModelHypervisor(model: model)
        baseline = model.snapshot()
        let kernel = try GuestKernel.read(memory: hypervisor.memory, registers: try hypervisor.vcpuRegisters())
        plan = try kernel.plan(targets, in: hypervisor.memory)
        engine = DecisionEngine(frames: ProtectedFrames(plan: plan), symbols: kernel.symbols)
    }

    let engine: DecisionEngine

    /// The existing suites were written for the single-step path and keep it; emulate-path tests ask.
    func session(on hypervisor: (any Hypervisor)? = nil, allowPath: AllowPath = .singlestep) -> ProtectionSession {
        ProtectionSession(
            hypervisor: hypervisor ?? self.hypervisor, engine: engine, domain: AlertDomain(id: 1, name: "model"),
            allowPath: allowPath, report: { [unowned self] in alerts.append($0) })
    }

    func address(_ name: String, plus offset: UInt64 = 0) -> UInt64 { (symbols[name] ?? 0) + offset }
    func physical(_ name: String, plus offset: UInt64 = 0) -> UInt64 { address(name, plus: offset) - textBase + physicalBase }

    func read(_ name: String, plus offset: UInt64 = 0, count: Int = 8) throws -> [UInt8] {
        try model.readGuest(physical: physical(name, plus: offset), count: count)
    }

    /// Lets the guest and the controller take turns until neither has anything left to do.
    func pump(_ session: ProtectionSession, rounds: Int = 50) {
        for _ in 0..<rounds {
            let guestProgress = model.runUntilIdle()
            let before = session.statistics.requests
            _ = session.serveRing()
            if guestProgress == 0 && session.statistics.requests == before { return }
        }
    }
}
