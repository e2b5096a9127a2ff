import CElf
import CXen
import Foundation
import WardenCore

/// Writes an ELF core laid out byte for byte as Xen 4.17's `xl dump-core` (`xc_domain_dumpcore`)
/// writes one for an HVM or PVH guest, from a guest's memory and registers, with knobs that make it
/// hostile. Line numbers are Xen RELEASE-4.17.7, tools/libs/guest/xg_core.c unless named otherwise.
/// The ELF headers and the vCPU contexts are the C structures themselves (`Elf64_Ehdr`, `Elf64_Shdr`,
/// `vcpu_guest_context_any_t` from the installed headers), filled as Xen fills them.
public struct XenDumpCoreWriter {
    /// The `.xen_pfn` entries; page `j` of `.xen_pages` holds guest frame `pfns[j]`, zeros for ~0.
    public var pfns: [UInt64]
    /// `.xen_prstatus`, one `vcpu_guest_context_any_t` each (`context(_:online:cs:)`).
    public var contexts: [[UInt8]]
    public var magic: UInt64 = 0xF00F_EBEE
    /// Replace what DUMPCORE_HEADER says, leaving the sections as they are.
    public var headerVCPUCount: UInt64?
    public var headerPageCount: UInt64?
    public var pageSize: UInt64 = 4096
    public var formatVersion: UInt64 = 1
    /// Cuts `.xen_prstatus` (data and sh_size) to this many bytes.
    public var prstatusBytes: Int?
    /// Entries added to `.xen_pfn` only, so that it lists more frames than `.xen_pages` holds.
    public var extraPFNEntries: [UInt64] = []
    /// `.xen_p2m` for a PV guest's dump (the table is then left as the pfn list).
    public var frameTableName = ".xen_pfn"
    public var includeSharedInfo = true
    /// Adds a second section called this, pointing at the first page.
    public var duplicateSection: String?
    public var machine: UInt16 = 62

    public static let contextSize = MemoryLayout<vcpu_guest_context_any_t>.size
    static let pageSize = 4096

    private let memory: any GuestPhysicalMemory

    public init(memory: any GuestPhysicalMemory, pfns: [UInt64], contexts: [[UInt8]]) {
        self.memory = memory
        self.pfns = pfns
        self.contexts = contexts
    }

    /// A dump of `guest` as Xen takes it: every frame it holds but the VGA and MMIO holes, ascending.
    public init(guest: any GuestSource) throws {
        self.init(
            memory: guest.memory, pfns: Self.framesXenDumps(guest.memory.ramRanges),
            contexts: try guest.vcpuRegisters().map { Self.context($0) })
    }

    /// xg_core_x86.c lines 39-48 (`xc_core_arch_gpfn_may_present`): the VGA hole 0xa0-0xbf and
    /// HVM_BELOW_4G_MMIO_START (0xf0000000, xen/include/public/hvm/e820.h) to 4 GiB are never dumped.
    public static func framesXenDumps(_ ranges: [PhysicalRange]) -> [UInt64] {
        ranges.flatMap { range in
            (range.start >> 12..<(range.end + 0xfff) >> 12).filter { pfn in
                !(0xa0..<0xc0).contains(pfn) && !(0xf_0000..<0x10_0000).contains(pfn)
            }
        }
    }

    /// One vCPU's context as xen/arch/x86/domctl.c `arch_get_info_guest` fills it for an HVM vCPU
    /// (lines 1437-1438, 1470-1499): guest CR0/CR3/CR4, RIP, CS's selector, and the GS bases swapped
    /// by CS's ring.
    public static func context(_ registers: VCPURegisters, online: Bool = true, cs: UInt16 = 0x10) -> [UInt8] {
        var context = vcpu_guest_context_any_t()
        // VGCF_online is bit 5 (xen/include/public/arch-x86/xen.h lines 175-176).
        context.x64.flags = online ? 1 << 5 : 0
        context.x64.user_regs.rip = registers.rip
        context.x64.user_regs.cs = cs
        context.x64.ctrlreg.0 = registers.cr0
        context.x64.ctrlreg.2 = 0x7f00_0000
        context.x64.ctrlreg.3 = registers.cr3
        context.x64.ctrlreg.4 = registers.cr4
        let ring0 = cs & 3 == 0
        context.x64.gs_base_kernel = ring0 ? registers.gsBase : registers.kernelGSBase
        context.x64.gs_base_user = ring0 ? registers.kernelGSBase : registers.gsBase
        return withUnsafeBytes(of: &context) { Array($0) }
    }

