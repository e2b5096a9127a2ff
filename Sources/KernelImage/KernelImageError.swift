import WardenCore

/// Why a kernel image could not be unpacked or yield symbols. Every case names the file.
public enum KernelImageError: Error, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notBzImage(path: String, reason: String)
    /// Boot protocol below 2.08 has no payload_offset / payload_length fields.
    case unsupportedBootProtocol(path: String, version: UInt16)
    case truncatedPayload(path: String, offset: Int, length: Int, fileSize: Int)
    case unsupportedCompression(path: String, magic: [UInt8])
    case decompressionFailed(path: String, format: PayloadCompression, reason: String)
    case decompressedTooLarge(path: String, format: PayloadCompression, limit: Int)
    case kallsyms(path: String, KallsymsError)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read kernel image \(path): \(reason)"
        case .notBzImage(let path, let reason): "\(path) is not an x86 bzImage: \(reason)"
        case .unsupportedBootProtocol(let path, let version):
            "\(path) uses boot protocol \(version >> 8).\(version & 0xFF), "
                + "older than 2.08: it has no payload_offset / payload_length"
        case .truncatedPayload(let path, let offset, let length, let size):
            "\(path): the compressed payload (\(length) bytes at file offset 0x\(String(offset, radix: 16))) "
                + "runs past the end of the \(size)-byte file"
        case .unsupportedCompression(let path, let magic):
            "\(path): unknown payload compression "
                + "(magic \(magic.map { String(hexByte: $0) }.joined(separator: " "))); "
                + "known: \(PayloadCompression.allCases.map(\.rawValue).joined(separator: ", "))"
        case .decompressionFailed(let path, let format, let reason):
            "\(path): \(format) payload does not decompress: \(reason)"
        case .decompressedTooLarge(let path, let format, let limit):
            "\(path): \(format) payload decompresses to more than \(limit) bytes"
        case .kallsyms(let path, let error): "\(path): \(error)"
        }
    }
}

extension String {
    /// Two lower-case hex digits, for magics and version minors.
    init<T: BinaryInteger>(hexByte value: T) {
        let digits = String(value, radix: 16)
        self = digits.count < 2 ? "0" + digits : digits
    }
}
