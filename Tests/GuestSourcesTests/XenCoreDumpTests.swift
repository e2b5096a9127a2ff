import ElfReader
import Foundation
import GuestSources
import SyntheticGuest
import Testing
import TestSupport
import WardenCore

/// Xen `xl dump-core` files of HVM/PVH guests, written by `XenDumpCoreWriter` in Xen 4.17's layout.
@Suite struct XenCoreDumpTests {
    static let policy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("policies/linux-kernel-core.yaml").path

    static func temporaryPath(_ kind: String) -> String {
        NSTemporaryDirectory() + "warden-\(kind)-\(UUID().uuidString).core"
    }

    /// A small generated guest: 32 MiB, two vCPUs, vCPU 0 caught on a PTI user CR3.
    static func smallGuest() throws -> SyntheticGuest {
        var configuration = SyntheticGuest.Configuration()
        configuration.ramSize = 32 << 20
        configuration.physicalBase = 0x0120_0000
        configuration.vcpuCount = 2
        configuration.ptiUserCR3 = true
        return try SyntheticGuest(configuration)
    }

    /// The plan with the guest's name blanked: symbol sources and warnings name the file read.
    static func plan(_ source: any GuestSource, _ targets: [ProtectedTarget]) throws -> ProtectionPlan {
        let kernel = try GuestKernel.read(memory: source.memory, registers: source.vcpuRegisters())
        var plan = try kernel.plan(targets, in: source.memory)
        let name = source.memory.sourceDescription
        for index in plan.targets.indices { plan.targets[index].symbolSource = "" }
        plan.warnings = plan.warnings.map { $0.replacingOccurrences(of: name, with: "GUEST") }
        return plan
    }

    @Test func planningFromAXenDumpEqualsPlanningFromAQemuDumpOfTheSameGuest() throws {
        let guest = try Self.smallGuest()
        let xenPath = Self.temporaryPath("xen")
        let qemuPath = Self.temporaryPath("qemu")
        defer {
            try? FileManager.default.removeItem(atPath: xenPath)
            try? FileManager.default.removeItem(atPath: qemuPath)
        }
        try XenDumpCoreWriter(guest: guest).write(to: xenPath)
        try Data(SyntheticCore(guest: guest).build()).write(to: URL(fileURLWithPath: qemuPath))

        let xen = try GuestCore.open(path: xenPath)
        let qemu = try GuestCore.open(path: qemuPath)
        #expect(xen is XenCoreDump, "a core without program headers but with .note.Xen is Xen's")
        #expect(qemu is ElfCoreDump)
        let targets = try PolicySet.load(paths: [Self.policy]).targets
        let fromXen = try Self.plan(xen, targets)
        #expect(fromXen == (try Self.plan(qemu, targets)))
        #expect(fromXen == (try Self.plan(guest, targets)))
        #expect(fromXen.targets.count + fromXen.warnings.count == targets.count)
        #expect(fromXen.targets.contains { $0.target.extent.description == "sys_call_table" })
    }

