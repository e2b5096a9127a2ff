import Glibc

/// A fuzz input as a file, for readers that take a path (ELF cores, kernel images): a file in
/// /dev/shm (memory, no disk I/O) unlinked at once, so nothing is left behind even on a crash, and
/// named by `/proc/self/fd/N` while it is open.
public final class MemoryFile {
    public let path: String
    private let descriptor: Int32

    public init(_ bytes: UnsafeRawBufferPointer) {
        var template = Array("/dev/shm/warden-fuzz-XXXXXX".utf8CString)
        descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(descriptor >= 0, "mkstemp in /dev/shm failed: errno \(errno)")
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        path = "/proc/self/fd/\(descriptor)"
        var written = 0
        while written < bytes.count {
            let count = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            precondition(count > 0 || errno == EINTR, "writing the memory file failed: errno \(errno)")
            if count > 0 { written += count }
        }
    }

    deinit { close(descriptor) }
}
