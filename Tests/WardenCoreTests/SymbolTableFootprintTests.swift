import TestSupport
import Testing
import WardenCore

/// The controller has about 9 MB beyond its executable, so the symbol table of a real kernel
/// (94,000-163,000 symbols) must stay within 60 bytes a symbol, names and lookup indexes included.
@Suite struct SymbolTableFootprintTests {
    static let budgetPerSymbol = 60

    @Test func aHundredThousandRealisticSymbolsFitTheBudget() {
        var random = SplitMix64(seed: 2024)
        var address: UInt64 = 0xffff_ffff_8100_0000
        let types: [Character] = ["T", "t", "D", "d", "R", "r", "B", "b", "W", "A"]
        let input = (0..<100_000).map { index in
            address += random.next() % 0x200
            return KernelSymbol(
                name: SymbolTableFixtures.realisticName(index, &random), address: address,
                type: types[Int(random.next() % UInt64(types.count))])
        }
        let averageName = Double(input.reduce(0) { $0 + $1.name.utf8.count }) / Double(input.count)
        #expect(averageName >= 20, "names as long as a real kernel's (21.5 bytes on Debian 6.1)")
        let table = SymbolTable(origin: .kernelImage(path: "generated"), symbols: input)
        #expect(table.storageBytes <= Self.budgetPerSymbol * input.count,
            "\(table.storageBytes / input.count) bytes a symbol")
        #expect(table.symbol(named: input[77_777].name) == input[77_777])
    }

    /// The kallsyms decoder builds the table directly: its reservations must not leave slack behind.
    @Test func aDecodedKallsymsTableFitsTheBudget() throws {
        let symbols = KallsymsTestSymbols.kernelLike(count: 20_000, seed: 3)
        let image = try KallsymsRoundTripTests.image(of: symbols, layout: .linux6_1)
        let decoded = try KallsymsRoundTripTests.decode(image)
        let table = SymbolTable(origin: .kernelImage(path: "generated"), symbols: decoded.symbols)
        let nameBytes = symbols.reduce(0) { $0 + $1.name.utf8.count }
        // These names average more than 21.5 bytes; the budget is for the rest.
        let overhead = (table.storageBytes - nameBytes) / table.count
        #expect(overhead <= Self.budgetPerSymbol - 22, "\(overhead) bytes a symbol besides its name")
    }
}
