// The one table of C calls behind the Xen backend. `XenCalls.live` calls libxenctrl, libxenevtchn,
// libxenforeignmemory and libxenstore; tests and the model of Xen pass their own closures.
// Shapes are stable: the model-backed table implements exactly these. Entries that can fail throw
// `XenError(operation: <C function name>, errno: <positive code>)`; closes and `fd` cannot fail.
//
// Read-only entries (flat, on `XenCalls`):
//   interfaceOpen        () -> XenControlHandle                            xc_interface_open
//   interfaceClose       (XenControlHandle) -> Void                        xc_interface_close
//   hypervisorVersion    (xch) -> XenVersion                               xc_version(XENVER_version)
//   nextDomainInfo       (xch, firstDomid) -> XenDomainInfo?               xc_domain_getinfolist
//   maximumGPFN          (xch, domid) -> UInt64                            xc_domain_maximum_gpfn
//   vcpuIsOnline         (xch, domid, vcpu) -> Bool                        xc_vcpu_getinfo
//   vcpuContext          (xch, domid, vcpu) -> XenVCPUContext              xc_vcpu_getcontext
//   hvmCPUState          (xch, domid, vcpu) -> XenHVMCPUState              xc_domain_hvm_getcontext_partial
//   foreignMemoryOpen    () -> ForeignMemoryHandle                         xenforeignmemory_open
//   foreignMemoryClose   (ForeignMemoryHandle) -> Void                     xenforeignmemory_close
//   mapReadOnly          (fmem, domid, [gfn]) -> XenForeignMapping         xenforeignmemory_map
//   unmap                (fmem, address, pages) -> Void                    xenforeignmemory_unmap
//   storeOpen / storeClose / storeDirectory(path) / storeRead(path)       xs_open/xs_close/xs_directory/xs_read
//
// `domainControl: XenDomainControlCalls`:
//   pause                (xch, domid) -> Void                              xc_domain_pause
//   unpause              (xch, domid) -> Void                              xc_domain_unpause
//   setAccessRequired    (xch, domid, Bool) -> Void                        xc_domain_set_access_required
//   debugControl         (xch, domid, XenDebugOperation, vcpu) -> Void     xc_domain_debug_control
//   hvmParamGet          (xch, domid, param: UInt32) -> UInt64             xc_hvm_param_get
// `monitor: XenMonitorCalls`:
//   enable               (xch, domid) -> XenMonitorRing(page, remotePort)  xc_monitor_enable
//   disable              (xch, domid) -> Void                              xc_monitor_disable
//   singlestep           (xch, domid, Bool) -> Void                        xc_monitor_singlestep
//   getCapabilities      (xch, domid) -> UInt32 (1 << XEN_DOMCTL_MONITOR_EVENT_*)  xc_monitor_get_capabilities
//   unmapRing            (page) -> Void                                    munmap(page, 4096)
// `altp2m: XenAltp2mCalls` (views are EPTP indexes, UInt16):
//   getDomainState       (xch, domid) -> Bool                              xc_altp2m_get_domain_state
//   setDomainState       (xch, domid, Bool) -> Void                        xc_altp2m_set_domain_state
//   createView           (xch, domid, MemoryAccess) -> UInt16              xc_altp2m_create_view
//   destroyView          (xch, domid, view) -> Void                        xc_altp2m_destroy_view
//   setMemAccess         (xch, domid, view, gfn, MemoryAccess) -> Void     xc_altp2m_set_mem_access
//   getMemAccess         (xch, domid, view, gfn) -> MemoryAccess           xc_altp2m_get_mem_access
//   setSuppressVE        (xch, domid, view, gfn, Bool) -> Void             xc_altp2m_set_suppress_ve
//   switchToView         (xch, domid, view) -> Void                        xc_altp2m_switch_to_view
//   setVisibility        (xch, domid, view, Bool) -> Void                  xc_altp2m_set_visibility
//   getVCPUP2MIndex      (xch, domid, vcpu: UInt32) -> UInt16              xc_altp2m_get_vcpu_p2m_idx
// `eventChannel: XenEventChannelCalls` (ports are evtchn_port_t, UInt32):
//   open                 () -> EventChannelHandle                          xenevtchn_open
//   close                (EventChannelHandle) -> Void                      xenevtchn_close
//   fd                   (xce) -> Int32 (pollable)                         xenevtchn_fd
//   bindInterdomain      (xce, domid, remotePort) -> localPort             xenevtchn_bind_interdomain
//   unbind               (xce, port) -> Void                               xenevtchn_unbind
//   pending              (xce) -> port                                     xenevtchn_pending
//   unmask               (xce, port) -> Void                               xenevtchn_unmask
//   notify               (xce, port) -> Void                               xenevtchn_notify

