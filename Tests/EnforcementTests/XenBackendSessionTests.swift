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
}
