import Foundation
import WardenCore

/// A compressed x86 kernel (bzImage) unpacked to its vmlinux, the source of link-time symbols
/// when no System.map or debug package is at hand.
public struct KernelImage: Sendable {
    public let path: String
    public let header: BzImageHeader
    public let compression: PayloadCompression
    /// The decompressed payload: the stripped vmlinux ELF file (arch/x86/boot/compressed/Makefile
    /// builds it with `objcopy -R .comment -S`), whose sections keep their address alignment.
    public let vmlinux: [UInt8]

    /// Larger than any kernel (Debian's are about 60 MiB); bounds a hostile payload.
    public static let defaultDecompressedLimit = 512 << 20
    /// bzImages are around 10 MiB; refuse to read a wrong path's gigabytes.
    public static let fileSizeLimit = 256 << 20

    public init(contentsOf path: String, decompressedLimit: Int = defaultDecompressedLimit) throws(KernelImageError) {
        try self.init(bzImage: try Self.readFile(path), path: path, decompressedLimit: decompressedLimit)
    }

    /// Unpacks an in-memory bzImage; `path` only names it in errors and in the symbol origin.
    public init(bzImage bytes: [UInt8], path: String, decompressedLimit: Int = defaultDecompressedLimit)
        throws(KernelImageError)
    {
        let header = try BzImageHeader(bytes: bytes, path: path)
        let payload = try header.payload(of: bytes, path: path)
        let compression = try PayloadCompression.identify(payload, path: path)
        let decompressor = PayloadDecompressor(format: compression, path: path, limit: decompressedLimit)
        self.path = path
        self.header = header
        self.compression = compression
        vmlinux = try decompressor.decompress(payload, expectedSize: Self.expectedSize(of: payload))
    }

    static func readFile(_ path: String) throws(KernelImageError) -> [UInt8] {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            guard size <= Self.fileSizeLimit else {
                throw KernelImageError.notBzImage(path: path, reason: "\(size) bytes, larger than any bzImage")
            }
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as KernelImageError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// The last 4 payload bytes are the decompressed size (scripts/Makefile.lib size_append); only
    /// a capacity hint, never trusted: kernels compress about 5-8x, so a larger claim is a lie.
    static func expectedSize(of payload: ArraySlice<UInt8>) -> Int {
        guard payload.count >= 4 else { return 0 }
        let claimed = payload.suffix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
        return min(claimed, payload.count.multipliedReportingOverflow(by: 64).partialValue)
    }

    /// The kernel's own kallsyms tables, decoded from the vmlinux (link-time addresses).
    public func kallsyms() throws(KernelImageError) -> KallsymsTables {
        let result = vmlinux.withUnsafeBytes { buffer in
            Result { () throws(KallsymsError) in try KallsymsFinder.find(in: buffer) }
        }
        switch result {
        case .success(let tables): return tables
        case .failure(let error): throw .kallsyms(path: path, error)
        }
    }

    /// The kallsyms symbols as a table whose origin names this image.
    public func symbolTable() throws(KernelImageError) -> SymbolTable {
        SymbolTable(origin: .kernelImage(path: path), symbols: try kallsyms().symbols)
    }
}
