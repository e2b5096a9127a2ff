import Foundation
import FuzzSupport
import KernelImage
import SyntheticGuest
import WardenCore

// bzImage unpacking and image symbol recovery, as `warden symbols --image` runs them: the setup
// header, the payload's compression, the real decoders (zlib, libbz2, liblzma, liblzo2, liblz4,
// libzstd, and Warden's lz4-legacy and lzop framing), and kallsyms in what they decode.

/// Output cap for one input: small enough that a decompression bomb costs milliseconds, large
/// enough for every seed. The real limit (512 MiB) is the same code path with a larger number.
let decompressedLimit = 8 << 20

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: ArgumentCount, _ argv: ArgumentVector) -> Int32 {
    SeedCorpus.writeIfAsked(KernelImageSeeds.all)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = inputBytes(data, size)
    // Whole-image decompression (`KernelImage(bzImage:)`), then the early-stopping recovery.
    if let image = try? KernelImage(bzImage: Array(input), path: "fuzz", decompressedLimit: decompressedLimit) {
        precondition(image.vmlinux.count <= decompressedLimit, "decoded past the limit")
        _ = try? image.symbolTable()
    }
    let file = MemoryFile(input)
    do {
        let recovered = try KernelImage.recoverSymbols(path: file.path, decompressedLimit: decompressedLimit)
        precondition(recovered.decodedBytes <= decompressedLimit, "decoded past the limit")
    } catch {
        _ = error.description
    }
    return 0
}

/// A vmlinux stand-in (text bytes, then the tiny guest's kallsyms tables) compressed by each
/// format's CLI with the options scripts/Makefile.lib uses, from standard input as the kernel build
/// pipes it (lzop would otherwise record the file's name and time), in a minimal bzImage.
enum KernelImageSeeds {
    static let compressors: [(format: String, tool: String, arguments: [String])] = [
        ("gzip", "gzip", ["-9", "-n", "-c"]), ("bzip2", "bzip2", ["-9", "-c"]), ("lzma", "lzma", ["-9", "-c"]),
        ("xz", "xz", ["--check=crc32", "--lzma2=dict=1MiB", "-c"]), ("lzo", "lzop", ["-9", "-c"]),
        ("lz4", "lz4", ["-l", "-9", "-c"]), ("zstd", "zstd", ["-19", "-c"]),
    ]

    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let textBase = KernelLocator.linkTimeTextBase
        var vmlinux = [UInt8](repeating: 0xCC, count: 8192)
        vmlinux += try KallsymsEncoder(layout: .linux6_1).encode(
            symbols: TinyGuest.kernelSymbols(textBase: textBase, fillers: 40), relativeBase: textBase)
        vmlinux += [UInt8](repeating: 0, count: 4096)
        return try compressors.map { compressor in
            let payload = try run(compressor.tool, compressor.arguments, input: vmlinux)
            return (compressor.format, bzImage(payload: payload + le(UInt32(vmlinux.count))))
        }
    }

    /// Boot sector and four setup sectors with the "HdrS" header (protocol 2.15), 256 bytes of
    /// protected-mode code, then the payload (Documentation/arch/x86/boot.rst).
    static func bzImage(payload: [UInt8]) -> [UInt8] {
        var image = [UInt8](repeating: 0, count: 5 * 512 + 0x100)
        image[0x1f1] = 4
        image.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
        image.replaceSubrange(0x206..<0x208, with: le(UInt16(0x020f)))
        image.replaceSubrange(0x248..<0x24c, with: le(UInt32(0x100)))
        image.replaceSubrange(0x24c..<0x250, with: le(UInt32(payload.count)))
        return image + payload
    }

    static func run(_ tool: String, _ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("vmlinux.bin")
        let output = directory.appendingPathComponent("payload")
        try Data(input).write(to: source)
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardInput = try FileHandle(forReadingFrom: source)
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(tool) exited \(process.terminationStatus)"])
        }
        return [UInt8](try Data(contentsOf: output))
    }
}
