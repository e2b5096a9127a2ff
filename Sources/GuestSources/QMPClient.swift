import Foundation

/// Why a QMP exchange failed. QEMU's own errors keep their class and description.
public enum QMPError: Error, Equatable, Sendable, CustomStringConvertible {
    case connect(socket: String, reason: String)
    case io(socket: String, reason: String)
    case closed(socket: String)
    case timeout(socket: String, waitingFor: String)
    case protocolViolation(socket: String, detail: String)
    case commandFailed(command: String, errorClass: String, description: String)

    public var description: String {
        switch self {
        case .connect(let socket, let reason):
            "cannot connect to the QMP socket \(socket): \(reason); is QEMU running with -qmp unix:\(socket),server,nowait?"
        case .io(let socket, let reason):
            "QMP socket \(socket): \(reason)"
        case .closed(let socket):
            "QEMU closed the QMP socket \(socket) (did it exit?)"
        case .timeout(let socket, let what):
            "QMP socket \(socket): no answer while waiting for \(what); QEMU serves one QMP client at a time,"
                + " so check that no other client holds this socket"
        case .protocolViolation(let socket, let detail):
            "QMP socket \(socket) does not speak QMP as expected: \(detail)"
        case .commandFailed(let command, let errorClass, let description):
            "QEMU refused \(command): \(errorClass): \(description)"
        }
    }
}

/// A QEMU Machine Protocol client over a unix socket: one request at a time, asynchronous events
/// kept aside, and every wait bounded by a timeout.
public final class QMPClient {
    private let socket: QMPSocket
    public var timeout: Duration
    /// The `version.qemu` object of the greeting, e.g. ["major": 7, "minor": 2, "micro": 22].
    public let qemuVersion: [String: Any]
    /// Asynchronous events seen between replies, oldest first, at most `maximumKeptEvents`.
    public private(set) var events: [[String: Any]] = []
    public static let maximumKeptEvents = 256
    private var nextID = 1

    public convenience init(socketPath: String, timeout: Duration = .seconds(30)) throws(QMPError) {
        try self.init(socket: try QMPSocket.connect(path: socketPath), timeout: timeout)
    }

    /// Reads the greeting and leaves capabilities negotiation mode.
    init(socket: QMPSocket, timeout: Duration) throws(QMPError) {
        self.socket = socket
        self.timeout = timeout
        let greeting = try Self.decode(try socket.readLine(deadline: .now + timeout, what: "the QMP greeting"), socket: socket)
        guard let qmp = greeting["QMP"] as? [String: Any] else {
            throw .protocolViolation(socket: socket.name, detail: "the first message is not a QMP greeting")
        }
        qemuVersion = (qmp["version"] as? [String: Any])?["qemu"] as? [String: Any] ?? [:]
        _ = try execute("qmp_capabilities")
    }

    /// Runs one QMP command and returns its `return` value.
    @discardableResult
    public func execute(
        _ command: String, arguments: [String: Any] = [:], timeout: Duration? = nil
    ) throws(QMPError) -> Any {
        let id = nextID
        nextID += 1
        var request: [String: Any] = ["execute": command, "id": id]
        if !arguments.isEmpty { request["arguments"] = arguments }
        guard JSONSerialization.isValidJSONObject(request),
            let data = try? JSONSerialization.data(withJSONObject: request)
        else { throw .protocolViolation(socket: socket.name, detail: "arguments of \(command) are not JSON") }
        let deadline = ContinuousClock.now + (timeout ?? self.timeout)
        try socket.send(Array(data) + [UInt8(ascii: "\n")], deadline: deadline, what: "sending \(command)")
        // Bounded by the deadline: every pass reads one line or throws.
        while true {
            let message = try Self.decode(
                try socket.readLine(deadline: deadline, what: "the reply to \(command)"), socket: socket)
            if message["event"] != nil {
                events.append(message)
                if events.count > Self.maximumKeptEvents { events.removeFirst(events.count - Self.maximumKeptEvents) }
                continue
            }
            // A reply to an earlier request that timed out: not ours, drop it.
            if let replyID = message["id"] as? Int, replyID != id { continue }
            if let error = message["error"] as? [String: Any] {
                throw .commandFailed(
                    command: command, errorClass: error["class"] as? String ?? "unknown class",
                    description: error["desc"] as? String ?? "no description")
            }
            guard let value = message["return"] else {
                throw .protocolViolation(socket: socket.name, detail: "reply to \(command) has neither return nor error")
            }
            return value
        }
    }

    /// Runs a human-monitor (HMP) command and returns its text output.
    public func hmp(_ command: String, timeout: Duration? = nil) throws(QMPError) -> String {
        let value = try execute("human-monitor-command", arguments: ["command-line": command], timeout: timeout)
        guard let text = value as? String else {
            throw .protocolViolation(socket: socket.name, detail: "HMP \"\(command)\" did not return text")
        }
        return text
    }

    public func stop() throws(QMPError) { try execute("stop") }
    public func cont() throws(QMPError) { try execute("cont") }

    /// Writes an ELF core of the guest's physical memory (paging=false) to `path`; QEMU writes the
    /// file itself, so the path is made absolute against our working directory first.
    public func dumpGuestMemory(to path: String, timeout: Duration = .seconds(900)) throws(QMPError) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        try execute(
            "dump-guest-memory", arguments: ["paging": false, "protocol": "file:" + absolute], timeout: timeout)
    }

    private static func decode(_ line: [UInt8], socket: QMPSocket) throws(QMPError) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)), let message = object as? [String: Any]
        else {
            let shown = String(decoding: line.prefix(200), as: UTF8.self)
            throw .protocolViolation(socket: socket.name, detail: "not a JSON object: \(shown)")
        }
        return message
    }
}
