import Alerts
import Hypervisor
import WardenCore
import XenRing

extension ProtectionSession {
    /// Bytes reported before and after an allowed write: the event names the first byte only, and
    /// kernel stores of pointers and table entries are at most 8 bytes wide.
    static let reportedBytes = 8
    /// Cap on the protected bytes a `log` alert carries.
    static let snapshotLimit: UInt64 = 256

    func alert(
        _ request: VMEventRequest, _ event: MemAccessEvent, _ access: ProtectedAccess, _ target: PlannedTarget,
        _ offset: UInt64, _ outcome: AlertOutcome
    ) -> Alert {
        let symbol = target.target.extent.symbolNames.first ?? target.target.extent.description
        return Alert(
            time: .now(), domain: domain, vcpu: request.vcpuID, access: access,
            target: SymbolOffset(symbol: symbol, offset: offset),
            gla: event.flags.contains(.glaValid) ? event.gla : nil, gpa: event.gfn << 12 | (event.offset & 0xFFF),
            rip: request.registers.rip, ripSymbol: engine.function(containing: request.registers.rip),
            outcome: outcome, rule: target.target.rule, policy: target.target.location)
    }

    /// A denied access, whichever path decided it: counted and reported.
    func recordDenial(_ request: VMEventRequest, _ event: MemAccessEvent, _ access: ProtectedAccess, target index: Int, offset: UInt64) {
        statistics.denied += 1
        counters.countDecision(target: index, .denied)
        emit(alert(request, event, access, engine.frames.plan.targets[index], offset, .denied))
    }

    func emit(_ alert: Alert) {
        statistics.alerts += 1
        report(alert)
    }

    /// Guest bytes for an alert, clamped to the frame; empty when the memory cannot be read.
    func readGuest(_ gpa: UInt64, length: Int) -> [UInt8] {
        let inFrame = Int(min(UInt64(length), 4096 - (gpa & 0xFFF)))
        return (try? hypervisor.memory.readBytes(physical: gpa, count: inFrame)) ?? []
    }
}
