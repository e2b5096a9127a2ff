import Glibc

/// How the local syslog socket takes messages. `/dev/log` is a datagram socket under rsyslog and
/// systemd-journald; some daemons (syslog-ng `unix-stream()`) offer a stream socket instead.
public enum SyslogTransport: String, Sendable, Hashable {
    /// One message per datagram.
    case datagram
    /// RFC 6587 octet counting: `<length> <message>`, no delimiter needed or trusted.
    case stream
}

/// A connected unix socket to the syslog daemon. A plain value holding the descriptor; the sink
/// that created it closes it.
struct SyslogConnection: Sendable {
    let fileDescriptor: Int32
    let transport: SyslogTransport

    /// Connects to `path`, as a datagram socket first and, if the daemon's socket is a stream one
    /// (EPROTOTYPE), as a stream socket. `timeout` bounds connect and every later send.
    static func open(path: String, timeout: Duration) throws(AlertSinkError) -> SyslogConnection {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw .socketPathTooLong(path: path, limit: capacity - 1)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        for transport in [SyslogTransport.datagram, .stream] {
            let type = (transport == .datagram ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue))
            let descriptor = socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw .socketFailed(errno: errno) }
            var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
            // Without the timeout a stalled daemon would block the event loop: no timeout, no socket.
            guard setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
                let failure = errno
                Glibc.close(descriptor)
                throw .socketFailed(errno: failure)
            }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if result == 0 { return SyslogConnection(fileDescriptor: descriptor, transport: transport) }
            let failure = errno
            Glibc.close(descriptor)
            if failure == EPROTOTYPE && transport == .datagram { continue }
            if failure == EAGAIN || failure == EINPROGRESS { throw .timedOut(path: path, timeout: timeout) }
            throw .connectFailed(path: path, errno: failure)
        }
        throw .connectFailed(path: path, errno: EPROTOTYPE)
    }

    /// Sends one message; returns nil or the errno that stopped it (EAGAIN: the timeout expired).
    func send(_ message: String) -> Int32? {
        var bytes = Array(message.utf8)
        if transport == .stream { bytes = Array("\(bytes.count) ".utf8) + bytes }
        return bytes.withUnsafeBytes { buffer -> Int32? in
            guard var cursor = buffer.baseAddress else { return nil }
            var remaining = buffer.count
            while remaining > 0 {
                // MSG_NOSIGNAL: a daemon that went away is an EPIPE value, not a SIGPIPE.
                let sent = Glibc.send(fileDescriptor, cursor, remaining, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                // A datagram goes whole or not at all; only a stream can take part of it.
                cursor += sent
                remaining -= sent
            }
            return nil
        }
    }

    func close() { _ = Glibc.close(fileDescriptor) }
}
