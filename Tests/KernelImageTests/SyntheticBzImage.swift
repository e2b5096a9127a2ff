import CCompression

/// Builds minimal bzImages around payloads compressed by the real libraries, so header parsing and
/// each decoder can be tested without a kernel.
enum SyntheticBzImage {
    enum Format { case xz, zstd, gzip }

    static func compress(_ data: [UInt8], _ format: Format) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: data.count + data.count / 2 + 1024)
        var produced = 0
        switch format {
        case .xz:
            var position = 0
            _ = lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, nil, data, data.count, &out, &position, out.count)
            produced = position
        case .zstd:
            produced = ZSTD_compress(&out, out.count, data, data.count, 19)
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
        }
        return Array(out[0..<produced])
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
