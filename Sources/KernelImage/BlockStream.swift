/// What decoding one block of a block-framed payload gave.
enum BlockOutcome {
    /// The block decoded to this many bytes at the start of the output.
    case decoded(Int)
    /// The framing says the payload is over; nothing was written.
    case end
    case failed(String)
}

/// A payload framed as blocks of bounded decoded size, each decoded by one library call: the
/// legacy lz4 frame (8 MiB blocks) and lzop's file format (256 KiB blocks).
protocol BlockDecoder {
    /// No block decodes to more than this many bytes.
    var maxBlockSize: Int { get }
    /// Decodes the next block into `output`, which has room for at least `maxBlockSize` bytes.
    mutating func decodeBlock(into output: UnsafeMutableBufferPointer<UInt8>) -> BlockOutcome
}

/// A block-framed payload as a stream: a block goes straight into the caller's output when it has
/// room for a whole block, otherwise into a one-block spill buffer that later calls drain.
final class BlockStream<Decoder: BlockDecoder>: PayloadStream {
    private var decoder: Decoder
    private var spill: UnsafeMutableBufferPointer<UInt8>?
    private var unread = 0..<0
    private var ended = false

    init(_ decoder: Decoder) { self.decoder = decoder }

    deinit { spill?.deallocate() }

    func decode(into output: UnsafeMutableBufferPointer<UInt8>) -> StreamProgress {
        var written = 0
        while true {
            if let spill, !unread.isEmpty {
                let count = min(unread.count, output.count - written)
                let source = UnsafeMutableBufferPointer(rebasing: spill[unread.lowerBound..<(unread.lowerBound + count)])
                _ = UnsafeMutableBufferPointer(rebasing: output[written...]).update(fromContentsOf: source)
                written += count
                unread = (unread.lowerBound + count)..<unread.upperBound
                if !unread.isEmpty { return .needsSpace(written) }
            }
            if ended { return .finished(written) }
            if written == output.count { return .needsSpace(written) }
            let direct = output.count - written >= decoder.maxBlockSize
            let target = direct ? UnsafeMutableBufferPointer(rebasing: output[written...]) : spillBuffer()
            switch decoder.decodeBlock(into: target) {
            case .end: ended = true
            case .failed(let reason): return .failed(reason)
            case .decoded(let count) where direct: written += count
            case .decoded(let count): unread = 0..<count
            }
        }
    }

    private func spillBuffer() -> UnsafeMutableBufferPointer<UInt8> {
        if let spill { return spill }
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: decoder.maxBlockSize)
        spill = buffer
        return buffer
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The little-endian 32-bit value at `offset`; the caller has checked the bounds.
    func littleEndian32(at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << ($1 * 8) }
    }

    /// The big-endian 32-bit value at `offset` (lzop's byte order); the caller has checked the bounds.
    func bigEndian32(at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 8 | UInt32(self[offset + $1]) }
    }
}
