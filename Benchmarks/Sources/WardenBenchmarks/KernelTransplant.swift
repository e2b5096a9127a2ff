import SyntheticGuest
import WardenCore

/// A real kernel placed into a generated guest: the PT_LOAD segments of a decompressed Debian
/// vmlinux are written where the boot loader would put them and mapped with 2 MiB pages at the
/// link-time addresses (no KASLR: the file's relocations are unapplied, so its kallsyms base is the
/// link-time `_text`). This gives attach-plan benchmarks a real kernel's size and symbol count with
/// any RAM size, including the kernel above 4 GiB.
struct KernelTransplant {
    enum Failure: Error, CustomStringConvertible {
        case notELF
        case noKernelSegments
        var description: String {
            switch self {
            case .notELF: "the decompressed payload is not an ELF64 vmlinux"
            case .noKernelSegments: "the vmlinux has no PT_LOAD segment at the kernel's physical load address"
            }
        }
    }

    let memory: SyntheticMemory
    let registers: [VCPURegisters]

    /// `LOAD_PHYSICAL_ADDR` on x86-64: where p_paddr of the first segment points.
    static let loadPhysical: UInt64 = 0x100_0000

    init(vmlinux: [UInt8], ramSize: UInt64, physicalBase: UInt64, hole: PhysicalRange?) throws {
        guard vmlinux.count > 64, vmlinux[0..<4] == [0x7F, 0x45, 0x4C, 0x46], vmlinux[4] == 2 else { throw Failure.notELF }
        func word<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            vmlinux[offset..<(offset + MemoryLayout<T>.size)].reversed().reduce(T(0)) { $0 << 8 | T($1) }
        }
        let phoff = Int(word(0x20, UInt64.self))
        let phentsize = Int(word(0x36, UInt16.self))
        let phnum = Int(word(0x38, UInt16.self))
        memory = SyntheticMemory(size: ramSize, holes: hole.map { [$0] } ?? [], description: "transplanted kernel")
        var imageEnd: UInt64 = 0
        for index in 0..<phnum {
            let header = phoff + index * phentsize
            guard word(header, UInt32.self) == 1 else { continue }  // PT_LOAD
            let fileOffset = Int(word(header + 8, UInt64.self))
            let physical = word(header + 24, UInt64.self)
            let fileSize = Int(word(header + 32, UInt64.self))
            let memorySize = word(header + 40, UInt64.self)
            guard physical >= Self.loadPhysical else { continue }
            let target = physicalBase + (physical - Self.loadPhysical)
            try memory.write(physical: target, bytes: Array(vmlinux[fileOffset..<(fileOffset + fileSize)]))
            imageEnd = max(imageEnd, physical - Self.loadPhysical + memorySize)
        }
        guard imageEnd > 0 else { throw Failure.noKernelSegments }
        var tables = PageTableBuilder(
            memory: memory, tableRegion: PhysicalRange(start: 0x10_0000, end: 0x20_0000), fiveLevel: false)
        for offset in stride(from: UInt64(0), to: imageEnd, by: 2 << 20) {
            try tables.map(
                virtual: KernelLocator.linkTimeTextBase + offset, physical: physicalBase + offset, pageSize: 2 << 20)
        }
        registers = [VCPURegisters(vcpu: 0, cr0: 0x8005_0033, cr3: tables.root, cr4: 1 << 5)]
    }
}
