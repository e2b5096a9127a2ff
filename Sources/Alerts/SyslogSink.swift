import Glibc
import Synchronization

/// Sends alerts as RFC 5424 messages to the local syslog socket (not through glibc's syslog(3),
/// which writes the older RFC 3164 format and has no structured data).
///
/// Connects on first use, so Warden can start before the daemon; every emit is bounded by
/// `sendTimeout`. When the daemon restarted (ECONNREFUSED, ENOTCONN, EPIPE, ECONNRESET) the sink
/// reconnects and resends once; any other failure, or a second one, is returned as an error and
/// the next emit starts with a fresh connection.
public final class SyslogSink: AlertSink {
    public let socketPath: String
    public let format: SyslogMessageFormat
    public let sendTimeout: Duration
    private let connection = Mutex<SyslogConnection?>(nil)

    public init(socketPath: String = "/dev/log", format: SyslogMessageFormat = SyslogMessageFormat(), sendTimeout: Duration = .seconds(1)) {
        self.socketPath = socketPath
        self.format = format
        // SO_SNDTIMEO treats zero as "wait forever", the one thing a sink must never do.
        self.sendTimeout = max(sendTimeout, .milliseconds(1))
    }

    deinit { connection.withLock { $0?.close() } }

    public func emit(_ alert: Alert) throws(AlertSinkError) {
        try send(format.message(for: alert))
    }

    /// How the current connection talks to the daemon; nil before the first successful emit.
    public var transport: SyslogTransport? { connection.withLock { $0?.transport } }

    /// Sends one already formatted message.
    func send(_ message: String) throws(AlertSinkError) {
        try connection.withLock { (current: inout SyslogConnection?) throws(AlertSinkError) in
            for attempt in 1...2 {
                let open: SyslogConnection
                if let current { open = current } else { open = try SyslogConnection.open(path: socketPath, timeout: sendTimeout) }
                current = open
                guard let failure = open.send(message) else { return }
                // After any failure the connection is suspect (a stream may hold half a frame).
                open.close()
                current = nil
                let peerGone = [ECONNREFUSED, ENOTCONN, EPIPE, ECONNRESET].contains(failure)
                if peerGone && attempt == 1 { continue }
                if failure == EAGAIN { throw .timedOut(path: socketPath, timeout: sendTimeout) }
                throw .sendFailed(path: socketPath, errno: failure)
            }
        }
    }
}
