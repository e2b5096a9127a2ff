import ElfReader
import Foundation
import GuestSources
import SyntheticGuest
import Testing
import TestSupport
import WardenCore

/// Damaged and lying `xl dump-core` files: each is refused with an error that names the file and
/// what is wrong, never a trap.
@Suite struct XenCoreHostileTests {
    /// Four pages of RAM listed as frames 0-3 and 8-9, two vCPUs.
    static func smallCore() -> XenDumpCoreWriter {
        let memory = SyntheticMemory(size: 0x10_000)
        let registers = VCPURegisters(vcpu: 0, cr0: 0x8005_0033, cr3: 0x1000, cr4: 0xa0, rip: 0xffff_ffff_8100_0000)
        return XenDumpCoreWriter(
            memory: memory, pfns: [0, 1, 2, 3, 8, 9],
            contexts: [XenDumpCoreWriter.context(registers), XenDumpCoreWriter.context(registers)])
    }

    static func write(_ writer: XenDumpCoreWriter) throws -> String {
        let path = XenCoreDumpTests.temporaryPath("hostile")
        try writer.write(to: path)
        return path
    }

    /// Opens the file through format detection, as `--memory` does, and checks the error it gives.
    func expectRefused(_ path: String, _ check: (ElfCoreError) -> Bool) {
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try GuestCore.open(path: path)
            Issue.record("hostile dump was accepted")
        } catch {
            #expect(check(error), "unexpected error: \(error)")
            #expect(error.description.contains(path), "message must name the file: \(error)")
        }
    }

    func expectRefused(_ writer: XenDumpCoreWriter, _ check: (ElfCoreError) -> Bool) throws {
        expectRefused(try Self.write(writer), check)
    }

    static func problem(_ error: ElfCoreError, in part: String, _ words: String) -> Bool {
        guard case .xenDump(_, let found, let problem) = error else { return false }
        return found == part && problem.contains(words)
    }

    static func unsupported(_ error: ElfCoreError, _ words: String) -> Bool {
        guard case .unsupported(_, let reason) = error else { return false }
        return reason.contains(words)
    }

    /// Overwrites bytes of a written file.
    static func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test func theUntouchedSmallCoreIsAccepted() throws {
        let path = try Self.write(Self.smallCore())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dump = try #require(try GuestCore.open(path: path) as? XenCoreDump)
        #expect(dump.memory.ramRanges == [PhysicalRange(start: 0, end: 0x4000), PhysicalRange(start: 0x8000, end: 0xa000)])
        #expect(try dump.vcpuRegisters().count == 2)
    }

    @Test func everyTruncationFailsCleanly() throws {
        let path = try Self.write(Self.smallCore())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = XenCoreDumpTests.temporaryPath("cut")
        defer { try? FileManager.default.removeItem(atPath: cut) }
        // Inside the ELF header, the section headers, the notes, .xen_prstatus, the pages, .xen_pfn, .shstrtab.
        for length in [0, 40, 100, 500, 700, 2000, 6000, 0x4100, 0x5000, whole.count - 60, whole.count - 1] {
            try whole.prefix(length).write(to: URL(fileURLWithPath: cut))
            #expect(throws: ElfCoreError.self, "cut at \(length)") { try GuestCore.open(path: cut) }
        }
        try whole.prefix(0x5000).write(to: URL(fileURLWithPath: cut))
        do {
            _ = try GuestCore.open(path: cut)
        } catch {
            #expect(error.description.contains("truncated"), "\(error)")
            #expect(error.description.contains(cut))
        }
    }

    @Test func aPageCountThatDisagreesWithTheSectionsIsRefused() throws {
        var writer = Self.smallCore()
        writer.headerPageCount = 7
        try expectRefused(writer) { Self.problem($0, in: ".xen_pages", "says 7 pages") }
        writer = Self.smallCore()
        writer.extraPFNEntries = [10]
        try expectRefused(writer) { Self.problem($0, in: ".xen_pfn", "holds 56 bytes") }
    }

    @Test func hugeCountsAreRefusedWithoutOverflow() throws {
        var writer = Self.smallCore()
        writer.headerPageCount = 1 << 62
        try expectRefused(writer) { Self.problem($0, in: ".xen_pages", "says 4611686018427387904 pages") }
        writer = Self.smallCore()
        writer.headerVCPUCount = UInt64.max / 3
        try expectRefused(writer) { Self.problem($0, in: ".xen_prstatus", "vCPUs need") }
        writer = Self.smallCore()
        writer.headerVCPUCount = 0
        try expectRefused(writer) { Self.problem($0, in: "DUMPCORE_HEADER", "0 vCPUs") }
    }

    @Test func aShortPrstatusIsRefused() throws {
        var writer = Self.smallCore()
        writer.prstatusBytes = XenVCPUContext.size * 2 - 100
        try expectRefused(writer) { Self.problem($0, in: ".xen_prstatus", "holds 10236 bytes") }
        writer.prstatusBytes = XenVCPUContext.size
        try expectRefused(writer) { Self.problem($0, in: ".xen_prstatus", "2 vCPUs need") }
    }

    @Test func repeatedOrImpossibleFramesAreRefused() throws {
        var writer = Self.smallCore()
        writer.pfns = [0, 1, 2, 1, 8, 9]
        try expectRefused(writer) { Self.problem($0, in: ".xen_pfn", "lists pfn 0x1 twice (entries 1 and 3)") }
        writer.pfns = [0, 1, 2, 3, 8, 1 << 45]
        try expectRefused(writer) { Self.problem($0, in: ".xen_pfn", "entry 5 is pfn 0x200000000000") }
        writer.pfns = [UInt64](repeating: .max, count: 6)
        try expectRefused(writer) { Self.problem($0, in: ".xen_pfn", "lists no guest frame") }
    }

    @Test func pvDumpsAndOtherLayoutsAreNamedUnsupported() throws {
        var writer = Self.smallCore()
        writer.magic = XenDumpHeader.magicPV
        try expectRefused(writer) { Self.unsupported($0, "PV guest") }
        writer = Self.smallCore()
        writer.frameTableName = ".xen_p2m"
        try expectRefused(writer) { Self.unsupported($0, ".xen_p2m") }
        writer = Self.smallCore()
        writer.formatVersion = 1 << 32
        try expectRefused(writer) { Self.unsupported($0, "format version 1.0") }
        writer = Self.smallCore()
        writer.pageSize = 8192
        try expectRefused(writer) { Self.unsupported($0, "page size 8192") }
        writer = Self.smallCore()
        writer.machine = 3
        try expectRefused(writer) { Self.unsupported($0, "EM_X86_64") }
        writer = Self.smallCore()
        writer.magic = 0x1234
        try expectRefused(writer) { Self.problem($0, in: "DUMPCORE_HEADER", "magic 0x1234") }
    }

    @Test func missingOrRepeatedSectionsAreNamed() throws {
        var writer = Self.smallCore()
        writer.frameTableName = ".xen_pfx"
        try expectRefused(writer) { Self.problem($0, in: ".xen_pfn", "is missing") }
        writer = Self.smallCore()
        writer.duplicateSection = ".xen_pages"
        try expectRefused(writer) { error in
            guard case .malformed(_, let field, let problem) = error else { return false }
            return field == "section .xen_pages" && problem == "appears 2 times"
        }
        writer = Self.smallCore()
        writer.includeSharedInfo = false
        let path = try Self.write(writer)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try GuestCore.open(path: path) is XenCoreDump, ".xen_shared_info is optional (xg_core.c line 677)")
    }

    @Test func damagedHeadersAndNotesAreRefused() throws {
        // Section 0's type at 64 + 4 is SHT_NULL; e_shstrndx (offset 62) pointing there is no string table.
        var path = try Self.write(Self.smallCore())
        try Self.patch(path, at: 62, [0, 0])
        expectRefused(path) { error in
            guard case .malformed(_, let field, _) = error else { return false }
            return field == "e_shstrndx"
        }
        // Section 2's sh_name (offset 64 + 2 × 64) far past the string table.
        path = try Self.write(Self.smallCore())
        try Self.patch(path, at: 192, [0xff, 0xff, 0, 0])
        expectRefused(path) { error in
            guard case .malformed(_, let field, let problem) = error else { return false }
            return field == "section 2's name" && problem.contains("past the")
        }
        // The DUMPCORE_HEADER note's type (second note, 16 bytes in, at the notes' offset 64 + 7 × 64).
        path = try Self.write(Self.smallCore())
        try Self.patch(path, at: 512 + 16 + 8, [0x09, 0, 0, 2])
        expectRefused(path) { Self.problem($0, in: "the DUMPCORE_HEADER note", "is missing") }
        // A note claiming more bytes than .note.Xen has.
        path = try Self.write(Self.smallCore())
        try Self.patch(path, at: 512 + 16 + 4, [0xff, 0xff, 0, 0])
        expectRefused(path) { error in
            guard case .malformedNote = error else { return false }
            return true
        }
    }

    @Test func aCoreWithNeitherProgramHeadersNorXenNotesIsNamedAsSuch() throws {
        let path = try Self.write(Self.smallCore())
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let name = try #require(data.range(of: Data(".note.Xen".utf8)))
        try Self.patch(path, at: name.lowerBound, Array(".note.Xyz".utf8))
        expectRefused(path) { $0 == .neitherFormat(path: path) }
    }

    @Test func aDumpWithNoOnlineVCPUOpensButHasNoRegisters() throws {
        var writer = Self.smallCore()
        writer.contexts = [XenDumpCoreWriter.context(VCPURegisters(vcpu: 0, cr3: 0x1000, cr4: 0xa0), online: false)]
        let path = try Self.write(writer)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dump = try GuestCore.open(path: path)
        let expected = ElfCoreError.xenDump(path: path, part: ".xen_prstatus", problem: "has no vCPU marked online (VGCF_online)")
        #expect(throws: expected) {
            try dump.vcpuRegisters()
        }
    }
}
