/// The compression of a bzImage payload, told by its magic bytes. These are every compression
/// arch/x86/boot/compressed/Makefile can build the payload with (CONFIG_KERNEL_GZIP … _ZSTD), each
/// made by the command scripts/Makefile.lib names (`cmd_gzip`, `cmd_bzip2`, `cmd_lzma`, `cmd_xzkern`,
/// `cmd_lzo`, `cmd_lz4`, `cmd_zstd22`).
public enum PayloadCompression: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case gzip
    case bzip2
    case lzma
    case xz
    case lzo
    case lz4
    case zstd

    public var description: String { rawValue }

    /// The leading bytes each format's decompressor checks. lib/decompress.c matches two bytes of
    /// each; the longer forms here are the formats' own magics, so that no two can be confused.
    var magic: [UInt8] {
        switch self {
        case .gzip: [0x1F, 0x8B]
        // "BZh": bzip2's stream header (the '0'-'9' block size digit follows).
        case .bzip2: [0x42, 0x5A, 0x68]
        // lzma 'alone' header: properties byte 0x5D (lc=3 lp=0 pb=2, as `lzma -9` writes), then the
        // little-endian dictionary size, whose low byte is 0 for every size `lzma` picks.
        case .lzma: [0x5D, 0x00]
        case .xz: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]
        // lzop's file magic (lib/decompress_unlzo.c lzop_magic).
        case .lzo: [0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A]
        // The legacy lz4 frame (`lz4 -l`): 0x184C2102 little-endian (lib/decompress_unlz4.c ARCHIVE_MAGICNUMBER).
        case .lz4: [0x02, 0x21, 0x4C, 0x18]
        case .zstd: [0x28, 0xB5, 0x2F, 0xFD]
        }
    }

    /// The format of `payload`, or the error naming the bytes found instead.
    static func identify(_ payload: ArraySlice<UInt8>, path: String) throws(KernelImageError) -> PayloadCompression {
        guard let format = allCases.first(where: { payload.starts(with: $0.magic) }) else {
            throw .unsupportedCompression(path: path, magic: Array(payload.prefix(6)))
        }
        return format
    }

    /// A streaming decoder over `input`, the whole payload including the decompressed size that
    /// scripts/Makefile.lib `size_append` puts after the stream.
    func stream(over input: UnsafeBufferPointer<UInt8>) -> any PayloadStream {
        switch self {
        case .gzip: GzipStream(input: input)
        case .bzip2: Bzip2Stream(input: input)
        case .lzma: LiblzmaStream(input: input, container: .lzmaAlone)
        case .xz: LiblzmaStream(input: input, container: .xz)
        case .lzo: BlockStream(LzopDecoder(payload: input))
        case .lz4: BlockStream(Lz4LegacyDecoder(payload: input))
        case .zstd: ZstdStream(input: input)
        }
    }
}
