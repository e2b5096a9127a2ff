import Hypervisor
import Testing
import WardenCore
import XenModel
import XenRing

/// What Xen does with the replies to a MEM_ACCESS event: xen/common/vm_event.c `vm_event_resume`,
/// xen/arch/x86/vm_event.c, xen/arch/x86/mm/mem_access.c `p2m_mem_access_emulate_check`,
/// xen/arch/x86/hvm/vm_event.c `hvm_vm_event_do_resume`.
@Suite struct ViolationResponseTests {
    @Test func aWriteToARestrictedFrameIsReportedAndThePausedVCPUKeepsItPending() throws {
        let fixture = try ModelFixture()
        let (controller, view) = try fixture.protectTable()
        let original = try fixture.tableEntry(3)
        #expect(fixture.overwriteTable(vcpu: 2, index: 3) == .pendingEvent(gfn: fixture.tableGFN))
        let requests = controller.take()
        let request = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(request.version == 7)
        #expect(request.reason == .memAccess)
        #expect(request.vcpuID == 2)
        #expect(request.flags == [.vcpuPaused, .alternateP2M])
        #expect(request.altp2mIndex == view.index)
        let access = try #require(request.payload.memAccess)
        #expect(access.gfn == fixture.tableGFN)
        #expect(access.offset == (fixture.tablePhysical + 24) & 0xFFF)
        #expect(access.gla == fixture.tableVirtual + 24)
        #expect(access.flags == [.write, .glaValid, .faultWithGLA])
        #expect(request.registers.rip == fixture.rip)
        #expect(request.registers.cr3 == fixture.model.vcpuRegisters()[2].cr3)
        #expect(request.registers.vmtracePos == ~0)
        #expect(try fixture.tableEntry(3) == original)
        let status = try #require(fixture.model.vcpuStatus(2))
        #expect(status.vmEventPauseCount == 1)
        #expect(status.pendingInstruction != nil)
        #expect(fixture.model.takeNotification())
    }

