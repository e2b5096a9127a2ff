/// Where the running kernel sits, found from the page tables alone (no symbol file).
public struct LocatedKernel: Sendable, Equatable {
    /// Runtime virtual address of `_text`.
    public var textBase: UInt64
    /// Guest-physical address of `_text`.
    public var physicalBase: UInt64
    /// Runtime `_text` minus the link-time `_text` (0xffffffff81000000); 0 without KASLR.
    public var kaslrSlide: UInt64
    public var pagingLevels: Int
    /// CR3 (table address only) whose tables map the kernel. Differs from the vCPU's CR3 when that
    /// vCPU was caught on a PTI user page table.
    public var kernelCR3: UInt64
    /// End (exclusive) of the last mapped 2 MiB chunk of the kernel image mapping.
    public var imageMappingEnd: UInt64
    /// The 512 entries of the table at `kernelCR3` as read when the kernel was found. Later walks use
    /// them instead of that page, which belongs to the process the vCPU was caught in and is reused
    /// once it exits; the kernel-half entries point to the kernel's own tables (issue 9).
    public var topLevelEntries: [UInt64]
}

public enum KernelLocatorError: Error, Equatable, Sendable, CustomStringConvertible {
    case noVCPUs
    case notInLongMode(vcpu: Int, cr0: UInt64, cr4: UInt64)
    case kernelMappingNotFound(triedCR3: [UInt64])
    case imageMappingTooLarge(start: UInt64, end: UInt64)

    public var description: String {
        switch self {
        case .noVCPUs:
            "the guest source reported no vCPU registers, so its page tables cannot be found"
        case .notInLongMode(let vcpu, let cr0, let cr4):
            "vCPU \(vcpu) is not in 64-bit paging mode (CR0=0x\(String(cr0, radix: 16)) "
                + "CR4=0x\(String(cr4, radix: 16))): is the guest still booting?"
        case .kernelMappingNotFound(let tried):
            "no kernel image mapping in 0xffffffff80000000-0xffffffffc0000000 under CR3 "
                + tried.map { "0x" + String($0, radix: 16) }.joined(separator: ", ")
                + ": not an x86-64 Linux guest, or its page tables are damaged"
        case .imageMappingTooLarge(let start, let end):
            "the kernel image mapping 0x\(String(start, radix: 16))-0x\(String(end, radix: 16)) "
                + "is larger than any real kernel: refusing to read it"
        }
    }
}

public enum KernelLocator {
    /// `__START_KERNEL_map` and the end of the 1 GiB KASLR window for the kernel image (arch/x86/include/asm/page_64_types.h).
    public static let kernelMapStart: UInt64 = 0xFFFF_FFFF_8000_0000
    public static let kernelMapEnd: UInt64 = 0xFFFF_FFFF_C000_0000
    /// Link-time `_text`: `__START_KERNEL_map + LOAD_PHYSICAL_ADDR` (16 MiB) on Debian's x86-64 kernels.
    public static let linkTimeTextBase: UInt64 = 0xFFFF_FFFF_8100_0000
    /// Real kernels map well under this; the cap bounds what a hostile guest can make us read.
    public static let maximumImageMapping: UInt64 = 256 << 20

    static let chunk: UInt64 = 2 << 20

