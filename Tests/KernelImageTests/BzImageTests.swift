import KernelImage
import Testing
import WardenCore

@Suite struct BzImageTests {
    static let vmlinux = SyntheticBzImage.vmlinuxLike(size: 300_000)

    static func unpack(_ image: [UInt8], limit: Int = KernelImage.defaultDecompressedLimit)
        -> Result<KernelImage, KernelImageError>
    {
        Result { () throws(KernelImageError) in
            try KernelImage(bzImage: image, path: "/boot/vmlinuz-test", decompressedLimit: limit)
        }
    }

    @Test(arguments: SyntheticBzImage.formats)
    func decompressesEachPayloadFormatByMagic(format: PayloadCompression) throws {
        let payload = try SyntheticBzImage.compress(Self.vmlinux, format)
        let image = try Self.unpack(SyntheticBzImage.image(payload: payload, appendedSize: Self.vmlinux.count)).get()
        #expect(image.compression == format)
        #expect(image.header.protocolVersion == 0x020f)
        #expect(image.header.payloadFileOffset == 5 * 512 + 0x100)
        #expect(image.vmlinux == Self.vmlinux)
    }

    /// The parameterized tests cover `SyntheticBzImage.formats`; this one says when a missing CLI
    /// left a format out of them.
    @Test(.enabled(if: SyntheticBzImage.missingTools.isEmpty, "compressor CLIs missing (scripts/setup --integration installs them): \(SyntheticBzImage.missingTools)"))
    func everyKernelCompressionHasAGeneratedImage() {
        #expect(SyntheticBzImage.formats == PayloadCompression.allCases)
    }

    @Test(arguments: [0, 10, 1 << 40])
    func wrongAppendedSizeOnlyChangesTheFirstAllocation(appended: Int) throws {
        let payload = try SyntheticBzImage.compress(Self.vmlinux, .zstd)
        let image = try Self.unpack(SyntheticBzImage.image(payload: payload, appendedSize: appended)).get()
        #expect(image.vmlinux == Self.vmlinux)
    }

    @Test func zeroSetupSectorsMeansFour() throws {
        let payload = try SyntheticBzImage.compress(Self.vmlinux, .gzip)
        var bytes = SyntheticBzImage.image(payload: payload, appendedSize: Self.vmlinux.count, setupSectors: 4)
        bytes[0x1f1] = 0
        #expect(try Self.unpack(bytes).get().header.setupSectors == 4)
    }

    @Test func fileWithoutSetupHeaderIsNotABzImage() {
        var bytes = SyntheticBzImage.image(payload: [1, 2, 3], appendedSize: 3)
        bytes[0x202] = UInt8(ascii: "X")
        guard case .failure(.notBzImage(let path, let reason)) = Self.unpack(bytes) else {
            Issue.record("expected notBzImage")
            return
        }
        #expect(path == "/boot/vmlinuz-test")
        #expect(reason.contains("HdrS"))
        guard case .failure(.notBzImage) = Self.unpack([0x7f, 0x45, 0x4c, 0x46]) else {
            Issue.record("a 4-byte file must not parse")
            return
        }
    }

    @Test func bootProtocolWithoutPayloadFieldsIsRefused() {
        let bytes = SyntheticBzImage.image(payload: [1, 2, 3], appendedSize: 3, version: 0x0207)
        guard case .failure(let error) = Self.unpack(bytes), case .unsupportedBootProtocol(_, 0x0207) = error else {
            Issue.record("expected unsupportedBootProtocol")
            return
        }
        #expect(error.description.contains("2.7"))
    }

    @Test func payloadPastTheEndOfTheFileIsTruncated() throws {
        let payload = try SyntheticBzImage.compress(Self.vmlinux, .xz)
        let bytes = SyntheticBzImage.image(payload: payload, appendedSize: nil, declaredLength: payload.count + 1)
        guard case .failure(let error) = Self.unpack(bytes), case .truncatedPayload = error else {
            Issue.record("expected truncatedPayload")
            return
        }
        #expect(error.description.contains("/boot/vmlinuz-test"))
    }

    @Test func unknownCompressionIsNamedWithItsMagic() {
        let unknown = SyntheticBzImage.image(payload: [0xde, 0xad, 0xbe, 0xef, 0, 0], appendedSize: 4)
        guard case .failure(let error) = Self.unpack(unknown), case .unsupportedCompression(_, let magic) = error else {
            Issue.record("expected an unknown magic")
            return
        }
        #expect(magic == [0xde, 0xad, 0xbe, 0xef, 0, 0])
        #expect(error.description.contains("de ad be ef 00 00"))
        #expect(error.description.hasSuffix("known: gzip, bzip2, lzma, xz, lzo, lz4, zstd"))
    }

    /// A stream cut in half, and one with bytes flipped all along it, fail as that format. (The
    /// legacy lz4 frame has no checksum: a lone flipped literal would decode silently, but a flip
    /// every 97 bytes breaks the block structure.)
    @Test(arguments: SyntheticBzImage.formats)
    func cutOrCorruptStreamsFailWithTheFormat(format: PayloadCompression) throws {
        let payload = try SyntheticBzImage.compress(Self.vmlinux, format)
        let cut = SyntheticBzImage.image(payload: Array(payload[0..<(payload.count / 2)]), appendedSize: nil)
        guard case .failure(let error) = Self.unpack(cut), case .decompressionFailed(_, format, let reason) = error else {
            Issue.record("a half \(format) stream must not decompress")
            return
        }
        #expect(reason.contains("truncated"), "\(reason)")
        #expect(error.description.contains("\(format) payload does not decompress"))
        var corrupt = payload
        for index in stride(from: 40, to: corrupt.count - 40, by: 97) { corrupt[index] ^= 0x5A }
        let image = SyntheticBzImage.image(payload: corrupt, appendedSize: Self.vmlinux.count)
        guard case .failure(.decompressionFailed(_, format, _)) = Self.unpack(image) else {
            Issue.record("a corrupted \(format) stream must not decompress")
            return
        }
    }

    @Test(arguments: SyntheticBzImage.formats)
    func outputIsBoundedByTheLimit(format: PayloadCompression) throws {
        let payload = try SyntheticBzImage.compress(Self.vmlinux, format)
        let bytes = SyntheticBzImage.image(payload: payload, appendedSize: Self.vmlinux.count)
        guard case .failure(.decompressedTooLarge(_, _, 100_000)) = Self.unpack(bytes, limit: 100_000) else {
            Issue.record("expected decompressedTooLarge")
            return
        }
    }

    @Test func missingFileIsUnreadableAndNamed() {
        let result = Result { () throws(KernelImageError) in try KernelImage(contentsOf: "/nonexistent/vmlinuz-none") }
        guard case .failure(let error) = result, case .unreadable = error else {
            Issue.record("expected unreadable")
            return
        }
        #expect(error.description.contains("/nonexistent/vmlinuz-none"))
    }

    @Test func payloadWithoutKallsymsSaysSoWithThePath() throws {
        let payload = try SyntheticBzImage.compress(Self.vmlinux, .gzip)
        let image = try Self.unpack(SyntheticBzImage.image(payload: payload, appendedSize: Self.vmlinux.count)).get()
        let result = Result { () throws(KernelImageError) in try image.symbolTable() }
        guard case .failure(let error) = result, case .kallsyms(_, .tokenTableNotFound) = error else {
            Issue.record("expected a kallsyms error")
            return
        }
        #expect(error.description.hasPrefix("/boot/vmlinuz-test: no kallsyms_token_table"))
    }
}
