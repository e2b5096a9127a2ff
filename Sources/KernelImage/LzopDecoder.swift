import CCompression

/// liblzo2's lzo1x_decompress_safe over the blocks of an lzop file, as lib/decompress_unlzo.c
/// reads them: a big-endian decoded length (0 ends the file), a compressed length, the checksums
/// the header's flags name, then the block, stored as is when both lengths are equal. Unlike the
/// kernel, which skips them, the checksums are verified: a flipped byte fails as corrupt data.
struct LzopDecoder: BlockDecoder {
    /// LZO_BLOCK_SIZE in lib/decompress_unlzo.c, which refuses larger blocks; lzop's own default.
    static let blockSize = 256 << 10

    /// lzo_init() is a macro passing the caller's type sizes to __lzo_init_v2, which Swift cannot
    /// import; these are the same sizes (lzoconf.h; lzo_uint32_t is a macro for a 32-bit type).
    static let libraryReady: Bool = __lzo_init_v2(
        UInt32(LZO_VERSION), Int32(MemoryLayout<CShort>.size), Int32(MemoryLayout<CInt>.size),
        Int32(MemoryLayout<CLong>.size), Int32(MemoryLayout<UInt32>.size), Int32(MemoryLayout<lzo_uint>.size),
        Int32(MemoryLayout<UnsafeMutablePointer<UInt8>>.size), Int32(MemoryLayout<UnsafeMutablePointer<CChar>>.size),
        Int32(MemoryLayout<UnsafeMutableRawPointer>.size), Int32(MemoryLayout<lzo_callback_t>.size)) == LZO_E_OK

    var maxBlockSize: Int { Self.blockSize }
    private var reader: LzopFieldReader
    private var header: LzopHeader?
    private var blocks = 0

    init(payload: UnsafeBufferPointer<UInt8>) { reader = LzopFieldReader(bytes: payload) }

    mutating func decodeBlock(into output: UnsafeMutableBufferPointer<UInt8>) -> BlockOutcome {
        do throws(LzoFormatError) {
            return try nextBlock(into: output)
        } catch {
            return .failed(error.reason)
        }
    }

    private mutating func nextBlock(into output: UnsafeMutableBufferPointer<UInt8>) throws(LzoFormatError) -> BlockOutcome {
        guard Self.libraryReady else { throw LzoFormatError("liblzo2 initialisation failed") }
        let header: LzopHeader
        if let known = self.header { header = known } else { header = try readHeader() }
        let decodedLength = Int(try reader.u32())
        if decodedLength == 0 { return .end }
        guard decodedLength <= Self.blockSize, decodedLength <= output.count else {
            throw LzoFormatError("corrupt lzo data: block \(blocks) claims \(decodedLength) bytes, more than 256 KiB")
        }
        let compressedLength = Int(try reader.u32())
        guard compressedLength > 0, compressedLength <= decodedLength else {
            throw LzoFormatError("corrupt lzo data: block \(blocks) claims \(compressedLength) compressed bytes for \(decodedLength)")
        }
        let stored = compressedLength == decodedLength
        var checksums = try reader.bytes(header.checksumBytes(stored: stored)).makeIterator()
        let block = try reader.bytes(compressedLength)
        let target = UnsafeMutableBufferPointer(rebasing: output[..<decodedLength])
        if !stored {
            try Self.verify(block, header.flags, adler: .adler32Compressed, crc: .crc32Compressed, &checksums, blocks)
        }
        if stored {
            _ = target.update(fromContentsOf: block)
        } else {
            var produced = lzo_uint(decodedLength)
            let status = lzo1x_decompress_safe(block.baseAddress, lzo_uint(compressedLength), target.baseAddress, &produced, nil)
            guard status == LZO_E_OK, produced == decodedLength else {
                throw LzoFormatError("corrupt lzo data in block \(blocks) (liblzo2 status \(status))")
            }
        }
        try Self.verify(UnsafeBufferPointer(target), header.flags, adler: .adler32Decoded, crc: .crc32Decoded, &checksums, blocks)
        blocks += 1
        return .decoded(decodedLength)
    }

    private mutating func readHeader() throws(LzoFormatError) -> LzopHeader {
        let header = try LzopHeader(reader.bytes)
        reader.position = header.length
        self.header = header
        return header
    }

    /// Checks `data` against the adler32 and crc32 the flags put next in `checksums` (the decoded
    /// data's first, then the compressed data's: lzop.c `x_decompress`).
    private static func verify(
        _ data: UnsafeBufferPointer<UInt8>, _ flags: LzopHeader.Flags, adler: LzopHeader.Flags, crc: LzopHeader.Flags,
        _ checksums: inout UnsafeBufferPointer<UInt8>.Iterator, _ block: Int
    ) throws(LzoFormatError) {
        func next() -> UInt32 { (0..<4).reduce(0) { value, _ in value << 8 | UInt32(checksums.next() ?? 0) } }
        if flags.contains(adler), next() != lzo_adler32(1, data.baseAddress, lzo_uint(data.count)) {
            throw LzoFormatError("corrupt lzo data: block \(block) fails its adler32 check")
        }
        if flags.contains(crc), next() != lzo_crc32(0, data.baseAddress, lzo_uint(data.count)) {
            throw LzoFormatError("corrupt lzo data: block \(block) fails its crc32 check")
        }
    }
}
