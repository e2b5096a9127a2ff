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

    /// Reads at most one byte past `limit` from the file itself. Its size is not asked first: the
    /// size `FileManager` reports is a symlink's own (lstat), and `/vmlinuz` is usually a symlink.
    /// Nor is `Data(contentsOf:)` used: Foundation leaks a 4 KiB buffer reading an empty file (found
    /// by fuzzing, `KernelImageFileTests`).
    static func readFile(_ path: String, limit: Int = fileSizeLimit) throws(KernelImageError) -> [UInt8] {
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        guard data.count <= limit else {
            throw .notBzImage(path: path, reason: "more than \(limit) bytes, larger than any bzImage")
        }
        return [UInt8](data)
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
