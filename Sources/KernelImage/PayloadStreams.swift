import CCompression

/// What one call of a streaming decoder achieved.
enum StreamProgress {
    /// The stream ended; this many bytes were written by the call.
    case finished(Int)
    /// The output space filled up; this many bytes were written and more follow.
    case needsSpace(Int)
    case failed(String)
}

/// A streaming decoder of one compressed payload, owning its C library state.
protocol PayloadStream: AnyObject {
    /// Decodes into `output`, continuing where the last call stopped.
    func decode(into output: UnsafeMutableBufferPointer<UInt8>) -> StreamProgress
}

/// liblzma, one stream, not concatenated: the size the build appends must not be read as a stream.
/// liblzma decodes both containers the kernel can use: .xz (`xz --check=crc32`, scripts/xz_wrap.sh)
/// and the legacy lzma 'alone' format (`lzma -9`), which has no magic of its own and whose
/// end-of-payload marker ends the stream when the header leaves the size unknown.
final class LiblzmaStream: PayloadStream {
    enum Container: String {
        case xz
        case lzmaAlone = "lzma"
    }

    private var stream = lzma_stream()
    private let container: Container
    private let ready: Bool

    init(input: UnsafeBufferPointer<UInt8>, container: Container) {
        self.container = container
        let limit = UInt64(PayloadDecompressor.decoderMemoryLimit)
        ready = switch container {
        case .xz: lzma_stream_decoder(&stream, limit, 0) == LZMA_OK
        case .lzmaAlone: lzma_alone_decoder(&stream, limit) == LZMA_OK
        }
        stream.next_in = input.baseAddress
        stream.avail_in = input.count
    }

    deinit { lzma_end(&stream) }

    func decode(into output: UnsafeMutableBufferPointer<UInt8>) -> StreamProgress {
        let name = container.rawValue
        guard ready else { return .failed("liblzma decoder initialisation failed") }
        stream.next_out = output.baseAddress
        stream.avail_out = output.count
        let status = lzma_code(&stream, LZMA_FINISH)
        let written = output.count - stream.avail_out
        switch status {
        case LZMA_STREAM_END: return .finished(written)
        case LZMA_OK where stream.avail_in == 0 && stream.avail_out > 0, LZMA_BUF_ERROR:
            return .failed("truncated \(name) stream")
        case LZMA_OK: return .needsSpace(written)
        case LZMA_DATA_ERROR: return .failed("corrupt \(name) data")
        case LZMA_FORMAT_ERROR: return .failed("not an \(name) stream")
        case LZMA_OPTIONS_ERROR: return .failed("unsupported \(name) options")
        case LZMA_MEM_ERROR: return .failed("out of memory")
        case LZMA_MEMLIMIT_ERROR:
            return .failed(
                "its header asks for a dictionary of more than \(PayloadDecompressor.decoderMemoryLimit >> 20) MiB "
                    + "(kernels use at most 64 MiB)")
        default: return .failed("liblzma error \(status.rawValue)")
        }
    }
}

/// libzstd, one frame; the appended size after it is ignored.
final class ZstdStream: PayloadStream {
    private let context: OpaquePointer?
    private var source: ZSTD_inBuffer

    init(input: UnsafeBufferPointer<UInt8>) {
        context = ZSTD_createDCtx()
        // The kernel builds with `zstd -22 --ultra`, a 128 MiB window (2^27, as Debian's 6.12 image has);
        // a larger one, up to the format's 2 GiB, would be allocated as the frame header says.
        if let context {
            _ = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, Int32(PayloadDecompressor.decoderMemoryLimit.trailingZeroBitCount))
        }
        source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
    }

    deinit { ZSTD_freeDCtx(context) }

    func decode(into output: UnsafeMutableBufferPointer<UInt8>) -> StreamProgress {
        guard let context else { return .failed("libzstd context allocation failed") }
        var target = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        while true {
            let before = (source.pos, target.pos)
            let status = ZSTD_decompressStream(context, &target, &source)
            if ZSTD_isError(status) != 0 { return .failed(String(cString: ZSTD_getErrorName(status))) }
            if status == 0 { return .finished(target.pos) }
            if target.pos == target.size { return .needsSpace(target.pos) }
            if source.pos == source.size || before == (source.pos, target.pos) {
                return .failed("truncated zstd frame")
            }
        }
    }
}

/// zlib with gzip wrapping, one member.
final class GzipStream: PayloadStream {
    private var stream = z_stream()
    private let ready: Bool

    init(input: UnsafeBufferPointer<UInt8>) {
        // 15 window bits + 16: expect a gzip header (zlib.h, inflateInit2).
        ready = input.count <= Int(UInt32.max)
            && inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(truncatingIfNeeded: input.count)
    }

    deinit { if ready { inflateEnd(&stream) } }

    func decode(into output: UnsafeMutableBufferPointer<UInt8>) -> StreamProgress {
        guard ready else { return .failed("zlib initialisation failed") }
        var written = 0
        while written < output.count {
            // avail_out is 32-bit: feed large outputs in slices.
            let slice = min(output.count - written, Int(UInt32.max))
            stream.next_out = output.baseAddress.map { $0 + written }
            stream.avail_out = UInt32(slice)
            let status = inflate(&stream, Z_NO_FLUSH)
            let produced = slice - Int(stream.avail_out)
            written += produced
            switch status {
            case Z_STREAM_END: return .finished(written)
            case Z_OK: continue
            case Z_BUF_ERROR where produced == 0: return .failed("truncated gzip stream")
            case Z_BUF_ERROR: continue
            default: return .failed(stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
            }
        }
        return .needsSpace(written)
    }
}
