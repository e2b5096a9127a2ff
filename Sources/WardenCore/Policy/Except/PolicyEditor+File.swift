import Foundation

extension PolicyEditor {
    /// Applies the exception to the policy file at `path`, checks the result (alone, and loaded
    /// together with `others`, as `warden run` would load them), then replaces the file atomically.
    /// - Returns: what changed, one line.
    public static func apply(_ exception: PolicyException, toFile path: String, alongside others: [Policy] = []) throws(PolicyError) -> String {
        let original = try PolicyFileReader.text(atPath: path)
        let edit = try apply(exception, to: original, file: path)
        let edited = try Policy.parse(yaml: edit.text, file: path)
        _ = try PolicySet(policies: others + [edited])
        try PolicyFileWriter.replace(path, with: edit.text)
        return edit.summary
    }
}

/// Replaces a file's contents in one step: a reader sees the old policy or the new one, never a
/// part, and a crash leaves the old file. The new file keeps the old one's permission bits.
enum PolicyFileWriter {
    static func replace(_ path: String, with text: String) throws(PolicyError) {
        // Through a symlink (/etc/warden/x.yaml -> …), replace the file it names, not the link.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        func failure(_ what: String) -> PolicyError {
            let reason = String(cString: strerror(errno))
            return PolicyError(diagnostics: [
                PolicyDiagnostic(
                    location: SourceLocation(file: path, line: 0, column: 0), field: "file",
                    message: "\(what): \(reason); the file is unchanged")
            ])
        }
        var status = stat()
        guard stat(target, &status) == 0 else { throw failure("cannot read its permissions") }
        let directory = URL(fileURLWithPath: target).deletingLastPathComponent().path
        let name = URL(fileURLWithPath: target).lastPathComponent
        let temporary = "\(directory)/.\(name).warden-except-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, status.st_mode & 0o7777)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let error = failure("cannot write \(temporary)")
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        // The data must be on disk before the rename makes it the policy.
        let synced = fsync(descriptor) == 0
        guard close(descriptor) == 0, synced else {
            let error = failure("cannot flush \(temporary)")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, target) == 0 else {
            let error = failure("cannot replace \(target)")
            unlink(temporary)
            throw error
        }
    }
}
