/// Decompresses a bzImage payload with the real decoders (zlib, libbz2, liblzma, liblzo2, liblz4, libzstd).
///
/// The decoder writes straight into the result array, sized by the length the build appended, so a
/// kernel costs one allocation and no copy; if that hint is short, decoding goes on in 1 MiB chunks
/// appended to the array. Output never passes `limit`.
struct PayloadDecompressor {
    let format: PayloadCompression
    let path: String
    let limit: Int
    static let chunkSize = 1 << 20
    /// What a decoder may allocate for its window or dictionary, which the payload's own header sets:
    /// a hostile lzma header asked for 4 GiB (found by fuzzing). Kernels need at most 128 MiB: a zstd
    /// window of 2^27 (`zstd -22 --ultra`), an lzma dictionary of 64 MiB (`lzma -9`), xz 32 MiB
    /// (scripts/xz_wrap.sh). A power of two, as zstd takes it as a window log.
    static let decoderMemoryLimit = 256 << 20

    func decompress(_ payload: ArraySlice<UInt8>, expectedSize: Int) throws(KernelImageError) -> [UInt8] {
        let result: Result<[UInt8], KernelImageError> = payload.withUnsafeBufferPointer { input in
            let stream = format.stream(over: input)
            return decode(stream, initialCapacity: min(max(expectedSize, 0), limit))
        }
        return try result.get()
    }

    private func decode(_ stream: any PayloadStream, initialCapacity: Int) -> Result<[UInt8], KernelImageError> {
        var progress = StreamProgress.needsSpace(0)
        var output = [UInt8](unsafeUninitializedCapacity: initialCapacity) { buffer, count in
            progress = initialCapacity > 0 ? stream.decode(into: buffer) : .needsSpace(0)
            switch progress {
            case .finished(let written), .needsSpace(let written): count = written
            case .failed: count = 0
            }
        }
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.chunkSize)
        defer { scratch.deallocate() }
        while true {
            switch progress {
            case .finished: return .success(output)
            case .failed(let reason): return .failure(.decompressionFailed(path: path, format: format, reason: reason))
            case .needsSpace:
                guard output.count < limit else {
                    return .failure(.decompressedTooLarge(path: path, format: format, limit: limit))
                }
                let room = UnsafeMutableBufferPointer(rebasing: scratch[0..<min(Self.chunkSize, limit - output.count)])
                progress = stream.decode(into: room)
                switch progress {
                case .finished(let written), .needsSpace(let written): output.append(contentsOf: room[0..<written])
                case .failed: break
                }
            }
        }
    }
}
