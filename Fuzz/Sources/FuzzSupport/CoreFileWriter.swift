import WardenCore

/// Writes a guest as the ELF64 core QEMU's `dump-guest-memory` (paging=false) makes: a PT_NOTE with
/// one NT_PRSTATUS and one "QEMU" CPU-state note per vCPU, then a PT_LOAD per run of non-zero pages
/// (QEMU writes one per RAM block; runs keep the seeds small and give the reader several segments).
public enum CoreFileWriter {
    public static func core(of guest: FuzzGuest) -> [UInt8] {
        var notes: [UInt8] = []
        for vcpu in guest.registers {
            notes += note("CORE", type: 1, prstatus(pid: UInt32(vcpu.vcpu + 1)))
            notes += note("QEMU", type: 0, qemuCPUState(vcpu))
        }
        let runs = nonZeroRuns(guest.ram)
        let headersEnd = 64 + 56 * (1 + runs.count)
        var headers = programHeader(type: 4, offset: UInt64(headersEnd), physical: 0, size: UInt64(notes.count))
        var data: [UInt8] = []
        var offset = headersEnd + notes.count
        for run in runs {
            headers += programHeader(type: 1, offset: UInt64(offset), physical: UInt64(run.lowerBound), size: UInt64(run.count))
            data += guest.ram[run]
            offset += run.count
        }
        var file: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        // ET_CORE, EM_X86_64, version 1, no entry, program headers at 64, no sections.
        file += le(UInt16(4)) + le(UInt16(62)) + le(UInt32(1)) + le(UInt64(0)) + le(UInt64(64)) + le(UInt64(0))
        file += le(UInt32(0)) + le(UInt16(64)) + le(UInt16(56)) + le(UInt16(1 + runs.count))
        file += le(UInt16(64)) + le(UInt16(0)) + le(UInt16(0))
        return file + headers + notes + data
    }

    /// Page-aligned runs of pages holding at least one non-zero byte.
    static func nonZeroRuns(_ ram: [UInt8]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        for page in stride(from: 0, to: ram.count, by: 4096) {
            let end = min(page + 4096, ram.count)
            guard ram[page..<end].contains(where: { $0 != 0 }) else { continue }
            if let last = runs.last, last.upperBound == page {
                runs[runs.count - 1] = last.lowerBound..<end
            } else {
                runs.append(page..<end)
            }
        }
        return runs
    }

    static func programHeader(type: UInt32, offset: UInt64, physical: UInt64, size: UInt64) -> [UInt8] {
        le(type) + le(UInt32(4)) + le(offset) + le(UInt64(0)) + le(physical) + le(size) + le(size) + le(UInt64(0))
    }

    static func note(_ name: String, type: UInt32, _ descriptor: [UInt8]) -> [UInt8] {
        let nameBytes = Array(name.utf8) + [0]
        return le(UInt32(nameBytes.count)) + le(UInt32(descriptor.count)) + le(type) + padded(nameBytes) + padded(descriptor)
    }

    static func padded(_ bytes: [UInt8]) -> [UInt8] { bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4) }

    /// QEMU's `QEMUCPUState` version 1 with kernel_gs_base (440 bytes): header, 16 GPRs, rip,
    /// rflags, ten segments (cs ds es fs gs ss ldt tr gdt idt), cr0-cr4, kernel_gs_base.
    static func qemuCPUState(_ vcpu: VCPURegisters) -> [UInt8] {
        var state = le(UInt32(1)) + le(UInt32(440))
        state += (0..<16).flatMap { _ in le(UInt64(0)) }
        state += le(vcpu.rip) + le(UInt64(0x246))
        for segment in 0..<10 {
            let base = segment == 4 ? vcpu.gsBase : segment == 9 ? vcpu.idtrBase : 0
            state += le(UInt32(segment * 8)) + le(UInt32.max) + le(UInt32(0x00a0_9b00)) + le(UInt32(0)) + le(base)
        }
        state += le(vcpu.cr0) + le(UInt64(0)) + le(UInt64(0)) + le(vcpu.cr3) + le(vcpu.cr4) + le(vcpu.kernelGSBase)
        return state
    }

    /// An x86-64 NT_PRSTATUS (336 bytes) with only pr_pid set, as QEMU sets it (vCPU index + 1).
    static func prstatus(pid: UInt32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 336)
        bytes.replaceSubrange(32..<36, with: le(pid))
        return bytes
    }
}

/// Little-endian bytes of an integer.
public func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
