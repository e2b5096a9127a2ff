import Hypervisor

/// Xen primitives the `Hypervisor` protocol does not cover: what preflight reads, and the
/// no-listener policy xen-access sets before restricting memory.
extension XenHypervisor {
    /// The hypervisor's release (`XENVER_version`). The corresponding C function is `xc_version`.
    public func hypervisorVersion() throws(HypervisorError) -> XenVersion {
        try xen { () throws(XenError) in try calls.hypervisorVersion(handle) }
    }

    /// One HVM parameter, e.g. `XenHVMParameter.altp2m`. The corresponding C function is `xc_hvm_param_get`.
    public func hvmParameter(_ index: UInt32) throws(HypervisorError) -> UInt64 {
        try xen { () throws(XenError) in try calls.domainControl.hvmParamGet(handle, domain, index) }
    }

    /// The monitor events the domain supports, as `1 << XEN_DOMCTL_MONITOR_EVENT_*` (see
    /// `XenMonitorCapability`). The corresponding C function is `xc_monitor_get_capabilities`.
    public func monitorCapabilities() throws(HypervisorError) -> UInt32 {
        try xen { () throws(XenError) in try calls.monitor.getCapabilities(handle, domain) }
    }

    /// Whether a violation with no listener crashes the domain (true) or lifts the restriction
    /// (false, Xen's default; xen/arch/x86/mm/mem_access.c `p2m_mem_access_check`).
    /// The corresponding C function is `xc_domain_set_access_required`.
    public func setAccessRequired(_ required: Bool) throws(HypervisorError) {
        try xen { () throws(XenError) in try calls.domainControl.setAccessRequired(handle, domain, required) }
    }
}
