import CCompression
import Foundation
import KernelImage

/// Builds minimal bzImages around payloads compressed by the real libraries, or by the real
/// compressor CLIs where only the CLI writes the kernel's framing (the legacy lz4 frame of
/// `lz4 -l`, lzop's file format), so header parsing and each decoder can be tested without a kernel.
enum SyntheticBzImage {
    /// The CLI that makes each format's payload as scripts/Makefile.lib does, where no library
    /// call writes the same framing.
    static func tool(for format: PayloadCompression) -> (name: String, arguments: [String])? {
        switch format {
        case .lz4: ("lz4", ["-l", "-9", "-c"])
        case .lzo: ("lzop", ["-9", "-c"])
        case .gzip, .bzip2, .lzma, .xz, .zstd: nil
        }
    }

    /// The formats whose payloads can be made here: every one whose CLI (if it needs one) is installed.
    static let formats: [PayloadCompression] = PayloadCompression.allCases.filter { format in
        tool(for: format).map { executable(named: $0.name) != nil } ?? true
    }

    /// The CLIs missing for the other formats (scripts/setup --integration installs them).
    static let missingTools: [String] = PayloadCompression.allCases.compactMap { tool(for: $0)?.name }
        .filter { executable(named: $0) == nil }

    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func compress(_ data: [UInt8], _ format: PayloadCompression) throws -> [UInt8] {
        if let tool = tool(for: format) { return try run(tool.name, tool.arguments, on: data) }
        var out = [UInt8](repeating: 0, count: data.count + data.count / 2 + 1024)
        var produced = 0
        switch format {
        case .xz:
            var position = 0
            _ = lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, nil, data, data.count, &out, &position, out.count)
            produced = position
        case .lzma:
            // The 'alone' format with an unknown size and an end marker, as `lzma` writes to a pipe.
            var options = lzma_options_lzma()
            _ = lzma_lzma_preset(&options, 2)
            var stream = lzma_stream()
            _ = lzma_alone_encoder(&stream, &options)
            data.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { output in
                    stream.next_in = input.baseAddress
                    stream.avail_in = input.count
                    stream.next_out = output.baseAddress
                    stream.avail_out = output.count
                    _ = lzma_code(&stream, LZMA_FINISH)
                }
            }
            produced = Int(stream.total_out)
            lzma_end(&stream)
        case .zstd:
            produced = ZSTD_compress(&out, out.count, data, data.count, 19)
        case .bzip2:
            var length = UInt32(out.count)
            var input = data.map { CChar(bitPattern: $0) }
            _ = out.withUnsafeMutableBytes { output in
                BZ2_bzBuffToBuffCompress(
                    output.baseAddress?.assumingMemoryBound(to: CChar.self), &length, &input, UInt32(input.count), 9, 0, 0)
            }
            produced = Int(length)
        case .gzip:
            var stream = z_stream()
            // 15 + 16 window bits: gzip wrapping (zlib.h, deflateInit2).
            _ = deflateInit2_(&stream, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                              Int32(MemoryLayout<z_stream>.size))
            data.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { output in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                    stream.avail_in = UInt32(input.count)
                    stream.next_out = output.baseAddress
                    stream.avail_out = UInt32(output.count)
                    _ = deflate(&stream, Z_FINISH)
                }
            }
            produced = Int(stream.total_out)
            deflateEnd(&stream)
        case .lz4, .lzo:
            throw CompressorFailure(description: "\(format) needs its CLI")
        }
        return Array(out[0..<produced])
    }

    struct CompressorFailure: Error, CustomStringConvertible { let description: String }

    /// Runs a compressor CLI on `data` (through files, so no pipe can fill up) and returns its stdout.
    static func run(_ name: String, _ arguments: [String], on data: [UInt8]) throws -> [UInt8] {
        guard let path = executable(named: name) else { throw CompressorFailure(description: "\(name) is not installed") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("vmlinux.bin")
        let output = directory.appendingPathComponent("out")
        try Data(data).write(to: input)
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw CompressorFailure(description: "cannot create \(output.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments + [input.path]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CompressorFailure(description: "\(name) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return [UInt8](try Data(contentsOf: output))
    }

    /// A bzImage: boot sector + `setupSectors` sectors with the header, then `prefix` bytes of
    /// protected-mode code and the payload, which carries the appended little-endian size.
    static func image(payload: [UInt8], appendedSize: Int?, version: UInt16 = 0x020f,
                      setupSectors: UInt8 = 4, declaredLength: Int? = nil) -> [UInt8] {
        var body = payload
        if let appendedSize { body += (0..<4).map { UInt8(truncatingIfNeeded: appendedSize >> (8 * $0)) } }
        let prefix = 0x100
        var image = [UInt8](repeating: 0, count: (Int(setupSectors) + 1) * 512 + prefix)
        image[0x1f1] = setupSectors
        image.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
        image[0x206] = UInt8(version & 0xFF)
        image[0x207] = UInt8(version >> 8)
        put(&image, 0x248, prefix)
        put(&image, 0x24c, declaredLength ?? body.count)
        return image + body
    }

    static func put(_ image: inout [UInt8], _ offset: Int, _ value: Int) {
        for byte in 0..<4 { image[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
    }

    /// Kernel-sized-looking content: text-like bytes with runs, compressible but not trivial.
    static func vmlinuxLike(size: Int) -> [UInt8] {
        var state: UInt32 = 12345
        return (0..<size).map { index in
            state = state &* 1_103_515_245 &+ 12345
            return index % 7 == 0 ? UInt8(truncatingIfNeeded: state >> 16) : UInt8(index % 251)
        }
    }
}
