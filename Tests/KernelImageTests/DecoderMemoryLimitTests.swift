import KernelImage
import Testing

/// Payload headers size the decoder's own memory; a hostile one is refused, not allocated.
@Suite struct DecoderMemoryLimitTests {
    static func unpack(_ payload: [UInt8]) -> Result<KernelImage, KernelImageError> {
        let image = SyntheticBzImage.image(payload: payload, appendedSize: 1 << 20)
        return Result { () throws(KernelImageError) in try KernelImage(bzImage: image, path: "/boot/vmlinuz-hostile") }
    }

    /// fuzz-kernel-image's out-of-memory finding: an lzma 'alone' header (properties 0x5D, dictionary
    /// 0xFFFFFF00, size unknown) made liblzma allocate a 4 GiB dictionary before reading any data.
    @Test func anLzmaHeaderAskingForA4GiBDictionaryIsRefused() {
        let header: [UInt8] = [0x5D, 0x00, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0xFF, count: 8)
        guard case .failure(.decompressionFailed(_, .lzma, let reason)) = Self.unpack(header + [0x05] + [UInt8](repeating: 0, count: 7))
        else {
            Issue.record("expected the lzma decoder to refuse the dictionary")
            return
        }
        #expect(reason == "its header asks for a dictionary of more than 256 MiB (kernels use at most 64 MiB)")
    }

    /// The same for zstd: a frame whose window descriptor says 2^31 bytes (exponent 21) and whose one
    /// raw block holds a single byte decoded after allocating that window.
    @Test func aZstdFrameAskingForA2GiBWindowIsRefused() {
        let frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 21 << 3, 0x09, 0x00, 0x00, 0x41]
        guard case .failure(.decompressionFailed(_, .zstd, let reason)) = Self.unpack(frame) else {
            Issue.record("expected the zstd decoder to refuse the window")
            return
        }
        #expect(reason == "Frame requires too much memory for decoding")
    }
}
