import CXen
import Glibc
import Hypervisor

// Every xc_altp2m_* call allocates a hypercall buffer (NULL → -1, errno ENOMEM) and issues one
// HVMOP_altp2m hvm_op through xencall2, an ioctl: -1 with errno set to Xen's code
// (tools/libs/ctrl/xc_altp2m.c, tools/libs/call/linux.c `osdep_hypercall`, RELEASE-4.17.7).

extension XenAltp2mCalls {
    /// The production entries, calling libxenctrl.
    public static let live = XenAltp2mCalls(
        getDomainState: { (xch, domid) throws(XenError) in
            var state = false
            try check(xc_altp2m_get_domain_state(xch.raw, domid, &state), "xc_altp2m_get_domain_state")
            return state
        },
        setDomainState: { (xch, domid, enabled) throws(XenError) in
            try check(xc_altp2m_set_domain_state(xch.raw, domid, enabled), "xc_altp2m_set_domain_state")
        },
        createView: { (xch, domid, access) throws(XenError) in
            var view: UInt16 = 0
            try check(xc_altp2m_create_view(xch.raw, domid, xenAccess(access), &view), "xc_altp2m_create_view")
            return view
        },
        destroyView: { (xch, domid, view) throws(XenError) in
            try check(xc_altp2m_destroy_view(xch.raw, domid, view), "xc_altp2m_destroy_view")
        },
        setMemAccess: { (xch, domid, view, gfn, access) throws(XenError) in
            let frame = try pfn(gfn, "xc_altp2m_set_mem_access")
            try check(
                xc_altp2m_set_mem_access(xch.raw, domid, view, frame, xenAccess(access)),
                "xc_altp2m_set_mem_access"
            )
        },
        getMemAccess: { (xch, domid, view, gfn) throws(XenError) in
            let frame = try pfn(gfn, "xc_altp2m_get_mem_access")
            var access = xenmem_access_t(rawValue: 0)
            try check(xc_altp2m_get_mem_access(xch.raw, domid, view, frame, &access), "xc_altp2m_get_mem_access")
            // Xen reports only XENMEM_access_* values (xen/arch/x86/mm/mem_access.c `_p2m_get_mem_access`);
            // anything else means a libxenctrl/hypervisor mismatch.
            guard let raw = UInt8(exactly: access.rawValue), let known = MemoryAccess(rawValue: raw) else {
                throw XenError(operation: "xc_altp2m_get_mem_access", errno: EPROTO)
            }
            return known
        },
        setSuppressVE: { (xch, domid, view, gfn, suppress) throws(XenError) in
            let frame = try pfn(gfn, "xc_altp2m_set_suppress_ve")
            try check(xc_altp2m_set_suppress_ve(xch.raw, domid, view, frame, suppress), "xc_altp2m_set_suppress_ve")
        },
        switchToView: { (xch, domid, view) throws(XenError) in
            try check(xc_altp2m_switch_to_view(xch.raw, domid, view), "xc_altp2m_switch_to_view")
        },
        setVisibility: { (xch, domid, view, visible) throws(XenError) in
            try check(xc_altp2m_set_visibility(xch.raw, domid, view, visible), "xc_altp2m_set_visibility")
        },
        getVCPUP2MIndex: { (xch, domid, vcpu) throws(XenError) in
            var view: UInt16 = 0
            try check(xc_altp2m_get_vcpu_p2m_idx(xch.raw, domid, vcpu, &view), "xc_altp2m_get_vcpu_p2m_idx")
            return view
        }
    )
}

/// `MemoryAccess` raw values are the `XENMEM_access_*` values (xen/include/public/memory.h).
private func xenAccess(_ access: MemoryAccess) -> xenmem_access_t {
    xenmem_access_t(rawValue: UInt32(access.rawValue))
}

/// A gfn as `xen_pfn_t`; refuses one that would be truncated rather than act on another frame.
private func pfn(_ gfn: UInt64, _ operation: String) throws(XenError) -> xen_pfn_t {
    guard let frame = xen_pfn_t(exactly: gfn) else { throw XenError(operation: operation, errno: EINVAL) }
    return frame
}
