import Foundation
import Glibc

/// A minimal QMP client for the harness: one unix-socket connection, one JSON object per line,
/// asynchronous events skipped. The harness has its own QMP socket, so Warden's QMP client can
/// hold the other one at the same time. Calls block (briefly); the owning actor serialises them.
final class QMPTestClient {
    private let descriptor: Int32
    private var pending: [UInt8] = []

    /// Connects and leaves capabilities negotiation mode. `replyTimeout` bounds every single read.
    init(socketPath: String, replyTimeout: Int = 60) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError.qmp("socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            close(descriptor)
            throw HarnessError.qmp("socket path longer than \(capacity - 1) bytes: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
            buffer[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw HarnessError.qmp("connect(\(socketPath)): \(reason)")
        }
        var timeout = timeval(tv_sec: replyTimeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        do {
            let greeting = try readObject()
            guard greeting["QMP"] != nil else { throw HarnessError.qmp("no QMP greeting: \(greeting)") }
            _ = try execute("qmp_capabilities")
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Runs a QMP command and returns its `return` value; a QMP `error` reply throws.
    @discardableResult
    func execute(_ command: String, arguments: [String: Any] = [:]) throws -> Any {
        var message: [String: Any] = ["execute": command]
        if !arguments.isEmpty { message["arguments"] = arguments }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(UInt8(ascii: "\n"))
        try data.withUnsafeBytes { buffer in
            var sent = 0
            while sent < buffer.count {
                let count = send(descriptor, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                guard count > 0 else { throw HarnessError.qmp("send(\(command)): \(String(cString: strerror(errno)))") }
                sent += count
            }
        }
        while true {
            let reply = try readObject()
            if reply["event"] != nil { continue }
            if let error = reply["error"] { throw HarnessError.qmp("\(command) failed: \(error)") }
            if let value = reply["return"] { return value }
            throw HarnessError.unexpectedReply(command: command, reply: "\(reply)")
        }
    }

    /// Runs a human-monitor (HMP) command line and returns its text output.
    func humanMonitor(_ commandLine: String) throws -> String {
        let reply = try execute("human-monitor-command", arguments: ["command-line": commandLine])
        guard let text = reply as? String else { throw HarnessError.unexpectedReply(command: commandLine, reply: "\(reply)") }
        return text
    }

    private func readObject() throws -> [String: Any] {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(pending[..<newline])
                pending.removeSubrange(...newline)
                guard !line.isEmpty else { continue }
                guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                    throw HarnessError.qmp("not a JSON object: \(String(decoding: line, as: UTF8.self))")
                }
                return object
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { throw HarnessError.qmp("QEMU closed the QMP connection") }
            if count < 0 { throw HarnessError.qmp("recv: \(String(cString: strerror(errno)))") }
            pending.append(contentsOf: chunk[..<count])
        }
    }
}