    @Test func denyWithTheEchoedAccessDropsTheWriteAndTheVCPUMovesOn() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        let original = try fixture.tableEntry()
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        try controller.answer(VMEventResponse.answering(request).deny())
        #expect(fixture.model.step() == 1)
        let status = try #require(fixture.model.vcpuStatus(0))
        #expect(status.retired.map(\.retirement) == [.emulatedWithoutWrites])
        #expect(status.registers.rip == fixture.rip + 7)
        #expect(status.vmEventPauseCount == 0)
        #expect(try fixture.tableEntry() == original)
        #expect(controller.take().isEmpty)
        // The vCPU runs on: its next write elsewhere goes through.
        let free = fixture.model.write(
            vcpu: 0, virtual: fixture.tableVirtual + 0x2000, bytes: [1, 2, 3], rip: fixture.rip + 7)
        #expect(free == .completed(.executed))
    }

    @Test func denyWithoutTheEchoSkipsEmulationAndTheWriteFaultsAgain() throws {
        let fixture = try ModelFixture()
        let (controller, view) = try fixture.protectTable()
        // gfn 0 is in the view (and rwx there), so the unechoed gfn 0 / flags 0 conflict with nothing.
        try fixture.model.setMemAccess(.readWriteExecute, view: view, gfn: 0)
        _ = fixture.overwriteTable(vcpu: 1)
        let request = try #require(controller.take().first)
        var reply = VMEventResponse.answering(request).deny()
        reply.payload = .other
        try controller.answer(reply)
        fixture.model.step()
        let again = controller.take()
        #expect(again.count == 1)
        #expect(again.first?.payload.memAccess?.gfn == fixture.tableGFN)
        #expect(fixture.model.vcpuStatus(1)?.retired.isEmpty == true)
        #expect(try fixture.tableEntry() != bytes(of: 0x4141_4141_4141_4141))
    }

    @Test func anUnechoedGFNTheViewHasNoEntryForCountsAsAConflictAndIsEmulated() throws {
        // p2m_mem_access_emulate_check treats a failed lookup (ESRCH) as a violation.
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        var reply = VMEventResponse.answering(request).deny()
        reply.payload = .other
        try controller.answer(reply)
        fixture.model.step()
        #expect(fixture.model.vcpuStatus(0)?.retired.map(\.retirement) == [.emulatedWithoutWrites])
    }

    @Test func plainResumeRetriesTheWriteWhichFaultsAgainWhileRestricted() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 3)
        let request = try #require(controller.take().first)
        try controller.answer(VMEventResponse.answering(request))
        fixture.model.step()
        #expect(controller.take().count == 1)
        #expect(fixture.model.vcpuStatus(3)?.vmEventPauseCount == 1)
    }

    @Test func emulateAloneWritesThroughTheRestrictionWhichStays() throws {
        let fixture = try ModelFixture()
        let (controller, view) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        var reply = VMEventResponse.answering(request)
        reply.flags.insert(.emulate)
        try controller.answer(reply)
        fixture.model.step()
        #expect(fixture.model.vcpuStatus(0)?.retired.map(\.retirement) == [.emulated])
        #expect(try fixture.tableEntry() == bytes(of: 0x4141_4141_4141_4141))
        #expect(try fixture.model.memAccess(view: view, gfn: fixture.tableGFN) == .readExecute)
    }

    @Test func denyFlagDoesNothingForMemAccessEvents() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        var reply = VMEventResponse.answering(request)
        reply.flags.insert(.deny)
        try controller.answer(reply)
        fixture.model.step()
        #expect(controller.take().count == 1)
    }

    @Test func allowOnceSwitchesThisVCPUToViewZeroStepsOnceAndReportsTheStep() throws {
        let fixture = try ModelFixture()
        let (controller, view) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 1)
        let request = try #require(controller.take().first)
        try controller.answer(VMEventResponse.answering(request).allowOnce(unrestrictedView: 0))
        #expect(try fixture.model.currentView(vcpu: 1) == .host)
        #expect(try fixture.model.currentView(vcpu: 0) == view)
        fixture.model.step()
        #expect(try fixture.tableEntry() == bytes(of: 0x4141_4141_4141_4141))
        let steps = controller.take()
        let step = try #require(steps.first)
        #expect(steps.count == 1)
        #expect(step.reason == .singlestep)
        #expect(step.vcpuID == 1)
        #expect(step.flags == [.vcpuPaused, .alternateP2M])
        #expect(step.altp2mIndex == 0)
        #expect(step.payload == .singlestep(gfn: fixture.ripGFN))
        #expect(fixture.model.vcpuStatus(1)?.isRunnable == false)
        try controller.answer(VMEventResponse.answering(step).restoreAfterStep(restrictedView: view.index))
        let status = try #require(fixture.model.vcpuStatus(1))
        #expect(status.view == view.index)
        #expect(status.singleStep == false)
        #expect(status.isRunnable)
        // Back in the restricted view, the next write faults again.
        #expect(fixture.overwriteTable(vcpu: 1) == .pendingEvent(gfn: fixture.tableGFN))
    }

    @Test func withSinglestepMonitoringOffTheVCPUStepsSilently() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable(singlestep: false)
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        try controller.answer(VMEventResponse.answering(request).allowOnce(unrestrictedView: 0))
        fixture.model.step()
        #expect(controller.take().isEmpty)
        #expect(fixture.model.vcpuStatus(0)?.singleStep == true)
        try fixture.model.setSingleStep(vcpu: 0, enabled: false)
        #expect(fixture.model.vcpuStatus(0)?.singleStep == false)
    }

    @Test func fastSinglestepSwitchesToItsViewAfterOneStepWithoutAnEvent() throws {
        let fixture = try ModelFixture()
        let (controller, view) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        var reply = VMEventResponse.answering(request)
        reply.flags.formUnion([.alternateP2M, .fastSinglestep])
        reply.altp2mIndex = 0
        reply.payload = .fastSinglestep(p2mIndex: view.index)
        try controller.answer(reply)
        fixture.model.step()
        #expect(try fixture.tableEntry() == bytes(of: 0x4141_4141_4141_4141))
        #expect(controller.take().isEmpty)
        let status = try #require(fixture.model.vcpuStatus(0))
        #expect(status.view == view.index)
        #expect(status.singleStep == false)
    }
}
