import Glibc

/// Writes results to stdout with write(2): large outputs go out whole, and a closed pipe
/// (`warden symbols | head`) ends the write with an error instead of a SIGPIPE death.
enum StandardOutput {
    struct WriteError: Error, CustomStringConvertible {
        let errno: Int32
        var description: String { "cannot write to standard output: \(String(cString: strerror(errno)))" }
    }

    static func write(_ text: String) throws {
        signal(SIGPIPE, SIG_IGN)
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteError(errno: errno)
            }
            offset += written
        }
    }
}
