import Hypervisor
import Synchronization

// The altp2m hypercalls (HVMOP_altp2m, xen/arch/x86/hvm/hvm.c `do_altp2m_op`) on the model.
extension XenModel {
    /// xc_altp2m_get_domain_state.
    public func altp2mEnabled() throws(XenErrno) -> Bool {
        try state.withLock { (s) throws(XenErrno) in try s.altp2mState() }
    }

    /// xc_altp2m_set_domain_state.
    public func setAltp2m(enabled: Bool) throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in try s.setAltp2mState(enabled) }
    }

    /// xc_altp2m_create_view.
    public func createView(defaultAccess: MemoryAccess) throws(XenErrno) -> ViewID {
        try createView(xenmemDefaultAccess: defaultAccess.rawValue)
    }

    /// xc_altp2m_create_view with a raw `XENMEM_access_*` value (anything above 10 → EINVAL).
    public func createView(xenmemDefaultAccess raw: UInt8) throws(XenErrno) -> ViewID {
        ViewID(try state.withLock { (s) throws(XenErrno) in try s.createView(defaultAccess: raw) })
    }

    /// xc_altp2m_destroy_view.
    public func destroyView(_ view: ViewID) throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in try s.destroyView(view.index) }
    }

    /// xc_altp2m_switch_to_view: every vCPU.
    public func switchToView(_ view: ViewID) throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in try s.switchToView(view.index) }
    }

    /// xc_altp2m_set_visibility.
    public func setVisibility(_ view: ViewID, visible: Bool) throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in try s.setVisibility(view.index, visible: visible) }
    }

    /// xc_altp2m_get_vcpu_p2m_idx.
    public func currentView(vcpu: Int) throws(XenErrno) -> ViewID {
        ViewID(try state.withLock { (s) throws(XenErrno) in try s.vcpuView(vcpu) })
    }

    /// xc_altp2m_set_mem_access. View 0 is the host p2m.
    public func setMemAccess(_ access: MemoryAccess, view: ViewID, gfn: UInt64) throws(XenErrno) {
        try setMemAccess(xenmem: access.rawValue, view: view, gfn: gfn)
    }

    /// xc_altp2m_set_mem_access with a raw `XENMEM_access_*` value.
    public func setMemAccess(xenmem raw: UInt8, view: ViewID, gfn: UInt64) throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in try s.setMemAccess(view: view.index, gfn: gfn, access: raw) }
    }

    /// xc_altp2m_get_mem_access. View 0 is the host p2m.
    public func memAccess(view: ViewID, gfn: UInt64) throws(XenErrno) -> MemoryAccess {
        try state.withLock { (s) throws(XenErrno) in try s.memAccess(view: view.index, gfn: gfn) }.memoryAccess
    }

    /// xc_altp2m_set_suppress_ve. View 0 is the host p2m.
    public func setSuppressVE(_ suppress: Bool, view: ViewID, gfn: UInt64) throws(XenErrno) {
        try state.withLock { (s) throws(XenErrno) in
            try s.setSuppressVE(view: view.index, gfn: gfn, suppress: suppress)
        }
    }

    /// xc_altp2m_get_suppress_ve. View 0 is the host p2m.
    public func suppressVE(view: ViewID, gfn: UInt64) throws(XenErrno) -> Bool {
        try state.withLock { (s) throws(XenErrno) in try s.suppressVE(view: view.index, gfn: gfn) }
    }
}