    /// Finds `_text` as the first mapped 2 MiB chunk of the kernel-image window: at boot
    /// `cleanup_highmap()` (arch/x86/mm/init_64.c) clears every PMD of `level2_kernel_pgt` below
    /// `_text`, and KASLR moves `_text` in CONFIG_PHYSICAL_ALIGN (2 MiB) steps.
    public static func locate(
        memory: any GuestPhysicalMemory, registers: [VCPURegisters]
    ) throws(KernelLocatorError) -> LocatedKernel {
        guard !registers.isEmpty else { throw .noVCPUs }
        var tried: [UInt64] = []
        for vcpu in registers {
            // Without CR4.PAE the vCPU is not in long mode and its CR3 is no 4/5-level table.
            guard vcpu.cr3 != 0, vcpu.cr4 & (1 << 5) != 0 else { continue }
            var found: [LocatedKernel] = []
            for cr3 in candidateRoots(vcpu.cr3) where !tried.contains(cr3) {
                tried.append(cr3)
                let space = AddressSpace(memory: memory, cr3: cr3, fiveLevel: vcpu.usesFiveLevelPaging)
                if let kernel = try scanImageWindow(space) { found.append(kernel) }
            }
            if let kernel = preferred(found, memory: memory) { return kernel }
        }
        if tried.isEmpty, let first = registers.first {
            throw .notInLongMode(vcpu: first.vcpu, cr0: first.cr0, cr4: first.cr4)
        }
        throw .kernelMappingNotFound(triedCR3: tried)
    }

    /// With PTI the kernel and user top-level tables are an 8 KiB-aligned pair and the user one has
    /// bit 12 set (PTI_USER_PGTABLE_BIT, arch/x86/include/asm/pgtable_64.h); the user half maps almost
    /// none of the kernel, so also try the kernel half.
    static func candidateRoots(_ cr3: UInt64) -> [UInt64] {
        let table = cr3 & AddressSpace.addressMask
        return table & 0x1000 != 0 ? [table, table & ~0x1000] : [table]
    }

    /// Of the mappings found through one vCPU's CR3 (its own table first, then its PTI kernel half):
    /// the kernel half when it maps all the own table maps, to the same frames, and more. A PTI user
    /// table is not empty — it maps the entry text (`pti_clone_entry_text`, arch/x86/mm/pti.c) and,
    /// without PCID, text and rodata (`pti_clone_kernel_text`) — so taking the first mapping found
    /// would search 2 MiB of entry text for kallsyms. Without PTI the top-level table may sit at an
    /// odd page, and the page before it is then no table at all: it wins only by that agreement.
    static func preferred(_ found: [LocatedKernel], memory: any GuestPhysicalMemory) -> LocatedKernel? {
        guard let own = found.first else { return nil }
        guard found.count == 2 else { return own }
        let half = found[1]
        let agrees = (try? AddressSpace(memory: memory, kernel: half).translate(own.textBase))?.physical == own.physicalBase
        let covers = half.textBase <= own.textBase && half.imageMappingEnd >= own.imageMappingEnd
        let larger = half.imageMappingEnd - half.textBase > own.imageMappingEnd - own.textBase
        return agrees && covers && larger ? half : own
    }

    static func scanImageWindow(_ table: AddressSpace) throws(KernelLocatorError) -> LocatedKernel? {
        // One read of the top-level table, pinned for this scan and for every later walk.
        guard let bytes = try? table.memory.readBytes(physical: table.root, count: 4096) else { return nil }
        let entries = stride(from: 0, to: 4096, by: 8).map { offset in
            bytes[offset..<(offset + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        guard let space = AddressSpace(memory: table.memory, pinnedRoot: entries, cr3: table.root, fiveLevel: table.levels == 5)
        else { return nil }
        var first: (virtual: UInt64, physical: UInt64)?
        var lastEnd: UInt64 = 0
        var virtual = kernelMapStart
        while virtual < kernelMapEnd {
            if let translation = try? space.translate(virtual) {
                if first == nil { first = (virtual, translation.physical) }
                lastEnd = virtual + chunk
            }
            virtual += chunk
        }
        guard let first else { return nil }
        guard lastEnd - first.virtual <= maximumImageMapping else {
            throw .imageMappingTooLarge(start: first.virtual, end: lastEnd)
        }
        return LocatedKernel(
            textBase: first.virtual, physicalBase: first.physical,
            kaslrSlide: first.virtual &- linkTimeTextBase, pagingLevels: space.levels,
            kernelCR3: space.root, imageMappingEnd: lastEnd, topLevelEntries: entries)
    }
}
