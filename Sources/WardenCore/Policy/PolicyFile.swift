import Foundation

extension Policy {
    /// Reads and parses a policy file; a file that cannot be read is reported like any other problem,
    /// at line 0 of that file.
    public static func load(path: String) throws(PolicyError) -> Policy {
        let text = try PolicyFileReader.text(atPath: path)
        return try parse(yaml: text, file: path)
    }
}

enum PolicyFileReader {
    /// Policies are short hand-written files; anything larger is the wrong file.
    static let maximumSize = 1 << 20

    static func text(atPath path: String) throws(PolicyError) -> String {
        func failure(_ message: String) -> PolicyError {
            PolicyError(diagnostics: [
                PolicyDiagnostic(location: SourceLocation(file: path, line: 0, column: 0), field: "file", message: message)
            ])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("no such file; check the path (the shipped policies are in the policies/ directory)")
        }
        guard !isDirectory.boolValue else {
            throw failure("is a directory; name a policy file, such as policies/linux-kernel-core.yaml")
        }
        // Read at most one byte past the limit, so a device or a huge file cannot exhaust memory.
        let data: Data
        do {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw failure("cannot be opened for reading; check its permissions")
            }
            defer { try? handle.close() }
            data = try handle.read(upToCount: maximumSize + 1) ?? Data()
        } catch let error as PolicyError {
            throw error
        } catch {
            throw failure("cannot be read: \(error.localizedDescription)")
        }
        guard data.count <= maximumSize else {
            throw failure("is larger than \(maximumSize / 1024) KiB; a policy file is a short YAML document")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw failure("is not UTF-8 text; save the policy as UTF-8")
        }
        return text
    }
}
