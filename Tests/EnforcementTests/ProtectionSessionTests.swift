import Alerts
import Enforcement
import Hypervisor
import Testing
import WardenCore
import XenModel

@Suite struct ProtectionSessionTests {
    static let targets = [
        ModelGuest.target("sys_call_table", .deny, length: 8 * 451),
        ModelGuest.target("modprobe_path", .alert),
        ModelGuest.target("core_pattern", .log),
        ModelGuest.target("_stext", .alert, writers: ["text_poke"]),
    ]

    @Test func setUpRestrictsEveryPlannedFrameAndTearDownLeavesNothingBehind() throws {
        let guest = try ModelGuest(Self.targets)
        let session = guest.session()
        try session.setUp()
        let active = guest.model.snapshot()
        #expect(active.altp2mActive)
        #expect(active.vcpuViews.allSatisfy { $0 == session.restrictedView.index })
        #expect(active.hiddenViews == [0])
        #expect(active.controllerPauseCount == 0)
        let table = guest.physical("sys_call_table") >> 12
        #expect(try guest.hypervisor.access(view: session.restrictedView, gfn: table) == .readExecute)
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func denyLeavesTheSyscallTableUnchangedAndReportsIt() throws {
        let guest = try ModelGuest(Self.targets)
        let session = guest.session()
        try session.setUp()
        let before = try guest.read("sys_call_table", plus: 8)
        let outcome = guest.model.write(
            vcpu: 1, virtual: guest.address("sys_call_table", plus: 8), bytes: [UInt8](repeating: 0x41, count: 8),
            rip: guest.address("commit_creds", plus: 0x10))
        #expect(outcome == .pendingEvent(gfn: guest.physical("sys_call_table", plus: 8) >> 12))
        guest.pump(session)
        #expect(try guest.read("sys_call_table", plus: 8) == before)
        #expect(guest.model.vcpuStatus(1)?.retired.last?.retirement == .emulatedWithoutWrites)
        #expect(guest.alerts.map(\.outcome) == [.denied])
        #expect(guest.alerts.first?.target == SymbolOffset(symbol: "sys_call_table", offset: 8))
        #expect(guest.alerts.first?.ripSymbol == SymbolOffset(symbol: "commit_creds", offset: 0x10))
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func alertLetsTheWriteHappenOnceAndReportsOldAndNewBytes() throws {
        let guest = try ModelGuest(Self.targets)
        let session = guest.session()
        try session.setUp()
        let old = try guest.read("modprobe_path")
        let new = Array("/tmp/x\0\0".utf8)
        _ = guest.model.write(vcpu: 2, virtual: guest.address("modprobe_path"), bytes: new, rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(try guest.read("modprobe_path") == new)
        let alert = try #require(guest.alerts.first)
        #expect(alert.outcome == .alerted)
        #expect(alert.written == WrittenBytes(old: old, new: new))
        // Back in the restricted view: the next write traps again.
        #expect(guest.model.snapshot().vcpuViews[2] == session.restrictedView.index)
        _ = guest.model.write(vcpu: 2, virtual: guest.address("modprobe_path"), bytes: old, rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(guest.alerts.count == 2)
        #expect(session.tearDown().isEmpty)
    }

    @Test func logTargetsCarryTheProtectedBytesAfterTheWrite() throws {
        let guest = try ModelGuest(Self.targets)
        let session = guest.session()
        try session.setUp()
        _ = guest.model.write(vcpu: 0, virtual: guest.address("core_pattern", plus: 4), bytes: [0x7C], rip: guest.address("commit_creds"))
        guest.pump(session)
        let alert = try #require(guest.alerts.first)
        #expect(alert.outcome == .logged)
        #expect(alert.after?.offset == 0)
        #expect(alert.after?.bytes == (try guest.read("core_pattern", count: 256)))
        #expect(session.tearDown().isEmpty)
    }

    @Test func trustedWritersPassSilentlyAndOthersAreReported() throws {
        let guest = try ModelGuest(Self.targets)
        let session = guest.session()
        try session.setUp()
        _ = guest.model.write(vcpu: 0, virtual: guest.address("_stext", plus: 0x10), bytes: [0x90], rip: guest.address("text_poke", plus: 4))
        guest.pump(session)
        #expect(try guest.read("_stext", plus: 0x10, count: 1) == [0x90])
        #expect(guest.alerts.isEmpty)
        #expect(session.statistics.trustedWriter == 1)
        _ = guest.model.write(vcpu: 0, virtual: guest.address("_stext", plus: 0x20), bytes: [0xCC], rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(guest.alerts.map(\.outcome) == [.alerted])
        #expect(session.statistics.trustedWriter == 1 && session.statistics.allowedOnce == 2)
        #expect(session.tearDown().isEmpty)
    }

    @Test func fourVCPUsWritingAtOnceAreEachAnsweredWhileAnotherIsInItsAllowWindow() throws {
        let guest = try ModelGuest(Self.targets)
        let session = guest.session()
        try session.setUp()
        let before = try guest.read("sys_call_table", count: 64)
        // vCPU 3 enters an allow-once window first; the other three attack the table meanwhile.
        _ = guest.model.write(vcpu: 3, virtual: guest.address("modprobe_path"), bytes: [0x2F], rip: guest.address("commit_creds"))
        _ = session.serveRing()
        for vcpu in 0..<3 {
            _ = guest.model.write(
                vcpu: vcpu, virtual: guest.address("sys_call_table", plus: UInt64(vcpu) * 8),
                bytes: [UInt8](repeating: 0xEE, count: 8), rip: guest.address("commit_creds"))
        }
        guest.pump(session)
        #expect(try guest.read("sys_call_table", count: 64) == before)
        #expect(guest.alerts.filter { $0.outcome == .denied }.count == 3)
        #expect(guest.alerts.filter { $0.outcome == .alerted }.map(\.vcpu) == [3])
        #expect(guest.model.snapshot().vcpuViews.allSatisfy { $0 == session.restrictedView.index })
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func teardownWithRequestsPendingReleasesEveryVCPU() throws {
        let guest = try ModelGuest(Self.targets)
        let session = guest.session()
        try session.setUp()
        for vcpu in 0..<4 {
            _ = guest.model.write(
                vcpu: vcpu, virtual: guest.address("sys_call_table", plus: UInt64(vcpu) * 8), bytes: [1, 2, 3, 4, 5, 6, 7, 8],
                rip: guest.address("commit_creds"))
        }
        #expect(session.tearDown().isEmpty)
        _ = guest.model.runUntilIdle()
        #expect(guest.model.snapshot() == guest.baseline)
        #expect((0..<4).allSatisfy { guest.model.vcpuStatus($0)?.isRunnable == true })
    }

    @Test func aFailureAtAnySetupStepLeavesTheGuestUnrestricted() throws {
        let probe = try ModelGuest(Self.targets)
        let counting = FaultInjectingHypervisor(probe.hypervisor)
        try probe.session(on: counting).setUp()
        let steps = counting.mutatingCalls
        #expect(steps >= 8)
        for failAt in 1...steps {
            let guest = try ModelGuest(Self.targets)
            let faulty = FaultInjectingHypervisor(guest.hypervisor, failAt: failAt)
            let session = guest.session(on: faulty)
            #expect(throws: ProtectionSession.SetupError.self, "step \(failAt): \(faulty.log.last ?? "?")") {
                try session.setUp()
            }
            #expect(guest.model.snapshot() == guest.baseline, "after a failure at \(faulty.log.last ?? "?")")
        }
    }

    @Test func aHundredAttachDetachCyclesLeaveNoState() throws {
        let guest = try ModelGuest(Self.targets)
        for _ in 0..<100 {
            let session = guest.session()
            try session.setUp()
            _ = guest.model.write(vcpu: 1, virtual: guest.address("sys_call_table"), bytes: [9], rip: guest.address("commit_creds"))
            guest.pump(session)
            #expect(session.tearDown().isEmpty)
        }
        #expect(guest.model.snapshot() == guest.baseline)
        #expect(guest.alerts.count == 100)
    }

    @Test func teardownDoesNotReleaseAPauseItFailedToTake() throws {
        let guest = try ModelGuest(Self.targets)
        let faulty = FaultInjectingHypervisor(guest.hypervisor)
        let session = guest.session(on: faulty)
        try session.setUp()
        // An operator holds the domain paused (`xl pause`); then teardown's own pause fails.
        try guest.hypervisor.pause()
        faulty.failAt = faulty.mutatingCalls + 1
        let start = faulty.log.count
        let failures = session.tearDown()
        #expect(failures.map(\.operation) == ["injected: pause"])
        #expect(faulty.log[start...].first == "pause")
        #expect(!faulty.log[start...].contains("unpause"))
        #expect(guest.model.snapshot().controllerPauseCount == 1, "the operator's pause is still held")
        try guest.hypervisor.unpause()
        #expect(guest.model.snapshot() == guest.baseline)
    }
}
