import Hypervisor

/// Alternate p2m views (`HVMOP_altp2m`). A view is an EPTP index, 0–9; 0 is the host p2m.
///
/// Each call is one hvm_op hypercall, an ioctl on /dev/xen/privcmd, returning -1 with `errno` set to
/// Xen's positive code (tools/libs/ctrl/xc_altp2m.c, tools/libs/call/linux.c `osdep_hypercall`).
/// Without the `altp2m=1` boot option or on a non-VT-x CPU every call fails with EOPNOTSUPP
/// (xen/arch/x86/hvm/hvm.c `do_altp2m_op`).
public struct XenAltp2mCalls: Sendable {
    /// Whether altp2m is active for the domain. The corresponding C function is `xc_altp2m_get_domain_state`.
    public var getDomainState: @Sendable (XenControlHandle, UInt32) throws(XenError) -> Bool
    /// Turns altp2m on (creating view 0) or off (destroying every view). The corresponding C function
    /// is `xc_altp2m_set_domain_state`.
    public var setDomainState: @Sendable (XenControlHandle, UInt32, Bool) throws(XenError) -> Void
    /// Creates a view with a default access; returns its index. The corresponding C function is
    /// `xc_altp2m_create_view`.
    public var createView: @Sendable (XenControlHandle, UInt32, MemoryAccess) throws(XenError) -> UInt16
    /// The corresponding C function is `xc_altp2m_destroy_view`.
    public var destroyView: @Sendable (XenControlHandle, UInt32, UInt16) throws(XenError) -> Void
    /// Sets one gfn's access in a view. The corresponding C function is `xc_altp2m_set_mem_access`.
    public var setMemAccess: @Sendable (XenControlHandle, UInt32, UInt16, UInt64, MemoryAccess) throws(XenError) -> Void
    /// One gfn's access in a view. The corresponding C function is `xc_altp2m_get_mem_access`.
    public var getMemAccess: @Sendable (XenControlHandle, UInt32, UInt16, UInt64) throws(XenError) -> MemoryAccess
    /// Sets one gfn's suppress-#VE bit in a view. The corresponding C function is `xc_altp2m_set_suppress_ve`.
    public var setSuppressVE: @Sendable (XenControlHandle, UInt32, UInt16, UInt64, Bool) throws(XenError) -> Void
    /// Moves every vCPU to a view. The corresponding C function is `xc_altp2m_switch_to_view`.
    public var switchToView: @Sendable (XenControlHandle, UInt32, UInt16) throws(XenError) -> Void
    /// Whether VMFUNC and `switchToView` may select a view. The corresponding C function is
    /// `xc_altp2m_set_visibility`.
    public var setVisibility: @Sendable (XenControlHandle, UInt32, UInt16, Bool) throws(XenError) -> Void
    /// The view a vCPU runs on. The corresponding C function is `xc_altp2m_get_vcpu_p2m_idx`.
    public var getVCPUP2MIndex: @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> UInt16

    public init(
        getDomainState: @escaping @Sendable (XenControlHandle, UInt32) throws(XenError) -> Bool,
        setDomainState: @escaping @Sendable (XenControlHandle, UInt32, Bool) throws(XenError) -> Void,
        createView: @escaping @Sendable (XenControlHandle, UInt32, MemoryAccess) throws(XenError) -> UInt16,
        destroyView: @escaping @Sendable (XenControlHandle, UInt32, UInt16) throws(XenError) -> Void,
        setMemAccess:
            @escaping @Sendable (XenControlHandle, UInt32, UInt16, UInt64, MemoryAccess) throws(XenError) -> Void,
        getMemAccess: @escaping @Sendable (XenControlHandle, UInt32, UInt16, UInt64) throws(XenError) -> MemoryAccess,
        setSuppressVE: @escaping @Sendable (XenControlHandle, UInt32, UInt16, UInt64, Bool) throws(XenError) -> Void,
        switchToView: @escaping @Sendable (XenControlHandle, UInt32, UInt16) throws(XenError) -> Void,
        setVisibility: @escaping @Sendable (XenControlHandle, UInt32, UInt16, Bool) throws(XenError) -> Void,
        getVCPUP2MIndex: @escaping @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> UInt16
    ) {
        self.getDomainState = getDomainState
        self.setDomainState = setDomainState
        self.createView = createView
        self.destroyView = destroyView
        self.setMemAccess = setMemAccess
        self.getMemAccess = getMemAccess
        self.setSuppressVE = setSuppressVE
        self.switchToView = switchToView
        self.setVisibility = setVisibility
        self.getVCPUP2MIndex = getVCPUP2MIndex
    }
}
