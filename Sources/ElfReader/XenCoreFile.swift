import WardenCore

/// An ELF core written by Xen's `xl dump-core DOMAIN FILE` (`xc_domain_dumpcore`) for an HVM or PVH
/// guest. Line numbers are Xen RELEASE-4.17.7, tools/libs/guest/xg_core.c unless named otherwise.
///
/// The file has no program headers (lines 257, 262) and is read by section name, as lines 20-23 ask:
/// `.note.Xen` (the notes in `XenDumpHeader`), `.xen_prstatus` (one `vcpu_guest_context_any_t` per
/// vCPU, lines 654-667), `.xen_shared_info` (not used here), `.xen_pages` (`nr_pages` pages, lines
/// 707-719) and `.xen_pfn` (`nr_pages` uint64_t guest frame numbers, lines 736-743). A PV guest's
/// dump has `.xen_p2m` instead (lines 728-735) and machine frames in its page tables; it is refused.
///
/// Like `ElfCoreFile`, parsed by hand over a read-only mapping: a multi-GiB dump is never read whole,
/// and every count and offset (the pages are the guest's, the headers dom0's) is checked first.
public final class XenCoreFile {
    public let path: String
    public let file: MappedFile
    public let header: XenDumpHeader
    /// One context per vCPU Xen could read, in vCPU-id order; Xen skips vCPUs that were never
    /// initialised without recording their ids (lines 533-542), so an index is not always an id.
    public let contexts: [XenVCPUContext]
    public let memoryMap: PhysicalSegmentMap

    public convenience init(path: String) throws(ElfCoreError) {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw .unreadable(path: path, reason: error.reason) }
        try self.init(file: file, header: ElfFileHeader(file: file))
    }

    init(file: MappedFile, header elf: ElfFileHeader) throws(ElfCoreError) {
        let path = file.path
        self.path = path
        self.file = file
        func damaged(_ part: String, _ problem: String) -> ElfCoreError { .xenDump(path: path, part: part, problem: problem) }
        let sections = try ElfSectionTable(file: file, header: elf)
        guard let notes = try sections.unique(".note.Xen", path: path) else { throw .neitherFormat(path: path) }
        // EM_X86_64 whenever the toolstack is 64-bit and the guest is not 32-bit PV (xg_core_x86.h line
        // 24, xg_core.c lines 495-518).
        guard elf.machine == 62 else {
            throw .unsupported(path: path, reason: "e_machine is \(elf.machine), not EM_X86_64 (62): a 32-bit layout")
        }
        header = try XenDumpHeader(
            notes: ElfNote.parseAll(in: file, offset: notes.offset, size: notes.size, limit: ElfNote.maximumCount), path: path)
        guard try sections.unique(".xen_p2m", path: path) == nil else {
            throw .unsupported(
                path: path, reason: "it has .xen_p2m, the frame table of a PV guest; Warden reads HVM and PVH guests")
        }
        func required(_ name: String) throws(ElfCoreError) -> ElfSection {
            guard let section = try sections.unique(name, path: path) else { throw damaged(name, "is missing") }
            return section
        }
        let prstatus = try required(".xen_prstatus")
        let pages = try required(".xen_pages")
        let pfns = try required(".xen_pfn")

        guard prstatus.entrySize == UInt64(XenVCPUContext.size) else {
            throw .unsupported(
                path: path,
                reason: ".xen_prstatus entries are \(prstatus.entrySize) bytes; Warden reads the \(XenVCPUContext.size)-byte"
                    + " contexts an x86-64 toolstack writes")
        }
        let (prstatusNeeded, prstatusOverflow) = header.vcpuCount.multipliedReportingOverflow(by: prstatus.entrySize)
        guard !prstatusOverflow, prstatus.size == prstatusNeeded else {
            throw damaged(
                ".xen_prstatus",
                "holds \(prstatus.size) bytes, but DUMPCORE_HEADER's \(header.vcpuCount) vCPUs need \(header.vcpuCount)"
                    + " × \(XenVCPUContext.size)")
        }
        let (pagesNeeded, pagesOverflow) = header.pageCount.multipliedReportingOverflow(by: header.pageSize)
        guard !pagesOverflow, pages.size == pagesNeeded else {
            throw damaged(
                ".xen_pages",
                "holds \(pages.size) bytes, but DUMPCORE_HEADER says \(header.pageCount) pages of \(header.pageSize)")
        }
        let (pfnsNeeded, pfnsOverflow) = header.pageCount.multipliedReportingOverflow(by: 8)
        guard !pfnsOverflow, pfns.size == pfnsNeeded else {
            throw damaged(
                ".xen_pfn", "holds \(pfns.size) bytes, but DUMPCORE_HEADER's \(header.pageCount) pages need one 8-byte pfn each")
        }
        // Both sections lie inside the file (ElfSectionTable), so these counts are bounded by its size.
        var contexts: [XenVCPUContext] = []
        for index in 0..<Int(header.vcpuCount) {
            let offset = prstatus.offset + UInt64(index) * prstatus.entrySize
            guard let bytes = file.bytes(offset: offset, count: XenVCPUContext.size), let context = XenVCPUContext(bytes: bytes)
            else { throw damaged(".xen_prstatus", "entry \(index) cannot be read") }
            contexts.append(context)
        }
        self.contexts = contexts
        let segments = try XenPageIndex.segments(
            file: file, pfnsOffset: pfns.offset, pagesOffset: pages.offset, count: Int(header.pageCount))
        do { memoryMap = try PhysicalSegmentMap(segments: segments, fileSize: file.size) } catch {
            throw .layout(path: path, error)
        }
    }

    /// Registers of the vCPUs that were online (VGCF_online), as the live `--domain` path skips
    /// offline ones; numbered by their place in the file.
    public func onlineRegisters() throws(ElfCoreError) -> [VCPURegisters] {
        let registers = contexts.enumerated().filter { $0.element.isOnline }.map { $0.element.registers(vcpu: $0.offset) }
        guard !registers.isEmpty else {
            throw .xenDump(path: path, part: ".xen_prstatus", problem: "has no vCPU marked online (VGCF_online)")
        }
        return registers
    }
}
