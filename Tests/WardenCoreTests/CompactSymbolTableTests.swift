import SyntheticGuest
import TestSupport
import Testing
import WardenCore

/// The compact table answers exactly as the `[KernelSymbol]` + dictionary table did.
@Suite struct CompactSymbolTableTests {
    static let base: UInt64 = 0xffff_ffff_8100_0000

    @Test func lookupPrefersKernelOverModuleAndGlobalOverLocalThenFirstInAddressOrder() {
        let table = SymbolTable(
            origin: .procKallsyms(path: "test"),
            symbols: [
                KernelSymbol(name: "dup", address: Self.base + 0x10, type: "T", module: "ext4"),
                KernelSymbol(name: "dup", address: Self.base + 0x20, type: "t"),
                KernelSymbol(name: "dup", address: Self.base + 0x40, type: "T"),
                KernelSymbol(name: "dup", address: Self.base + 0x30, type: "T"),
                KernelSymbol(name: "mod", address: Self.base + 0x10, type: "t", module: "a"),
                KernelSymbol(name: "mod", address: Self.base + 0x20, type: "T", module: "b"),
                KernelSymbol(name: "mod", address: Self.base + 0x30, type: "T", module: "c"),
                KernelSymbol(name: "local", address: Self.base + 0x50, type: "t"),
                KernelSymbol(name: "local", address: Self.base + 0x20, type: "t"),
                KernelSymbol(name: "same", address: Self.base, type: "D", module: "z"),
                KernelSymbol(name: "same", address: Self.base, type: "D", module: "y"),
            ])
        #expect(table.symbol(named: "dup")?.address == Self.base + 0x30)
        #expect(table.symbol(named: "mod")?.module == "b")
        #expect(table.symbol(named: "local")?.address == Self.base + 0x20)
        // Equal address and name: input order decides, as the stable sort always did.
        #expect(table.symbol(named: "same")?.module == "z")
    }

    @Test func absentNamesAreNotFound() {
        let table = SymbolTable(
            origin: .systemMap(path: "test"),
            symbols: ["sys_call_table", "sys_call", "commit_creds", "b", "zz"].enumerated().map {
                KernelSymbol(name: $1, address: Self.base + UInt64($0) * 8, type: "T")
            })
        for name in ["", "s", "sys", "sys_call_", "sys_call_tablex", "ys_call_table", "sys_call_tabl", "a", "c", "z",
            "zzz", "commit_cred", "Commit_creds", "sys_call_table\0", "\u{10FFFF}"]
        {
            #expect(table.symbol(named: name) == nil, "\(name.debugDescription) found")
        }
        for name in ["sys_call_table", "sys_call", "commit_creds", "b", "zz"] {
            #expect(table.symbol(named: name)?.name == name)
        }
        #expect(SymbolTable(origin: .systemMap(path: "empty"), symbols: []).symbol(named: "") == nil)
    }

