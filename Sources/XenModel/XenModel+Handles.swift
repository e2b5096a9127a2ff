import Glibc
import Synchronization
import XenInterop

// Helpers for `XenModel.calls`: handles as tokens, and Xen's error codes in libxenctrl's form
// (-1 with errno, carried here as `XenError`, tools/libs/call/linux.c `osdep_hypercall`).

extension XenModel {
    /// Hands out a handle of `kind`; ENOENT when the Xen devices are missing, as the open functions
    /// report (tools/libs/call/linux.c `osdep_xencall_open`).
    func openHandle(_ kind: Dom0Handles.Kind, _ operation: String) throws(XenError) -> OpaquePointer {
        guard configuration.privcmdAvailable else { throw XenError(operation: operation, errno: ENOENT) }
        let token = state.withLock { $0.dom0.add(kind) }
        guard let raw = OpaquePointer(bitPattern: token) else { throw XenError(operation: operation, errno: ENOMEM) }
        return raw
    }

    func closeHandle(_ raw: OpaquePointer) -> Dom0Handles.Kind? {
        let token = Int(bitPattern: raw)
        return state.withLock { $0.dom0.remove(token) }
    }

    func handleKind(_ raw: OpaquePointer) -> Dom0Handles.Kind? {
        let token = Int(bitPattern: raw)
        return state.withLock { $0.dom0[token] }
    }

    /// EBADF unless `raw` is an open handle of the kind `matches` accepts.
    func checkHandle(
        _ raw: OpaquePointer, _ operation: String, _ matches: (Dom0Handles.Kind) -> Bool
    ) throws(XenError) {
        guard let kind = handleKind(raw), matches(kind) else { throw XenError(operation: operation, errno: EBADF) }
    }

    func checkControl(_ xch: XenControlHandle, _ operation: String) throws(XenError) {
        try checkHandle(xch.raw, operation) { $0.isControl }
    }

    /// The pipe behind an event-channel handle, or EBADF.
    func channelPipe(_ xce: EventChannelHandle, _ operation: String) throws(XenError) -> EventChannelPipe {
        guard case .eventChannel(let pipe) = handleKind(xce.raw) else {
            throw XenError(operation: operation, errno: EBADF)
        }
        return pipe
    }

    /// A domctl / hvm_op on `domid` from a valid libxenctrl handle: any domain but the modelled one → ESRCH
    /// (`rcu_lock_domain_by_any_id` finds none).
    func checkTarget(_ xch: XenControlHandle, _ domid: UInt32, _ operation: String) throws(XenError) {
        try checkControl(xch, operation)
        guard domid == domainID else { throw XenError(operation: operation, errno: ESRCH) }
    }

    /// Runs a model operation under a C function's name.
    func libxc<T>(
        _ operation: String, _ xch: XenControlHandle, _ domid: UInt32, _ body: () throws(XenErrno) -> T
    ) throws(XenError) -> T {
        try checkTarget(xch, domid, operation)
        do { return try body() } catch { throw XenError(operation: operation, errno: error.code) }
    }
}
