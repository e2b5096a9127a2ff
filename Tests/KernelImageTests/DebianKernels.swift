import Foundation
import Testing

/// Real Debian kernels for tests: paths in `WARDEN_TEST_VMLINUZ` (colon-separated), else
/// `.cache/kernels/**/boot/vmlinuz-*` under the repository root (scripts/setup downloads them there).
enum DebianKernels {
    static let images: [String] = {
        if let list = ProcessInfo.processInfo.environment["WARDEN_TEST_VMLINUZ"], !list.isEmpty {
            // Named explicitly: a missing file fails the tests instead of skipping them.
            return list.split(separator: ":").map(String.init)
        }
        // This file is Tests/KernelImageTests/DebianKernels.swift: the root is three levels up.
        let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let cache = root.appendingPathComponent(".cache/kernels")
        guard let walker = FileManager.default.enumerator(atPath: cache.path) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            let parts = relative.split(separator: "/")
            if parts.count >= 2, parts[parts.count - 2] == "boot", parts.last?.hasPrefix("vmlinuz-") == true {
                found.append(cache.appendingPathComponent(relative).path)
            }
        }
        return found.sorted()
    }()

    static let missingReason: Comment =
        "no Debian kernel image: run scripts/setup (downloads to .cache/kernels) or set WARDEN_TEST_VMLINUZ"

    /// `kallsyms-finder` from vmlinux-to-elf 1.4.0, if installed.
    static let kallsymsFinder: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/kallsyms-finder" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The kernel release from a path such as `…/vmlinuz-6.12.117+deb12-amd64`.
    static func release(of path: String) -> String {
        let name = URL(fileURLWithPath: path).lastPathComponent
        return name.hasPrefix("vmlinuz-") ? String(name.dropFirst("vmlinuz-".count)) : name
    }

    /// Runs kallsyms-finder on `path` and parses its table: `%016x %c %s` lines on stdout (its log
    /// goes to stderr). Output is read while the tool runs so a full pipe cannot stall it.
    static func runKallsymsFinder(_ tool: String, on path: String) throws -> (lines: [String], status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        return (text.split(separator: "\n").map(String.init), process.terminationStatus)
    }
}