/// Every libxenctrl, libxenevtchn, libxenforeignmemory and libxenstore operation Warden uses, as
/// one table of closures: reading a live domain (flat entries) and enforcing (the four groups).
/// `XenCalls.live` calls the real C functions; tests and the model of Xen pass their own.
///
/// Each closure either returns a value or throws the `XenError` built from `errno` right after the
/// failing C call. Handles are opened and closed only through the owners (`XenControl`,
/// `ForeignMemory`, `XenStore`), so a handle cannot leak on an error path.
public struct XenCalls: Sendable {
    /// Opens the hypervisor interface. The corresponding C function is `xc_interface_open`.
    public var interfaceOpen: @Sendable () throws(XenError) -> XenControlHandle
    /// The corresponding C function is `xc_interface_close`.
    public var interfaceClose: @Sendable (XenControlHandle) -> Void
    /// The hypervisor's release. A xen_version hypercall, not a domctl, so it answers whatever domctl
    /// interface version the tools were built for. The corresponding C function is `xc_version`.
    public var hypervisorVersion: @Sendable (XenControlHandle) throws(XenError) -> XenVersion
    /// The first domain whose id is at least the given one, or nil if there is none.
    /// The corresponding C function is `xc_domain_getinfolist`.
    public var nextDomainInfo: @Sendable (XenControlHandle, UInt32) throws(XenError) -> XenDomainInfo?
    /// The highest gfn the domain's p2m maps (inclusive). The corresponding C function is
    /// `xc_domain_maximum_gpfn`.
    public var maximumGPFN: @Sendable (XenControlHandle, UInt32) throws(XenError) -> UInt64
    /// Whether a vCPU is up (not `VPF_down`). The corresponding C function is `xc_vcpu_getinfo`.
    public var vcpuIsOnline: @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> Bool
    /// The corresponding C function is `xc_vcpu_getcontext`.
    public var vcpuContext: @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> XenVCPUContext
    /// The HVM `CPU` save record of one vCPU. The corresponding C function is
    /// `xc_domain_hvm_getcontext_partial`.
    public var hvmCPUState: @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> XenHVMCPUState

    /// The corresponding C function is `xenforeignmemory_open`.
    public var foreignMemoryOpen: @Sendable () throws(XenError) -> ForeignMemoryHandle
    /// The corresponding C function is `xenforeignmemory_close`.
    public var foreignMemoryClose: @Sendable (ForeignMemoryHandle) -> Void
    /// Maps the given gfns of a domain read-only, in one batch, with per-page errors.
    /// The corresponding C function is `xenforeignmemory_map`.
    public var mapReadOnly: @Sendable (ForeignMemoryHandle, UInt32, [UInt64]) throws(XenError) -> XenForeignMapping
    /// Unmaps `pages` pages at an address `mapReadOnly` returned. The corresponding C function is
    /// `xenforeignmemory_unmap`.
    public var unmap: @Sendable (ForeignMemoryHandle, UnsafeRawPointer, Int) throws(XenError) -> Void

    /// The corresponding C function is `xs_open`.
    public var storeOpen: @Sendable () throws(XenError) -> XenStoreHandle
    /// The corresponding C function is `xs_close`.
    public var storeClose: @Sendable (XenStoreHandle) -> Void
    /// The children of a xenstore node. The corresponding C function is `xs_directory`.
    public var storeDirectory: @Sendable (XenStoreHandle, String) throws(XenError) -> [String]
    /// The value of a xenstore node. The corresponding C function is `xs_read`.
    public var storeRead: @Sendable (XenStoreHandle, String) throws(XenError) -> String

    /// Pause, access-required, debug control and HVM parameters (domctl and hvm_op).
    public var domainControl: XenDomainControlCalls
    /// The monitor vm_event ring and monitor options.
    public var monitor: XenMonitorCalls
    /// Alternate p2m views.
    public var altp2m: XenAltp2mCalls
    /// The event channel that signals the monitor ring.
    public var eventChannel: XenEventChannelCalls

    public init(
        interfaceOpen: @escaping @Sendable () throws(XenError) -> XenControlHandle,
        interfaceClose: @escaping @Sendable (XenControlHandle) -> Void,
        hypervisorVersion: @escaping @Sendable (XenControlHandle) throws(XenError) -> XenVersion,
        nextDomainInfo: @escaping @Sendable (XenControlHandle, UInt32) throws(XenError) -> XenDomainInfo?,
        maximumGPFN: @escaping @Sendable (XenControlHandle, UInt32) throws(XenError) -> UInt64,
        vcpuIsOnline: @escaping @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> Bool,
        vcpuContext: @escaping @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> XenVCPUContext,
        hvmCPUState: @escaping @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> XenHVMCPUState,
        foreignMemoryOpen: @escaping @Sendable () throws(XenError) -> ForeignMemoryHandle,
        foreignMemoryClose: @escaping @Sendable (ForeignMemoryHandle) -> Void,
        mapReadOnly: @escaping @Sendable (ForeignMemoryHandle, UInt32, [UInt64]) throws(XenError) -> XenForeignMapping,
        unmap: @escaping @Sendable (ForeignMemoryHandle, UnsafeRawPointer, Int) throws(XenError) -> Void,
        storeOpen: @escaping @Sendable () throws(XenError) -> XenStoreHandle,
        storeClose: @escaping @Sendable (XenStoreHandle) -> Void,
        storeDirectory: @escaping @Sendable (XenStoreHandle, String) throws(XenError) -> [String],
        storeRead: @escaping @Sendable (XenStoreHandle, String) throws(XenError) -> String,
        domainControl: XenDomainControlCalls,
        monitor: XenMonitorCalls,
        altp2m: XenAltp2mCalls,
        eventChannel: XenEventChannelCalls
    ) {
        self.interfaceOpen = interfaceOpen
        self.interfaceClose = interfaceClose
        self.hypervisorVersion = hypervisorVersion
        self.nextDomainInfo = nextDomainInfo
        self.maximumGPFN = maximumGPFN
        self.vcpuIsOnline = vcpuIsOnline
        self.vcpuContext = vcpuContext
        self.hvmCPUState = hvmCPUState
        self.foreignMemoryOpen = foreignMemoryOpen
        self.foreignMemoryClose = foreignMemoryClose
        self.mapReadOnly = mapReadOnly
        self.unmap = unmap
        self.storeOpen = storeOpen
        self.storeClose = storeClose
        self.storeDirectory = storeDirectory
        self.storeRead = storeRead
        self.domainControl = domainControl
        self.monitor = monitor
        self.altp2m = altp2m
        self.eventChannel = eventChannel
    }
}
