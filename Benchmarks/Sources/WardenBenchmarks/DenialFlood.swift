import Alerts
import CXen
import Enforcement
import RingScript
import SyntheticGuest
import WardenCore
import XenModel
import XenRing

/// A rootkit's flood as the controller really serves it: Xen's side fills the ring with writes to
/// sys_call_table from four vCPUs, and `ProtectionSession.serveRing()` takes each off the ring,
/// decides, answers, and reports it (the alert is built with the writer's symbol and passed through
/// flood control, which lets the first through and counts the rest), then notifies once per batch.
final class DenialFlood {
    static let eventsPerRun = 200_000
    let xen: ScriptedXen
    let session: ProtectionSession
    let requests: [vm_event_request_t]
    let alerts: FloodControl

    /// Flood control as `warden run` applies it; what gets through is rendered as a JSON line.
    final class FloodControl {
        var throttle: AlertThrottle<ContinuousClock.Instant>
        var emitted = 0

        init() throws { throttle = try AlertThrottle() }

        func admit(_ alert: Alert) {
            for passed in throttle.admit(alert, at: .now) { emitted += JSONAlertRenderer.line(passed).utf8.count > 0 ? 1 : 0 }
        }
    }

    init(policy targets: [ProtectedTarget]) throws {
        let write = try RootkitWrite(policy: targets)
        xen = try ScriptedXen(memory: write.guest.memory, vcpus: 4)
        let alerts = try FloodControl()
        self.alerts = alerts
        requests = try (0..<4).map { try write.request(vcpu: $0) }
        session = ProtectionSession(
            hypervisor: xen, engine: DecisionEngine(frames: ProtectedFrames(plan: write.plan), symbols: write.kernel.symbols),
            domain: AlertDomain(id: 7, name: "flood"), report: alerts.admit)
        try session.setUp()
    }

    /// Serves `eventsPerRun` denied writes, eight (a full ring) per batch; returns how many were denied.
    func run() -> Int {
        let before = session.statistics.denied
        var put = 0
        while put < Self.eventsPerRun {
            for index in 0..<8 where xen.putRaw(requests[index % 4]) { put += 1 }
            _ = session.serveRing()
            _ = xen.discardResponses()
        }
        return session.statistics.denied - before
    }
}
