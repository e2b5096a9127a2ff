import Glibc
import Hypervisor
import Synchronization
import XenInterop

extension FakeXen {
    var altp2mCalls: XenAltp2mCalls {
        XenAltp2mCalls(
            getDomainState: { (xch, domid) throws(XenError) in
                try self.record(xch.raw, "xc_altp2m_get_domain_state", domid)
                return self.read { $0.xen.altp2mActive }
            },
            setDomainState: { (xch, domid, enabled) throws(XenError) in
                try self.record(xch.raw, "xc_altp2m_set_domain_state", domid, enabled)
                self.update { $0.xen.altp2mActive = enabled }
            },
            createView: { (xch, domid, access) throws(XenError) in
                try self.record(xch.raw, "xc_altp2m_create_view", domid, access.rawValue)
                return self.state.withLock { state in
                    defer { state.xen.nextView += 1 }
                    return state.xen.nextView
                }
            },
            destroyView: { (xch, domid, view) throws(XenError) in
                try self.record(xch.raw, "xc_altp2m_destroy_view", domid, view)
            },
            setMemAccess: { (xch, domid, view, gfn, access) throws(XenError) in
                try self.record(xch.raw, "xc_altp2m_set_mem_access", domid, view, gfn, access.rawValue)
                self.update { $0.xen.access[gfn] = access }
            },
            getMemAccess: { (xch, domid, view, gfn) throws(XenError) in
                try self.record(xch.raw, "xc_altp2m_get_mem_access", domid, view, gfn)
                // Xen: a gfn not yet populated in the view reads as ESRCH (reference §4).
                guard let access = self.read({ $0.xen.access[gfn] }) else {
                    throw XenError(operation: "xc_altp2m_get_mem_access", errno: ESRCH)
                }
                return access
            },
            setSuppressVE: { (xch, domid, view, gfn, suppress) throws(XenError) in
                try self.record(xch.raw, "xc_altp2m_set_suppress_ve", domid, view, gfn, suppress)
            },
            switchToView: { (xch, domid, view) throws(XenError) in
                try self.record(xch.raw, "xc_altp2m_switch_to_view", domid, view)
            },
            setVisibility: { (xch, domid, view, visible) throws(XenError) in
                try self.record(xch.raw, "xc_altp2m_set_visibility", domid, view, visible)
            },
            getVCPUP2MIndex: { (xch, domid, vcpu) throws(XenError) in
                try self.record(xch.raw, "xc_altp2m_get_vcpu_p2m_idx", domid, vcpu)
                return self.read { $0.xen.vcpuViews[vcpu] ?? 0 }
            }
        )
    }

    /// A pipe stands in for /dev/xen/evtchn: `pending` reads a 4-byte port from it as
    /// tools/libs/evtchn/linux.c reads the device, so `poll` on `fd` is real.
    var eventChannelCalls: XenEventChannelCalls {
        XenEventChannelCalls(
            open: { () throws(XenError) in
                let raw = try self.open("evtchn", "xenevtchn_open")
                var ends: [Int32] = [-1, -1]
                guard pipe(&ends) == 0 else { throw XenError(operation: "xenevtchn_open", errno: errno) }
                self.update { state in (state.xen.eventReadFD, state.xen.eventWriteFD) = (ends[0], ends[1]) }
                return EventChannelHandle(raw: raw)
            },
            close: { xce in
                self.close("evtchn", xce.raw)
                let ends = self.read { ($0.xen.eventReadFD, $0.xen.eventWriteFD) }
                _ = Glibc.close(ends.0)
                _ = Glibc.close(ends.1)
            },
            fd: { xce in
                self.check(xce.raw, "xenevtchn_fd")
                return self.read { $0.xen.eventReadFD }
            },
            bindInterdomain: { (xce, domid, remotePort) throws(XenError) in
                try self.record(xce.raw, "xenevtchn_bind_interdomain", domid, remotePort)
                return self.read { $0.xen.localPort }
            },
            unbind: { (xce, port) throws(XenError) in try self.record(xce.raw, "xenevtchn_unbind", port) },
            pending: { (xce) throws(XenError) in
                try self.record(xce.raw, "xenevtchn_pending")
                var port: UInt32 = 0
                let descriptor = self.read { $0.xen.eventReadFD }
                guard withUnsafeMutableBytes(of: &port, { Glibc.read(descriptor, $0.baseAddress, 4) }) == 4 else {
                    throw XenError(operation: "xenevtchn_pending", errno: EIO)
                }
                return port
            },
            unmask: { (xce, port) throws(XenError) in try self.record(xce.raw, "xenevtchn_unmask", port) },
            notify: { (xce, port) throws(XenError) in try self.record(xce.raw, "xenevtchn_notify", port) }
        )
    }
}
