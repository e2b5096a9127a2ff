extension PayloadDecompressor {
    /// Decodes in `step`-byte pieces and stops as soon as `enough` accepts the prefix decoded so
    /// far; decodes to the end otherwise. Symbol recovery needs only the part of the image up to
    /// its kallsyms tables (about 30% of a Debian 6.1 vmlinux), and decompression dominates its cost.
    func decompress(
        _ payload: ArraySlice<UInt8>, expectedSize: Int, step: Int = 2 << 20,
        until enough: ([UInt8]) -> Bool
    ) throws(KernelImageError) -> [UInt8] {
        let result: Result<[UInt8], KernelImageError> = payload.withUnsafeBufferPointer { input in
            let stream = format.stream(over: input)
            var output: [UInt8] = []
            output.reserveCapacity(min(max(expectedSize, 0), limit))
            let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: step)
            defer { scratch.deallocate() }
            while true {
                guard output.count < limit else {
                    return .failure(.decompressedTooLarge(path: path, format: format, limit: limit))
                }
                let room = UnsafeMutableBufferPointer(rebasing: scratch[0..<min(step, limit - output.count)])
                switch stream.decode(into: room) {
                case .failed(let reason):
                    return .failure(.decompressionFailed(path: path, format: format, reason: reason))
                case .finished(let written):
                    output.append(contentsOf: room[0..<written])
                    return .success(output)
                case .needsSpace(let written):
                    output.append(contentsOf: room[0..<written])
                    if enough(output) { return .success(output) }
                }
            }
        }
        return try result.get()
    }
}
