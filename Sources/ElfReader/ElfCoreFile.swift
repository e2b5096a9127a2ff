/// An x86 ELF64 core as QEMU's `dump-guest-memory` writes it: PT_LOAD segments whose `p_paddr`
/// is the guest-physical address, and a PT_NOTE with per-vCPU NT_PRSTATUS and "QEMU" notes.
///
/// Parsed by hand from a read-only mapping rather than through libelf so that a multi-GiB dump is
/// never read whole and every offset in the attacker-supplied file is checked before use.
public final class ElfCoreFile {
    public let path: String
    public let file: MappedFile
    /// `EM_X86_64` (62) when vCPU 0 was in long mode, `EM_386` (3) otherwise; QEMU chooses.
    public let machine: UInt16
    public let memoryMap: PhysicalSegmentMap
    public let notes: [ElfNote]

    /// A program-header table larger than this is not from QEMU (one PT_LOAD per RAM block).
    public static let maximumProgramHeaders = 1 << 20

    static let programHeaderSize: UInt64 = 56
    static let sectionHeaderSize: UInt64 = 64

    public convenience init(path: String) throws(ElfCoreError) {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw .unreadable(path: path, reason: error.reason) }
        try self.init(file: file)
    }

    public convenience init(file: MappedFile) throws(ElfCoreError) {
        try self.init(file: file, header: ElfFileHeader(file: file))
    }

    init(file: MappedFile, header: ElfFileHeader) throws(ElfCoreError) {
        let path = file.path
        self.path = path
        self.file = file
        func malformed(_ field: String, _ problem: String) -> ElfCoreError {
            .malformed(path: path, field: field, problem: problem)
        }
        machine = header.machine
        let phoff = header.programHeaderOffset
        let shoff = header.sectionHeaderOffset
        let phnum16 = header.programHeaderCount
        let shentsize = header.sectionHeaderEntrySize
        guard UInt64(header.programHeaderEntrySize) == Self.programHeaderSize else {
            throw malformed("e_phentsize", "is \(header.programHeaderEntrySize), expected 56 for ELF64")
        }

        // PN_XNUM (0xffff): the real program-header count is in section header 0's sh_info.
        var phnum = UInt64(phnum16)
        if phnum16 == 0xffff {
            guard UInt64(shentsize) == Self.sectionHeaderSize,
                file.contains(offset: shoff, count: Self.sectionHeaderSize), let count = file.uint32(at: shoff + 44)
            else { throw malformed("e_phnum", "is PN_XNUM but section header 0 is missing or cut short") }
            phnum = UInt64(count)
        }
        guard phnum <= UInt64(Self.maximumProgramHeaders) else {
            throw malformed("program header count", "is \(phnum), more than the \(Self.maximumProgramHeaders) accepted")
        }
        guard file.contains(offset: phoff, count: phnum * Self.programHeaderSize) else {
            throw malformed("program header table", "(\(phnum) entries at offset \(phoff)) runs past the end of the file")
        }

        var loads: [PhysicalSegment] = []
        var noteRanges: [(offset: UInt64, size: UInt64)] = []
        for index in 0..<phnum {
            let entry = phoff + index * Self.programHeaderSize
            guard let kind = file.uint32(at: entry), let offset = file.uint64(at: entry + 8),
                let paddr = file.uint64(at: entry + 24), let filesz = file.uint64(at: entry + 32)
            else { throw malformed("program header \(index)", "cannot be read") }
            switch kind {
            case 1: loads.append(PhysicalSegment(physical: paddr, fileOffset: offset, length: filesz))
            case 4:
                guard file.contains(offset: offset, count: filesz) else {
                    throw malformed("PT_NOTE (program header \(index))", "runs past the end of the file")
                }
                noteRanges.append((offset, filesz))
            default: continue
            }
        }
        guard !loads.isEmpty else { throw .noMemory(path: path) }
        do { memoryMap = try PhysicalSegmentMap(segments: loads, fileSize: file.size) } catch {
            throw .layout(path: path, error)
        }
        var notes: [ElfNote] = []
        for range in noteRanges {
            let remaining = ElfNote.maximumCount - notes.count
            notes += try ElfNote.parseAll(in: file, offset: range.offset, size: range.size, limit: remaining)
        }
        self.notes = notes
    }

    /// The "QEMU" CPU-state notes, one per vCPU in vCPU order.
    public func qemuCPUStates() throws(ElfCoreError) -> [QemuCPUState] {
        var states: [QemuCPUState] = []
        for note in notes where note.name == "QEMU" && note.type == 0 {
            do { states.append(try QemuCPUState(descriptor: note.descriptor)) } catch {
                throw .badCPUState(path: path, vcpu: states.count, problem: error.problem)
            }
        }
        return states
    }

    /// The NT_PRSTATUS notes, one per vCPU in vCPU order.
    public func processStatuses() -> [ElfPRStatus] {
        notes.compactMap { note in
            note.name == "CORE" && note.type == 1 ? ElfPRStatus(descriptor: note.descriptor) : nil
        }
    }
}
