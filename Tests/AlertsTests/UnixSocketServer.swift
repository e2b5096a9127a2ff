import Foundation
import Glibc

/// A throwaway syslog daemon stand-in: a unix socket bound in a private temp directory, read with
/// poll timeouts so a broken sink fails the test instead of hanging it.
final class UnixSocketServer {
    let path: String
    let type: Int32
    private(set) var listening: Int32
    private var accepted: Int32 = -1
    private var streamBuffer: [UInt8] = []

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `type` is SOCK_DGRAM or SOCK_STREAM.
    init(path: String, type: __socket_type) throws {
        self.path = path
        self.type = Int32(type.rawValue)
        listening = socket(AF_UNIX, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listening >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Failure(description: "path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw Failure(description: "bind \(path): errno \(errno)") }
        if self.type == Int32(SOCK_STREAM.rawValue) { listen(listening, 4) }
    }

    deinit { close() }

    /// Closes the sockets; the socket file stays, as when a daemon dies.
    func close() {
        if accepted >= 0 { Glibc.close(accepted) }
        if listening >= 0 { Glibc.close(listening) }
        accepted = -1
        listening = -1
    }

    /// The next datagram, or nil when none arrives within `timeout`.
    func receiveDatagram(timeout: Duration = .seconds(5)) throws -> String? {
        guard try wait(listening, timeout) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(listening, &buffer, buffer.count, 0)
        guard count >= 0 else { throw Failure(description: "recv: errno \(errno)") }
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    /// The next RFC 6587 octet-counted frame from the (first) accepted stream connection.
    func receiveFrame(timeout: Duration = .seconds(5)) throws -> String? {
        if accepted < 0 {
            guard try wait(listening, timeout) else { return nil }
            accepted = accept(listening, nil, nil)
            guard accepted >= 0 else { throw Failure(description: "accept: errno \(errno)") }
        }
        while true {
            if let space = streamBuffer.firstIndex(of: UInt8(ascii: " ")) {
                guard let length = Int(String(decoding: streamBuffer[..<space], as: UTF8.self)) else {
                    throw Failure(description: "frame does not start with a length: \(String(decoding: streamBuffer, as: UTF8.self))")
                }
                if streamBuffer.count > space + length {
                    let frame = String(decoding: streamBuffer[(space + 1)...(space + length)], as: UTF8.self)
                    streamBuffer.removeFirst(space + 1 + length)
                    return frame
                }
            }
            guard try wait(accepted, timeout) else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = read(accepted, &chunk, chunk.count)
            guard count > 0 else { return nil }
            streamBuffer += chunk.prefix(count)
        }
    }

    private func wait(_ descriptor: Int32, _ timeout: Duration) throws -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        while true {
            let ready = poll(&request, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready >= 0 else { throw Failure(description: "poll: errno \(errno)") }
            return ready > 0
        }
    }
}

/// A private temp directory for sockets and files, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        // Short base path: a unix socket address holds only 107 bytes.
        var template = Array("/tmp/warden-alerts-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw UnixSocketServer.Failure(description: "mkdtemp: errno \(errno)") }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
