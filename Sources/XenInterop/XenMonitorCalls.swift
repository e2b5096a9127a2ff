/// The monitor ring `xc_monitor_enable` set up: the ring page mapped read-write into this process
/// (4 KiB, Xen produces requests, the caller produces responses) and the unbound event channel Xen
/// created in the guest for the caller to bind.
public struct XenMonitorRing {
    public let page: UnsafeMutableRawPointer
    public let remotePort: UInt32

    public init(page: UnsafeMutableRawPointer, remotePort: UInt32) {
        self.page = page
        self.remotePort = remotePort
    }
}

/// `XEN_DOMCTL_MONITOR_EVENT_*` bits (xen/include/public/domctl.h) in the mask
/// `xc_monitor_get_capabilities` returns.
public enum XenMonitorCapability {
    /// `1 << XEN_DOMCTL_MONITOR_EVENT_SINGLESTEP`: the CPU has the Monitor Trap Flag.
    public static let singlestep: UInt32 = 1 << 2
    /// `1 << XEN_DOMCTL_MONITOR_EVENT_EMUL_UNIMPLEMENTED`: every x86 HVM domain has it
    /// (xen/arch/x86/include/asm/monitor.h `arch_monitor_get_capabilities`).
    public static let emulUnimplemented: UInt32 = 1 << 10
}

/// The vm_event monitor ring and the monitor options Warden uses.
///
/// `enable` returns NULL on failure with `errno` restored to the first failing step's code
/// (tools/libs/ctrl/xc_vm_event.c `xc_vm_event_enable`, `saved_errno`); the others are domctls that
/// return -1 with `errno` set (tools/libs/ctrl/xc_monitor.c, xc_private.h `do_domctl`).
public struct XenMonitorCalls: Sendable {
    /// Maps the monitor ring page and has Xen create its event channel. Xen answers EBUSY when a
    /// ring already exists. The corresponding C function is `xc_monitor_enable`.
    public var enable: @Sendable (XenControlHandle, UInt32) throws(XenError) -> XenMonitorRing
    /// Tears the ring down in Xen. The corresponding C function is `xc_monitor_disable`.
    public var disable: @Sendable (XenControlHandle, UInt32) throws(XenError) -> Void
    /// Whether Monitor Trap Flag steps are reported as SINGLESTEP events. The corresponding C
    /// function is `xc_monitor_singlestep`.
    public var singlestep: @Sendable (XenControlHandle, UInt32, Bool) throws(XenError) -> Void
    /// Whether an instruction Xen's emulator cannot handle after an EMULATE reply is reported as an
    /// EMUL_UNIMPLEMENTED event (reason 14) instead of Xen injecting #UD (xen/arch/x86/hvm/emulate.c
    /// `hvm_emulate_one_vm_event`). The corresponding C function is `xc_monitor_emul_unimplemented`.
    public var emulUnimplemented: @Sendable (XenControlHandle, UInt32, Bool) throws(XenError) -> Void
    /// The monitor events this domain supports, as `1 << XEN_DOMCTL_MONITOR_EVENT_*`. The
    /// corresponding C function is `xc_monitor_get_capabilities`.
    public var getCapabilities: @Sendable (XenControlHandle, UInt32) throws(XenError) -> UInt32
    /// Unmaps the ring page `enable` returned (one 4 KiB page), as xen-access does (tools/misc/xen-access.c).
    /// The corresponding C function is `munmap`.
    public var unmapRing: @Sendable (UnsafeMutableRawPointer) throws(XenError) -> Void

    public init(
        enable: @escaping @Sendable (XenControlHandle, UInt32) throws(XenError) -> XenMonitorRing,
        disable: @escaping @Sendable (XenControlHandle, UInt32) throws(XenError) -> Void,
        singlestep: @escaping @Sendable (XenControlHandle, UInt32, Bool) throws(XenError) -> Void,
        emulUnimplemented: @escaping @Sendable (XenControlHandle, UInt32, Bool) throws(XenError) -> Void,
        getCapabilities: @escaping @Sendable (XenControlHandle, UInt32) throws(XenError) -> UInt32,
        unmapRing: @escaping @Sendable (UnsafeMutableRawPointer) throws(XenError) -> Void
    ) {
        self.enable = enable
        self.disable = disable
        self.singlestep = singlestep
        self.emulUnimplemented = emulUnimplemented
        self.getCapabilities = getCapabilities
        self.unmapRing = unmapRing
    }
}
