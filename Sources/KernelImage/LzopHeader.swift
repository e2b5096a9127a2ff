import CCompression

/// The header of an lzop file, the container of the kernel's lzo payload (`lzop -9`,
/// scripts/Makefile.lib `cmd_lzo`). Field order as lzop 1.04 src/lzop.c `p_header` reads it; the
/// kernel's lib/decompress_unlzo.c `parse_header` reads the same fields but checks less.
struct LzopHeader {
    /// Per-block checksums and header options (lzop's conf.h `F_*`).
    struct Flags: OptionSet {
        let rawValue: UInt32
        static let adler32Decoded = Flags(rawValue: 0x0001)
        static let adler32Compressed = Flags(rawValue: 0x0002)
        static let extraField = Flags(rawValue: 0x0040)
        static let crc32Decoded = Flags(rawValue: 0x0100)
        static let crc32Compressed = Flags(rawValue: 0x0200)
        static let filter = Flags(rawValue: 0x0800)
        static let headerCRC32 = Flags(rawValue: 0x1000)
    }

    /// M_LZO1X_1, M_LZO1X_1_15 and M_LZO1X_999 (`-9`): all LZO1X, all decoded by lzo1x_decompress_safe.
    static let lzo1xMethods: Set<UInt8> = [1, 2, 3]
    static let magic: [UInt8] = [0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A]

    let flags: Flags
    /// The header's size: the first block starts here.
    let length: Int

    /// Parses the header at the start of `bytes`; a malformed one gives the reason as the error.
    init(_ bytes: UnsafeBufferPointer<UInt8>) throws(LzoFormatError) {
        var reader = LzopFieldReader(bytes: bytes)
        guard try reader.bytes(Self.magic.count).elementsEqual(Self.magic) else { throw LzoFormatError("no lzop magic") }
        let checksummed = reader.position
        let version = try reader.u16()
        // lzop refuses files older than 0.90; 0.94 added the fields read conditionally below.
        guard version >= 0x0900 else { throw LzoFormatError("lzop file version \(String(version, radix: 16)) is older than 0.90") }
        let modern = version >= 0x0940
        _ = try reader.u16()  // library version
        if modern { _ = try reader.u16() }  // version needed to extract
        let method = try reader.u8()
        guard Self.lzo1xMethods.contains(method) else { throw LzoFormatError("lzop method \(method) is not LZO1X") }
        if modern { _ = try reader.u8() }  // level
        let flags = Flags(rawValue: try reader.u32())
        // A filter rewrites the data before compression; the kernel never asks lzop for one.
        if flags.contains(.filter) { throw LzoFormatError("lzop filter \(try reader.u32()) is not supported") }
        _ = try reader.u32()  // mode
        _ = try reader.u32()  // mtime (low)
        if modern { _ = try reader.u32() }  // mtime (high)
        _ = try reader.bytes(Int(try reader.u8()))  // file name
        let covered = UnsafeBufferPointer(rebasing: bytes[checksummed..<reader.position])
        let expected = try reader.u32()
        let actual = flags.contains(.headerCRC32) ? lzo_crc32(0, covered.baseAddress, lzo_uint(covered.count))
            : lzo_adler32(1, covered.baseAddress, lzo_uint(covered.count))
        guard actual == expected else { throw LzoFormatError("lzop header checksum mismatch") }
        if flags.contains(.extraField) {
            _ = try reader.bytes(Int(try reader.u32()))
            _ = try reader.u32()  // its checksum
        }
        self.flags = flags
        length = reader.position
    }

    /// How many checksum bytes follow a block's two lengths: those of the decoded data always,
    /// those of the compressed data only when the block is stored compressed (lzop.c `x_decompress`).
    func checksumBytes(stored: Bool) -> Int {
        var count = [Flags.adler32Decoded, .crc32Decoded].filter { flags.contains($0) }.count
        if !stored { count += [Flags.adler32Compressed, .crc32Compressed].filter { flags.contains($0) }.count }
        return 4 * count
    }
}

/// Why an lzo payload is malformed.
struct LzoFormatError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Big-endian fields read in order, each bounds-checked.
struct LzopFieldReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    mutating func bytes(_ count: Int) throws(LzoFormatError) -> UnsafeBufferPointer<UInt8> {
        guard count >= 0, count <= bytes.count - position else {
            throw LzoFormatError("truncated lzo stream: \(count) bytes needed at offset \(position), \(bytes.count - position) remain")
        }
        defer { position += count }
        return UnsafeBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    mutating func u8() throws(LzoFormatError) -> UInt8 { try bytes(1)[0] }
    mutating func u16() throws(LzoFormatError) -> UInt16 { try bytes(2).reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func u32() throws(LzoFormatError) -> UInt32 { try bytes(4).reduce(0) { $0 << 8 | UInt32($1) } }
}
