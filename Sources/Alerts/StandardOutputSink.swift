import Glibc
import Synchronization

/// Alerts as lines on standard output (or another descriptor the caller owns), text or JSON.
///
/// Each alert is one write(2) of the whole line including its newline, so a reader on a pipe sees
/// it at once (stdio would block-buffer a pipe and hold alerts until exit) and lines from several
/// threads never interleave.
public struct StandardOutputSink: AlertSink {
    public var format: AlertFormat
    public var fileDescriptor: Int32
    /// How errors name the destination.
    public var destination: String

    /// Standard output.
    public init(format: AlertFormat = .text) {
        self.init(format: format, fileDescriptor: STDOUT_FILENO, destination: "standard output")
    }

    /// Any open descriptor; the sink neither owns nor closes it.
    public init(format: AlertFormat, fileDescriptor: Int32, destination: String) {
        self.format = format
        self.fileDescriptor = fileDescriptor
        self.destination = destination
    }

    public func emit(_ alert: Alert) throws(AlertSinkError) {
        let bytes = Array((format.line(alert) + "\n").utf8)
        // Lines longer than PIPE_BUF take several writes; the lock keeps them whole.
        let failure = outputLock.withLock { _ in DescriptorWriter.writeAll(fileDescriptor, bytes) }
        if let failure { throw .writeFailed(destination: destination, errno: failure) }
    }
}

/// One lock for every sink in the process: they may well share a descriptor.
private let outputLock = Mutex(())
