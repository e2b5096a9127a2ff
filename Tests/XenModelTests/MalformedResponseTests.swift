import CXen
import Hypervisor
import TestSupport
import Testing
import WardenCore
import XenModel
import XenRing

/// Replies come from the controller under test and may be wrong; Xen's `vm_event_resume`
/// (xen/common/vm_event.c) drops or ignores what it cannot use, and so must the model.
@Suite struct MalformedResponseTests {
    @Test func aReplyWithAnotherVersionIsDroppedAndTheVCPUStaysPaused() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        var reply = VMEventResponse.answering(request).deny()
        reply.version = 6
        try controller.answer(reply)
        #expect(fixture.model.freeRingSlots == 8)
        #expect(fixture.model.vcpuStatus(0)?.vmEventPauseCount == 1)
        #expect(fixture.model.step() == 0)
    }

    @Test(arguments: [UInt32(4), 4096, UInt32.max])
    func aReplyForAVCPUTheDomainLacksIsIgnored(vcpuID: UInt32) throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        var reply = VMEventResponse.answering(request).deny()
        reply.vcpuID = vcpuID
        try controller.answer(reply)
        #expect(fixture.model.vcpuStatus(0)?.vmEventPauseCount == 1)
    }

    @Test func aStrayPausedFlagForARunningVCPUIsIgnored() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        var stray = VMEventResponse.answering(request)
        stray.vcpuID = 2
        stray.flags = [.vcpuPaused, .alternateP2M, .toggleSinglestep]
        stray.altp2mIndex = 0
        try controller.answer(stray)
        // vCPU 2 was not paused for vm_event: nothing applies, not even the switch or the toggle.
        let status = try #require(fixture.model.vcpuStatus(2))
        #expect(status.vmEventPauseCount == 0)
        #expect(status.singleStep == false)
        #expect(status.view != 0)
    }

    @Test func aStrayPausedFlagReleasesAVCPUPausedForAnotherEvent() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        _ = fixture.overwriteTable(vcpu: 1)
        let requests = controller.take()
        // The reply meant for vCPU 0 names vCPU 1: vCPU 1 resumes (and re-faults), vCPU 0 stays paused.
        var misdirected = VMEventResponse.answering(requests[0])
        misdirected.vcpuID = 1
        try controller.answer(misdirected)
        #expect(fixture.model.vcpuStatus(0)?.vmEventPauseCount == 1)
        #expect(fixture.model.vcpuStatus(1)?.vmEventPauseCount == 0)
        fixture.model.step()
        #expect(controller.take().map(\.vcpuID) == [1])
    }

    @Test func aSwitchToAMissingOrOutOfRangeViewIsIgnoredButTheVCPUResumes() throws {
        let fixture = try ModelFixture()
        let (controller, view) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        _ = fixture.overwriteTable(vcpu: 1)
        let requests = controller.take()
        var missing = VMEventResponse.answering(requests[0])
        missing.flags.insert(.alternateP2M)
        missing.altp2mIndex = 7
        var outOfRange = VMEventResponse.answering(requests[1])
        outOfRange.flags.insert(.alternateP2M)
        outOfRange.altp2mIndex = 0xFFFF
        try controller.answer([missing, outOfRange])
        #expect(try fixture.model.currentView(vcpu: 0) == view)
        #expect(try fixture.model.currentView(vcpu: 1) == view)
        #expect(fixture.model.vcpuStatus(0)?.vmEventPauseCount == 0)
    }

    @Test func aSwitchByReplyMayTargetAHiddenView() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        try fixture.model.setVisibility(.host, visible: false)
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        try controller.answer(VMEventResponse.answering(request).allowOnce(unrestrictedView: 0))
        #expect(try fixture.model.currentView(vcpu: 0) == .host)
    }

    @Test func setRegistersLoadsTheReplysRIPAndAbandonsTheFaultingWrite() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        var reply = VMEventResponse.answering(request)
        // VMEventResponse carries no register block: its zeros are loaded, RIP included.
        reply.flags.insert(.setRegisters)
        try controller.answer(reply)
        fixture.model.step()
        let status = try #require(fixture.model.vcpuStatus(0))
        #expect(status.registers.rip == 0)
        #expect(status.retired.map(\.retirement) == [.abandoned])
    }

    @Test func aFastSinglestepToAnOutOfRangeViewIsIgnored() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        _ = fixture.overwriteTable(vcpu: 0)
        let request = try #require(controller.take().first)
        var reply = VMEventResponse.answering(request)
        reply.flags.insert(.fastSinglestep)
        reply.payload = .fastSinglestep(p2mIndex: 10)
        try controller.answer(reply)
        #expect(fixture.model.vcpuStatus(0)?.singleStep == false)
        #expect(fixture.model.vcpuStatus(0)?.fastSinglestepView == nil)
    }

    @Test func rawRandomBytesAsRepliesNeverCrashTheModel() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        var random = SplitMix64(seed: 0xB17E5)
        for round in 0..<300 {
            _ = fixture.overwriteTable(vcpu: round % 4)
            fixture.model.step()
            for request in controller.take() {
                var raw = vm_event_response_t()
                withUnsafeMutableBytes(of: &raw) { bytes in
                    for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: random.next()) }
                }
                // Often enough a plausible header, so the flags are acted on rather than dropped.
                if random.next() % 2 == 0 { raw.version = 7 }
                if random.next() % 2 == 0 { raw.vcpu_id = request.vcpuID }
                try controller.back.putRaw(raw)
                fixture.model.notifyFromDom0()
            }
        }
        for vcpu in 0..<4 { try fixture.model.setSingleStep(vcpu: vcpu, enabled: false) }
        try fixture.model.setAltp2m(enabled: false)
        #expect(fixture.model.snapshot().views.isEmpty)
    }

    @Test func garbageRepliesNeverCrashTheModel() throws {
        let fixture = try ModelFixture()
        let (controller, _) = try fixture.protectTable()
        var random = SplitMix64(seed: 0x5EED)
        for round in 0..<200 {
            _ = fixture.overwriteTable(vcpu: round % 4)
            fixture.model.step()
            for request in controller.take() {
                let reply = VMEventResponse(
                    version: random.next() % 3 == 0 ? UInt32(truncatingIfNeeded: random.next()) : 7,
                    flags: VMEventFlags(rawValue: UInt32(truncatingIfNeeded: random.next())),
                    reason: VMEventReason(rawValue: UInt32(random.next() % 20)),
                    vcpuID: random.next() % 2 == 0 ? request.vcpuID : UInt32(truncatingIfNeeded: random.next()),
                    altp2mIndex: UInt16(truncatingIfNeeded: random.next()),
                    payload: .memAccess(
                        MemAccessEvent(
                            gfn: random.next(), offset: random.next(), gla: random.next(),
                            flags: MemAccessFlags(rawValue: UInt32(truncatingIfNeeded: random.next())))))
                try controller.answer(reply)
            }
        }
        // Whatever state the replies left, setup can still be undone.
        for vcpu in 0..<4 { try fixture.model.setSingleStep(vcpu: vcpu, enabled: false) }
        try fixture.model.setAltp2m(enabled: false)
        #expect(fixture.model.snapshot().views.isEmpty)
    }
}

