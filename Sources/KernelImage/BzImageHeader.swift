/// The parts of the x86 real-mode setup header that locate the compressed kernel
/// (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header").
public struct BzImageHeader: Sendable, Equatable {
    /// 0x1f1: 512-byte setup sectors after the boot sector; 0 means 4 (boot.rst).
    public var setupSectors: Int
    /// 0x206: boot protocol version, major in the high byte (0x020f is 2.15).
    public var protocolVersion: UInt16
    /// 0x248: payload offset from the start of the protected-mode code (protocol 2.08+).
    public var payloadOffset: Int
    /// 0x24c: payload length, including the 4-byte little-endian decompressed size the kernel
    /// build appends (scripts/Makefile.lib `size_append`).
    public var payloadLength: Int

    /// The protected-mode code starts right after the boot sector and the setup sectors.
    public var protectedModeOffset: Int { (setupSectors + 1) * 512 }
    /// The payload's offset in the file.
    public var payloadFileOffset: Int { protectedModeOffset + payloadOffset }

    static let magicOffset = 0x202
    static let magic: [UInt8] = Array("HdrS".utf8)

    /// Parses the header of `bytes`; `path` names the file in errors.
    public init(bytes: [UInt8], path: String) throws(KernelImageError) {
        guard bytes.count >= 0x250 else {
            throw .notBzImage(path: path, reason: "\(bytes.count) bytes, smaller than the setup header")
        }
        guard Array(bytes[Self.magicOffset..<(Self.magicOffset + 4)]) == Self.magic else {
            throw .notBzImage(path: path, reason: "no \"HdrS\" setup header signature at offset 0x202")
        }
        func read32(_ offset: Int) -> Int {
            (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << ($1 * 8) }
        }
        let version = UInt16(bytes[0x206]) | UInt16(bytes[0x207]) << 8
        guard version >= 0x0208 else { throw .unsupportedBootProtocol(path: path, version: version) }
        setupSectors = bytes[0x1f1] == 0 ? 4 : Int(bytes[0x1f1])
        protocolVersion = version
        payloadOffset = read32(0x248)
        payloadLength = read32(0x24c)
        let (end, overflow) = payloadFileOffset.addingReportingOverflow(payloadLength)
        guard !overflow, end <= bytes.count else {
            throw .truncatedPayload(path: path, offset: payloadFileOffset, length: payloadLength, fileSize: bytes.count)
        }
        guard payloadLength > 0 else { throw .notBzImage(path: path, reason: "payload_length is 0") }
    }
}

extension BzImageHeader {
    /// The compressed payload inside `bytes`, bounds-checked again for bytes other than the parsed ones.
    func payload(of bytes: [UInt8], path: String) throws(KernelImageError) -> ArraySlice<UInt8> {
        let (end, overflow) = payloadFileOffset.addingReportingOverflow(payloadLength)
        guard !overflow, payloadFileOffset >= 0, end <= bytes.count else {
            throw .truncatedPayload(path: path, offset: payloadFileOffset, length: payloadLength, fileSize: bytes.count)
        }
        return bytes[payloadFileOffset..<end]
    }
}
