/// One ELF64 section header, with its name read from the section-name string table.
struct ElfSection: Equatable {
    let index: Int
    let name: String
    /// `sh_type`: 1 SHT_PROGBITS, 3 SHT_STRTAB, 7 SHT_NOTE, 8 SHT_NOBITS.
    let type: UInt32
    let offset: UInt64
    let size: UInt64
    let entrySize: UInt64

    static let nobits: UInt32 = 8
    static let strtab: UInt32 = 3
}

/// The section-header table of a core that is described by sections (Xen's `xl dump-core` writes
/// no program headers). Parsed by hand from the mapping, like the program headers of a QEMU core:
/// every header, name and extent is checked against the file before anything is read through it.
struct ElfSectionTable {
    let sections: [ElfSection]

    static let headerSize: UInt64 = 64
    /// Xen writes 6 or 7 sections (tools/libs/guest/xg_core.c lines 25-36); this bounds a hostile count.
    static let maximumCount = 4096
    /// Xen's names are at most 16 bytes (xg_core.h lines 28-33).
    static let maximumNameLength = 256

    init(file: MappedFile, header: ElfFileHeader) throws(ElfCoreError) {
        let path = file.path
        func damaged(_ field: String, _ problem: String) -> ElfCoreError {
            .malformed(path: path, field: field, problem: problem)
        }
        let count = Int(header.sectionCount)
        guard count > 0 else { throw damaged("e_shnum", "is 0: the file has no section headers") }
        guard count <= Self.maximumCount else {
            throw damaged("e_shnum", "is \(count), more than the \(Self.maximumCount) accepted")
        }
        guard UInt64(header.sectionHeaderEntrySize) == Self.headerSize else {
            throw damaged("e_shentsize", "is \(header.sectionHeaderEntrySize), expected 64 for ELF64")
        }
        let tableOffset = header.sectionHeaderOffset
        guard file.contains(offset: tableOffset, count: UInt64(count) * Self.headerSize) else {
            throw damaged(
                "section header table", "(\(count) entries at offset \(tableOffset)) runs past the end of the file")
        }
        // The table was checked to lie inside the file, so these fixed-offset reads cannot fail.
        func field64(_ index: Int, _ at: UInt64) -> UInt64 {
            file.uint64(at: tableOffset + UInt64(index) * Self.headerSize + at) ?? 0
        }
        func field32(_ index: Int, _ at: UInt64) -> UInt32 {
            file.uint32(at: tableOffset + UInt64(index) * Self.headerSize + at) ?? 0
        }
        let namesIndex = Int(header.sectionNameTableIndex)
        guard namesIndex > 0, namesIndex < count, field32(namesIndex, 4) == ElfSection.strtab else {
            throw damaged("e_shstrndx", "is \(namesIndex), which is not a string-table section of the \(count)")
        }
        let namesOffset = field64(namesIndex, 24)
        let namesSize = field64(namesIndex, 32)
        guard file.contains(offset: namesOffset, count: namesSize) else {
            throw damaged(
                "section names (section \(namesIndex), \(namesSize) bytes at offset \(namesOffset))",
                "run past the end of the file (\(file.size) bytes): the file is truncated")
        }
        var sections: [ElfSection] = []
        for index in 0..<count {
            let nameOffset = UInt64(field32(index, 0))
            guard nameOffset < namesSize || (index == 0 && nameOffset == 0) else {
                throw damaged("section \(index)'s name", "starts at \(nameOffset), past the \(namesSize)-byte string table")
            }
            let available = Int(min(namesSize - min(nameOffset, namesSize), UInt64(Self.maximumNameLength)))
            let nameBytes = file.bytes(offset: namesOffset + nameOffset, count: available) ?? []
            let section = ElfSection(
                index: index, name: String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self),
                type: field32(index, 4), offset: field64(index, 24), size: field64(index, 32), entrySize: field64(index, 56))
            guard section.type == ElfSection.nobits || file.contains(offset: section.offset, count: section.size) else {
                throw damaged(
                    "section \(index) (\(section.name), \(section.size) bytes at offset \(section.offset))",
                    "runs past the end of the file (\(file.size) bytes): the file is truncated")
            }
            sections.append(section)
        }
        self.sections = sections
    }

    /// The section called `name`, nil when there is none; a name given twice is ambiguous and refused.
    func unique(_ name: String, path: String) throws(ElfCoreError) -> ElfSection? {
        let named = sections.filter { $0.name == name }
        guard named.count <= 1 else {
            throw .malformed(path: path, field: "section \(name)", problem: "appears \(named.count) times")
        }
        return named.first
    }
}
