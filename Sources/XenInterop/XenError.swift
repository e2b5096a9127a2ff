import Glibc

/// A failed libxenctrl, libxenforeignmemory or libxenstore call: the C function's name and the
/// `errno` it left, captured right after the call.
///
/// libxenctrl returns -1 (or NULL) with `errno` set to a positive Xen error code; on x86 those
/// equal Linux's (xen/include/public/errno.h), so `strerror` names them correctly.
public struct XenError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The C function that failed, e.g. `xc_interface_open`.
    public var operation: String
    /// The positive error code it reported.
    public var errno: Int32

    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    /// Reads the calling thread's `errno`. Call it on the line right after the failing call, before
    /// anything else can overwrite it.
    static func lastError(_ operation: String) -> XenError {
        XenError(operation: operation, errno: Glibc.errno)
    }

    /// What the operator should do about this failure.
    public var advice: String {
        switch errno {
        case ENOENT where operation == "xs_open":
            "no xenstored socket and no /dev/xen/xenbus: not running in a Xen dom0, or xenstored is not running"
        case ENOENT where Self.openCalls.contains(operation):
            "no /dev/xen/privcmd: not running in a Xen dom0"
        case ENOENT where operation == "xs_read" || operation == "xs_directory":
            "the xenstore node does not exist (the domain may have gone away)"
        case EPERM:
            "run as root in dom0"
        case EACCES where Self.openCalls.contains(operation) || operation == "xs_open":
            "run as root in dom0"
        case EACCES:
            // xen/common/domctl.c and sysctl.c refuse a caller built for another interface version.
            "the hypervisor rejected the interface version: this libxenctrl needs Xen 4.17 (or run as root in dom0)"
        case ESRCH:
            "no such domain or vCPU: it may have been destroyed; check `xl list`"
        case ENODATA:
            "the vCPU is offline or not yet initialised"
        case EINVAL where operation == "xc_domain_hvm_getcontext_partial":
            "the domain is dying or is not an HVM guest"
        case ENOMEM:
            "dom0 is out of memory"
        default:
            "unexpected failure"
        }
    }

    public var description: String {
        "\(operation) failed: \(Self.message(for: errno)) (errno \(errno)); \(advice)"
    }

    /// The calls that open a handle on /dev/xen/privcmd (tools/libs/call/linux.c,
    /// tools/libs/foreignmemory/linux.c).
    private static let openCalls: Set<String> = ["xc_interface_open", "xenforeignmemory_open"]

    private static func message(for code: Int32) -> String {
        // glibc's strerror returns a static string for known codes and a thread-local buffer for
        // unknown ones (glibc ≥ 2.32), so copying it out right away is safe.
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }
}
