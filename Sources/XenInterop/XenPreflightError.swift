import Glibc
import Hypervisor

/// Why Warden refuses to protect a domain, said so the operator can fix it.
public enum XenPreflightError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No /dev/xen/privcmd: not a Xen dom0.
    case noPrivcmd
    /// Not running as root.
    case notRoot
    /// The domain could not be opened: not found, PV, dying, or a libxen failure.
    case domain(XenDomainError)
    /// altp2m ops answer EOPNOTSUPP: no `altp2m=1` on Xen's command line, or no VT-x with EPT.
    case altp2mUnsupported(domid: UInt32)
    /// HVM_PARAM_ALTP2M is 0 (`disabled`).
    case altp2mDisabled(domid: UInt32)
    /// HVM_PARAM_ALTP2M is 1 (`mixed`): the guest controls its own views.
    case altp2mMixed(domid: UInt32)
    /// HVM_PARAM_ALTP2M holds a value Xen 4.17 does not define (above 3).
    case altp2mModeUnknown(domid: UInt32, value: UInt64)
    /// `--allow-path singlestep`, but `xc_monitor_get_capabilities` lacks the single-step bit (no Monitor
    /// Trap Flag).
    case noSinglestep(domid: UInt32, capabilities: UInt32)
    /// `--allow-path emulate`, but the capabilities lack EMUL_UNIMPLEMENTED (every x86 HVM domain of Xen
    /// 4.17 has it, xen/arch/x86/include/asm/monitor.h `arch_monitor_get_capabilities`).
    case noEmulUnimplemented(domid: UInt32, capabilities: UInt32)
    /// The vm_event headers Warden was built with are not interface version 7.
    case vmEventHeaderVersion(UInt32)
    /// Xen's release speaks another vm_event interface version (before 4.15).
    case vmEventInterfaceMismatch(domid: UInt32, xen: XenVersion)
    /// `xc_monitor_enable` answered EBUSY: another process holds the monitor ring.
    case ringBusy(domid: UInt32)
    /// `xc_monitor_enable` answered EOPNOTSUPP: the domain has no monitor ring page.
    case noRingPage(domid: UInt32)
    /// Any other failed call.
    case xen(HypervisorError)

    public var description: String {
        switch self {
        case .noPrivcmd:
            "/dev/xen/privcmd does not exist: Warden must run in a Xen dom0 (boot the host under Xen; "
                + "the xen-privcmd driver provides the device)"
        case .notRoot:
            "Warden must run as root in dom0: /dev/xen/privcmd, /dev/xen/evtchn and the monitor and altp2m "
                + "hypercalls are root-only"
        case .domain(let error):
            error.description
        case .altp2mUnsupported(let domid):
            "altp2m is unavailable for domain \(domid) (Xen answers EOPNOTSUPP): either Xen was not booted with "
                + "`altp2m=1` (add it to the Xen command line, e.g. GRUB_CMDLINE_XEN_DEFAULT in /etc/default/grub, "
                + "run update-grub and reboot), or the CPU lacks Intel VT-x with EPT (Xen 4.17 has altp2m only "
                + "on Intel VT-x; AMD is not supported)"
        case .altp2mDisabled(let domid):
            "altp2m is disabled for domain \(domid) (HVM_PARAM_ALTP2M = 0): add the line "
                + "`altp2m = \"external\"` to the domain's xl.cfg and restart the domain"
        case .altp2mMixed(let domid):
            "domain \(domid) uses altp2m = \"mixed\": the guest may create, switch and change its own views, so it "
                + "could leave Warden's restricted view or lift its restrictions; set `altp2m = \"external\"` in "
                + "the domain's xl.cfg and restart the domain"
        case .altp2mModeUnknown(let domid, let value):
            "domain \(domid) has HVM_PARAM_ALTP2M = \(value), which Xen 4.17 does not define; set "
                + "`altp2m = \"external\"` in the domain's xl.cfg"
        case .noSinglestep(let domid, let capabilities):
            "`--allow-path singlestep` needs single-step monitoring, which Xen does not offer for domain \(domid) "
                + "(monitor capabilities 0x\(String(capabilities, radix: 16))): the CPU lacks the Monitor Trap Flag "
                + "(emulated CPUs such as Bochs do). Use `--allow-path emulate` (the default), which lets allowed "
                + "writes through by Xen's instruction emulator and needs no Monitor Trap Flag"
        case .noEmulUnimplemented(let domid, let capabilities):
            "`--allow-path emulate` needs Xen to report instructions it cannot emulate (EMUL_UNIMPLEMENTED), "
                + "which it does not offer for domain \(domid) (monitor capabilities "
                + "0x\(String(capabilities, radix: 16))); without it such a write would end in an invalid-opcode "
                + "exception Warden never sees. Use `--allow-path singlestep` on a host with the Monitor Trap Flag"
        case .vmEventHeaderVersion(let version):
            "Warden was built against vm_event interface version \(version) but speaks version "
                + "\(XenPreflight.vmEventInterfaceVersion) (Xen 4.15 and later); rebuild it against the headers "
                + "of Xen 4.15 or later (libxen-dev)"
        case .vmEventInterfaceMismatch(let domid, let xen):
            "Xen \(xen) speaks vm_event interface version \(XenPreflight.vmEventInterfaceVersion(of: xen))"
                + (xen < XenVersion(major: 4, minor: 13) ? " or older" : "") + ", but Warden speaks version "
                + "\(XenPreflight.vmEventInterfaceVersion) (Xen 4.15 and later): Xen would drop every reply Warden "
                + "sends and leave the guest's vCPUs paused. Nothing was changed in domain \(domid); run Warden "
                + "on Xen 4.15 or later"
        case .ringBusy(let domid):
            "the vm_event monitor ring of domain \(domid) is already in use (xc_monitor_enable: EBUSY). Another "
                + "introspection tool holds it: commonly xen-access, a LibVMI-based tool such as DRAKVUF or the "
                + "vmi-* examples, or a Warden that was killed. Stop that tool; if a killed Warden left the ring, "
                + "run `warden release --domain \(domid)`"
        case .noRingPage(let domid):
            "domain \(domid) has no vm_event monitor ring page (HVM_PARAM_MONITOR_RING_PFN is 0, "
                + "xc_monitor_enable: EOPNOTSUPP); create the domain with xl, which reserves one"
        case .xen(let error):
            "\(error.operation) failed: \(String(cString: strerror(error.errno))) (errno \(error.errno))"
        }
    }
}

