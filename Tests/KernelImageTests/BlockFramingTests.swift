import KernelImage
import Testing

/// The framings the kernel decodes itself rather than through a library's own reader: the legacy
/// lz4 frame (lib/decompress_unlz4.c) and lzop's file format (lib/decompress_unlzo.c).
@Suite struct BlockFramingTests {
    static func unpack(_ payload: [UInt8], appendedSize: Int) -> Result<KernelImage, KernelImageError> {
        let image = SyntheticBzImage.image(payload: payload, appendedSize: appendedSize)
        return Result { () throws(KernelImageError) in try KernelImage(bzImage: image, path: "/boot/vmlinuz-framing") }
    }

    static func littleEndian32(_ bytes: [UInt8], at offset: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << ($1 * 8) }
    }

    /// The legacy frame has no end mark: a payload that stops after a whole block would look
    /// complete, were it not for the size the build appends.
    @Test(.enabled(if: SyntheticBzImage.executable(named: "lz4") != nil, "lz4 CLI missing (scripts/setup --integration)"))
    func anLz4PayloadCutAtABlockBoundaryFailsOnTheAppendedSize() throws {
        let vmlinux = SyntheticBzImage.vmlinuxLike(size: (8 << 20) + 100_000)
        let payload = try SyntheticBzImage.compress(vmlinux, .lz4)
        #expect(try Self.unpack(payload, appendedSize: vmlinux.count).get().vmlinux == vmlinux, "two blocks decode")
        let firstBlockEnd = 8 + Self.littleEndian32(payload, at: 4)
        #expect(firstBlockEnd < payload.count, "8 MiB blocks: the data takes two")
        guard case .failure(let error) = Self.unpack(Array(payload[..<firstBlockEnd]), appendedSize: vmlinux.count),
            case .decompressionFailed(_, .lz4, let reason) = error
        else {
            Issue.record("one block of two must not pass for the whole payload")
            return
        }
        #expect(reason == "truncated lz4 stream: 8388608 bytes decoded, the payload's appended size says \(vmlinux.count)")
    }

    /// A magic where a block length belongs starts a further frame (`cat a.lz4 b.lz4`), which
    /// lib/decompress_unlz4.c skips.
    @Test(.enabled(if: SyntheticBzImage.executable(named: "lz4") != nil, "lz4 CLI missing (scripts/setup --integration)"))
    func concatenatedLz4FramesDecodeAsOne() throws {
        let first = SyntheticBzImage.vmlinuxLike(size: 70_000)
        let second = Array(SyntheticBzImage.vmlinuxLike(size: 50_000).reversed())
        let payload = try SyntheticBzImage.compress(first, .lz4) + SyntheticBzImage.compress(second, .lz4)
        #expect(try Self.unpack(payload, appendedSize: first.count + second.count).get().vmlinux == first + second)
    }

    /// lzop stores a block that does not compress as is (both lengths equal, no checksum of
    /// compressed data); the kernel copies it.
    @Test(.enabled(if: SyntheticBzImage.executable(named: "lzop") != nil, "lzop CLI missing (scripts/setup --integration)"))
    func incompressibleLzopBlocksAreStoredAndCopied() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let noise = (0..<600_000).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let payload = try SyntheticBzImage.compress(noise, .lzo)
        #expect(payload.count > noise.count, "stored, not compressed")
        #expect(try Self.unpack(payload, appendedSize: noise.count).get().vmlinux == noise)
    }

    /// lzop's header carries a checksum (adler32 unless F_H_CRC32) over everything after the magic;
    /// the kernel skips it, Warden checks it. Byte 26 is inside the modification time.
    @Test(.enabled(if: SyntheticBzImage.executable(named: "lzop") != nil, "lzop CLI missing (scripts/setup --integration)"))
    func aChangedLzopHeaderFailsItsChecksum() throws {
        let vmlinux = SyntheticBzImage.vmlinuxLike(size: 100_000)
        var payload = try SyntheticBzImage.compress(vmlinux, .lzo)
        payload[26] ^= 0x01
        guard case .failure(let error) = Self.unpack(payload, appendedSize: vmlinux.count),
            case .decompressionFailed(_, .lzo, "lzop header checksum mismatch") = error
        else {
            Issue.record("a changed header must fail its checksum")
            return
        }
        #expect(error.description == "/boot/vmlinuz-framing: lzo payload does not decompress: lzop header checksum mismatch")
    }
}
