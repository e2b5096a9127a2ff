import Glibc
import Logging

/// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram to $NOTIFY_SOCKET.
/// The packaged unit is Type=notify, so `systemctl start warden@DOMAIN` returns once every planned
/// frame is restricted, and a unit that dies before that fails its start.
enum ServiceNotification {
    /// Sends `state` (`READY=1`, `STOPPING=1`, `STATUS=…`, newline-separated) when started by a service
    /// manager; does nothing otherwise. A failure is logged: it must not stop protection.
    static func send(_ state: String) {
        guard let target = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !target.isEmpty else { return }
        // "@name" is in the abstract namespace: a leading NUL instead of the @ (unix(7)).
        var path = Array(target.utf8)
        guard path.first == UInt8(ascii: "/") || path.first == UInt8(ascii: "@") else {
            Diagnostics.log.warning("NOTIFY_SOCKET \(target): neither a path nor an abstract socket; not notifying")
            return
        }
        if path[0] == UInt8(ascii: "@") { path[0] = 0 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let fits = withUnsafeMutableBytes(of: &address.sun_path) { raw in
            guard path.count < raw.count else { return false }
            raw.copyBytes(from: path)
            return true
        }
        guard fits else {
            Diagnostics.log.warning("NOTIFY_SOCKET \(target): path too long; not notifying")
            return
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            Diagnostics.log.warning("sd_notify: socket: \(String(cString: strerror(errno)))")
            return
        }
        defer { close(fd) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length) }
            }
        }
        if sent < 0 { Diagnostics.log.warning("sd_notify to \(target): \(String(cString: strerror(errno)))") }
    }
}
