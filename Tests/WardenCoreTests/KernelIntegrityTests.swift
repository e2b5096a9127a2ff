import SyntheticGuest
import Testing
import WardenCore

/// The check of syscall tables and the IDT on generated guests whose layout copies Debian 6.1's.
@Suite struct KernelIntegrityTests {
    @Test func aCleanGuestHasZeroDifferencesAndEveryStructureIsCovered() throws {
        let report = try IntegrityGuest().check()
        #expect(report.isClean, "\(report.renderText())")
        #expect(report.differences.isEmpty)
        #expect(report.result("sys_call_table")?.outcome == .checked(entries: 451, note: "451 entries, then 29 zero quadwords of alignment padding"))
        #expect(report.result("ia32_sys_call_table")?.outcome == .checked(entries: 451, note: "451 entries, then 29 zero quadwords of alignment padding"))
        #expect(report.result("x32_sys_call_table")?.outcome == .absent)
        #expect(
            report.result("idt_table")?.outcome
                == .checked(entries: 256, note: "256 present gates of 256; interrupt stubs every 8 bytes, system vectors from 0xec"))
        #expect(report.result("IDTR")?.outcome == .checked(entries: 4, note: "4 vCPUs"))
        #expect(report.renderText().hasSuffix("integrity: clean (0 differences)\n"))
    }

    @Test func aSyscallEntryHookedIntoTheModuleAreaIsNamedWithItsIndexAndExpectation() throws {
        let guest = try IntegrityGuest()
        try guest.hookSyscall("sys_call_table", 59, to: 0xFFFF_FFFF_C0A0_1000)
        let report = guest.check()
        let difference = try #require(report.differences.only)
        #expect(difference.structure == "sys_call_table")
        #expect(difference.index == 59)
        #expect(difference.entryOffset == 59 * 8)
        #expect(difference.entryPhysical == guest.guest.physicalAddress(ofKernelVirtual: try guest.address("sys_call_table") + 59 * 8))
        #expect(difference.found == .pointer(0xFFFF_FFFF_C0A0_1000, .moduleArea))
        #expect(difference.expected.contains("__x64_sys_*"))
        #expect(!report.isClean)
        #expect(
            difference.description
                == "sys_call_table[59] at sys_call_table+0x1d8: found 0xffffffffc0a01000 (module area, outside the kernel image); "
                + "expected the start of a __x64_sys_* function (or sys_ni_syscall) in the kernel image")
        #expect(report.renderText().contains("sys_call_table: 451 entries, then 29 zero quadwords of alignment padding: 1 difference\n"))
        #expect(report.verdict == "integrity: NOT CLEAN: 1 difference")
    }

    @Test func anEntryIntoTheMiddleOfAFunctionOrAnotherTablesFamilyIsADifference() throws {
        let guest = try IntegrityGuest()
        let read = try guest.address("__x64_sys_call_0")
        try guest.hookSyscall("sys_call_table", 0, to: read + 0x10)
        try guest.hookSyscall("sys_call_table", 1, to: try guest.address("__ia32_sys_call_1"))
        try guest.hookSyscall("ia32_sys_call_table", 2, to: try guest.address("__x64_sys_call_2"))
        let differences = guest.check().differences
        #expect(differences.map(\.structure) == ["sys_call_table", "sys_call_table", "ia32_sys_call_table"])
        #expect(differences.map(\.index) == [0, 1, 2])
        #expect(differences[0].found == .pointer(read + 0x10, .kernelImage(SymbolPlace(symbol: "__x64_sys_call_0", offset: 0x10))))
        #expect(differences[1].found.description.hasSuffix("(__ia32_sys_call_1+0x0)"))
        #expect(differences[2].expected.contains("__ia32_sys_* or __ia32_compat_sys_*"))
    }

    @Test func aZeroedEntryBeforeTheLastRealOneIsADifferenceNotPadding() throws {
        let guest = try IntegrityGuest()
        try guest.hookSyscall("sys_call_table", 200, to: 0)
        let difference = try #require(guest.check().differences.only)
        #expect(difference.index == 200)
        #expect(difference.found == .pointer(0, .outsideKernelImage))
    }

    @Test func aHookedIDTGateNamesTheVectorWhatItReachesAndTheKernelsEntry() throws {
        let guest = try IntegrityGuest()
        let hook = try guest.address("synthetic_function_5") + 0x20
        try guest.hookGate(14, to: hook)
        let difference = try #require(guest.check().differences.only)
        #expect(difference.structure == "idt_table")
        #expect(difference.index == 14)
        #expect(difference.entryOffset == 14 * 16)
        #expect(difference.found == .pointer(hook, .kernelImage(SymbolPlace(symbol: "synthetic_function_5", offset: 0x20))))
        #expect(difference.expected == "asm_exc_page_fault+0x0 or early_idt_handler_array+0x7e")
        #expect(difference.description.hasPrefix("idt_table[vector 0xe] at idt_table+0xe0: found "))
    }

    @Test func interruptGatesMustReachTheirOwnStubOrASystemEntry() throws {
        let guest = try IntegrityGuest()
        let stubs = try guest.address("irq_entries_start")
        try guest.hookGate(0x41, to: stubs + 8 * (0x42 - 0x20))
        try guest.hookGate(0x42, to: 0xFFFF_FFFF_C000_2000)
        try guest.hookGate(0x43, to: try guest.address("asm_sysvec_reschedule_ipi"))
        try guest.hookGate(0xF0, to: try guest.address("asm_exc_int3"))
        let differences = guest.check().differences
        #expect(differences.map(\.index) == [0x41, 0x42, 0xF0])
        #expect(differences[0].expected.hasPrefix("irq_entries_start+0x108 or the start of an asm_sysvec_* entry"))
        #expect(differences[1].found == .pointer(0xFFFF_FFFF_C000_2000, .moduleArea))
        #expect(differences[2].expected.hasPrefix("spurious_entries_start+0x20"))
    }

    @Test func gateAttributesTheKernelNeverSetsAreDifferences() throws {
        let guest = try IntegrityGuest()
        let pageFault = try guest.address("asm_exc_page_fault")
        try guest.hookGate(14, to: pageFault, privilegeLevel: 3)
        try guest.hookGate(13, to: try guest.address("asm_exc_general_protection"), selector: 0x33)
        try guest.hookGate(3, to: try guest.address("asm_exc_int3"), privilegeLevel: 3)
        let differences = guest.check().differences
        #expect(differences.map(\.index) == [13, 14])
        #expect(differences[0].found == .attributes("selector 0x33"))
        #expect(differences[1].found == .attributes("DPL 3"))
        #expect(differences[1].expected.hasPrefix("DPL 0"))
    }

    @Test func anIDTRegisterPointingAwayFromIdtTableIsADifferencePerVCPU() throws {
        let guest = try IntegrityGuest()
        var registers = guest.guest.vcpuRegisters()
        registers[2].idtrBase = SyntheticGuest.directMapBase + 0x30_0000
        registers[3].idtrBase = 0xFFFF_C900_0000_0000
        let differences = guest.check(registers: registers).differences
        #expect(differences.map(\.index) == [2, 3])
        #expect(differences.map(\.structure) == ["IDTR", "IDTR"])
        #expect(differences[0].found == .attributes("base 0xffff888000300000, which reaches guest-physical 0x300000"))
        #expect(differences[1].found == .attributes("base 0xffffc90000000000, which is not mapped"))
        #expect(differences[0].description.hasPrefix("IDTR of vCPU 2 at 0xffff888000300000: found base"))
    }

    @Test func aSourceWithoutTheIDTRegisterLeavesItUncheckedButClean() throws {
        let guest = try IntegrityGuest()
        let registers = guest.guest.vcpuRegisters().map { vcpu in
            var vcpu = vcpu
            vcpu.idtrBase = 0
            return vcpu
        }
        let report = guest.check(registers: registers)
        #expect(report.result("IDTR")?.outcome == .unavailable("the guest source does not report the IDT register"))
        #expect(report.isClean)
    }
}

extension Array {
    /// The single element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