/// Something Warden accepts but the operator should know.
public enum XenPreflightWarning: Equatable, Sendable, CustomStringConvertible {
    /// HVM_PARAM_ALTP2M is 3 (`limited`).
    case altp2mLimited(domid: UInt32)
    /// altp2m was already on before Warden touched the domain.
    case altp2mAlreadyActive(domid: UInt32)
    /// Xen is newer than the newest release Warden knows; its vm_event interface is assumed to be 7.
    case vmEventInterfaceAssumed(xen: XenVersion)

    public var description: String {
        switch self {
        case .altp2mLimited(let domid):
            "domain \(domid) uses altp2m = \"limited\": the guest may register #VE pages for itself. Warden leaves "
                + "suppress-#VE set on the frames it protects, so their violations still reach dom0; "
                + "`altp2m = \"external\"` in xl.cfg leaves the guest no altp2m control at all"
        case .altp2mAlreadyActive(let domid):
            "altp2m is already active on domain \(domid): another tool, or a killed Warden, may be using views; "
                + "turning altp2m off when Warden stops destroys those views too (`warden release --domain "
                + "\(domid)` cleans up after a killed Warden)"
        case .vmEventInterfaceAssumed(let xen):
            "Xen \(xen) is newer than the newest release Warden knows (\(XenPreflight.newestKnownXen)): Warden "
                + "assumes it speaks vm_event interface version \(XenPreflight.vmEventInterfaceVersion), as 4.15 to "
                + "\(XenPreflight.newestKnownXen) do, and stops, removing its protection, if the first request "
                + "carries another version"
        }
    }

    /// The warning as `warden release` must put it: release reads no request, so it cannot notice a
    /// Xen that drops its version-7 replies.
    public var forRelease: String {
        guard case .vmEventInterfaceAssumed(let xen) = self else { return description }
        return "Xen \(xen) is newer than the newest release Warden knows (\(XenPreflight.newestKnownXen)): release "
            + "assumes it speaks vm_event interface version \(XenPreflight.vmEventInterfaceVersion) and cannot tell "
            + "if Xen drops its replies instead; if vCPUs stay paused afterwards (`xl vcpu-list`), this Xen speaks "
            + "another version and only a Warden built for it can release them"
    }
}
