import SyntheticGuest
import Testing
import WardenCore

/// Symbol tables and memory a hostile or damaged guest could present: every case ends in a result
/// that says what could not be checked, never a trap, and never in a clean verdict.
@Suite struct KernelIntegrityHostileTests {
    /// The guest's symbols with `name` moved to `address`, and any extra symbols added.
    func symbols(
        _ guest: IntegrityGuest, moving name: String? = nil, to address: UInt64 = 0, removing: Set<String> = [], adding: [KernelSymbol] = []
    ) -> SymbolTable {
        let moved = guest.guest.symbols.filter { !removing.contains($0.name) }.map { symbol in
            var symbol = symbol
            if symbol.name == name { symbol.address = address }
            return symbol
        }
        return SymbolTable(origin: .guestMemory(source: "test"), symbols: moved + adding)
    }

    func reason(_ report: IntegrityReport, _ structure: String) -> String? {
        guard case .notChecked(let reason) = report.result(structure)?.outcome else { return nil }
        return reason
    }

    @Test func aTableWhoseExtentRunsPastMappedMemoryIsNotCheckedAndSaysWhy() throws {
        let guest = try IntegrityGuest()
        // Just below the end of the kernel mapping (`_end` taken away), its extent up to a symbol
        // 14 KiB on runs past it.
        let end = guest.guest.textBase + 12 << 20
        let table = symbols(
            guest, moving: "sys_call_table", to: end - 0x800, removing: ["_end"],
            adding: [KernelSymbol(name: "after_the_table", address: end + 0x3000, type: "d")])
        let report = guest.check(symbols: table)
        let text = try #require(reason(report, "sys_call_table"))
        #expect(text.hasPrefix("sys_call_table (0x\(String(end - 0x800, radix: 16)), 14336 bytes) cannot be read: "))
        #expect(text.contains("is not mapped"))
        #expect(!report.isClean)
        #expect(report.verdict == "integrity: NOT CLEAN: 1 structure not checked")
        #expect(report.renderText().contains("sys_call_table: CANNOT CHECK: "))
    }

    @Test func anImplausiblyLargeOrUnboundedExtentIsRefusedBeforeAnyRead() throws {
        let guest = try IntegrityGuest()
        let last = symbols(guest, moving: "sys_call_table", to: UInt64.max - 7)
        #expect(reason(guest.check(symbols: last), "sys_call_table") == "no kernel symbol follows sys_call_table, so its extent is unknown")
        let spread = symbols(guest, removing: ["ia32_sys_call_table", "vdso_mapping"])
        let text = try #require(reason(guest.check(symbols: spread), "sys_call_table"))
        #expect(text.contains("entries) up to the next symbol; a syscall table has 1 to 4096 entries"))
        let sized = SymbolTable(
            origin: .elfSymbolTable(path: "hostile.elf"),
            symbols: guest.guest.symbols.map { symbol in
                var symbol = symbol
                if symbol.name == "sys_call_table" { symbol.size = UInt64.max - 8 }
                return symbol
            })
        #expect(reason(guest.check(symbols: sized), "sys_call_table")?.contains("a syscall table has 1 to 4096 entries") == true)
    }

    @Test func anUnmappedIDTAndMissingSymbolsAreNotCheckedWithReasons() throws {
        let guest = try IntegrityGuest()
        let unmapped = symbols(guest, moving: "idt_table", to: 0xFFFF_C900_0000_0000)
        let report = guest.check(symbols: unmapped)
        #expect(reason(report, "idt_table")?.hasPrefix("idt_table (0xffffc90000000000, 4096 bytes) cannot be read: ") == true)
        #expect(reason(report, "IDTR")?.hasPrefix("idt_table does not translate: ") == true)
        let missing = guest.check(symbols: symbols(guest, removing: ["sys_call_table", "idt_table"]))
        #expect(reason(missing, "sys_call_table") == "sys_call_table is not in the kernel's symbols")
        #expect(reason(missing, "idt_table") == "idt_table is not in the kernel's symbols")
        #expect(missing.uncheckedReasons.count == 3)
    }

    @Test func gatesPointingAtUnmappedNonCanonicalOrNullAddressesAreDifferencesNotTraps() throws {
        let guest = try IntegrityGuest()
        try guest.hookGate(6, to: 0x0000_8000_0000_0000)
        try guest.hookGate(7, to: 0)
        try guest.hookGate(0x30, to: 0xFFFF_FFFF_FFFF_FFF0)
        try guest.hookSyscall("sys_call_table", 5, to: 0xDEAD_BEEF_DEAD_BEEF)
        let differences = guest.check().differences
        #expect(differences.map(\.index) == [5, 6, 7, 0x30])
        #expect(differences.map(\.found) == [
            .pointer(0xDEAD_BEEF_DEAD_BEEF, .outsideKernelImage), .pointer(0x0000_8000_0000_0000, .outsideKernelImage),
            .pointer(0, .outsideKernelImage), .pointer(0xFFFF_FFFF_FFFF_FFF0, .outsideKernelImage),
        ])
    }

    @Test func withoutMeasurableStubsInterruptGatesCannotMatchAndSaySo() throws {
        let guest = try IntegrityGuest()
        let report = guest.check(symbols: symbols(guest, removing: ["spurious_entries_start"]))
        // The 202 irq stub gates (0x21–0xeb but the int 0x80 entry) and the 13 spurious ones no longer match.
        #expect(report.result("idt_table")?.differences.count == 202 + 13)
        let first = try #require(report.differences.first)
        #expect(first.index == 0x21)
        #expect(
            first.expected == "the start of an asm_sysvec_* entry; the interrupt stubs could not be measured from "
                + "irq_entries_start and spurious_entries_start")
    }
}