    @Test func memoryIsEveryDumpedFrameAtItsGuestPhysicalAddress() throws {
        let guest = try Self.smallGuest()
        let path = Self.temporaryPath("xen")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try XenDumpCoreWriter(guest: guest).write(to: path)
        let dump = try XenCoreDump(path: path)
        // Xen leaves out the VGA hole (pfns 0xa0-0xbf); the guest's own hole is not RAM either.
        #expect(dump.memory.ramRanges == [
            PhysicalRange(start: 0, end: 0xa_0000), PhysicalRange(start: 0xc_0000, end: 0x100_0000),
            PhysicalRange(start: 0x110_0000, end: 0x200_0000),
        ])
        #expect(dump.memory.sourceDescription == "Xen dump-core \(path)")
        let text = guest.physicalAddress(ofKernelVirtual: guest.textBase)
        let across = try dump.memory.readBytes(physical: text + 0xffc, count: 64)
        #expect(across == (try guest.memory.readBytes(physical: text + 0xffc, count: 64)))
        #expect(throws: GuestMemoryError.unbacked(physical: 0x9_fff8, length: 16)) {
            try dump.memory.readBytes(physical: 0x9_fff8, count: 16)
        }
        let header = dump.core.header
        #expect(header.magic == XenDumpHeader.magicHVM && header.vcpuCount == 2 && header.pageSize == 4096)
        #expect(header.pageCount == UInt64(XenDumpCoreWriter.framesXenDumps(guest.memory.ramRanges).count))
        #expect(header.formatVersion == 1)
    }

    @Test func registersComeFromTheOnlineContextsWithGSBasesUnswapped() throws {
        let memory = SyntheticMemory(size: 0x4000)
        let kernelMode = VCPURegisters(
            vcpu: 0, cr0: 0x8005_0033, cr3: 0x1_2000 | 1, cr4: 0x3_00a0, rip: 0xffff_ffff_8100_0010,
            gsBase: 0xffff_8880_7dc0_0000, kernelGSBase: 0x7f00_1234)
        let userMode = VCPURegisters(
            vcpu: 1, cr0: 0x8005_0033, cr3: 0x1_3000, cr4: 0x3_00a0, rip: 0x7f00_0000_1000,
            gsBase: 0x7f00_5678, kernelGSBase: 0xffff_8880_7dd0_0000)
        let writer = XenDumpCoreWriter(
            memory: memory, pfns: [0, 1, 2, 3],
            contexts: [
                XenDumpCoreWriter.context(kernelMode), XenDumpCoreWriter.context(userMode, cs: 0x33),
                XenDumpCoreWriter.context(kernelMode, online: false),
            ])
        let path = Self.temporaryPath("xen")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let dump = try XenCoreDump(path: path)
        #expect(dump.core.contexts.count == 3)
        #expect(dump.core.contexts.map(\.isOnline) == [true, true, false])
        #expect(dump.core.contexts[1].cs == 0x33)
        #expect(dump.core.contexts[0].controlRegisters[2] == 0x7f00_0000, "CR2 is ctrlreg[2]")
        let registers = try dump.vcpuRegisters()
        #expect(registers == [kernelMode, userMode], "the offline third context is skipped")
    }

    /// The decoder's offsets against the installed C header's, through a context built as a C struct.
    @Test func contextsAreTheSizeOfTheCHeadersStructure() {
        #expect(XenVCPUContext.size == XenDumpCoreWriter.contextSize)
        let registers = VCPURegisters(vcpu: 0, cr0: 1, cr3: 2, cr4: 3, rip: 4, gsBase: 5, kernelGSBase: 6)
        let context = XenVCPUContext(bytes: XenDumpCoreWriter.context(registers))
        #expect(context?.registers(vcpu: 0) == registers)
        #expect(XenVCPUContext(bytes: [UInt8](repeating: 0, count: XenVCPUContext.size - 1)) == nil)
    }

    @Test func framesOutOfOrderAndPaddingEntriesAreMappedByTheirPFN() throws {
        let memory = SyntheticMemory(size: 0x10_000)
        for page in 0..<16 {
            try memory.write(physical: UInt64(page) << 12, bytes: [UInt8](repeating: UInt8(page + 1), count: 4096))
        }
        // Padding (~0) is what Xen writes when a live dump found fewer pages than it counted.
        let writer = XenDumpCoreWriter(
            memory: memory, pfns: [7, 3, 4, .max, 9, .max],
            contexts: [XenDumpCoreWriter.context(VCPURegisters(vcpu: 0, cr3: 0, cr4: 0))])
        let path = Self.temporaryPath("xen")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let dump = try XenCoreDump(path: path)
        #expect(dump.memory.ramRanges == [
            PhysicalRange(start: 0x3000, end: 0x5000), PhysicalRange(start: 0x7000, end: 0x8000),
            PhysicalRange(start: 0x9000, end: 0xa000),
        ])
        for pfn: UInt64 in [3, 4, 7, 9] {
            #expect(try dump.memory.readBytes(physical: (pfn << 12) + 100, count: 2) == [UInt8(pfn + 1), UInt8(pfn + 1)])
        }
    }
}
