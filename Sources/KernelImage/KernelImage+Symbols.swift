import WardenCore

extension KernelImage {
    /// The kernel's kallsyms recovered from a bzImage, decompressing only as far as the tables:
    /// after each decoded piece that shows the token table's anchor, the finder is tried on the
    /// prefix; its own consistency checks reject tables that are not yet complete.
    /// - Returns: the symbol table (origin: this image, link-time addresses) and the bytes decoded.
    public static func recoverSymbols(
        path: String, decompressedLimit: Int = defaultDecompressedLimit
    ) throws(KernelImageError) -> (symbols: SymbolTable, decodedBytes: Int) {
        let bytes = try readFile(path)
        let header = try BzImageHeader(bytes: bytes, path: path)
        let payload = try header.payload(of: bytes, path: path)
        let compression = try PayloadCompression.identify(payload, path: path)
        let decompressor = PayloadDecompressor(format: compression, path: path, limit: decompressedLimit)
        var found: KallsymsTables?
        var anchorSeen = false
        var searchedUpTo = 0
        let prefix = try decompressor.decompress(payload, expectedSize: Self.expectedSize(of: payload)) { decoded in
            if !anchorSeen {
                // Search only the new piece, overlapping the old end by the anchor's length.
                let from = max(0, searchedUpTo - KallsymsFinder.anchor.count)
                anchorSeen = decoded.withUnsafeBytes { bytes in
                    KallsymsFinder.containsAnchor(UnsafeRawBufferPointer(rebasing: bytes[from...]))
                }
                searchedUpTo = decoded.count
            }
            guard anchorSeen else { return false }
            found = decoded.withUnsafeBytes { try? KallsymsFinder.find(in: $0) }
            return found != nil
        }
        let tables: KallsymsTables
        if let found {
            tables = found
        } else {
            // Decoded to the end without an early success: the finder's error on the whole image says why.
            let outcome = prefix.withUnsafeBytes { buffer in
                Result { () throws(KallsymsError) in try KallsymsFinder.find(in: buffer) }
            }
            switch outcome {
            case .success(let whole): tables = whole
            case .failure(let error): throw .kallsyms(path: path, error)
            }
        }
        return (SymbolTable(origin: .kernelImage(path: path), symbols: tables.symbols), prefix.count)
    }
}
