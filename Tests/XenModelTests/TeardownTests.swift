import CXen
import Hypervisor
import Testing
import XenModel
import XenRing

/// Undoing setup: xen/arch/x86/hvm/hvm.c `do_altp2m_op` (set_domain_state 0), xen/common/vm_event.c
/// `vm_event_disable`, xen/arch/x86/monitor.c `arch_monitor_cleanup_domain`.
@Suite struct TeardownTests {
    @Test func disablingAltp2mPutsEveryVCPUOnTheHostAndDestroysEveryView() throws {
        let fixture = try ModelFixture()
        let (controller, view) = try fixture.protectTable()
        _ = try fixture.model.createView(defaultAccess: .none)
        try fixture.model.setVisibility(.host, visible: false)
        try fixture.model.setAltp2m(enabled: false)
        let snapshot = fixture.model.snapshot()
        #expect(snapshot.views.isEmpty)
        #expect(snapshot.vcpuViews == [nil, nil, nil, nil])
        #expect(throws: XenErrno.eopnotsupp) { try fixture.model.currentView(vcpu: 0) }
        // The host p2m was never restricted: the write goes through, no event.
        #expect(fixture.overwriteTable(vcpu: 0) == .completed(.executed))
        #expect(controller.take().isEmpty)
        // Re-enabling starts from scratch: view 0 only, visible.
        try fixture.model.setAltp2m(enabled: true)
        #expect(fixture.model.snapshot().views == [0])
        #expect(fixture.model.snapshot().hiddenViews.isEmpty)
        #expect(throws: XenErrno.ebusy) { try fixture.model.destroyView(view) }
    }

