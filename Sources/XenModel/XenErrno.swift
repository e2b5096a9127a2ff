import Glibc

/// A Xen error code as the hypervisor returns it (negated in Xen, positive in `errno` after libxenctrl).
/// x86 Xen errno values equal Linux's (xen/include/public/errno.h), so Glibc's constants name them.
public struct XenErrno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var code: Int32

    public init(_ code: Int32) { self.code = code }

    public static let eperm = XenErrno(EPERM)
    public static let enoent = XenErrno(ENOENT)
    public static let esrch = XenErrno(ESRCH)
    public static let enomem = XenErrno(ENOMEM)
    public static let ebusy = XenErrno(EBUSY)
    public static let eexist = XenErrno(EEXIST)
    public static let enodev = XenErrno(ENODEV)
    public static let einval = XenErrno(EINVAL)
    public static let eoverflow = XenErrno(EOVERFLOW)
    public static let eopnotsupp = XenErrno(EOPNOTSUPP)

    public var description: String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: text)) (errno \(code))"
    }
}
