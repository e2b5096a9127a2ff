import Glibc
import Hypervisor
import Testing
import WardenCore
import XenInterop
import XenModel
import XenRing

/// The production Xen backend (`XenHypervisor`, over `XenModel.calls`) and the direct `ModelHypervisor`
/// run the same controller sequence against the model and must see the same Xen.
@Suite struct BackendTests {
    /// Setup as Warden does it, a guest write, a deny, teardown — through the `Hypervisor` protocol only.
    func denyRoundTrip(_ hypervisor: any Hypervisor, _ fixture: ModelFixture) throws {
        let page = try hypervisor.enableMonitorRing()
        var back = try VMEventBackRing(page: page, size: 4096)
        try hypervisor.setSinglestepMonitoring(true)
        try hypervisor.setAltp2m(enabled: true)
        let view = try hypervisor.createView(defaultAccess: .readExecute)
        try hypervisor.setAccess(.readExecute, view: view, gfns: [fixture.tableGFN])
        try hypervisor.switchToView(view)
        #expect(try hypervisor.currentView(vcpu: 3) == view)
        #expect(try hypervisor.access(view: view, gfn: fixture.tableGFN) == .readExecute)
        let original = try fixture.tableEntry()

        #expect(fixture.overwriteTable(vcpu: 1) == .pendingEvent(gfn: fixture.tableGFN))
        #expect(try hypervisor.waitForRingEvent(milliseconds: 0))
        let next = back.nextRequest()
        let request = try #require(next)
        #expect(request.vcpuID == 1)
        try back.put(VMEventResponse.answering(request).deny())
        try hypervisor.notifyRing()
        fixture.model.step()
        #expect(try fixture.tableEntry() == original)
        #expect(try hypervisor.waitForRingEvent(milliseconds: 0) == false)

        // Guest memory reads go through the backend's own path.
        let seen = try hypervisor.memory.readBytes(physical: fixture.tablePhysical, count: 8)
        #expect(seen == original)
        #expect(try hypervisor.vcpuRegisters().count == 4)

        try hypervisor.pause()
        try hypervisor.switchToView(.host)
        try hypervisor.destroyView(view)
        try hypervisor.setAltp2m(enabled: false)
        for vcpu in 0..<4 { try hypervisor.singlestepOff(vcpu: vcpu) }
        try hypervisor.disableMonitorRing()
        try hypervisor.unpause()
    }

    @Test func theXenBackendRunsOverTheModelsCTable() throws {
        let fixture = try ModelFixture()
        let before = fixture.model.snapshot()
        let hypervisor = try XenHypervisor.open("1", calls: fixture.model.calls)
        try denyRoundTrip(hypervisor, fixture)
        #expect(fixture.model.snapshot() == before)
    }

    @Test func theDirectModelHypervisorBehavesTheSame() throws {
        let fixture = try ModelFixture()
        let before = fixture.model.snapshot()
        try denyRoundTrip(ModelHypervisor(model: fixture.model), fixture)
        #expect(fixture.model.snapshot() == before)
    }

    @Test func theXenBackendFindsTheDomainByNameAndPassesPreflight() throws {
        let fixture = try ModelFixture()
        let report = try XenPreflight.check(
            "model-guest", calls: fixture.model.calls, host: XenHost(hasPrivcmd: true, isRoot: true))
        #expect(report.hypervisor.domain == 1)
        #expect(try report.hypervisor.monitorCapabilities() & XenMonitorCapability.singlestep != 0)
    }

    @Test func xenErrorsReachTheBackendWithTheirCodes() throws {
        let fixture = try ModelFixture()
        let hypervisor = try XenHypervisor.open("1", calls: fixture.model.calls)
        #expect(throws: HypervisorError(operation: "xc_altp2m_create_view", errno: EOPNOTSUPP)) {
            try hypervisor.createView(defaultAccess: .readExecute)
        }
        _ = try hypervisor.enableMonitorRing()
        let second = try XenHypervisor.open("1", calls: fixture.model.calls)
        #expect(throws: HypervisorError(operation: "xc_monitor_enable", errno: EBUSY)) {
            try second.enableMonitorRing()
        }
        try hypervisor.disableMonitorRing()
        #expect(throws: HypervisorError(operation: "xc_monitor_disable", errno: EINVAL)) {
            try hypervisor.disableMonitorRing()
        }
    }

    @Test func withoutXenDevicesOpeningFailsWithENOENT() throws {
        var configuration = XenModelConfiguration()
        configuration.privcmdAvailable = false
        let model = try ModelFixture(configuration: configuration).model
        #expect(throws: XenDomainError.xen(XenError(operation: "xc_interface_open", errno: ENOENT))) {
            try XenHypervisor.open("1", calls: model.calls)
        }
    }

    @Test func anotherDomainIsESRCHAndAPVDomainIsRefused() throws {
        let fixture = try ModelFixture()
        #expect(throws: XenDomainError.noSuchDomain(7)) { try XenHypervisor.open("7", calls: fixture.model.calls) }
        #expect(throws: XenDomainError.notHVM(0)) { try XenHypervisor.open("0", calls: fixture.model.calls) }
    }
}

@Suite struct ModelHypervisorTests {
    @Test func waitingForTheRingLetsTheGuestRun() throws {
        let fixture = try ModelFixture()
        let hypervisor = ModelHypervisor(model: fixture.model, guestRoundsPerWait: 3)
        _ = try hypervisor.enableMonitorRing()
        try hypervisor.setAltp2m(enabled: true)
        let view = try hypervisor.createView(defaultAccess: .readExecute)
        try hypervisor.setAccess(.readExecute, view: view, gfns: [fixture.tableGFN])
        try hypervisor.switchToView(view)
        // Nothing scripted: the guest idles and no event comes.
        #expect(try hypervisor.waitForRingEvent(milliseconds: 100) == false)
        fixture.model.enqueue(
            GuestInstruction(rip: fixture.rip, write: GuestWrite(virtual: fixture.tableVirtual, bytes: [0])), on: 2)
        #expect(try hypervisor.waitForRingEvent(milliseconds: 100))
        #expect(fixture.model.vcpuStatus(2)?.vmEventPauseCount == 1)
    }

    @Test func errorsCarryTheLibxenctrlFunctionName() throws {
        let hypervisor = ModelHypervisor(model: try ModelFixture().model)
        #expect(throws: HypervisorError(operation: "xc_altp2m_destroy_view", errno: EOPNOTSUPP)) {
            try hypervisor.destroyView(ViewID(1))
        }
        #expect(throws: HypervisorError(operation: "xc_domain_unpause", errno: EINVAL)) { try hypervisor.unpause() }
    }
}
