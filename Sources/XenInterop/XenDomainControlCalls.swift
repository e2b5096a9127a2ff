/// `XEN_DOMCTL_DEBUG_OP_*` (xen/include/public/domctl.h): what `xc_domain_debug_control` does to a vCPU.
public enum XenDebugOperation: UInt32, Sendable {
    /// Stops single-stepping (Monitor Trap Flag) and, since 4.17.4, fast single-step too.
    case singleStepOff = 0
    case singleStepOn = 1
}

/// `HVM_PARAM_*` indexes (xen/include/public/hvm/params.h) Warden reads.
public enum XenHVMParameter {
    /// `HVM_PARAM_ALTP2M`: 0 disabled, 1 mixed, 2 external, 3 limited (`XEN_ALTP2M_*`).
    public static let altp2m: UInt32 = 35
}

/// Domain-wide controls: pausing, what happens without a listener, MTF single-step and HVM parameters.
///
/// All are domctl or hvm_op hypercalls, which libxenctrl issues as ioctls on /dev/xen/privcmd: they
/// return -1 with `errno` set to Xen's positive error code (tools/libs/call/linux.c
/// `osdep_hypercall`, tools/libs/ctrl/xc_private.h `do_domctl`).
public struct XenDomainControlCalls: Sendable {
    /// Pauses the whole domain; pauses nest. The corresponding C function is `xc_domain_pause`.
    public var pause: @Sendable (XenControlHandle, UInt32) throws(XenError) -> Void
    /// Undoes one `pause`. The corresponding C function is `xc_domain_unpause`.
    public var unpause: @Sendable (XenControlHandle, UInt32) throws(XenError) -> Void
    /// Whether a mem_access violation without a listener crashes the domain (true) or is lifted
    /// (false). The corresponding C function is `xc_domain_set_access_required`.
    public var setAccessRequired: @Sendable (XenControlHandle, UInt32, Bool) throws(XenError) -> Void
    /// Debug operation on one vCPU. The corresponding C function is `xc_domain_debug_control`.
    public var debugControl: @Sendable (XenControlHandle, UInt32, XenDebugOperation, UInt32) throws(XenError) -> Void
    /// Reads one HVM parameter. The corresponding C function is `xc_hvm_param_get`.
    public var hvmParamGet: @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> UInt64

    public init(
        pause: @escaping @Sendable (XenControlHandle, UInt32) throws(XenError) -> Void,
        unpause: @escaping @Sendable (XenControlHandle, UInt32) throws(XenError) -> Void,
        setAccessRequired: @escaping @Sendable (XenControlHandle, UInt32, Bool) throws(XenError) -> Void,
        debugControl:
            @escaping @Sendable (XenControlHandle, UInt32, XenDebugOperation, UInt32) throws(XenError) -> Void,
        hvmParamGet: @escaping @Sendable (XenControlHandle, UInt32, UInt32) throws(XenError) -> UInt64
    ) {
        self.pause = pause
        self.unpause = unpause
        self.setAccessRequired = setAccessRequired
        self.debugControl = debugControl
        self.hvmParamGet = hvmParamGet
    }
}