    /// The sections in xg_core.c's order (lines 611-746): null, .shstrtab, .note.Xen, .xen_prstatus,
    /// .xen_shared_info, .xen_pages, the frame table; their names in .shstrtab in that order.
    private var sectionNames: [String] {
        ["", ".shstrtab", ".note.Xen", ".xen_prstatus"] + (includeSharedInfo ? [".xen_shared_info"] : [])
            + [".xen_pages", frameTableName] + (duplicateSection.map { [$0] } ?? [])
    }

    public func write(to path: String) throws {
        let names = sectionNames
        let notes = noteSection()
        let prstatus = Array(contexts.joined().prefix(prstatusBytes ?? Int.max))
        let sectionCount = names.count
        // Lines 636-705: the notes follow the section headers; the pages start on a page boundary.
        let notesOffset = 64 + sectionCount * 64
        let prstatusOffset = notesOffset + notes.count
        let sharedOffset = prstatusOffset + prstatus.count
        let sharedSize = includeSharedInfo ? Self.pageSize : 0
        let pagesOffset = (sharedOffset + sharedSize + Self.pageSize - 1) / Self.pageSize * Self.pageSize
        let pagesSize = pfns.count * Self.pageSize
        let pfnsOffset = pagesOffset + pagesSize
        let table = pfns + extraPFNEntries
        let stringsOffset = pfnsOffset + table.count * 8
        var strings: [UInt8] = []
        var nameIndex: [UInt32] = []
        for name in names {
            nameIndex.append(name.isEmpty ? 0 : UInt32(strings.count))
            strings += name.isEmpty && strings.isEmpty ? [0] : Array(name.utf8) + [0]
        }

        var headers: [Elf64_Shdr] = [Elf64_Shdr()]
        func add(_ index: Int, type: Int32, offset: Int, size: Int, align: Int, entry: Int) {
            var header = Elf64_Shdr()
            header.sh_name = nameIndex[index]
            header.sh_type = UInt32(type)
            header.sh_offset = UInt64(offset)
            header.sh_size = UInt64(size)
            header.sh_addralign = UInt64(align)
            header.sh_entsize = UInt64(entry)
            headers.append(header)
        }
        // Lines 630, 648, 662-664, 686-688, 715-716, 739-742: types, sizes, alignments, entry sizes.
        add(1, type: SHT_STRTAB, offset: stringsOffset, size: strings.count, align: 0, entry: 0)
        add(2, type: SHT_NOTE, offset: notesOffset, size: notes.count, align: 0, entry: 0)
        add(3, type: SHT_PROGBITS, offset: prstatusOffset, size: prstatus.count, align: 8, entry: Self.contextSize)
        var next = 4
        if includeSharedInfo {
            add(next, type: SHT_PROGBITS, offset: sharedOffset, size: Self.pageSize, align: 8, entry: Self.pageSize)
            next += 1
        }
        add(next, type: SHT_PROGBITS, offset: pagesOffset, size: pagesSize, align: Self.pageSize, entry: Self.pageSize)
        add(next + 1, type: SHT_PROGBITS, offset: pfnsOffset, size: table.count * 8, align: 8, entry: 8)
        if duplicateSection != nil {
            let page = Self.pageSize
            add(next + 2, type: SHT_PROGBITS, offset: pagesOffset, size: page, align: page, entry: page)
        }

        var head = bytes(of: elfHeader(sectionCount: sectionCount))
        for header in headers { head += bytes(of: header) }
        head += notes + prstatus + [UInt8](repeating: 0, count: sharedSize)
        guard FileManager.default.createFile(atPath: path, contents: Data(head)) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try writePages(to: handle, at: pagesOffset)
        try handle.seek(toOffset: UInt64(pfnsOffset))
        try handle.write(contentsOf: Data(table.flatMap { littleEndian($0) }))
        try handle.write(contentsOf: Data(strings))
    }

