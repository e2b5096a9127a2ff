import ElfReader
import Foundation
import GuestSources
import Testing
import WardenCore

@Suite struct ElfCoreDumpTests {
    static func pattern(_ seed: UInt8, count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0) &+ seed } }

    static func twoCPUCore() -> SyntheticCore {
        var core = SyntheticCore()
        // Listed out of physical order; the second continues the first's range physically.
        core.loads = [
            .init(physical: 0x1_0000_0000, bytes: pattern(0x40, count: 0x1000)),
            .init(physical: 0x1000, bytes: pattern(1, count: 0x1000)),
            .init(physical: 0x2000, bytes: pattern(0x80, count: 0x800)),
        ]
        core.notes = [
            .init(name: "CORE", type: 1, descriptor: SyntheticCore.prstatus(pid: 1, rip: 0xffff_ffff_8100_0010)),
            .init(name: "CORE", type: 1, descriptor: SyntheticCore.prstatus(pid: 2, rip: 0xffff_ffff_8100_0020)),
            .init(name: "QEMU", type: 0, descriptor: SyntheticCore.qemuCPUState(
                rip: 0xffff_ffff_8100_0010, cr0: 0x8005_0033, cr3: 0x2a0_e000, cr4: 0x35_0ef0,
                idtBase: 0xffff_fe00_0000_0000, gsBase: 0xffff_8880_7dc0_0000, kernelGSBase: 0x7f00_1234)),
            .init(name: "QEMU", type: 0, descriptor: SyntheticCore.qemuCPUState(
                rip: 0xffff_ffff_8100_0020, cr0: 0x8005_0033, cr3: 0x2a0_f000, cr4: 0x35_0ef0,
                idtBase: 0xffff_fe00_0000_0000, gsBase: 0xffff_8880_7dd0_0000, kernelGSBase: nil)),
        ]
        return core
    }

    func open(_ core: SyntheticCore) throws -> (ElfCoreDump, String) {
        let path = try core.write()
        do { return (try ElfCoreDump(path: path), path) } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    func expectCoreError(_ core: SyntheticCore, _ check: (ElfCoreError, String) -> Bool) throws {
        let path = try core.write()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ElfCoreDump(path: path)
            Issue.record("hostile core was accepted")
        } catch {
            #expect(check(error, path), "unexpected error: \(error)")
            #expect(error.description.contains(path), "message must name the file: \(error)")
        }
    }

    @Test func ramRangesMergeAdjacentSegmentsAndReadsSpanThem() throws {
        let (dump, path) = try open(Self.twoCPUCore())
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(dump.memory.ramRanges == [
            PhysicalRange(start: 0x1000, end: 0x2800), PhysicalRange(start: 0x1_0000_0000, end: 0x1_0000_1000),
        ])
        let spanning = try dump.memory.readBytes(physical: 0x1ffc, count: 8)
        #expect(spanning == Array(Self.pattern(1, count: 0x1000)[0xffc...]) + Array(Self.pattern(0x80, count: 4)))
        #expect(try dump.memory.readBytes(physical: 0x1_0000_0010, count: 2) == [0x50, 0x51])
        #expect(dump.memory.sourceDescription.contains(path))
    }

    @Test func readsIntoGapsOrPastTheEndAreUnbacked() throws {
        let (dump, path) = try open(Self.twoCPUCore())
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: GuestMemoryError.unbacked(physical: 0x27fc, length: 8)) {
            try dump.memory.readBytes(physical: 0x27fc, count: 8)
        }
        #expect(throws: GuestMemoryError.unbacked(physical: 0, length: 16)) {
            try dump.memory.readBytes(physical: 0, count: 16)
        }
        #expect(throws: GuestMemoryError.unbacked(physical: UInt64.max - 3, length: 8)) {
            try dump.memory.readBytes(physical: UInt64.max - 3, count: 8)
        }
    }

    @Test func registersComeFromQemuNotesPerVCPU() throws {
        let (dump, path) = try open(Self.twoCPUCore())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let registers = try dump.vcpuRegisters()
        #expect(registers.count == 2)
        #expect(registers[0] == VCPURegisters(
            vcpu: 0, cr0: 0x8005_0033, cr3: 0x2a0_e000, cr4: 0x35_0ef0, efer: 0, rip: 0xffff_ffff_8100_0010,
            idtrBase: 0xffff_fe00_0000_0000, gsBase: 0xffff_8880_7dc0_0000, kernelGSBase: 0x7f00_1234))
        #expect(registers[1].cr3 == 0x2a0_f000)
        #expect(registers[1].kernelGSBase == 0, "a 432-byte note has no kernel_gs_base")
        let statuses = dump.core.processStatuses()
        #expect(statuses.map(\.pid) == [1, 2])
        #expect(statuses.map(\.rip) == [0xffff_ffff_8100_0010, 0xffff_ffff_8100_0020])
    }

    @Test func coreWithoutQemuNotesCannotGiveRegisters() throws {
        var core = Self.twoCPUCore()
        core.notes.removeAll { $0.name == "QEMU" }
        let (dump, path) = try open(core)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ElfCoreError.noCPUState(path: path)) { try dump.vcpuRegisters() }
    }

    @Test func unknownCPUStateVersionIsRejected() throws {
        var core = Self.twoCPUCore()
        core.notes[2].descriptor = SyntheticCore.qemuCPUState(
            rip: 0, cr0: 0, cr3: 0, cr4: 0, idtBase: 0, gsBase: 0, kernelGSBase: 0, version: 2)
        let (dump, path) = try open(core)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try dump.vcpuRegisters()
            Issue.record("version 2 accepted")
        } catch let error as ElfCoreError {
            guard case .badCPUState(path, 0, let problem) = error else { throw error }
            #expect(problem.contains("version 2"))
        }
    }

    @Test func segmentBeyondFileEndIsATruncatedFile() throws {
        var core = Self.twoCPUCore()
        core.loads[2].claimedSize = 0x10_0000
        try expectCoreError(core) { error, path in
            guard case .layout(path, .beyondFile) = error else { return false }
            return error.description.contains("truncated")
        }
    }

    @Test func overlappingSegmentsAreRejectedWithAPagingHint() throws {
        var core = Self.twoCPUCore()
        core.loads.append(.init(physical: 0x1800, bytes: [UInt8](repeating: 0, count: 0x1000)))
        try expectCoreError(core) { error, path in
            guard case .layout(path, .overlap) = error else { return false }
            return error.description.contains("paging=false")
        }
    }

    @Test func hugeProgramHeaderCountsAreRejected() throws {
        var core = Self.twoCPUCore()
        core.programHeaderCount = 0xfff0
        try expectCoreError(core) { error, path in
            guard case .malformed(path, let field, _) = error else { return false }
            return field == "program header table"
        }
        core.programHeaderCount = 0xffff
        core.extendedCount = 0xffff_fff0
        try expectCoreError(core) { error, path in
            guard case .malformed(path, _, let problem) = error else { return false }
            return problem.contains("more than")
        }
    }

    @Test func extendedProgramHeaderCountIsHonoured() throws {
        var core = Self.twoCPUCore()
        core.programHeaderCount = 0xffff
        core.extendedCount = 4
        let (dump, path) = try open(core)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(dump.memory.ramRanges.count == 2)
    }

    @Test func truncatedOrLyingNotesAreRejected() throws {
        var core = Self.twoCPUCore()
        core.notes[3].claimedSize = 0x8000
        try expectCoreError(core) { error, path in
            guard case .malformedNote(path, _, let problem) = error else { return false }
            return problem.contains("remain")
        }
        core = Self.twoCPUCore()
        core.notes[0].claimedSize = 0x7fff_ffff
        try expectCoreError(core) { error, path in
            guard case .malformedNote(path, _, _) = error else { return false }
            return true
        }
        core = Self.twoCPUCore()
        core.noteOffset = 0xffff_ffff_ffff_0000
        try expectCoreError(core) { error, path in
            guard case .malformed(path, let field, _) = error else { return false }
            return field.hasPrefix("PT_NOTE")
        }
    }

    @Test func everyTruncationOfACoreFailsCleanly() throws {
        let bytes = Self.twoCPUCore().build()
        let path = NSTemporaryDirectory() + "warden-cut-\(UUID().uuidString).core"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Cut inside the header, the program headers, the notes and the RAM data.
        for length in [0, 10, 63, 100, 300, 700, bytes.count - 1] {
            try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: path))
            #expect(throws: ElfCoreError.self, "cut at \(length)") { try ElfCoreDump(path: path) }
        }
    }

    @Test func wrongKindsOfFilesAreNamed() throws {
        var core = Self.twoCPUCore()
        core.elfClass = 1
        try expectCoreError(core) { error, _ in error.description.contains("ELF32") }
        core = Self.twoCPUCore()
        core.fileType = 2
        try expectCoreError(core) { error, _ in error.description.contains("ET_CORE") }
        core = Self.twoCPUCore()
        core.machine = 183
        try expectCoreError(core) { error, _ in error.description.contains("e_machine is 183") }
        #expect(throws: ElfCoreError.unreadable(path: "/nonexistent.core", reason: "No such file or directory")) {
            try ElfCoreDump(path: "/nonexistent.core")
        }
    }

    @Test func coreWithoutLoadSegmentsHoldsNoMemory() throws {
        var core = Self.twoCPUCore()
        core.loads = []
        try expectCoreError(core) { error, path in error == .noMemory(path: path) }
    }
}
