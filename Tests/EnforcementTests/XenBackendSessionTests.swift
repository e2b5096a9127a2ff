import Alerts
import Enforcement
import Hypervisor
import Testing
import WardenCore
import XenInterop
import XenModel

/// The controller over the production Xen backend (`XenHypervisor`, the code `warden run` uses),
/// whose libxenctrl/libxenevtchn calls are answered by the model of Xen 4.17 instead of a hypervisor.
@Suite struct XenBackendSessionTests {
    @Test func denyAndTeardownThroughTheXenBackendLeaveTheGuestAsItWas() throws {
        let guest = try ModelGuest(ProtectionSessionTests.targets)
        let backend = try XenHypervisor.open(String(guest.model.domainID), calls: guest.model.calls)
        let session = guest.session(on: backend)
        try session.setUp()
        let before = try guest.read("sys_call_table", plus: 16)
        _ = guest.model.write(
            vcpu: 2, virtual: guest.address("sys_call_table", plus: 16), bytes: [UInt8](repeating: 0x66, count: 8),
            rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(try guest.read("sys_call_table", plus: 16) == before)
        #expect(guest.alerts.map(\.outcome) == [.denied])
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }

    @Test func aXenThatStampsAnotherInterfaceVersionPassesPreflightWithAWarningThenStopsTheRun() throws {
        // A Xen newer than any Warden knows, which changed the interface: preflight can only assume 7.
        var xen = XenModelConfiguration()
        xen.xenVersion = XenVersion(major: 4, minor: 23)
        xen.vmEventInterfaceVersion = 8
        let guest = try ModelGuest(ProtectionSessionTests.targets, configuration: xen)
        let report = try XenPreflight.check(
            String(guest.model.domainID), calls: guest.model.calls, host: XenHost(hasPrivcmd: true, isRoot: true))
        #expect(report.warnings == [.vmEventInterfaceAssumed(xen: xen.xenVersion)])
        let session = guest.session(on: report.hypervisor)
        try session.setUp()
        let before = try guest.read("sys_call_table", plus: 16)
        let write = guest.model.write(
            vcpu: 2, virtual: guest.address("sys_call_table", plus: 16), bytes: [UInt8](repeating: 0x66, count: 8),
            rip: guest.address("commit_creds"))
        #expect(write == .pendingEvent(gfn: guest.physical("sys_call_table", plus: 16) >> 12))
        var polls = 0
        let failures = session.run(pollMilliseconds: 0) {
            polls += 1
            return polls > 50
        }
        #expect(failures.isEmpty)
        #expect(polls == 1, "the session stopped by itself")
        #expect(session.versionMismatch == VMEventVersionMismatch(stamped: 8))
        #expect(try guest.read("sys_call_table", plus: 16) == before)
        #expect(guest.alerts.isEmpty)
        // Torn down, except what no controller can undo: Xen dropped the version-7 reply, so vCPU 2 waits on.
        var expected = guest.baseline
        expected.vmEventPauseCounts[2] = 1
        #expect(guest.model.snapshot() == expected)
    }

    @Test func aFailureAtAnySetupStepOfTheXenBackendLeavesTheGuestUnrestricted() throws {
        let probe = try ModelGuest(ProtectionSessionTests.targets)
        let counting = FaultInjectingHypervisor(try XenHypervisor.open(String(probe.model.domainID), calls: probe.model.calls))
        try probe.session(on: counting).setUp()
        for failAt in 1...counting.mutatingCalls {
            let guest = try ModelGuest(ProtectionSessionTests.targets)
            let backend = try XenHypervisor.open(String(guest.model.domainID), calls: guest.model.calls)
            let faulty = FaultInjectingHypervisor(backend, failAt: failAt)
            #expect(throws: ProtectionSession.SetupError.self) { try guest.session(on: faulty).setUp() }
            #expect(guest.model.snapshot() == guest.baseline, "after a failure at \(faulty.log.last ?? "?")")
        }
    }

    @Test func onAHostWithoutMTFPreflightReportsTheEmulatePathAndTheXenBackendEmulatesAlertedWrites() throws {
        let guest = try ModelGuest(ProtectionSessionTests.targets, configuration: EmulatePathTests.noMTF)
        let report = try XenPreflight.check(
            String(guest.model.domainID), calls: guest.model.calls, host: XenHost(hasPrivcmd: true, isRoot: true))
        #expect(report.allowPath == .emulate)
        #expect(report.singlestepAvailable == false)
        #expect(report.allowPathNote?.contains("no Monitor Trap Flag") == true)
        #expect(throws: XenPreflightError.noSinglestep(domid: guest.model.domainID, capabilities: 0x1F7B)) {
            try XenPreflight.check(
                String(guest.model.domainID), calls: guest.model.calls, host: XenHost(hasPrivcmd: true, isRoot: true),
                allowPath: .singlestep)
        }
        let session = guest.session(on: report.hypervisor, allowPath: .emulate)
        try session.setUp()
        let new = Array("/tmp/z\0\0".utf8)
        _ = guest.model.write(vcpu: 1, virtual: guest.address("modprobe_path"), bytes: new, rip: guest.address("commit_creds"))
        guest.pump(session)
        #expect(try guest.read("modprobe_path") == new)
        #expect(guest.alerts.map(\.via) == [.emulation])
        #expect(guest.alerts.first?.written?.new == new)
        #expect(session.tearDown().isEmpty)
        #expect(guest.model.snapshot() == guest.baseline)
    }
}
