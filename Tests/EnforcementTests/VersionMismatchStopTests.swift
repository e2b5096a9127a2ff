import Alerts
import Enforcement
import Hypervisor
import RingScript
import Testing
import WardenCore
import XenRing

/// A request stamped with another vm_event interface version, put on the ring from Xen's side
/// (`ScriptedXen`): the run loop answers everything in that drain, then stops by itself and tears down.
@Suite struct VersionMismatchStopTests {
    typealias Hostile = HostileRequestTests

    @Test func runAnswersTheWholeDrainThenStopsAndTearsDown() throws {
        let harness = try Hostile.Harness()
        let entry = harness.guest.physical("sys_call_table", plus: 8)
        let write = MemAccessEvent(gfn: entry >> 12, offset: entry & 0xFFF, gla: 0, flags: [.write])
        let requests = [
            Hostile.request(.memAccess, vcpu: 0, payload: .memAccess(write)),
            Hostile.request(.memAccess, vcpu: 1, version: 8, payload: .memAccess(write)),
            Hostile.request(.cpuid, vcpu: 2),
            Hostile.request(.memAccess, vcpu: 3, version: 6, payload: .memAccess(write)),
        ]
        for request in requests { try #require(harness.xen.put(request)) }
        var polls = 0
        let failures = harness.session.run(pollMilliseconds: 0) {
            polls += 1
            return polls > 3
        }
        #expect(failures.isEmpty)
        #expect(polls == 1, "the session stopped by itself, not because it was told to")
        // The first mismatch is the one reported.
        #expect(harness.session.versionMismatch == VMEventVersionMismatch(stamped: 8))

        // Every request got its reply: the version-7 write by policy, the rest with a plain resume.
        let replies = harness.xen.collectResponses()
        try #require(replies.count == 4)
        #expect(replies[0] == VMEventResponse.answering(requests[0]).deny())
        Hostile.expectPlainResume(replies[1], to: requests[1], echoing: .memAccess(write))
        Hostile.expectPlainResume(replies[2], to: requests[2], echoing: .other)
        Hostile.expectPlainResume(replies[3], to: requests[3], echoing: .memAccess(write))
        #expect(harness.session.statistics.denied == 1)
        #expect(harness.guest.alerts.map(\.outcome) == [.denied])

        // Then teardown, in full.
        let teardown = Array(harness.xen.calls.dropFirst(harness.setUpCalls.count))
        #expect(teardown.first == "pause")
        #expect(teardown.last == "unpause")
        for call in ["setViewVisibility(0, true)", "switchToView(0)", "destroyView(1)", "setAltp2m(false)", "disableMonitorRing"] {
            #expect(teardown.contains(call), "\(call)")
        }
    }

    @Test func withoutAMismatchTheRunKeepsServingUntilToldToStop() throws {
        let harness = try Hostile.Harness()
        #expect(harness.xen.put(Hostile.request(.cpuid, vcpu: 2)))
        var polls = 0
        #expect(harness.session.run(pollMilliseconds: 0) {
            polls += 1
            return polls > 3
        }.isEmpty)
        #expect(polls == 4)
        #expect(harness.session.versionMismatch == nil)
    }

    @Test func theMismatchNamesBothVersionsAndWhatWardenDid() {
        let message = VMEventVersionMismatch(stamped: 8).description
        for piece in [
            "Xen stamped vm_event interface version 8", "Warden speaks version 7", "drops replies of another version",
            "stopped serving and tore down", "restarted",
        ] {
            #expect(message.contains(piece), "\(piece)")
        }
    }
}
