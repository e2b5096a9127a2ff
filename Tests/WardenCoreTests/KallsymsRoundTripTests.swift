import SyntheticGuest
import Testing
import WardenCore

@Suite struct KallsymsRoundTripTests {
    /// Places encoded tables at a page-aligned offset inside filler, as in a kernel's .rodata.
    static func image(_ tables: [UInt8], filler: UInt8 = 0xCC, before: Int = 0x3000, after: Int = 0x2000) -> [UInt8] {
        [UInt8](repeating: filler, count: before) + tables + [UInt8](repeating: filler, count: after)
    }

    /// `symbols` encoded in `layout` against `_text`, placed as `image(_:)` places tables.
    static func image(of symbols: [KernelSymbol], layout: KallsymsLayout) throws -> [UInt8] {
        image(try KallsymsEncoder(layout: layout).encode(symbols: symbols, relativeBase: KallsymsTestSymbols.text))
    }

    static func decode(_ image: [UInt8]) throws -> KallsymsTables {
        try image.withUnsafeBytes { buffer in try KallsymsFinder.find(in: buffer) }
    }

    @Test(arguments: KallsymsLayout.allCases, [1, 255, 256, 257, 3000])
    func decodesWhatTheEncoderWrote(layout: KallsymsLayout, count: Int) throws {
        let symbols = KallsymsTestSymbols.kernelLike(count: count, seed: UInt64(count))
        let tables = try KallsymsEncoder(layout: layout).encode(symbols: symbols, relativeBase: KallsymsTestSymbols.text)
        let decoded = try Self.decode(Self.image(tables))
        #expect(decoded.layout == layout)
        #expect(decoded.relativeBase == KallsymsTestSymbols.text)
        #expect(decoded.absolutePercpu)
        let expected = symbols.sorted { $0.address < $1.address }
        #expect(decoded.symbols.count == expected.count)
        #expect(decoded.symbols.map(\.name) == expected.map(\.name))
        #expect(decoded.symbols.map(\.address) == expected.map(\.address))
        #expect(decoded.symbols.map(\.type) == expected.map(\.type))
    }

    @Test(arguments: KallsymsLayout.allCases)
    func perCPUSymbolsDecodeAsAbsoluteWithTypeA(layout: KallsymsLayout) throws {
        let symbols = [
            KernelSymbol(name: "fixed_percpu_data", address: 0, type: "D"),
            KernelSymbol(name: "irq_stack_backing_store", address: 0x2000, type: "d"),
            KernelSymbol(name: "_text", address: KallsymsTestSymbols.text, type: "T"),
        ]
        let tables = try KallsymsEncoder(layout: layout).encode(symbols: symbols, relativeBase: KallsymsTestSymbols.text)
        let decoded = try Self.decode(Self.image(tables))
        // scripts/kallsyms.c make_percpus_absolute rewrites per-CPU types to 'A'.
        #expect(decoded.symbols.map(\.type) == ["A", "A", "T"])
        #expect(decoded.symbols.map(\.address) == [0, 0x2000, KallsymsTestSymbols.text])
    }

    @Test(arguments: KallsymsLayout.allCases)
    func findsTablesInsideRandomLookingData(layout: KallsymsLayout) throws {
        let symbols = KallsymsTestSymbols.kernelLike(count: 600, seed: 7)
        let tables = try KallsymsEncoder(layout: layout).encode(symbols: symbols, relativeBase: KallsymsTestSymbols.text)
        var random = KallsymsTestSymbols.Generator(state: 99)
        let noise = (0..<0x8000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let decoded = try Self.decode(noise + tables + noise)
        #expect(decoded.symbols.count == symbols.count)
        #expect(decoded.locations.tokenTable > noise.count)
    }

    @Test func layoutsPutTheTablesInKernelOrder() throws {
        let symbols = KallsymsTestSymbols.kernelLike(count: 300)
        let old = try Self.decode(Self.image(of: symbols, layout: .linux6_1))
        #expect(old.locations.offsets == 0x3000)
        #expect(old.locations.offsets < old.locations.relativeBase)
        #expect(old.locations.relativeBase < old.locations.numSyms)
        #expect(old.locations.names < old.locations.markers)
        #expect(old.locations.markers < (old.locations.seqsOfNames ?? 0))
        #expect((old.locations.seqsOfNames ?? .max) < old.locations.tokenTable)
        let new = try Self.decode(Self.image(of: symbols, layout: .linux6_12))
        #expect(new.locations.numSyms == 0x3000)
        #expect(new.locations.markers < new.locations.tokenTable)
        #expect(new.locations.tokenIndex < new.locations.offsets)
        #expect(new.locations.relativeBase < (new.locations.seqsOfNames ?? 0))
    }
}
