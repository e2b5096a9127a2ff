import Hypervisor
import Testing
import XenModel

/// View lifecycle and the error codes of xen/arch/x86/hvm/hvm.c `do_altp2m_op` and xen/arch/x86/mm/p2m.c.
@Suite struct ViewLifecycleTests {
    @Test func enablingCreatesViewZeroAndPutsEveryVCPUOnIt() throws {
        let fixture = try ModelFixture()
        let model = fixture.model
        #expect(try model.altp2mEnabled() == false)
        try model.setAltp2m(enabled: true)
        #expect(try model.altp2mEnabled())
        #expect(model.snapshot().views == [0])
        for vcpu in 0..<4 { #expect(try model.currentView(vcpu: vcpu) == .host) }
    }

    @Test func createUsesTheLowestFreeIndexAndTheEleventhFailsWithEINVAL() throws {
        let model = try ModelFixture().model
        try model.setAltp2m(enabled: true)
        let created = try (1...9).map { _ in try model.createView(defaultAccess: .readWrite) }
        #expect(created.map(\.index) == Array(1...9))
        #expect(throws: XenErrno.einval) { try model.createView(defaultAccess: .readWrite) }
        try model.destroyView(ViewID(4))
        #expect(try model.createView(defaultAccess: .none) == ViewID(4))
    }

    @Test func createRefusesADefaultAccessAboveXenmemAccessDefault() throws {
        let model = try ModelFixture().model
        try model.setAltp2m(enabled: true)
        #expect(throws: XenErrno.einval) { try model.createView(xenmemDefaultAccess: 11) }
        #expect(try model.createView(xenmemDefaultAccess: 10) == ViewID(1))
    }

    @Test(arguments: [UInt16(0), 10, 3])
    func destroyingViewZeroAnOutOfRangeOrMissingViewIsEBUSY(view: UInt16) throws {
        let model = try ModelFixture().model
        try model.setAltp2m(enabled: true)
        _ = try model.createView(defaultAccess: .readExecute)
        #expect(throws: XenErrno.ebusy) { try model.destroyView(ViewID(view)) }
    }

    @Test func destroyingAViewInUseIsEBUSYUntilNoVCPUUsesIt() throws {
        let model = try ModelFixture().model
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .readExecute)
        try model.switchToView(view)
        #expect(throws: XenErrno.ebusy) { try model.destroyView(view) }
        try model.switchToView(.host)
        try model.destroyView(view)
        #expect(model.snapshot().views == [0])
    }

    @Test func switchingToAHiddenOrMissingViewIsEINVAL() throws {
        let model = try ModelFixture().model
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .readExecute)
        #expect(throws: XenErrno.einval) { try model.switchToView(ViewID(5)) }
        #expect(throws: XenErrno.einval) { try model.switchToView(ViewID(10)) }
        try model.switchToView(view)
        try model.setVisibility(.host, visible: false)
        #expect(throws: XenErrno.einval) { try model.switchToView(.host) }
        #expect(throws: XenErrno.einval) { try model.setVisibility(ViewID(7), visible: true) }
        try model.setVisibility(.host, visible: true)
        try model.switchToView(.host)
        #expect(model.snapshot().vcpuViews == [0, 0, 0, 0])
    }

    @Test func everyAltp2mOpButTheStateOnesNeedsAltp2mActive() throws {
        let model = try ModelFixture().model
        #expect(throws: XenErrno.eopnotsupp) { try model.createView(defaultAccess: .readExecute) }
        #expect(throws: XenErrno.eopnotsupp) { try model.switchToView(.host) }
        #expect(throws: XenErrno.eopnotsupp) { try model.setMemAccess(.readExecute, view: .host, gfn: 1) }
        #expect(throws: XenErrno.eopnotsupp) { try model.currentView(vcpu: 0) }
        #expect(try model.altp2mEnabled() == false)
    }

    @Test func withoutTheAltp2mBootOptionEveryOpIsEOPNOTSUPP() throws {
        var configuration = XenModelConfiguration()
        configuration.altp2mBootOption = false
        let model = try ModelFixture(configuration: configuration).model
        #expect(throws: XenErrno.eopnotsupp) { try model.altp2mEnabled() }
        #expect(throws: XenErrno.eopnotsupp) { try model.setAltp2m(enabled: true) }
    }

    @Test func withTheAltp2mParameterDisabledTheStateOpsAreEINVAL() throws {
        var configuration = XenModelConfiguration()
        configuration.altp2mMode = .disabled
        let model = try ModelFixture(configuration: configuration).model
        #expect(throws: XenErrno.einval) { try model.altp2mEnabled() }
        #expect(throws: XenErrno.einval) { try model.setAltp2m(enabled: true) }
    }

    @Test func aPVDomainHasNoAltp2mAndNoMonitorRing() throws {
        var configuration = XenModelConfiguration()
        configuration.isHVM = false
        let model = try ModelFixture(configuration: configuration).model
        #expect(throws: XenErrno.eopnotsupp) { try model.setAltp2m(enabled: true) }
        #expect(throws: XenErrno.einval) { try model.enableMonitorRing() }
        #expect(throws: XenErrno.einval) { try model.setSingleStep(vcpu: 0, enabled: false) }
        #expect(model.monitorCapabilities == 0)
    }

    @Test func nestedHVMRefusesSetDomainStateWithEINVAL() throws {
        var configuration = XenModelConfiguration()
        configuration.nestedHVM = true
        let model = try ModelFixture(configuration: configuration).model
        #expect(throws: XenErrno.einval) { try model.setAltp2m(enabled: true) }
    }

    @Test func theVCPUViewQueryRejectsAMissingVCPU() throws {
        let model = try ModelFixture().model
        try model.setAltp2m(enabled: true)
        #expect(throws: XenErrno.einval) { try model.currentView(vcpu: 4) }
    }
}
