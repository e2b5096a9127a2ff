import Foundation
import WardenCore

/// Writes small x86-64 ELF64 cores shaped like QEMU's dump-guest-memory output, with knobs to
/// make them hostile (lying sizes, counts and offsets).
struct SyntheticCore {
    struct Load {
        var physical: UInt64
        var bytes: [UInt8]
        /// Lies about the segment's file size when set.
        var claimedSize: UInt64? = nil
    }

    struct Note {
        var name: String
        var type: UInt32
        var descriptor: [UInt8]
        /// Lies about the descriptor size when set.
        var claimedSize: UInt32? = nil
    }

    var machine: UInt16 = 62
    var elfClass: UInt8 = 2
    var fileType: UInt16 = 4
    var loads: [Load] = []
    var notes: [Note] = []
    /// Replaces e_phnum (0xffff selects PN_XNUM with `extendedCount` in section header 0).
    var programHeaderCount: UInt16? = nil
    var extendedCount: UInt32 = 0
    /// Moves the PT_NOTE segment's offset when set.
    var noteOffset: UInt64? = nil

    func build() -> [UInt8] {
        let phCount = 1 + loads.count
        let phoff = 64
        var noteBytes: [UInt8] = []
        for note in notes {
            let name = Array(note.name.utf8) + [0]
            noteBytes += le32(UInt32(name.count)) + le32(note.claimedSize ?? UInt32(note.descriptor.count))
            noteBytes += le32(note.type) + padded(name) + padded(note.descriptor)
        }
        let noteStart = phoff + 56 * phCount
        var dataOffset = noteStart + noteBytes.count
        var headers = programHeader(
            type: 4, offset: noteOffset ?? UInt64(noteStart), physical: 0, size: UInt64(noteBytes.count))
        var data: [UInt8] = []
        for load in loads {
            headers += programHeader(
                type: 1, offset: UInt64(dataOffset), physical: load.physical,
                size: load.claimedSize ?? UInt64(load.bytes.count))
            data += load.bytes
            dataOffset += load.bytes.count
        }
        let sectionHeaderOffset = UInt64(dataOffset)
        var file: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, elfClass, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        file += le16(fileType) + le16(machine) + le32(1) + le64(0) + le64(UInt64(phoff))
        file += le64(programHeaderCount == 0xffff ? sectionHeaderOffset : 0) + le32(0)
        file += le16(64) + le16(56) + le16(programHeaderCount ?? UInt16(phCount))
        file += le16(64) + le16(programHeaderCount == 0xffff ? 1 : 0) + le16(0)
        file += headers + noteBytes + data
        if programHeaderCount == 0xffff {
            // Section header 0 carries the real program-header count in sh_info (offset 44).
            file += [UInt8](repeating: 0, count: 44) + le32(extendedCount) + [UInt8](repeating: 0, count: 16)
        }
        return file
    }

    func write() throws -> String {
        let path = NSTemporaryDirectory() + "warden-core-\(UUID().uuidString).core"
        try Data(build()).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func programHeader(type: UInt32, offset: UInt64, physical: UInt64, size: UInt64) -> [UInt8] {
        // p_vaddr is 0 as in QEMU's paging=false dumps; p_paddr carries the guest-physical address.
        le32(type) + le32(4) + le64(offset) + le64(0) + le64(physical) + le64(size) + le64(size) + le64(0)
    }

    private func padded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
    }

    /// A QEMUCPUState descriptor (version 1): 440 bytes with kernel_gs_base, 432 without.
    static func qemuCPUState(
        rip: UInt64, cr0: UInt64, cr3: UInt64, cr4: UInt64, idtBase: UInt64, gsBase: UInt64,
        kernelGSBase: UInt64?, version: UInt32 = 1
    ) -> [UInt8] {
        let size = kernelGSBase == nil ? 432 : 440
        var state = le32(version) + le32(UInt32(size))
        state += (0..<16).flatMap { le64(0x1000 + UInt64($0)) }  // rax … r15
        state += le64(rip) + le64(0x246)
        for segment in 0..<10 {
            // cs, ds, es, fs, gs, ss, ldt, tr, gdt, idt
            let base: UInt64 = segment == 4 ? gsBase : segment == 9 ? idtBase : 0
            state += le32(UInt32(segment * 8)) + le32(0xffff_ffff) + le32(0x00a0_9b00) + le32(0) + le64(base)
        }
        state += le64(cr0) + le64(0) + le64(0x7f00_0000) + le64(cr3) + le64(cr4)
        if let kernelGSBase { state += le64(kernelGSBase) }
        return state
    }

    /// An x86-64 NT_PRSTATUS descriptor (336 bytes) with pid and rip set.
    static func prstatus(pid: UInt32, rip: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 336)
        bytes.replaceSubrange(32..<36, with: le32(pid))
        bytes.replaceSubrange(240..<248, with: le64(rip))
        return bytes
    }
}

func le16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
func le32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
func le64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

extension SyntheticCore {
    /// A QEMU-format core of `guest`: one PT_LOAD per RAM range, and per vCPU the NT_PRSTATUS and
    /// "QEMU" notes QEMU writes.
    init(guest: any GuestSource) throws {
        self.init()
        loads = try guest.memory.ramRanges.map { range in
            let count = Int(range.end - range.start)
            return Load(physical: range.start, bytes: try guest.memory.readBytes(physical: range.start, count: count))
        }
        for (index, vcpu) in try guest.vcpuRegisters().enumerated() {
            notes.append(Note(name: "CORE", type: 1, descriptor: Self.prstatus(pid: UInt32(index + 1), rip: vcpu.rip)))
        }
        for vcpu in try guest.vcpuRegisters() {
            notes.append(Note(name: "QEMU", type: 0, descriptor: Self.qemuCPUState(
                rip: vcpu.rip, cr0: vcpu.cr0, cr3: vcpu.cr3, cr4: vcpu.cr4, idtBase: vcpu.idtrBase, gsBase: vcpu.gsBase,
                kernelGSBase: vcpu.kernelGSBase)))
        }
    }
}
