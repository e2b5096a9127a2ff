import Alerts
import Glibc

/// Writes results to stdout whole, with the same writer as the alert sinks: a closed pipe
/// (`warden symbols | head`) ends the write with an error instead of a SIGPIPE death.
enum StandardOutput {
    struct WriteError: Error, CustomStringConvertible {
        let errno: Int32
        var description: String { "cannot write to standard output: \(String(cString: strerror(errno)))" }
    }

    static func write(_ text: String) throws {
        if let failure = DescriptorWriter.writeAll(STDOUT_FILENO, Array(text.utf8)) { throw WriteError(errno: failure) }
    }
}