    /// Zero pages are skipped with a seek, so the file stays sparse and a 64 MiB guest is cheap.
    private func writePages(to handle: FileHandle, at offset: Int) throws {
        var page = [UInt8](repeating: 0, count: Self.pageSize)
        for (index, pfn) in pfns.enumerated() {
            guard pfn != UInt64.max else { continue }
            // A frame the memory does not hold (a hostile list's) is left as a zero page.
            do { try page.withUnsafeMutableBytes { try memory.read(physical: pfn << 12, into: $0) } } catch { continue }
            guard page.contains(where: { $0 != 0 }) else { continue }
            try handle.seek(toOffset: UInt64(offset + index * Self.pageSize))
            try handle.write(contentsOf: Data(page))
        }
    }

    /// xg_core.c lines 240-266 and 754-756: no program headers, section headers right after this one.
    private func elfHeader(sectionCount: Int) -> Elf64_Ehdr {
        var header = Elf64_Ehdr()
        // ELFMAG, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_SYSV, EI_ABIVERSION = EV_CURRENT.
        header.e_ident = (0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0)
        header.e_type = UInt16(ET_CORE)
        header.e_machine = machine
        header.e_version = UInt32(EV_CURRENT)
        header.e_shoff = 64
        header.e_ehsize = 64
        header.e_phentsize = 56
        header.e_shentsize = 64
        header.e_shnum = UInt16(sectionCount)
        header.e_shstrndx = 1
        return header
    }

    /// The four notes of lines 767-785, each a 16-byte `struct elfnote` (xg_core.h lines 39-47) and
    /// its descriptor: DUMPCORE_NONE, DUMPCORE_HEADER, DUMPCORE_XEN_VERSION, DUMPCORE_FORMAT_VERSION.
    private func noteSection() -> [UInt8] {
        func note(_ type: UInt32, _ descriptor: [UInt8]) -> [UInt8] {
            littleEndian(UInt32(4)) + littleEndian(UInt32(descriptor.count)) + littleEndian(type)
                + Array("Xen\0".utf8) + descriptor
        }
        let header = [magic, headerVCPUCount ?? UInt64(contexts.count), headerPageCount ?? UInt64(pfns.count), pageSize]
        return note(0x200_0000, []) + note(0x200_0001, header.flatMap { littleEndian($0) })
            + note(0x200_0002, xenVersion()) + note(0x200_0003, littleEndian(formatVersion))
    }

    /// `struct xen_dumpcore_elfnote_xen_version_desc` (xg_core.h lines 60-69), 1280 bytes, filled as
    /// `elfnote_fill_xen_version` (lines 268-312) would on a Xen 4.17.7 host (the strings are made up).
    private func xenVersion() -> [UInt8] {
        func text(_ value: String, _ size: Int) -> [UInt8] {
            Array(value.utf8.prefix(size - 1)) + [UInt8](repeating: 0, count: size - min(value.utf8.count, size - 1))
        }
        var bytes = littleEndian(UInt64(4)) + littleEndian(UInt64(17)) + text(".7", 16)
        bytes += text("gcc (Debian 12.2.0-14) 12.2.0", 64) + text("pkg-xen-devel", 16) + text("lists.alioth.debian.org", 32)
        bytes += text("Mon Nov 17 12:00:00 UTC 2025", 32)
        bytes += text("xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64", 1024) + text("", 64)
        bytes += littleEndian(UInt64(0xffff_8000_0000_0000)) + littleEndian(UInt64(4096))
        return bytes
    }

    private func bytes<T>(of value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
}

func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
