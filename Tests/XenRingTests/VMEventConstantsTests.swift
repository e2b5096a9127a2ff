import CXen
import Testing
import XenRing

/// XenRing spells the ABI constants as literals; each is checked here against the macro imported from the
/// real header, so a header change fails here rather than changing what Warden sends.
@Suite struct VMEventConstantsTests {
    @Test func interfaceVersionIsSevenAsInTheHeader() {
        #expect(VMEventInterface.version == 7)
        #expect(VMEventInterface.version == UInt32(VM_EVENT_INTERFACE_VERSION))
    }

    @Test(arguments: [
        (VMEventFlags.vcpuPaused, VM_EVENT_FLAG_VCPU_PAUSED), (.foreign, VM_EVENT_FLAG_FOREIGN),
        (.emulate, VM_EVENT_FLAG_EMULATE), (.emulateNoWrite, VM_EVENT_FLAG_EMULATE_NOWRITE),
        (.toggleSinglestep, VM_EVENT_FLAG_TOGGLE_SINGLESTEP), (.setEmulReadData, VM_EVENT_FLAG_SET_EMUL_READ_DATA),
        (.deny, VM_EVENT_FLAG_DENY), (.alternateP2M, VM_EVENT_FLAG_ALTERNATE_P2M),
        (.setRegisters, VM_EVENT_FLAG_SET_REGISTERS), (.setEmulInsnData, VM_EVENT_FLAG_SET_EMUL_INSN_DATA),
        (.getNextInterrupt, VM_EVENT_FLAG_GET_NEXT_INTERRUPT), (.fastSinglestep, VM_EVENT_FLAG_FAST_SINGLESTEP),
        (.nestedP2M, VM_EVENT_FLAG_NESTED_P2M), (.resetVMTrace, VM_EVENT_FLAG_RESET_VMTRACE),
        (.resetForkState, VM_EVENT_FLAG_RESET_FORK_STATE), (.resetForkMemory, VM_EVENT_FLAG_RESET_FORK_MEMORY),
    ])
    func eventFlagMatchesTheHeaderMacro(flag: VMEventFlags, macro: Int32) {
        #expect(flag.rawValue == UInt32(macro))
    }

    @Test(arguments: [
        (MemAccessFlags.read, MEM_ACCESS_R), (.write, MEM_ACCESS_W), (.execute, MEM_ACCESS_X),
        (.glaValid, MEM_ACCESS_GLA_VALID), (.faultWithGLA, MEM_ACCESS_FAULT_WITH_GLA),
        (.faultInGPT, MEM_ACCESS_FAULT_IN_GPT),
    ])
    func memAccessFlagMatchesTheHeaderMacro(flag: MemAccessFlags, macro: Int32) {
        #expect(flag.rawValue == UInt32(macro))
    }

    @Test(arguments: [
        (VMEventReason.unspecified, VM_EVENT_REASON_UNKNOWN), (.memAccess, VM_EVENT_REASON_MEM_ACCESS),
        (.memSharing, VM_EVENT_REASON_MEM_SHARING), (.memPaging, VM_EVENT_REASON_MEM_PAGING),
        (.writeCtrlReg, VM_EVENT_REASON_WRITE_CTRLREG), (.movToMSR, VM_EVENT_REASON_MOV_TO_MSR),
        (.softwareBreakpoint, VM_EVENT_REASON_SOFTWARE_BREAKPOINT), (.singlestep, VM_EVENT_REASON_SINGLESTEP),
        (.guestRequest, VM_EVENT_REASON_GUEST_REQUEST), (.debugException, VM_EVENT_REASON_DEBUG_EXCEPTION),
        (.cpuid, VM_EVENT_REASON_CPUID), (.privilegedCall, VM_EVENT_REASON_PRIVILEGED_CALL),
        (.interrupt, VM_EVENT_REASON_INTERRUPT), (.descriptorAccess, VM_EVENT_REASON_DESCRIPTOR_ACCESS),
        (.emulUnimplemented, VM_EVENT_REASON_EMUL_UNIMPLEMENTED), (.vmexit, VM_EVENT_REASON_VMEXIT),
    ])
    func reasonMatchesTheHeaderMacroBothWays(reason: VMEventReason, macro: Int32) {
        #expect(reason.rawValue == UInt32(macro))
        let decoded = VMEventReason(rawValue: UInt32(macro))
        #expect(decoded == reason)
        if case .unknown = decoded { Issue.record("known reason \(macro) decoded as unknown") }
    }
}