    @Test func nonASCIINamesRoundTripAndAreLookedUpByTheirBytes() {
        let names = ["café", "naïve_ü", "x🙂", "日本語_symbol", "ÿ"]
        let table = SymbolTable(
            origin: .systemMap(path: "test"),
            symbols: names.enumerated().map { KernelSymbol(name: $1, address: Self.base + UInt64($0), type: "t") })
        #expect(table.symbols.map(\.name) == names)
        for name in names { #expect(table.symbol(named: name)?.name == name) }
        #expect(table.symbol(named: "cafe") == nil)
        #expect(table.symbol(named: "x") == nil)
        // The kernel compares names as bytes; a decomposed é is another name.
        #expect(table.symbol(named: "cafe\u{301}") == nil)
        #expect(table.systemMapText().contains("ffffffff81000003 t 日本語_symbol\n"))
    }

    @Test(arguments: [1 as UInt64, 2, 3, 4])
    func randomTablesAgreeWithTheReference(seed: UInt64) {
        let input = SymbolTableFixtures.collisionProne(count: 400 + Int(seed) * 300, seed: seed)
        let table = SymbolTable(origin: .procKallsyms(path: "random"), symbols: input)
        let reference = ReferenceSymbolTable(input)
        #expect(Array(table.symbols) == reference.symbols)
        #expect(table.symbols == SymbolList(reference.symbols))
        for name in Set(input.map(\.name)).union(["", "ca", "zz", "helpe"]) {
            #expect(table.symbol(named: name) == reference.symbol(named: name), "\(name)")
        }
        var random = SplitMix64(seed: seed)
        var probes: [UInt64] = [0, 1, .max, Self.base - 1]
        for symbol in input { probes += [symbol.address &- 1, symbol.address, symbol.address &+ 1] }
        for _ in 0..<200 { probes.append(Self.base &+ random.next() % 0x500 &- 0x40) }
        for address in probes {
            #expect(table.nextKernelAddress(after: address) == reference.nextKernelAddress(after: address))
            let hit = table.kernelSymbol(containing: address)
            let expected = reference.kernelSymbol(containing: address)
            #expect(hit?.symbol == expected?.symbol && hit?.offset == expected?.offset, "at \(address)")
        }
        #expect(table.systemMapText() == reference.systemMapText())
        #expect(table.knowsSizes == input.contains { $0.size != nil })
    }

    @Test func kernelOnlyTablesAgreeWithTheReference() {
        let input = KallsymsTestSymbols.kernelLike(count: 2000, seed: 11)
        let table = SymbolTable(origin: .kernelImage(path: "test"), symbols: input)
        let reference = ReferenceSymbolTable(input)
        #expect(Array(table.symbols) == reference.symbols)
        for address in input.map(\.address) + [0, .max] {
            #expect(table.nextKernelAddress(after: address) == reference.nextKernelAddress(after: address))
            #expect(table.kernelSymbol(containing: address &+ 3)?.symbol == reference.kernelSymbol(containing: address &+ 3)?.symbol)
        }
        for symbol in input { #expect(table.symbol(named: symbol.name) == reference.symbol(named: symbol.name)) }
        #expect(table.systemMapText() == reference.systemMapText())
        #expect(!table.knowsSizes)
    }

    @Test func sizesAreKeptPerSymbolOnlyWhenTheSourceHasThem() {
        // The first symbol has a size, one in the middle has none; more than 64 symbols.
        let input = (0..<150).map { index in
            KernelSymbol(name: "s\(index)", address: Self.base + UInt64(index) * 0x10, type: "T",
                size: index == 70 ? nil : UInt64(index) + 1)
        }
        let table = SymbolTable(origin: .elfSymbolTable(path: "test"), symbols: input)
        #expect(table.knowsSizes)
        #expect(Array(table.symbols) == input)
        let late = SymbolTable(origin: .elfSymbolTable(path: "test"), symbols: [
            KernelSymbol(name: "a", address: 1, type: "t"),
            KernelSymbol(name: "b", address: 2, type: "t", size: 0),
        ])
        #expect(late.symbol(named: "a")?.size == nil)
        #expect(late.symbol(named: "b")?.size == 0)
    }

    /// kallsyms orders symbols at one address its own way; the table sorts them by name in place,
    /// while `KallsymsTables.symbols` keeps the kernel's table order (`kallsyms_seqs_of_names` indexes it).
    @Test(arguments: KallsymsLayout.allCases)
    func symbolsAtOneAddressKeepTableOrderInKallsymsAndNameOrderInTheTable(layout: KallsymsLayout) throws {
        let text = KallsymsTestSymbols.text
        let input = [
            KernelSymbol(name: "_text", address: text, type: "T"),
            KernelSymbol(name: "zeta", address: text + 0x10, type: "T"),
            KernelSymbol(name: "alpha_with_a_longer_name", address: text + 0x10, type: "t"),
            KernelSymbol(name: "mid", address: text + 0x10, type: "W"),
            KernelSymbol(name: "beta", address: text + 0x20, type: "T"),
            KernelSymbol(name: "b", address: text + 0x30, type: "T"),
            KernelSymbol(name: "a", address: text + 0x30, type: "T"),
        ]
        let image = KallsymsRoundTripTests.image(try KallsymsEncoder(layout: layout).encode(symbols: input, relativeBase: text))
        let decoded = try KallsymsRoundTripTests.decode(image)
        #expect(Array(decoded.symbols) == input)
        let table = SymbolTable(origin: .kernelImage(path: "test"), symbols: decoded.symbols)
        #expect(table.symbols.map(\.name) == ["_text", "alpha_with_a_longer_name", "mid", "zeta", "beta", "a", "b"])
        #expect(Array(table.symbols) == ReferenceSymbolTable(input).symbols)
        #expect(table.symbol(named: "mid")?.type == "W")
        #expect(table.kernelSymbol(containing: text + 0x18)?.symbol.name == "zeta")
        #expect(table.systemMapText() == ReferenceSymbolTable(input).systemMapText())
    }

    @Test func kallsymsTablesGoStraightToTheCompactTable() throws {
        let symbols = KallsymsTestSymbols.kernelLike(count: 3000, seed: 5)
        let image = try KallsymsRoundTripTests.image(of: symbols, layout: .linux6_12)
        let decoded = try KallsymsRoundTripTests.decode(image)
        let table = SymbolTable(origin: .kernelImage(path: "test"), symbols: decoded.symbols)
        let reference = ReferenceSymbolTable(Array(decoded.symbols))
        #expect(Array(table.symbols) == reference.symbols)
        #expect(table.systemMapText() == reference.systemMapText())
        for symbol in symbols { #expect(table.symbol(named: symbol.name) == reference.symbol(named: symbol.name)) }
    }
}
