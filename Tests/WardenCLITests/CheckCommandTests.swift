import Foundation
import SyntheticGuest
import Testing
import TestSupport
import WardenCore

/// `warden check` and the integrity lines of `warden plan`, through the built binary on dumps of
/// the generated guest (Xen `xl dump-core` format), clean and hooked.
@Suite(.serialized) struct CheckCommandTests {
    /// The generated guest, with `hook` applied to its RAM first, dumped as Xen would dump it.
    static func dump(hook: (SyntheticGuest) throws -> Void = { _ in }) throws -> String {
        let guest = try SyntheticGuest()
        try hook(guest)
        let path = NSTemporaryDirectory() + "warden-check-\(UUID().uuidString).core"
        try XenDumpCoreWriter(guest: guest).write(to: path)
        return path
    }

    /// sys_call_table[1] into the middle of another syscall's handler, gate 0x80 into the module area.
    static func hooked(_ guest: SyntheticGuest) throws {
        let table = try #require(guest.symbols.first { $0.name == "sys_call_table" }).address
        let other = try #require(guest.symbols.first { $0.name == "__x64_sys_call_7" }).address
        try guest.ram.writeUInt64(physical: guest.physicalAddress(ofKernelVirtual: table + 8), other + 4)
        let idt = try #require(guest.symbols.first { $0.name == "idt_table" }).address
        try guest.ram.write(
            physical: guest.physicalAddress(ofKernelVirtual: idt + 0x80 * 16),
            bytes: SyntheticInterrupts.gate(to: 0xFFFF_FFFF_C123_4000, privilegeLevel: 3))
    }

    @Test func aCleanGuestChecksCleanWithStatus0() throws {
        let path = try Self.dump()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try BuiltWarden.run(["check", "--memory", path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.hasPrefix("kernel: _text 0x"))
        #expect(result.standardOutput.contains("\nsys_call_table: 451 entries, then 29 zero quadwords of alignment padding: clean\n"))
        #expect(result.standardOutput.contains("\nIDTR: not checked: the guest source does not report the IDT register\n"))
        #expect(result.standardOutput.hasSuffix("\nintegrity: clean (0 differences)\n"))
    }

    @Test func aHookedGuestIsReportedEntryByEntryWithStatus1() throws {
        let path = try Self.dump(hook: Self.hooked)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try BuiltWarden.run(["check", "--memory", path])
        #expect(result.status == 1)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        let differences = lines.filter { $0.hasPrefix("  ") }
        #expect(differences.count == 2)
        #expect(differences.first?.hasPrefix("  sys_call_table[1] at sys_call_table+0x8: found 0x") == true)
        #expect(differences.first?.contains(" (__x64_sys_call_7+0x4); expected the start of a __x64_sys_* function") == true)
        #expect(
            differences.last
                == "  idt_table[vector 0x80] at idt_table+0x800: found 0xffffffffc1234000 (module area, outside the kernel image); "
                + "expected asm_int80_emulation+0x0 or entry_INT80_compat+0x0 or irq_entries_start+0x300 or the start of an asm_sysvec_* entry")
        #expect(lines.last == "integrity: NOT CLEAN: 2 differences")
    }

    @Test func planPrintsTheSameCheckAfterThePlanAndWarnsButSucceeds() throws {
        let path = try Self.dump(hook: Self.hooked)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let policy = BuiltWarden.repository.appendingPathComponent("policies/linux-syscall-tables.yaml").path
        let result = try BuiltWarden.run(["plan", "--memory", path, "--policy", policy])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.contains("\nsummary: "))
        #expect(result.standardOutput.contains("\n  sys_call_table[1] at sys_call_table+0x8: found "))
        #expect(result.standardOutput.hasSuffix("integrity: NOT CLEAN: 2 differences\n"))
        #expect(result.standardError.contains("integrity: NOT CLEAN: 2 differences: warden run would refuse at attach"))
    }

    @Test func checkWithoutAGuestIsAUsageError() throws {
        let result = try BuiltWarden.run(["check"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("name a guest: --memory CORE, --qemu-ram FILE --qmp SOCK, or --domain D"))
    }
}
