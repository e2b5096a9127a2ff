import SyntheticGuest
import Testing
import WardenCore

/// The image is attacker-controlled: bad tables must yield a `KallsymsError`, never a crash,
/// a hang, or symbols that are not the ones written.
@Suite struct KallsymsHostileInputTests {
    static let symbols = KallsymsTestSymbols.kernelLike(count: 700, seed: 3)
    static let origin = 0x3000

    static func tables(_ layout: KallsymsLayout) throws -> [UInt8] {
        try KallsymsEncoder(layout: layout).encode(symbols: symbols, relativeBase: KallsymsTestSymbols.text)
    }

    static func find(_ bytes: [UInt8]) -> Result<KallsymsTables, KallsymsError> {
        bytes.withUnsafeBytes { buffer in Result { () throws(KallsymsError) in try KallsymsFinder.find(in: buffer) } }
    }

    static func locations(_ image: [UInt8]) throws -> KallsymsTables.Locations {
        try find(image).get().locations
    }

    @Test func emptyAndPatternlessBuffersReportNoTokenTable() {
        #expect(throws: KallsymsError.tokenTableNotFound(searchedBytes: 0, digitRuns: 0)) { try Self.find([]).get() }
        let noise = [UInt8](repeating: 0x90, count: 100_000)
        #expect(throws: KallsymsError.tokenTableNotFound(searchedBytes: noise.count, digitRuns: 0)) {
            try Self.find(noise).get()
        }
    }

    @Test func digitRunWithoutTokenIndexIsNotATable() {
        let bytes = [UInt8](repeating: 0, count: 64) + Array("0\u{0}1\u{0}2\u{0}3\u{0}4\u{0}5\u{0}6\u{0}7\u{0}8\u{0}9\u{0}".utf8)
            + [UInt8](repeating: 0x41, count: 64)
        #expect(throws: KallsymsError.tokenTableNotFound(searchedBytes: bytes.count, digitRuns: 1)) {
            try Self.find(bytes).get()
        }
    }

    @Test(arguments: KallsymsLayout.allCases)
    func everyTruncationFailsCleanly(layout: KallsymsLayout) throws {
        let image = KallsymsRoundTripTests.image(try Self.tables(layout), after: 0)
        for cut in stride(from: 0, to: image.count, by: 13) {
            guard case .failure = Self.find(Array(image[0..<cut])) else {
                Issue.record("tables cut at \(cut) of \(image.count) bytes still decoded")
                return
            }
        }
    }

    @Test(arguments: KallsymsLayout.allCases)
    func inconsistentTokenIndexRejectsTheTable(layout: KallsymsLayout) throws {
        var image = KallsymsRoundTripTests.image(try Self.tables(layout))
        let index = try Self.locations(image).tokenIndex
        image[index + 2 * 0x41] &+= 1
        #expect(throws: KallsymsError.self) { try Self.find(image).get() }
        guard case .failure(.tokenTableNotFound(_, let runs)) = Self.find(image) else {
            Issue.record("expected tokenTableNotFound")
            return
        }
        #expect(runs == 1)
    }

    @Test(arguments: KallsymsLayout.allCases)
    func markerPointingElsewhereIsReported(layout: KallsymsLayout) throws {
        var image = KallsymsRoundTripTests.image(try Self.tables(layout))
        let markers = try Self.locations(image).markers
        image[markers + 4] &+= 1  // kallsyms_markers[1], still increasing
        guard case .failure(.corruptNames(_, let index, let reason)) = Self.find(image) else {
            Issue.record("expected corruptNames")
            return
        }
        #expect(index == 256)
        #expect(reason.contains("kallsyms_markers[1]"))
    }

    @Test(arguments: KallsymsLayout.allCases)
    func unsortedOffsetsAreNotAccepted(layout: KallsymsLayout) throws {
        var image = KallsymsRoundTripTests.image(try Self.tables(layout))
        let offsets = try Self.locations(image).offsets
        // Move symbol 10 far above its successors.
        for byte in 0..<4 { image[offsets + 40 + byte] = [0x00, 0x00, 0x00, 0xC0][byte] }
        guard case .failure(.tablesNotFound(_, let reason)) = Self.find(image) else {
            Issue.record("expected tablesNotFound")
            return
        }
        #expect(reason.contains("sorted addresses"))
    }

    @Test(arguments: KallsymsLayout.allCases)
    func singleByteCorruptionsNeverCrashOrChangeTheCount(layout: KallsymsLayout) throws {
        let image = KallsymsRoundTripTests.image(try Self.tables(layout))
        var random = KallsymsTestSymbols.Generator(state: 42)
        for _ in 0..<300 {
            var corrupted = image
            let position = Self.origin + Int(random.next() % UInt64(image.count - Self.origin - 0x2000))
            corrupted[position] ^= UInt8(1 + random.next() % 255)
            if case .success(let tables) = Self.find(corrupted) {
                #expect(tables.symbols.count == Self.symbols.count, "corruption at \(position)")
            }
        }
    }

    @Test func manyFakeSymbolCountsExhaustABoundedSearch() throws {
        // Every 8-aligned word before the tables looks like `kallsyms_num_syms = 1`.
        let fake = Array(repeating: [UInt8]([1, 0, 0, 0, 0, 0, 0, 0]), count: 200_000).flatMap { $0 }
        var tables = try Self.tables(.linux6_12)
        tables.replaceSubrange(0..<8, with: [UInt8](repeating: 0xEE, count: 8))  // break the real num_syms
        let result = Self.find(fake + tables)
        guard case .failure(.tablesNotFound) = result else {
            Issue.record("expected tablesNotFound, got \(result)")
            return
        }
    }

    @Test func controlCharacterInANameIsReported() throws {
        let symbols = [KernelSymbol(name: "_text", address: KallsymsTestSymbols.text, type: "T"),
                       KernelSymbol(name: "bad\u{1}name", address: KallsymsTestSymbols.text + 8, type: "t")]
        let image = KallsymsRoundTripTests.image(
            try KallsymsEncoder(layout: .linux6_12).encode(symbols: symbols, relativeBase: KallsymsTestSymbols.text))
        guard case .failure(.corruptNames(_, let index, let reason)) = Self.find(image) else {
            Issue.record("expected corruptNames")
            return
        }
        #expect(index == 1)
        #expect(reason.contains("control"))
    }

    @Test func errorsDescribeWhatWasMissing() {
        let error = KallsymsError.tablesNotFound(tokenTableOffset: 0x1000, reason: "why")
        #expect(error.description.contains("0x1000") && error.description.contains("why"))
        #expect(KallsymsError.tokenTableNotFound(searchedBytes: 5, digitRuns: 0).description.contains("5 bytes"))
    }
}
