import Foundation
@testable import KernelImage
import Testing

/// Reading the image file itself: bounded by the file's real size, whatever path names it.
@Suite struct KernelImageFileTests {
    /// A private directory with `files` (name → bytes), removed after `body`.
    static func withFiles<T>(_ files: [String: [UInt8]], _ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-image-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, bytes) in files { try Data(bytes).write(to: directory.appendingPathComponent(name)) }
        return try body(directory)
    }

    /// fuzz-kernel-image's first finding (the empty input): reading an empty file leaked Foundation's
    /// 4 KiB read buffer. The leak needs LeakSanitizer to see; the refusal is what a test can check.
    @Test func anEmptyFileIsRefusedAsSmallerThanTheSetupHeader() throws {
        try Self.withFiles(["empty": []]) { directory in
            let path = directory.appendingPathComponent("empty").path
            let result = Result { () throws(KernelImageError) in try KernelImage.recoverSymbols(path: path) }
            guard case .failure(.notBzImage(path, let reason)) = result else {
                Issue.record("expected notBzImage, got \(result)")
                return
            }
            #expect(reason == "0 bytes, smaller than the setup header")
        }
    }

    /// `/vmlinuz` is usually a symlink; its own size (lstat) once stood in for the image's.
    @Test func aSymlinkIsMeasuredByTheFileItNames() throws {
        try Self.withFiles(["image": [UInt8](repeating: 0x5A, count: 2000)]) { directory in
            let link = directory.appendingPathComponent("vmlinuz").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "image")
            #expect(try KernelImage.readFile(link, limit: 4096).count == 2000)
            let result = Result { () throws(KernelImageError) in try KernelImage.readFile(link, limit: 1000) }
            guard case .failure(.notBzImage(link, let reason)) = result else {
                Issue.record("expected notBzImage, got \(result)")
                return
            }
            #expect(reason == "more than 1000 bytes, larger than any bzImage")
        }
    }

    @Test func aDirectoryIsUnreadableAndNamed() throws {
        try Self.withFiles([:]) { directory in
            let result = Result { () throws(KernelImageError) in try KernelImage.readFile(directory.path) }
            guard case .failure(.unreadable(directory.path, _)) = result else {
                Issue.record("expected unreadable, got \(result)")
                return
            }
        }
    }
}
