import XenInterop
import XenRing

/// `HVM_PARAM_ALTP2M` values (xen/include/public/hvm/params.h `XEN_ALTP2M_*`).
public enum Altp2mMode: UInt64, Sendable {
    case disabled = 0, mixed, external, limited
}

/// What the modelled host and domain look like: the facts Xen checks before it acts.
public struct XenModelConfiguration: Sendable {
    public var domainID: UInt32 = 1
    /// The domain's xenstore name (`/local/domain/<id>/name`).
    public var domainName = "model-guest"
    /// /dev/xen/privcmd (and the evtchn and xenbus devices) exist: dom0 of a running Xen. Without them
    /// `xc_interface_open`, `xenforeignmemory_open`, `xenevtchn_open` and `xs_open` fail with ENOENT.
    public var privcmdAvailable = true
    /// Xen booted with `altp2m=1` on a VT-x + EPT host: xen/arch/x86/hvm/hvm.c `opt_altp2m_enabled`,
    /// `hvm_altp2m_supported()`. Without it every altp2m op fails with EOPNOTSUPP (`do_altp2m_op`).
    public var altp2mBootOption = true
    /// `HVM_PARAM_ALTP2M`; `.disabled` makes altp2m ops fail with EINVAL (`do_altp2m_op`).
    public var altp2mMode: Altp2mMode = .external
    /// A PV domain: altp2m ops → EOPNOTSUPP (`do_altp2m_op`), monitor enable → EINVAL (the HVM param read
    /// fails), debug control → EINVAL (xen/arch/x86/domctl.c `XEN_DOMCTL_debug_op`).
    public var isHVM = true
    /// Nested HVM: `set_domain_state` → EINVAL (`do_altp2m_op`).
    public var nestedHVM = false
    /// Whether `HVM_PARAM_MONITOR_RING_PFN` names a gfn (libxl sets one for every HVM guest). Without it
    /// `xc_monitor_enable` fails with EOPNOTSUPP (xen/common/vm_event.c `vm_event_enable`).
    public var hasMonitorRingGFN = true
    /// `cpu_has_monitor_trap_flag`: without it singlestep is not a monitor capability (EOPNOTSUPP,
    /// xen/common/monitor.c `monitor_domctl`) and SINGLE_STEP_OFF fails with EOPNOTSUPP (hvm.c `hvm_debug_op`).
    public var hasMonitorTrapFlag = true

    /// The host p2m maps RAM with 2 MiB superpages where it can, as libxenguest builds HVM guests
    /// (tools/libs/guest/xg_dom_x86.c `meminit_hvm`). Views copy a whole superpage at once
    /// (xen/arch/x86/mm/p2m.c `p2m_altp2m_get_or_propagate`, `altp2m_get_effective_entry`).
    public var hostSuperpages = true

    /// What `xc_version(XENVER_version)` answers. Only the answer changes: the model still behaves as 4.17.
    public var xenVersion = XenVersion(major: 4, minor: 17)
    /// The `VM_EVENT_INTERFACE_VERSION` stamped on requests and required of responses (any other is
    /// dropped, xen/common/vm_event.c `vm_event_resume`). Tests set another to play a Xen whose
    /// interface Warden does not speak; the ring layout stays version 7's.
    public var vmEventInterfaceVersion = VMEventInterface.version
    /// Retired instructions each vCPU remembers (between this and twice as many): enough for tests to
    /// read back bursts; a measurement of the controller's memory sets it low so the model's own
    /// bookkeeping does not count as Warden's.
    public var retiredHistory = 4096

    public init() {}
}
