import Glibc

/// `--metrics-file PATH`: the exposition for node_exporter's textfile collector, replaced atomically (a
/// temporary file in the same directory, then rename(2)), so the collector never reads half a file.
/// The temporary name is hidden and does not end in `.prom`, which is all the collector reads.
public struct MetricsTextfile: Sendable {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public let path: String
    let temporaryPath: String

    /// Checks that the directory exists and is writable, so that a bad path fails before Warden touches the guest.
    public init(path: String) throws(Failure) {
        guard !path.isEmpty, !path.hasSuffix("/") else { throw Failure(description: "--metrics-file needs a file name") }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var status = stat()
        guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw Failure(description: "--metrics-file \(path): \(directory) is not a directory")
        }
        guard access(directory, W_OK) == 0 else {
            throw Failure(description: "--metrics-file \(path): cannot write in \(directory): \(String(cString: strerror(errno)))")
        }
        if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw Failure(description: "--metrics-file \(path) is a directory")
        }
        self.path = path
        temporaryPath = (directory == "/" ? "" : directory) + "/.\(name).\(getpid()).tmp"
    }

    /// node_exporter reads `*.prom` files only.
    public var collectorReadsIt: Bool { path.hasSuffix(".prom") }

    /// Writes `text` to the temporary file and renames it over `path`. No fsync: readers need the
    /// replacement to be atomic, not durable, and the next write supersedes this one.
    public func write(_ text: String) throws(Failure) {
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create \(temporaryPath)") }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let error = failure("write \(temporaryPath)")
                close(fd)
                unlink(temporaryPath)
                throw error
            }
            written += count
        }
        guard close(fd) == 0 else {
            let error = failure("write \(temporaryPath)")
            unlink(temporaryPath)
            throw error
        }
        guard rename(temporaryPath, path) == 0 else {
            let error = failure("rename \(temporaryPath) to \(path)")
            unlink(temporaryPath)
            throw error
        }
    }

    private func failure(_ what: String) -> Failure {
        Failure(description: "--metrics-file: cannot \(what): \(String(cString: strerror(errno)))")
    }
}
