import CXen

/// The replies of `VMEventResponse+Verdicts` built directly on the C structs, for the event loop's
/// hot path: no decoding into values and no allocation. Field for field the same as
/// `VMEventResponse.answering(VMEventRequest(raw))` followed by the verdict (a test checks it).
public enum VMEventRawReply {
    /// Version 7, the request's vCPU and reason, VCPU_PAUSED only if the request had it, and for a
    /// MEM_ACCESS request its mem_access member (Xen needs the echo to emulate). A plain resume as is.
    @inlinable public static func answering(_ request: borrowing vm_event_request_t) -> vm_event_response_t {
        var response = vm_event_response_t()
        response.version = VMEventInterface.version
        response.vcpu_id = request.vcpu_id
        response.reason = request.reason
        response.flags = request.flags & VMEventFlags.vcpuPaused.rawValue
        if request.reason == VMEventReason.memAccess.rawValue {
            response.u.mem_access.gfn = request.u.mem_access.gfn
            response.u.mem_access.offset = request.u.mem_access.offset
            response.u.mem_access.gla = request.u.mem_access.gla
            response.u.mem_access.flags = request.u.mem_access.flags
        }
        return response
    }

    /// EMULATE|EMULATE_NOWRITE: the write is dropped and RIP advanced (see `VMEventResponse.deny()`).
    @inlinable public static func deny(_ response: inout vm_event_response_t) {
        response.flags |= VMEventFlags.emulate.rawValue | VMEventFlags.emulateNoWrite.rawValue
    }
}
