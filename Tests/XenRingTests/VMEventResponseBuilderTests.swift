import CXen
import Testing
import XenRing

/// Replies per the reference §3 (xen-access `altp2m_write`, common/vm_event.c `vm_event_resume`).
@Suite struct VMEventResponseBuilderTests {
    @Test func answeringCopiesVCPUAndReasonAndStampsVersionSeven() {
        var request = memAccessRequest(vcpu: 3)
        request.version = 6
        let response = VMEventResponse.answering(request)
        #expect(response.version == 7)
        #expect(response.vcpuID == 3)
        #expect(response.reason == .memAccess)
        #expect(response.altp2mIndex == 0)
    }

    @Test(arguments: [
        (VMEventFlags([.vcpuPaused, .alternateP2M]), VMEventFlags.vcpuPaused),
        (VMEventFlags([.alternateP2M, .foreign, .emulate]), VMEventFlags()),
        (VMEventFlags(), VMEventFlags()),
        (VMEventFlags(rawValue: 0xFFFF_FFFF), VMEventFlags.vcpuPaused),
    ])
    func vcpuPausedIsEchoedOnlyWhenTheRequestCarriedIt(requestFlags: VMEventFlags, expected: VMEventFlags) {
        var request = memAccessRequest(vcpu: 0)
        request.flags = requestFlags
        #expect(VMEventResponse.answering(request).flags == expected)
        #expect(VMEventResponse.answering(request).resume().flags == expected)
    }

    @Test func denyEmulatesWithoutWritesAndEchoesTheMemAccessMember() throws {
        let request = memAccessRequest(vcpu: 1)
        let response = VMEventResponse.answering(request).deny()
        #expect(response.flags == [.vcpuPaused, .emulate, .emulateNoWrite])
        #expect(response.raw.flags == denyFlags)
        let echoed = try #require(response.payload.memAccess)
        #expect(echoed == request.payload.memAccess)
        // What Xen reads back (mem_access.c p2m_mem_access_emulate_check): the gfn and flags in the union.
        let raw = response.raw
        #expect(raw.u.mem_access.gfn == 0x1_0001)
        #expect(raw.u.mem_access.flags == UInt32(MEM_ACCESS_W | MEM_ACCESS_GLA_VALID | MEM_ACCESS_FAULT_WITH_GLA))
        #expect(raw.version == UInt32(VM_EVENT_INTERFACE_VERSION))
    }

    @Test func allowByEmulationIsEmulateAloneWithTheMemAccessMemberEchoed() throws {
        let request = memAccessRequest(vcpu: 3)
        let response = VMEventResponse.answering(request).allowByEmulation()
        // EMULATE without EMULATE_NOWRITE: `hvm_vm_event_do_resume` picks EMUL_KIND_NORMAL (real writes).
        #expect(response.flags == [.vcpuPaused, .emulate])
        #expect(response.raw.flags == UInt32(VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_EMULATE))
        #expect(response.raw.altp2m_idx == 0)
        // Without the echo `p2m_mem_access_emulate_check` finds no conflict and skips emulation.
        let echoed = try #require(response.payload.memAccess)
        #expect(echoed == request.payload.memAccess)
        #expect(response.raw.u.mem_access.gfn == echoed.gfn)
        #expect(response.raw.u.mem_access.flags == UInt32(MEM_ACCESS_W | MEM_ACCESS_GLA_VALID | MEM_ACCESS_FAULT_WITH_GLA))
    }

    @Test func allowOnceSwitchesThisVCPUToTheUnrestrictedViewAndSteps() {
        let response = VMEventResponse.answering(memAccessRequest(vcpu: 2)).allowOnce(unrestrictedView: 0)
        #expect(response.flags == [.vcpuPaused, .alternateP2M, .toggleSinglestep])
        #expect(response.raw.flags == switchFlags)
        #expect(response.altp2mIndex == 0)
        #expect(response.raw.altp2m_idx == 0)
    }

    @Test func restoreAfterStepSwitchesBackToTheRestrictedViewAndStopsStepping() {
        let step = VMEventRequest(
            flags: [.vcpuPaused, .alternateP2M], reason: .singlestep, vcpuID: 2, payload: .singlestep(gfn: 0x1000))
        let response = VMEventResponse.answering(step).restoreAfterStep(restrictedView: 3)
        #expect(response.flags == [.vcpuPaused, .alternateP2M, .toggleSinglestep])
        #expect(response.altp2mIndex == 3)
        #expect(response.raw.altp2m_idx == 3)
        #expect(response.reason == .singlestep)
        #expect(response.payload == .other)
    }

    @Test func anAsyncRequestIsAnsweredWithoutReleasingAnyVCPU() {
        let async = VMEventRequest(flags: [], reason: .guestRequest, vcpuID: 5)
        let response = VMEventResponse.answering(async).resume()
        #expect(response.flags.isEmpty)
        #expect(response.raw.flags == 0)
        #expect(response.reason == .guestRequest)
    }

    @Test func aDenyReplyReachesXenIntactThroughTheRing() throws {
        try withRingPage { page in
            var back = try VMEventBackRing(page: page, size: 4096)
            var front = try VMEventFrontRing(page: page, size: 4096)
            let accepted = front.put(memAccessRequest(vcpu: 4))
            let taken = back.nextRequest()
            let request = try #require(taken)
            try back.put(.answering(request).deny())
            var raw = vm_event_response_t()
            let answered = front.nextRawResponse(into: &raw)
            #expect(accepted && answered)
            #expect(raw.version == 7)
            #expect(raw.vcpu_id == 4)
            #expect(raw.reason == UInt32(VM_EVENT_REASON_MEM_ACCESS))
            #expect(raw.flags == denyFlags)
            #expect(raw.u.mem_access.gfn == 0x1_0004)
            #expect(raw.u.mem_access.offset == 0x18)
        }
    }
}

/// The flag words of §3, spelled with the header's own macros.
private let denyFlags = UInt32(VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_EMULATE | VM_EVENT_FLAG_EMULATE_NOWRITE)
private let switchFlags = UInt32(
    VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_ALTERNATE_P2M | VM_EVENT_FLAG_TOGGLE_SINGLESTEP)
