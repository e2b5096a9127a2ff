import Alerts
import Enforcement
import Hypervisor
import RingScript
import Testing
import WardenCore
import XenModel
import XenRing

/// The counts behind `warden run --metrics`: writes injected into the model of Xen 4.17 (and requests put
/// on the ring by hand) come out in `SessionMetrics` by kind, target and outcome, one latency and one
/// occupancy observation each.
@Suite struct SessionMetricsTests {
    /// `ProtectionSessionTests.targets`, by plan index.
    static let sysCallTable = 0, modprobePath = 1, corePattern = 2, kernelText = 3

    func write(_ guest: ModelGuest, vcpu: Int, _ name: String, plus offset: UInt64 = 0, from writer: String, byte: UInt8) {
        _ = guest.model.write(
            vcpu: vcpu, virtual: guest.address(name, plus: offset), bytes: [UInt8](repeating: byte, count: 8),
            rip: guest.address(writer))
    }

    @Test func everyInjectedWriteIsCountedByKindTargetAndOutcomeOnTheEmulatePath() throws {
        let (guest, session) = try EmulatePathTests.protectedGuest()
        for round in 0..<5 {
            write(guest, vcpu: round % 4, "sys_call_table", plus: UInt64(round) * 8, from: "commit_creds", byte: 0x41)
            guest.pump(session)
        }
        write(guest, vcpu: 1, "modprobe_path", from: "commit_creds", byte: 0x2F)
        write(guest, vcpu: 2, "modprobe_path", plus: 8, from: "commit_creds", byte: 0x2E)
        write(guest, vcpu: 3, "core_pattern", from: "commit_creds", byte: 0x7C)
        write(guest, vcpu: 0, "_stext", plus: 0x40, from: "text_poke", byte: 0x90)
        // init_cred sits in modprobe_path's frame and is no target here: a neighbour write.
        write(guest, vcpu: 1, "init_cred", from: "commit_creds", byte: 0x00)
        guest.pump(session)

        let metrics = session.metrics
        #expect(metrics.events(.memAccess) == 10)
        #expect(SessionMetrics.EventKind.allCases.filter { $0 != .memAccess }.allSatisfy { metrics.events($0) == 0 })
        #expect(metrics.decisions(target: Self.sysCallTable, outcome: .denied) == 5)
        #expect(metrics.decisions(target: Self.modprobePath, outcome: .alerted) == 2)
        #expect(metrics.decisions(target: Self.corePattern, outcome: .logged) == 1)
        #expect(metrics.decisions(target: Self.kernelText, outcome: .allowedTrustedWriter) == 1)
        #expect(metrics.decisions.reduce(0, +) == 9)
        #expect(session.statistics.collateral == 1)
        // One latency per request served, and the passes that found requests saw all ten between them.
        #expect(metrics.latency.count == 10)
        #expect(metrics.latency.counts.reduce(0, +) == 10)
        #expect(metrics.latency.sumNanoseconds > 0)
        #expect(metrics.ringOccupancy.enumerated().reduce(0) { $0 + $1.offset * $1.element } == 10)
        #expect(metrics.ringOccupancy[0] == 0)
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func theSinglestepPathCountsTheStepThatFollowsEachAllowedWrite() throws {
        let guest = try ModelGuest(ProtectionSessionTests.targets)
        let session = guest.session(allowPath: .singlestep)
        try session.setUp()
        write(guest, vcpu: 1, "modprobe_path", from: "commit_creds", byte: 0x2F)
        write(guest, vcpu: 2, "sys_call_table", from: "commit_creds", byte: 0x41)
        guest.pump(session)
        #expect(session.metrics.events(.memAccess) == 2)
        #expect(session.metrics.events(.singlestep) == 1)
        #expect(session.metrics.decisions(target: Self.modprobePath, outcome: .alerted) == 1)
        #expect(session.metrics.decisions(target: Self.sysCallTable, outcome: .denied) == 1)
        #expect(session.metrics.latency.count == 3)
        #expect(session.tearDown().isEmpty)
    }

    @Test func aFullRingIsOneOccupancyOfEightAndRequestsNotActedOnAreCountedByKind() throws {
        let harness = try HostileRequestTests.Harness()
        let table = harness.guest.physical("sys_call_table")
        let denied = VMEventRequest(
            version: VMEventInterface.version, flags: [.vcpuPaused, .alternateP2M], reason: .memAccess, vcpuID: 1, altp2mIndex: 1,
            payload: .memAccess(MemAccessEvent(gfn: table >> 12, offset: table & 0xFFF, gla: 0, flags: [.write])))
        for _ in 0..<8 { #expect(harness.xen.put(denied)) }
        #expect(harness.session.serveRing().isEmpty)
        #expect(harness.xen.collectResponses().count == 8)
        #expect(harness.session.metrics.ringOccupancy[8] == 1)
        #expect(harness.session.metrics.decisions(target: Self.sysCallTable, outcome: .denied) == 8)

        _ = try harness.answer(HostileRequestTests.request(.cpuid))
        _ = try harness.answer(HostileRequestTests.request(.singlestep))
        _ = try harness.answer(HostileRequestTests.request(.memAccess, version: 8))
        let metrics = harness.session.metrics
        #expect(metrics.events(.memAccess) == 8)
        #expect(metrics.events(.other) == 1)
        #expect(metrics.events(.singlestep) == 1)
        #expect(metrics.events(.otherVersion) == 1)
        #expect(metrics.ringOccupancy[1] == 3)
        #expect(metrics.latency.count == 11)
        #expect(harness.session.statistics.ignored == 2)
    }
}
