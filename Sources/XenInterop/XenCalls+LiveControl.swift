import CXen
import Glibc

// Live domain-control, monitor and event-channel entries. Error conventions, checked in
// RELEASE-4.17.7: domctls and hvm_ops return -1 with errno (tools/libs/ctrl/xc_private.h
// `do_domctl`, tools/libs/call/linux.c `osdep_hypercall` = ioctl); xc_monitor_enable returns NULL
// with errno (tools/libs/ctrl/xc_vm_event.c); libxenevtchn returns -1 with errno
// (tools/libs/evtchn/linux.c), NULL from open (core.c).

/// One page: xc_vm_event_enable maps exactly one frame for the ring (tools/libs/ctrl/xc_vm_event.c).
private let ringPageSize = Int(XC_PAGE_SIZE)

extension XenDomainControlCalls {
    /// The production entries, calling libxenctrl.
    public static let live = XenDomainControlCalls(
        pause: { (xch, domid) throws(XenError) in
            try check(xc_domain_pause(xch.raw, domid), "xc_domain_pause")
        },
        unpause: { (xch, domid) throws(XenError) in
            try check(xc_domain_unpause(xch.raw, domid), "xc_domain_unpause")
        },
        setAccessRequired: { (xch, domid, required) throws(XenError) in
            try check(xc_domain_set_access_required(xch.raw, domid, required ? 1 : 0), "xc_domain_set_access_required")
        },
        debugControl: { (xch, domid, operation, vcpu) throws(XenError) in
            try check(xc_domain_debug_control(xch.raw, domid, operation.rawValue, vcpu), "xc_domain_debug_control")
        },
        hvmParamGet: { (xch, domid, parameter) throws(XenError) in
            var value: UInt64 = 0
            try check(xc_hvm_param_get(xch.raw, domid, parameter, &value), "xc_hvm_param_get")
            return value
        }
    )
}

extension XenMonitorCalls {
    /// The production entries, calling libxenctrl and `munmap`.
    public static let live = XenMonitorCalls(
        enable: { (xch, domid) throws(XenError) in
            var port: UInt32 = 0
            guard let page = xc_monitor_enable(xch.raw, domid, &port) else { throw .lastError("xc_monitor_enable") }
            return XenMonitorRing(page: page, remotePort: port)
        },
        disable: { (xch, domid) throws(XenError) in
            try check(xc_monitor_disable(xch.raw, domid), "xc_monitor_disable")
        },
        singlestep: { (xch, domid, enabled) throws(XenError) in
            try check(xc_monitor_singlestep(xch.raw, domid, enabled), "xc_monitor_singlestep")
        },
        emulUnimplemented: { (xch, domid, enabled) throws(XenError) in
            try check(xc_monitor_emul_unimplemented(xch.raw, domid, enabled), "xc_monitor_emul_unimplemented")
        },
        getCapabilities: { (xch, domid) throws(XenError) in
            var capabilities: UInt32 = 0
            try check(xc_monitor_get_capabilities(xch.raw, domid, &capabilities), "xc_monitor_get_capabilities")
            return capabilities
        },
        unmapRing: { (page) throws(XenError) in
            // munmap(2): -1 with errno (EINVAL for a misaligned address).
            try check(munmap(page, ringPageSize), "munmap")
        }
    )
}

extension XenEventChannelCalls {
    /// The production entries, calling libxenevtchn. Close results are ignored, as for the other
    /// handles: closes run during teardown, where a failure cannot be retried.
    public static let live = XenEventChannelCalls(
        open: { () throws(XenError) in
            guard let raw = xenevtchn_open(nil, 0) else { throw .lastError("xenevtchn_open") }
            return EventChannelHandle(raw: raw)
        },
        close: { _ = xenevtchn_close($0.raw) },
        fd: { xenevtchn_fd($0.raw) },
        bindInterdomain: { (xce, domid, remotePort) throws(XenError) in
            try port(xenevtchn_bind_interdomain(xce.raw, domid, remotePort), "xenevtchn_bind_interdomain")
        },
        unbind: { (xce, port) throws(XenError) in
            try check(xenevtchn_unbind(xce.raw, port), "xenevtchn_unbind")
        },
        pending: { (xce) throws(XenError) in
            try port(xenevtchn_pending(xce.raw), "xenevtchn_pending")
        },
        unmask: { (xce, port) throws(XenError) in
            try check(xenevtchn_unmask(xce.raw, port), "xenevtchn_unmask")
        },
        notify: { (xce, port) throws(XenError) in
            try check(xenevtchn_notify(xce.raw, port), "xenevtchn_notify")
        }
    )
}

/// Throws the thread's `errno` for a C call that returned -1 (any negative value).
func check(_ result: Int32, _ operation: String) throws(XenError) {
    guard result >= 0 else { throw .afterFailure(operation) }
}

/// A `xenevtchn_port_or_error_t`: a port (31 bits), or -1 with `errno` set.
private func port(_ result: Int32, _ operation: String) throws(XenError) -> UInt32 {
    guard result >= 0 else { throw .afterFailure(operation) }
    return UInt32(result)
}

extension XenError {
    /// `lastError`, but never errno 0: `xenevtchn_pending`/`unmask` return -1 on a short `read` or
    /// `write` without setting errno (tools/libs/evtchn/linux.c), so a stale 0 becomes EIO.
    static func afterFailure(_ operation: String) -> XenError {
        let error = lastError(operation)
        return error.errno == 0 ? XenError(operation: operation, errno: EIO) : error
    }
}
