import Testing
@testable import WardenCore

/// Locating kallsyms in one buffer and building the symbols from a copy of the names alone, as
/// `KernelImageWindows` does so that its window and the symbol table are never resident together.
@Suite struct LocatedKallsymsTests {
    static func image(_ layout: KallsymsLayout, count: Int = 700) throws -> [UInt8] {
        try KallsymsRoundTripTests.image(of: KallsymsTestSymbols.kernelLike(count: count, seed: 11), layout: layout)
    }

    /// The bytes of `span` alone, in a buffer of their own.
    static func copy(_ image: [UInt8], _ span: Range<Int>) -> [UInt8] { Array(image[span]) }

    @Test(arguments: KallsymsLayout.allCases)
    func theNamesSpanAloneBuildsWhatTheWholeBufferDoes(layout: KallsymsLayout) throws {
        let image = try Self.image(layout)
        let whole = try image.withUnsafeBytes { try KallsymsFinder.find(in: $0) }
        let located = try image.withUnsafeBytes { try KallsymsFinder.locate(in: $0) }
        let span = located.namesSpan
        // The span leaves out what the addresses were decoded from.
        #expect(!span.contains(located.locations.offsets))
        #expect(span.count < image.count / 2)
        let names = Self.copy(image, span)
        let rebuilt = try names.withUnsafeBytes {
            try located.tables(names: KallsymsBytes(raw: $0), from: span.lowerBound)
        }
        #expect(rebuilt.layout == whole.layout)
        #expect(rebuilt.locations == whole.locations)
        #expect(rebuilt.relativeBase == whole.relativeBase)
        #expect(Array(rebuilt.symbols) == Array(whole.symbols))
    }

    /// The second copy is checked as the first was: a guest that rewrites its tables between the
    /// two copies gets an error, not names from a table that no longer checks out.
    @Test(arguments: KallsymsLayout.allCases)
    func namesChangedBetweenTheCopiesAreCheckedAgain(layout: KallsymsLayout) throws {
        let image = try Self.image(layout)
        let located = try image.withUnsafeBytes { try KallsymsFinder.locate(in: $0) }
        let span = located.namesSpan
        var names = Self.copy(image, span)
        // kallsyms_markers[1], which must point at entry 256.
        let marker = located.locations.markers + 4 - span.lowerBound
        names[marker] &+= 1
        #expect {
            _ = try names.withUnsafeBytes { try located.tables(names: KallsymsBytes(raw: $0), from: span.lowerBound) }
        } throws: { error in
            guard case KallsymsError.corruptNames(_, let index, _) = error else { return false }
            return index == 256
        }
    }

    /// `locate` accepts only what `find` accepts: a name that does not check out fails both alike.
    @Test(arguments: KallsymsLayout.allCases)
    func locateChecksEveryNameAsFindDoes(layout: KallsymsLayout) throws {
        var image = try Self.image(layout)
        let located = try image.withUnsafeBytes { try KallsymsFinder.locate(in: $0) }
        // Entry 1's first code becomes a token starting with a control or space character, if the
        // table has one; else a code whose expansion holds no nm type letter first.
        let entry = located.locations.names + Int(image[located.locations.names]) + 1
        let badCode = try #require(located.tokens.tokenStart.indices.first { code in
            let first = image[located.tokens.tokenStart[code]]
            return located.tokens.tokenLength[code] > 0 && !(0x41...0x5A).contains(first) && !(0x61...0x7A).contains(first)
        })
        image[entry + 1] = UInt8(badCode)
        let findError = image.withUnsafeBytes { buffer in Result { try KallsymsFinder.find(in: buffer) } }
        let locateError = image.withUnsafeBytes { buffer in Result { try KallsymsFinder.locate(in: buffer) } }
        guard case .failure(let found) = findError, case .failure(let located) = locateError else {
            Issue.record("a corrupt entry was accepted")
            return
        }
        #expect(String(describing: found) == String(describing: located))
    }
}
