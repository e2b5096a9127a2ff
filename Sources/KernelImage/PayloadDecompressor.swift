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
