import Glibc
import Hypervisor

/// What the host offers before any Xen call: the privcmd device and root.
public struct XenHost: Sendable, Equatable {
    public var hasPrivcmd: Bool
    public var isRoot: Bool

    public init(hasPrivcmd: Bool, isRoot: Bool) {
        self.hasPrivcmd = hasPrivcmd
        self.isRoot = isRoot
    }

    /// This process on this machine.
    public static var current: XenHost {
        XenHost(hasPrivcmd: access("/dev/xen/privcmd", F_OK) == 0, isRoot: geteuid() == 0)
    }
}

/// An opened domain that passed preflight, and what the operator should still know.
public struct XenPreflightReport {
    public let hypervisor: XenHypervisor
    public let warnings: [XenPreflightWarning]
    /// How allowed writes will get through; nil from `checkForRelease`, which lets nothing through.
    public var allowPath: AllowPath? = nil
    /// Whether the host offers single-step monitoring (the Monitor Trap Flag); nil from `checkForRelease`.
    public var singlestepAvailable: Bool? = nil

    /// The line preflight's caller logs: the path in use and whether the other one exists.
    public var allowPathNote: String? {
        guard let allowPath, let singlestepAvailable else { return nil }
        return "allow path: \(allowPath.summary); single-step is "
            + (singlestepAvailable ? "available" : "unavailable (no Monitor Trap Flag)") + " on this host"
    }
}

/// The checks the controller runs before it changes anything in the guest. Each failure is a
/// `XenPreflightError` that says what to fix.
public enum XenPreflight {
    /// Checks the host, opens the domain and checks its Xen, altp2m and monitor support; reads only.
    /// - Parameters:
    ///   - nameOrID: the domain, by id or xenstore name.
    ///   - calls: the C functions to use.
    ///   - host: the privcmd device and root, checked first.
    /// - Returns: the opened backend and any warnings.
    /// The corresponding C function is `xc_altp2m_get_domain_state`.
    ///   - allowPath: how allowed writes will get through; `singlestep` needs the Monitor Trap Flag.
    public static func check(
        _ nameOrID: String,
        calls: XenCalls = .live,
        host: XenHost = .current,
        allowPath: AllowPath = .preferred
    ) throws(XenPreflightError) -> XenPreflightReport {
        let hypervisor = try open(nameOrID, calls: calls, host: host)
        let (warnings, singlestep) = try check(hypervisor, allowPath: allowPath)
        return XenPreflightReport(
            hypervisor: hypervisor, warnings: warnings, allowPath: allowPath, singlestepAvailable: singlestep)
    }

    /// What `warden release` needs before it acts: the host, the domain, and a Xen that speaks vm_event
    /// interface 7, since release answers vCPUs with version-7 replies. Not the altp2m checks: release
    /// must also work on a domain whose altp2m state `check` would reject. Reads only.
    /// The corresponding C function is `xc_version`.
    public static func checkForRelease(
        _ nameOrID: String,
        calls: XenCalls = .live,
        host: XenHost = .current
    ) throws(XenPreflightError) -> XenPreflightReport {
        let hypervisor = try open(nameOrID, calls: calls, host: host)
        return XenPreflightReport(hypervisor: hypervisor, warnings: try checkVMEventInterface(hypervisor))
    }

    /// Checks, in this order, that Xen speaks Warden's vm_event interface, that altp2m works for the
    /// domain in `external` mode and that Xen offers the monitor `allowPath` needs: single-step (the
    /// Monitor Trap Flag) or EMUL_UNIMPLEMENTED. Reads only.
    /// - Returns: warnings for accepted but noteworthy states, and whether single-step is available.
    /// The corresponding C function is `xc_altp2m_get_domain_state`.
    public static func check(_ hypervisor: XenHypervisor, allowPath: AllowPath = .preferred) throws(XenPreflightError)
        -> (warnings: [XenPreflightWarning], singlestepAvailable: Bool)
    {
        let domid = hypervisor.domain
        var warnings = try checkVMEventInterface(hypervisor)
        let active: Bool
        do throws(HypervisorError) {
            active = try hypervisor.altp2mEnabled()
        } catch {
            // xen/arch/x86/hvm/hvm.c `do_altp2m_op`: EOPNOTSUPP without `altp2m=1` or VMX support,
            // EINVAL when HVM_PARAM_ALTP2M is 0.
            switch error.errno {
            case EOPNOTSUPP: throw .altp2mUnsupported(domid: domid)
            case EINVAL: throw .altp2mDisabled(domid: domid)
            default: throw .xen(error)
            }
        }
        switch try xenCall({ () throws(HypervisorError) in try hypervisor.hvmParameter(XenHVMParameter.altp2m) }) {
        case 0: throw .altp2mDisabled(domid: domid)
        case 1: throw .altp2mMixed(domid: domid)
        case 2: break
        case 3: warnings.append(.altp2mLimited(domid: domid))
        case let value: throw .altp2mModeUnknown(domid: domid, value: value)
        }
        if active { warnings.append(.altp2mAlreadyActive(domid: domid)) }
        let capabilities = try xenCall { () throws(HypervisorError) in try hypervisor.monitorCapabilities() }
        let singlestep = capabilities & XenMonitorCapability.singlestep != 0
        switch allowPath {
        case .singlestep where !singlestep:
            throw .noSinglestep(domid: domid, capabilities: capabilities)
        case .emulate where capabilities & XenMonitorCapability.emulUnimplemented == 0:
            throw .noEmulUnimplemented(domid: domid, capabilities: capabilities)
        default:
            return (warnings, singlestep)
        }
    }

    /// Explains a failed `enableMonitorRing`: EBUSY from xen/common/vm_event.c `vm_event_enable` (a
    /// ring exists) and EOPNOTSUPP (no ring gfn) get their own messages.
    /// The corresponding C function is `xc_monitor_enable`.
    public static func ringEnableFailure(_ error: HypervisorError, domid: UInt32) -> XenPreflightError {
        guard error.operation == "xc_monitor_enable" else { return .xen(error) }
        switch error.errno {
        case EBUSY: return .ringBusy(domid: domid)
        case EOPNOTSUPP: return .noRingPage(domid: domid)
        default: return .xen(error)
        }
    }

    /// The host checks, then the domain opened as the backend.
    private static func open(_ nameOrID: String, calls: XenCalls, host: XenHost) throws(XenPreflightError)
        -> XenHypervisor
    {
        guard host.hasPrivcmd else { throw .noPrivcmd }
        guard host.isRoot else { throw .notRoot }
        do throws(XenDomainError) {
            return try XenHypervisor.open(nameOrID, calls: calls)
        } catch {
            throw Self.openFailure(error)
        }
    }

    /// Opening privcmd without permission fails with EACCES or EPERM (tools/libs/call/linux.c opens
    /// /dev/xen/privcmd read-write): that is the root check's message.
    private static func openFailure(_ error: XenDomainError) -> XenPreflightError {
        if case .xen(let xen) = error, ["xc_interface_open", "xenforeignmemory_open"].contains(xen.operation) {
            switch xen.errno {
            case ENOENT: return .noPrivcmd
            case EACCES, EPERM: return .notRoot
            default: break
            }
        }
        return .domain(error)
    }

    static func xenCall<T>(_ body: () throws(HypervisorError) -> T) throws(XenPreflightError) -> T {
        do throws(HypervisorError) {
            return try body()
        } catch {
            throw .xen(error)
        }
    }
}
