import Glibc

/// A connected unix stream socket that reads newline-terminated lines with deadlines, so that a
/// silent or wedged QEMU makes a call fail with a timeout instead of hanging.
final class QMPSocket {
    let name: String
    private let fd: Int32
    private var pending: [UInt8] = []

    /// QMP replies are single lines; `info mtree` on a large machine is well under this.
    static let maximumLineLength = 64 << 20

    init(connectedDescriptor fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    static func connect(path: String) throws(QMPError) -> QMPSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw .connect(socket: path, reason: "the path must be 1 to \(capacity - 1) bytes long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connect(socket: path, reason: errnoText()) }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let reason = errnoText()
            close(fd)
            throw .connect(socket: path, reason: reason)
        }
        return QMPSocket(connectedDescriptor: fd, name: path)
    }

    deinit { close(fd) }

    /// Sends all of `bytes` or throws; MSG_NOSIGNAL keeps a closed peer from killing us with SIGPIPE.
    func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant, what: String) throws(QMPError) {
        var sent = 0
        while sent < bytes.count {
            try wait(for: Int16(POLLOUT), deadline: deadline, what: what)
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == EPIPE || errno == ECONNRESET { throw .closed(socket: name) }
                throw .io(socket: name, reason: "write failed: \(Self.errnoText())")
            }
            sent += count
        }
    }

    /// The next line without its newline (and without a trailing carriage return).
    func readLine(deadline: ContinuousClock.Instant, what: String) throws(QMPError) -> [UInt8] {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return line
            }
            guard pending.count <= Self.maximumLineLength else {
                throw .protocolViolation(socket: name, detail: "a reply line exceeds \(Self.maximumLineLength) bytes")
            }
            try wait(for: Int16(POLLIN), deadline: deadline, what: what)
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { throw .closed(socket: name) }
                throw .io(socket: name, reason: "read failed: \(Self.errnoText())")
            }
            guard count > 0 else { throw .closed(socket: name) }
            pending += chunk[..<count]
        }
    }

    private func wait(for events: Int16, deadline: ContinuousClock.Instant, what: String) throws(QMPError) {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw .timeout(socket: name, waitingFor: what) }
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000
                + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .io(socket: name, reason: "poll failed: \(Self.errnoText())")
            }
            if ready > 0 { return }
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
