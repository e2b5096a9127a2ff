// Replies exactly as xen-access (tools/misc/xen-access.c) and Xen's resume path (common/vm_event.c
// `vm_event_resume`, RELEASE-4.17.7) expect them. Xen acts on a reply's flags only while the vCPU is paused
// for vm_event, in this order: emulate check, DENY, singlestep toggle, altp2m switch, SET_REGISTERS, unpause.

extension VMEventResponse {
    /// The common part of every reply to `request`: interface version 7 (Xen drops any other, leaving the
    /// vCPU paused), the request's vCPU and reason, `vcpuPaused` only if the request carried it (a stray one
    /// on an async reply can release a vCPU paused for a different event), and the request's mem_access
    /// member, which Xen needs to emulate. As is, it is a plain resume: the instruction re-executes.
    public static func answering(_ request: VMEventRequest) -> VMEventResponse {
        VMEventResponse(
            version: VMEventInterface.version, flags: request.flags.intersection(.vcpuPaused), reason: request.reason,
            vcpuID: request.vcpuID, payload: request.payload.memAccess.map(VMEventPayload.memAccess) ?? .other)
    }

    /// Resume without changing anything: the faulting instruction runs again (and faults again if its
    /// frame is still restricted in the vCPU's view).
    public func resume() -> VMEventResponse { self }

    /// Skip the write: EMULATE|EMULATE_NOWRITE makes Xen emulate the instruction with memory writes dropped
    /// and RIP advanced (arch/x86/hvm/emulate.c `hvm_emulate_ops_no_write`). Valid for mem_access events;
    /// it relies on the echoed mem_access member (arch/x86/mm/mem_access.c `p2m_mem_access_emulate_check`).
    public func deny() -> VMEventResponse {
        var response = self
        response.flags.formUnion([.emulate, .emulateNoWrite])
        return response
    }

    /// Let the write through once without leaving the restricted view: EMULATE alone makes Xen emulate the
    /// instruction with its real writes when the vCPU resumes (arch/x86/hvm/vm_event.c
    /// `hvm_vm_event_do_resume`, `EMUL_KIND_NORMAL`); the emulator writes through the guest's page tables
    /// without consulting the view (hvm/emulate.c `hvmemul_write`), so the frame stays protected for every
    /// vCPU throughout. Like `deny()` it needs the echoed mem_access member (`p2m_mem_access_emulate_check`).
    /// No event follows; an instruction the emulator does not implement ends in EMUL_UNIMPLEMENTED or #UD.
    public func allowByEmulation() -> VMEventResponse {
        var response = self
        response.flags.insert(.emulate)
        return response
    }

    /// Let the instruction through once: switch only this vCPU to `unrestrictedView` and single-step it.
    /// The step ends in a singlestep event, which must be answered with `restoreAfterStep(restrictedView:)`.
    /// TOGGLE flips the step state, so the caller tracks it per vCPU (xen-access `altp2m_write`).
    public func allowOnce(unrestrictedView: UInt16) -> VMEventResponse {
        switchingView(to: unrestrictedView)
    }

    /// Answer the singlestep event that follows `allowOnce`: back to `restrictedView`, stepping off.
    public func restoreAfterStep(restrictedView: UInt16) -> VMEventResponse {
        switchingView(to: restrictedView)
    }

    private func switchingView(to view: UInt16) -> VMEventResponse {
        var response = self
        response.flags.formUnion([.alternateP2M, .toggleSinglestep])
        response.altp2mIndex = view
        return response
    }
}
