import SyntheticGuest
import Testing
import WardenCore

@Suite struct KallsymsEncoderTests {
    static let base = KallsymsTestSymbols.text

    static func encode(_ symbols: [KernelSymbol], _ layout: KallsymsLayout = .linux6_12) throws -> [UInt8] {
        try KallsymsEncoder(layout: layout).encode(symbols: symbols, relativeBase: base)
    }

    static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    @Test func rejectsSymbolsTheKernelCouldNotStore() throws {
        let text = KernelSymbol(name: "_text", address: Self.base, type: "T")
        #expect(throws: KallsymsEncoderError.noSymbols) { try Self.encode([]) }
        #expect(throws: KallsymsEncoderError.self) { try Self.encode([text, KernelSymbol(name: "", address: Self.base, type: "T")]) }
        #expect(throws: KallsymsEncoderError.self) { try Self.encode([KernelSymbol(name: "a\u{0}b", address: Self.base, type: "T")]) }
        #expect(throws: KallsymsEncoderError.self) {
            try Self.encode([KernelSymbol(name: String(repeating: "x", count: 512), address: Self.base, type: "T")])
        }
        #expect(throws: KallsymsEncoderError.invalidType(name: "odd", type: "?")) {
            try Self.encode([KernelSymbol(name: "odd", address: Self.base, type: "?")])
        }
        // Offsets are 32-bit: a symbol 2 GiB or more above the base cannot be stored.
        let lowBase: UInt64 = 0xffff_ffff_0000_0000
        let far = KernelSymbol(name: "far", address: lowBase + 0x8000_0000, type: "T")
        #expect(throws: KallsymsEncoderError.addressOutOfRange(name: "far", address: far.address, relativeBase: lowBase)) {
            try KallsymsEncoder(layout: .linux6_1).encode(symbols: [far], relativeBase: lowBase)
        }
        // scripts/kallsyms.c record_relative_base: the base is the lowest non-per-CPU address.
        #expect(throws: KallsymsEncoderError.noSymbolAtRelativeBase(Self.base)) {
            try Self.encode([KernelSymbol(name: "later", address: Self.base + 0x10, type: "T")])
        }
        let low = KernelSymbol(name: "low", address: 0x8000_0000, type: "D")
        #expect(throws: KallsymsEncoderError.self) { try Self.encode([text, low]) }
    }

    @Test func longestKernelNameRoundTripsWithTwoByteLength() throws {
        let name = String(repeating: "r", count: KallsymsFormat.maximumNameLength - 1)
        let symbols = [KernelSymbol(name: "_text", address: Self.base, type: "T"),
                       KernelSymbol(name: name, address: Self.base + 16, type: "t")]
        for layout in KallsymsLayout.allCases {
            let decoded = try KallsymsRoundTripTests.decode(KallsymsRoundTripTests.image(try Self.encode(symbols, layout)))
            #expect(decoded.symbols.last?.name == name)
        }
    }

    @Test func tokenTableKeepsDigitsAndCompressesNames() throws {
        let symbols = KallsymsTestSymbols.kernelLike(count: 2000)
        let decoded = try KallsymsRoundTripTests.decode(KallsymsRoundTripTests.image(try Self.encode(symbols)))
        let tables = try Self.encode(symbols)
        let origin = 0x3000
        let tokenTable = decoded.locations.tokenTable - origin
        let index = decoded.locations.tokenIndex - origin
        for digit in 0x30...0x39 {
            let offset = Int(tables[index + 2 * digit]) | Int(tables[index + 2 * digit + 1]) << 8
            #expect(tables[tokenTable + offset] == UInt8(digit) && tables[tokenTable + offset + 1] == 0)
        }
        let rawSize = symbols.reduce(0) { $0 + $1.name.utf8.count + 2 }
        let namesSize = decoded.locations.markers - decoded.locations.names
        #expect(namesSize * 10 < rawSize * 7, "byte-pair compression should save at least 30%")
    }

    @Test func sequencesListTableIndicesInNameOrder() throws {
        let symbols = ["zeta", "alpha", "mid", "beta"].enumerated().map {
            KernelSymbol(name: $0.element, address: Self.base + UInt64($0.offset) * 16, type: "T")
        }
        for layout in KallsymsLayout.allCases {
            let tables = try Self.encode(symbols, layout)
            let decoded = try KallsymsRoundTripTests.decode(KallsymsRoundTripTests.image(tables))
            let start = try #require(decoded.locations.seqsOfNames) - 0x3000
            let seqs = (0..<4).map { Int(tables[start + 3 * $0]) << 16 | Int(tables[start + 3 * $0 + 1]) << 8 | Int(tables[start + 3 * $0 + 2]) }
            #expect(seqs.map { decoded.symbols[$0].name } == ["alpha", "beta", "mid", "zeta"])
        }
    }

    @Test func newLayoutStartsWithCountAndOldWithOffsets() throws {
        let symbols = KallsymsTestSymbols.kernelLike(count: 10)
        #expect(Self.u32(try Self.encode(symbols, .linux6_12), 0) == UInt32(symbols.count))
        let old = try Self.encode(symbols, .linux6_1)
        // First symbol is the per-CPU one at 0: an absolute, non-negative offset.
        #expect(Self.u32(old, 0) == 0)
        let baseOffset = KallsymsFormat.aligned(symbols.count * 4) ?? 0
        #expect(UInt64(Self.u32(old, baseOffset)) | UInt64(Self.u32(old, baseOffset + 4)) << 32 == Self.base)
        #expect(Self.u32(old, baseOffset + 8) == UInt32(symbols.count))
    }
}
