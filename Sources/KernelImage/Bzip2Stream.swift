import CCompression

/// libbz2, one stream (`bzip2 -9`, scripts/Makefile.lib `cmd_bzip2`); the appended size after it is ignored.
final class Bzip2Stream: PayloadStream {
    private var stream = bz_stream()
    private let ready: Bool

    init(input: UnsafeBufferPointer<UInt8>) {
        // verbosity 0, small 0: the fast decoder (bzlib.h, BZ2_bzDecompressInit).
        ready = input.count <= Int(UInt32.max) && BZ2_bzDecompressInit(&stream, 0, 0) == BZ_OK
        stream.next_in = UnsafeMutableRawPointer(mutating: input.baseAddress)?.assumingMemoryBound(to: CChar.self)
        stream.avail_in = UInt32(truncatingIfNeeded: input.count)
    }

    deinit { if ready { BZ2_bzDecompressEnd(&stream) } }

    func decode(into output: UnsafeMutableBufferPointer<UInt8>) -> StreamProgress {
        guard ready else { return .failed("libbz2 initialisation failed") }
        var written = 0
        while written < output.count {
            // avail_out is 32-bit: feed large outputs in slices.
            let slice = min(output.count - written, Int(UInt32.max))
            stream.next_out = UnsafeMutableRawPointer(output.baseAddress.map { $0 + written })?
                .assumingMemoryBound(to: CChar.self)
            stream.avail_out = UInt32(slice)
            let status = BZ2_bzDecompress(&stream)
            let produced = slice - Int(stream.avail_out)
            written += produced
            switch status {
            case BZ_STREAM_END: return .finished(written)
            case BZ_OK where stream.avail_in == 0 && produced < slice: return .failed("truncated bzip2 stream")
            case BZ_OK: continue
            case BZ_DATA_ERROR: return .failed("corrupt bzip2 data (block CRC or stream structure)")
            case BZ_DATA_ERROR_MAGIC: return .failed("not a bzip2 stream")
            case BZ_MEM_ERROR: return .failed("out of memory")
            default: return .failed("libbz2 error \(status)")
            }
        }
        return .needsSpace(written)
    }
}
