import Foundation
import KernelImage
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

    /// The `lz4` CLI, if installed (scripts/setup --integration).
    static let lz4Tool: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/lz4" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Unpacks an lz4 bzImage's payload with the `lz4` CLI instead of Warden's decoder: the payload
    /// less the size `size_append` put after it, as lib/decompress_unlz4.c reads it. Returns the
    /// path of the vmlinux written to a new temporary directory; the caller removes the directory.
    static func unpackWithLz4CLI(_ tool: String, image path: String) throws -> URL {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let header = try BzImageHeader(bytes: bytes, path: path)
        let payload = bytes[header.payloadFileOffset..<(header.payloadFileOffset + header.payloadLength - 4)]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-lz4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let compressed = directory.appendingPathComponent("vmlinux.bin.lz4")
        let vmlinux = directory.appendingPathComponent("vmlinux")
        try Data(payload).write(to: compressed)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-d", "-q", compressed.path, vmlinux.path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: compressed.path])
        }
        return vmlinux
    }
}
