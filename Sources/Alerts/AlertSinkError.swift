import Glibc

/// Why an alert did not reach its destination. Every description names the destination, the
/// system error, and what an operator can do about it.
public enum AlertSinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// write(2) to an output stream failed (`EPIPE`: the reader went away).
    case writeFailed(destination: String, errno: Int32)
    /// socket(2) itself failed (out of descriptors, or no unix sockets in this kernel).
    case socketFailed(errno: Int32)
    /// The syslog socket path cannot be used as a unix socket address.
    case socketPathTooLong(path: String, limit: Int)
    /// connect(2) to the syslog socket failed (`ENOENT`: no daemon listens there).
    case connectFailed(path: String, errno: Int32)
    /// The syslog daemon did not take the message within the send timeout.
    case timedOut(path: String, timeout: Duration)
    /// send(2) to the syslog socket failed for another reason (`EMSGSIZE`: message over the limit).
    case sendFailed(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .writeFailed(let destination, let code):
            let hint = code == EPIPE
                ? "the reading process exited; alerts to \(destination) are lost until it is restarted"
                : "check that \(destination) is still open and writable"
            return "cannot write alert to \(destination): \(errorText(code)); \(hint)"
        case .socketFailed(let code):
            return "cannot create a unix socket for syslog: \(errorText(code)); check the process descriptor limit (ulimit -n)"
        case .socketPathTooLong(let path, let limit):
            return "syslog socket path '\(path)' is longer than the \(limit) bytes a unix socket address holds; use a shorter path"
        case .connectFailed(let path, let code):
            return "cannot connect to syslog socket \(path): \(errorText(code)); "
                + "check that a syslog daemon (rsyslog, systemd-journald) is running and listens there, or configure its socket path"
        case .timedOut(let path, let timeout):
            return "syslog at \(path) did not accept the alert within \(timeout); the daemon is stalled or its queue is full"
        case .sendFailed(let path, let code):
            let hint = code == EMSGSIZE
                ? "the alert is larger than the socket accepts; lower the syslog message limit"
                : "check the syslog daemon's state"
            return "cannot send alert to syslog socket \(path): \(errorText(code)); \(hint)"
        }
    }
}

/// `Broken pipe (EPIPE, 32)`: the message plus the symbolic name people search for.
func errorText(_ code: Int32) -> String {
    let message = strerror(code).map { String(cString: $0) } ?? "error \(code)"
    let names: [Int32: String] = [
        EPIPE: "EPIPE", ENOENT: "ENOENT", ECONNREFUSED: "ECONNREFUSED", ENOTCONN: "ENOTCONN",
        EAGAIN: "EAGAIN", EACCES: "EACCES", EMSGSIZE: "EMSGSIZE", EBADF: "EBADF", EPROTOTYPE: "EPROTOTYPE",
        ECONNRESET: "ECONNRESET", ENOBUFS: "ENOBUFS", EMFILE: "EMFILE", EINTR: "EINTR", EIO: "EIO", ENOSPC: "ENOSPC",
    ]
    return "\(message) (\(names[code].map { "\($0), " } ?? "")\(code))"
}