    @Test func disablingTheRingLeavesVCPUsWaitingForAReplyPausedUntilAReplyOnANewRing() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        _ = controller.take()
        try fixture.model.disableMonitorRing()
        #expect(fixture.model.snapshot().singlestepMonitoring == false)
        #expect(fixture.model.vcpuStatus(0)?.vmEventPauseCount == 1)
        #expect(throws: XenErrno.einval) { try fixture.model.disableMonitorRing() }
        // The recovery the reference describes: a new ring and an unsolicited reply (written with the raw
        // ring.h layout, since no request exists to answer) release the vCPU and no other.
        let rescue = try fixture.model.enableMonitorRing()
        var reply = vm_event_response_t()
        reply.version = 7
        reply.vcpu_id = 0
        reply.flags = VMEventFlags.vcpuPaused.rawValue
        rescue.page.storeBytes(of: reply, toByteOffset: 64, as: vm_event_response_t.self)
        rescue.page.storeBytes(of: UInt32(1), toByteOffset: 8, as: UInt32.self)
        fixture.model.notifyFromDom0()
        #expect(fixture.model.vcpuStatus(0)?.vmEventPauseCount == 0)
        #expect(fixture.model.vcpuStatus(1)?.vmEventPauseCount == 0)
        // ring.h's free count is req_prod_pvt - rsp_cons taken from the size: a reply with no request
        // leaves Xen believing 9 of the 8 slots are free, which both sides then carry consistently.
        #expect(fixture.model.freeRingSlots == 9)
        try fixture.model.unmapRing(rescue.page)
    }

    @Test func monitorEnableErrorsFollowVMEventEnable() throws {
        let fixture = try ModelFixture()
        let controller = try HandController(model: fixture.model)
        #expect(throws: XenErrno.ebusy) { try fixture.model.enableMonitorRing() }
        #expect(throws: XenErrno.eexist) { try fixture.model.setSinglestepMonitoring(false) }
        try fixture.model.setSinglestepMonitoring(true)
        #expect(throws: XenErrno.eexist) { try fixture.model.setSinglestepMonitoring(true) }
        _ = controller
        var configuration = XenModelConfiguration()
        configuration.hasMonitorRingGFN = false
        configuration.hasMonitorTrapFlag = false
        let bare = try ModelFixture(configuration: configuration).model
        #expect(throws: XenErrno.eopnotsupp) { try bare.enableMonitorRing() }
        #expect(throws: XenErrno.eopnotsupp) { try bare.setSinglestepMonitoring(true) }
        #expect(throws: XenErrno.eopnotsupp) { try bare.setSingleStep(vcpu: 0, enabled: false) }
        #expect(bare.monitorCapabilities == 0x1F7F & ~(1 << 2))
    }

    @Test func pausesNestAndUnderflowOrOverflowIsRefused() throws {
        let fixture = try ModelFixture()
        let model = fixture.model
        #expect(throws: XenErrno.einval) { try model.unpause() }
        try model.pause()
        try model.pause()
        #expect(fixture.overwriteTable(vcpu: 0) == .queued)
        try model.unpause()
        #expect(model.step() == 0)
        try model.unpause()
        #expect(model.step() == 1)
        for _ in 0..<255 { try model.pause() }
        #expect(throws: XenErrno.eoverflow) { try model.pause() }
        #expect(throws: XenErrno.einval) { try model.setSingleStep(vcpu: 4, enabled: false) }
    }

    @Test func aViolationWithoutAListenerLiftsTheRestrictionOrCrashesTheDomain() throws {
        let lifted = try ModelFixture()
        try lifted.model.setAltp2m(enabled: true)
        let view = try lifted.model.createView(defaultAccess: .readExecute)
        try lifted.model.setMemAccess(.readExecute, view: view, gfn: lifted.tableGFN)
        try lifted.model.switchToView(view)
        #expect(lifted.overwriteTable(vcpu: 0) == .completed(.executed))
        #expect(try lifted.model.memAccess(view: view, gfn: lifted.tableGFN) == .readWriteExecute)

        let crashed = try ModelFixture()
        crashed.model.setAccessRequired(true)
        try crashed.model.setAltp2m(enabled: true)
        let strict = try crashed.model.createView(defaultAccess: .readExecute)
        try crashed.model.setMemAccess(.readExecute, view: strict, gfn: crashed.tableGFN)
        try crashed.model.switchToView(strict)
        #expect(crashed.overwriteTable(vcpu: 0) == .domainCrashed)
        #expect(crashed.model.isCrashed)
    }

    @Test func aHundredEnableDisableCyclesLeaveNoState() throws {
        let fixture = try ModelFixture()
        let model = fixture.model
        let pristine = model.snapshot()
        for cycle in 0..<100 {
            try model.pause()
            let controller = try HandController(model: model)
            try model.setSinglestepMonitoring(true)
            try model.setAltp2m(enabled: true)
            let view = try model.createView(defaultAccess: .readExecute)
            try model.setMemAccess(.readExecute, view: view, gfn: fixture.tableGFN)
            try model.setVisibility(.host, visible: false)
            try model.switchToView(view)
            try model.unpause()
            // Some traffic: a write, allowed once via view 0 and its singlestep answered.
            _ = fixture.overwriteTable(vcpu: cycle % 4, value: UInt64(cycle))
            let fault = try #require(controller.take().first)
            try controller.answer(VMEventResponse.answering(fault).allowOnce(unrestrictedView: 0))
            model.step()
            let step = try #require(controller.take().first)
            try controller.answer(VMEventResponse.answering(step).restoreAfterStep(restrictedView: view.index))
            // Teardown in the reference order.
            try model.pause()
            try model.setVisibility(.host, visible: true)
            try model.switchToView(.host)
            try model.destroyView(view)
            try model.setAltp2m(enabled: false)
            for vcpu in 0..<4 { try model.setSingleStep(vcpu: vcpu, enabled: false) }
            try model.setSinglestepMonitoring(false)
            try model.unmapRing(controller.mapping.page)
            try model.disableMonitorRing()
            model.unbindEventChannel()
            try model.unpause()
            #expect(try fixture.tableEntry() == bytes(of: UInt64(cycle)))
        }
        #expect(model.snapshot() == pristine)
    }
}
