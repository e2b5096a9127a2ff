import Hypervisor
import Testing
import XenModel

/// Per-view access and suppress-#VE bits: xen/arch/x86/mm/mem_access.c, xen/arch/x86/mm/p2m.c,
/// xen/arch/x86/mm/p2m-ept.c.
@Suite struct MemAccessTests {
    @Test func aNewViewsDefaultAccessIsNotAppliedToLazilyCopiedEntries() throws {
        let fixture = try ModelFixture()
        let model = fixture.model
        let controller = try HandController(model: model)
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .readExecute)
        try model.switchToView(view)
        // Not copied yet: the view has no entry for the frame.
        #expect(throws: XenErrno.esrch) { try model.memAccess(view: view, gfn: fixture.tableGFN) }
        // The write copies the host's rwx entry in (4.17's p2m_altp2m_get_or_propagate) and succeeds.
        #expect(fixture.overwriteTable(vcpu: 0) == .completed(.executed))
        #expect(try fixture.tableEntry() == bytes(of: 0x4141_4141_4141_4141))
        #expect(try model.memAccess(view: view, gfn: fixture.tableGFN) == .readWriteExecute)
        #expect(controller.take().isEmpty)
    }

    @Test func settingOneGFNCopiesTheWholeHostSuperpageWithHostAccess() throws {
        let fixture = try ModelFixture()
        let model = fixture.model
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .none)
        try model.setMemAccess(.readExecute, view: view, gfn: fixture.tableGFN)
        let neighbour = fixture.tableGFN ^ 1
        #expect(try model.memAccess(view: view, gfn: fixture.tableGFN) == .readExecute)
        #expect(try model.memAccess(view: view, gfn: neighbour) == .readWriteExecute)
        // The next 2 MiB block was not copied.
        #expect(throws: XenErrno.esrch) { try model.memAccess(view: view, gfn: (fixture.tableGFN | 511) + 1) }
    }

    @Test func withoutSuperpagesOnlyTheFrameIsCopied() throws {
        var configuration = XenModelConfiguration()
        configuration.hostSuperpages = false
        let fixture = try ModelFixture(configuration: configuration)
        let model = fixture.model
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .none)
        try model.setMemAccess(.readExecute, view: view, gfn: fixture.tableGFN)
        #expect(throws: XenErrno.esrch) { try model.memAccess(view: view, gfn: fixture.tableGFN ^ 1) }
    }

    @Test func settingAccessOnAnUnbackedGFNSucceedsAndDoesNothing() throws {
        let model = try ModelFixture().model
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .readExecute)
        // The synthetic guest's hole at 16 MiB, and a gfn past the end of RAM.
        for gfn: UInt64 in [0x1000, 0x80_0000] {
            try model.setMemAccess(.none, view: view, gfn: gfn)
            try model.setMemAccess(.none, view: .host, gfn: gfn)
            #expect(throws: XenErrno.esrch) { try model.memAccess(view: view, gfn: gfn) }
            #expect(throws: XenErrno.esrch) { try model.memAccess(view: .host, gfn: gfn) }
        }
        // Beyond the EPT's reach the host write itself fails.
        #expect(throws: XenErrno.einval) { try model.setMemAccess(.none, view: .host, gfn: 1 << 36) }
    }

    @Test func accessCallsOnAMissingViewOrWithABadAccessAreEINVAL() throws {
        let model = try ModelFixture().model
        try model.setAltp2m(enabled: true)
        #expect(throws: XenErrno.einval) { try model.setMemAccess(.readExecute, view: ViewID(3), gfn: 1) }
        #expect(throws: XenErrno.einval) { try model.memAccess(view: ViewID(12), gfn: 1) }
        #expect(throws: XenErrno.einval) { try model.setMemAccess(xenmem: 11, view: .host, gfn: 1) }
        #expect(throws: XenErrno.einval) { try model.setSuppressVE(false, view: ViewID(3), gfn: 1) }
    }

    @Test func settingAccessThroughIndexZeroChangesTheHostAndOverwritesEveryViewHoldingTheFrame() throws {
        let fixture = try ModelFixture()
        let model = fixture.model
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .readExecute)
        try model.setMemAccess(.readExecute, view: view, gfn: fixture.tableGFN)
        try model.setMemAccess(.readWrite, view: .host, gfn: fixture.tableGFN)
        #expect(try model.memAccess(view: .host, gfn: fixture.tableGFN) == .readWrite)
        #expect(try model.memAccess(view: view, gfn: fixture.tableGFN) == .readWrite)
        // A view that never copied the frame is untouched.
        let other = try model.createView(defaultAccess: .none)
        #expect(throws: XenErrno.esrch) { try model.memAccess(view: other, gfn: fixture.tableGFN) }
    }

    @Test func suppressVEDefaultsToSetAndAHostChangeResetsTheViewsAccess() throws {
        let fixture = try ModelFixture()
        let model = fixture.model
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .readExecute)
        #expect(throws: XenErrno.esrch) { try model.setSuppressVE(false, view: view, gfn: 0x1000) }
        try model.setMemAccess(.readExecute, view: view, gfn: fixture.tableGFN)
        #expect(try model.suppressVE(view: view, gfn: fixture.tableGFN))
        try model.setSuppressVE(false, view: view, gfn: fixture.tableGFN)
        #expect(try model.suppressVE(view: view, gfn: fixture.tableGFN) == false)
        // Through index 0 the host entry is rewritten and propagated: the view keeps its #VE bit but
        // takes the host's access, losing the restriction.
        try model.setSuppressVE(true, view: .host, gfn: fixture.tableGFN)
        #expect(try model.suppressVE(view: view, gfn: fixture.tableGFN) == false)
        #expect(try model.memAccess(view: view, gfn: fixture.tableGFN) == .readWriteExecute)
    }

    @Test func theHostDefaultAccessValueMeansTheHostsDefault() throws {
        let fixture = try ModelFixture()
        let model = fixture.model
        try model.setAltp2m(enabled: true)
        let view = try model.createView(defaultAccess: .hostDefault)
        try model.setMemAccess(.hostDefault, view: view, gfn: fixture.tableGFN)
        #expect(try model.memAccess(view: view, gfn: fixture.tableGFN) == .readWriteExecute)
    }
}
