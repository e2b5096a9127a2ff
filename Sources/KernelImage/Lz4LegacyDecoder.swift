import CCompression

/// liblz4 over the legacy lz4 frame the kernel build writes (`lz4 -l -9`, scripts/Makefile.lib
/// `cmd_lz4`): the magic 0x184C2102, then blocks, each a little-endian compressed length and an
/// LZ4 block that decodes to 8 MiB (the last one to less). The frame has no end mark and no
/// checksum: lib/decompress_unlz4.c stops where the input ends, four bytes before the payload's
/// end (the size `size_append` adds), and so does this decoder, which then checks that size.
/// A further magic between blocks starts another frame and is skipped, as the kernel does.
struct Lz4LegacyDecoder: BlockDecoder {
    static let magic: UInt32 = 0x184C_2102
    /// LZ4_DEFAULT_UNCOMPRESSED_CHUNK_SIZE in lib/decompress_unlz4.c; lz4's LEGACY_BLOCKSIZE.
    static let blockSize = 8 << 20

    var maxBlockSize: Int { Self.blockSize }
    private let frames: UnsafeBufferPointer<UInt8>
    private let appendedSize: UInt32?
    private var position = 0
    private var blocks = 0
    private var decodedTotal = 0

    init(payload: UnsafeBufferPointer<UInt8>) {
        if payload.count >= 4 {
            frames = UnsafeBufferPointer(rebasing: payload[..<(payload.count - 4)])
            appendedSize = payload.littleEndian32(at: payload.count - 4)
        } else {
            frames = payload
            appendedSize = nil
        }
    }

    mutating func decodeBlock(into output: UnsafeMutableBufferPointer<UInt8>) -> BlockOutcome {
        if position == 0 {
            guard frames.count >= 4, frames.littleEndian32(at: 0) == Self.magic else {
                return .failed("no legacy lz4 frame magic 0x184C2102 (the kernel's boot decoder reads only `lz4 -l` output)")
            }
            position = 4
        }
        while true {
            if position == frames.count { return finish() }
            guard frames.count - position >= 4 else {
                return .failed("truncated lz4 stream: \(frames.count - position) bytes where block \(blocks)'s length belongs")
            }
            let length = Int(frames.littleEndian32(at: position))
            position += 4
            if length == Self.magic { continue }
            guard length <= Int(LZ4_compressBound(Int32(Self.blockSize))) else {
                return .failed("corrupt lz4 data: block \(blocks) claims \(length) compressed bytes, more than any 8 MiB block needs")
            }
            guard length <= frames.count - position else {
                return .failed("truncated lz4 stream: block \(blocks) needs \(length) bytes, \(frames.count - position) remain")
            }
            guard let start = frames.baseAddress, let target = output.baseAddress else { return .failed("no buffer") }
            let decoded = LZ4_decompress_safe(
                UnsafeRawPointer(start + position).assumingMemoryBound(to: CChar.self),
                UnsafeMutableRawPointer(target).assumingMemoryBound(to: CChar.self),
                Int32(length), Int32(min(output.count, Self.blockSize)))
            guard decoded >= 0 else { return .failed("corrupt lz4 data in block \(blocks)") }
            position += length
            blocks += 1
            decodedTotal += Int(decoded)
            return .decoded(Int(decoded))
        }
    }

    /// Without an end mark, a payload cut at a block boundary looks complete: the size the
    /// build appended tells.
    private func finish() -> BlockOutcome {
        guard let appendedSize, appendedSize != UInt32(truncatingIfNeeded: decodedTotal) else { return .end }
        return .failed("truncated lz4 stream: \(decodedTotal) bytes decoded, the payload's appended size says \(appendedSize)")
    }
}
