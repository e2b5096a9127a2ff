import Testing
import WardenCore

@Suite struct SymbolTableTests {
    let table = SymbolTable(
        origin: .systemMap(path: "test"),
        symbols: [
            KernelSymbol(name: "sys_call_table", address: 0xffff_ffff_8220_0300, type: "R"),
            KernelSymbol(name: "_text", address: 0xffff_ffff_8100_0000, type: "T"),
            KernelSymbol(name: "helper", address: 0xffff_ffff_8100_1000, type: "t"),
            KernelSymbol(name: "helper", address: 0xffff_ffff_c000_1000, type: "T", module: "ext4"),
            KernelSymbol(name: "helper", address: 0xffff_ffff_8100_2000, type: "T"),
        ])

    @Test func lookupPrefersGlobalKernelSymbols() {
        #expect(table.symbol(named: "helper")?.address == 0xffff_ffff_8100_2000)
        #expect(table.symbol(named: "missing") == nil)
    }

    @Test func nextKernelAddressIgnoresModules() {
        #expect(table.nextKernelAddress(after: 0xffff_ffff_8100_2000) == 0xffff_ffff_8220_0300)
        #expect(table.nextKernelAddress(after: 0xffff_ffff_8220_0300) == nil)
    }

    /// A link-time table moved to a running kernel: kernel symbols move, module symbols (already at
    /// running addresses) and absolute per-CPU offsets do not; lookups follow.
    @Test func slidTableMovesOnlyTheKernelsOwnRelocatableSymbols() throws {
        let percpu = KernelSymbol(name: "fixed_percpu_data", address: 0, type: "A")
        let linkTime = SymbolTable(origin: table.origin, symbols: Array(table.symbols) + [percpu])
        let slid = linkTime.slid(by: 0x1e0_0000)
        #expect(slid.origin == table.origin)
        #expect(slid.symbol(named: "_text")?.address == 0xffff_ffff_82e0_0000)
        #expect(slid.symbols.first { $0.module == "ext4" }?.address == 0xffff_ffff_c000_1000)
        #expect(slid.symbol(named: "fixed_percpu_data")?.address == 0)
        #expect(try #require(slid.kernelSymbol(containing: 0xffff_ffff_82e0_1010)).symbol.name == "helper")
        #expect(Array(linkTime.slid(by: 0).symbols) == Array(linkTime.symbols))
    }

    @Test func containingSymbolGivesOffset() throws {
        let hit = try #require(table.kernelSymbol(containing: 0xffff_ffff_8100_1010))
        #expect(hit.symbol.name == "helper")
        #expect(hit.offset == 0x10)
        #expect(table.kernelSymbol(containing: 0x1000) == nil)
    }

    /// Found on real Xen: a write from a module was reported as `__init_scratch_end+998248514`.
    @Test func addressesPastTheKernelImageAreNotNamedAfterItsLastSymbol() {
        #expect(table.kernelSymbol(containing: 0xffff_ffff_8220_0300) == nil)
        #expect(table.kernelSymbol(containing: 0xffff_ffff_c000_1042) == nil)
        #expect(table.kernelSymbol(containing: 0xffff_ffff_8220_02ff)?.symbol.name != nil)
    }

    @Test func systemMapTextIsZeroPaddedAndSorted() {
        let lines = table.systemMapText().split(separator: "\n")
        #expect(lines.first == "ffffffff81000000 T _text")
        #expect(lines.last == "ffffffffc0001000 T helper\t[ext4]")
    }
}
