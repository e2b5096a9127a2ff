/// The compression of a bzImage payload, told by its magic bytes.
public enum PayloadCompression: String, Sendable, Equatable, CustomStringConvertible {
    case xz
    case zstd
    case gzip

    public var description: String { rawValue }

    /// Magics of every format arch/x86/boot/compressed can build; only the first three are decoded.
    static let magics: [(magic: [UInt8], name: String, format: PayloadCompression?)] = [
        ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz", .xz),
        ([0x28, 0xB5, 0x2F, 0xFD], "zstd", .zstd),
        ([0x1F, 0x8B], "gzip", .gzip),
        ([0x42, 0x5A, 0x68], "bzip2", nil),
        ([0x5D, 0x00, 0x00], "lzma", nil),
        ([0x89, 0x4C, 0x5A, 0x4F], "lzo", nil),
        ([0x02, 0x21, 0x4C, 0x18], "lz4", nil),
    ]

    /// The format of `payload`, or the error naming what was found instead.
    static func identify(_ payload: ArraySlice<UInt8>, path: String) throws(KernelImageError) -> PayloadCompression {
        for entry in magics where payload.starts(with: entry.magic) {
            guard let format = entry.format else {
                throw .unsupportedCompression(path: path, magic: entry.magic, format: entry.name)
            }
            return format
        }
        throw .unsupportedCompression(path: path, magic: Array(payload.prefix(6)), format: nil)
    }
}
