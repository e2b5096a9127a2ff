import CElf
import WardenCore

/// Reads the `.symtab` of a vmlinux or a kernel module (`.ko`) through libelf.
public enum ElfSymbolReader {
    public static func load(path: String) throws(ElfSymbolError) -> SymbolTable {
        let handle = try ElfHandle(path: path)
        guard handle.kind == ELF_K_ELF else { throw .notElf(path: path, detail: describeNonElf(handle)) }
        let header = try handle.header()
        let sections = try handle.sections()
        let names = try handle.sectionNameIndex()

        guard let symtabIndex = sections.firstIndex(where: { $0.header.sh_type == UInt32(SHT_SYMTAB) }) else {
            let hasDynsym = sections.contains { $0.header.sh_type == UInt32(SHT_DYNSYM) }
            throw .stripped(path: path, hasDynamicSymbols: hasDynsym)
        }
        let symtab = sections[symtabIndex]
        let symtabNumber = Int(elf_ndxscn(symtab.section))
        // Section headers by their ELF index, for classifying each symbol by its section's flags.
        var headersByIndex: [Int: GElf_Shdr] = [:]
        for entry in sections { headersByIndex[Int(elf_ndxscn(entry.section))] = entry.header }
        let extendedIndices = sections.first {
            $0.header.sh_type == UInt32(SHT_SYMTAB_SHNDX) && Int($0.header.sh_link) == symtabNumber
        }.flatMap { handle.data(of: $0.section) }

        let module = moduleName(handle: handle, sections: sections, names: names)
            ?? (header.e_type == UInt16(ET_REL) ? ModuleName.fromFileName(path) : nil)

        guard let data = handle.data(of: symtab.section) else {
            throw .libelf(path: path, reason: ".symtab data: \(ElfHandle.lastError())")
        }
        let entrySize = gelf_fsize(handle.elf, ELF_T_SYM, 1, UInt32(EV_CURRENT))
        guard entrySize > 0 else { throw .malformed(path: path, reason: "symbol entry size is 0") }
        let count = data.pointee.d_size / entrySize
        guard count <= Int32.max else {
            throw .malformed(path: path, reason: ".symtab claims \(count) symbols, more than libelf can index")
        }

        var symbols: [KernelSymbol] = []
        symbols.reserveCapacity(count)
        // Entry 0 is the reserved null symbol.
        for index in 1..<max(count, 1) {
            var symbol = GElf_Sym()
            var extended: GElf_Word = 0
            guard gelf_getsymshndx(data, extendedIndices, Int32(index), &symbol, &extended) != nil else {
                throw .malformed(path: path, reason: "symbol \(index) of .symtab: \(ElfHandle.lastError())")
            }
            let kind = Int32(symbol.st_info & 0xf)
            let binding = Int32(symbol.st_info >> 4)
            if kind == STT_SECTION || kind == STT_FILE { continue }
            // SHN_XINDEX means the real section index is in the SHT_SYMTAB_SHNDX table.
            let usesExtended = symbol.st_shndx == UInt16(SHN_XINDEX)
            let sectionIndex = usesExtended ? Int(extended) : Int(symbol.st_shndx)
            guard sectionIndex != SHN_UNDEF else { continue }
            guard let name = handle.string(table: Int(symtab.header.sh_link), offset: Int(symbol.st_name)),
                !name.isEmpty
            else { continue }
            let reserved = !usesExtended && sectionIndex >= SHN_LORESERVE
            let letter = NMTypeLetter.classify(
                binding: binding, type: kind, reservedIndex: reserved ? sectionIndex : nil,
                section: reserved ? nil : headersByIndex[sectionIndex])
            symbols.append(KernelSymbol(
                name: name, address: symbol.st_value, type: letter, module: module, size: symbol.st_size))
        }
        // Names the string table cannot give (a damaged sh_link or offset) are skipped one by one; when
        // that leaves nothing, every target would plan as "symbol not found": blame the file instead.
        guard !symbols.isEmpty else {
            throw .malformed(
                path: path,
                reason: ".symtab (\(max(count, 1) - 1) entries) has no defined symbol with a readable name "
                    + "(string table: section \(symtab.header.sh_link))")
        }
        return SymbolTable(origin: .elfSymbolTable(path: path), symbols: symbols)
    }

    /// The `name=` entry of `.modinfo`, which is what the kernel calls the module once loaded.
    private static func moduleName(
        handle: borrowing ElfHandle, sections: [(section: OpaquePointer, header: GElf_Shdr)], names: Int
    ) -> String? {
        guard let modinfo = sections.first(where: { handle.string(table: names, offset: Int($0.header.sh_name)) == ".modinfo" }),
            modinfo.header.sh_type != UInt32(SHT_NOBITS),
            let data = handle.data(of: modinfo.section), let buffer = data.pointee.d_buf
        else { return nil }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: data.pointee.d_size)
        return ModuleName.fromModinfo(Array(bytes))
    }

    private static func describeNonElf(_ handle: borrowing ElfHandle) -> String {
        if handle.kind == ELF_K_AR { return "it is an ar archive" }
        var size = 0
        guard let raw = elf_rawfile(handle.elf, &size), size >= 4 else { return "it is too short" }
        let magic = UnsafeRawBufferPointer(start: raw, count: min(size, 6)).map { $0 }
        if magic.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a]) { return "it is xz-compressed; run xz -d on it first" }
        if magic.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return "it is zstd-compressed; run zstd -d on it first" }
        if magic.starts(with: [0x1f, 0x8b]) { return "it is gzip-compressed; run gzip -d on it first" }
        return "no ELF magic at its start"
    }
}

/// Module names as the kernel shows them in `[mod]`.
enum ModuleName {
    static func fromModinfo(_ bytes: [UInt8]) -> String? {
        for entry in bytes.split(separator: 0) where entry.starts(with: Array("name=".utf8)) {
            let name = String(decoding: entry.dropFirst(5), as: UTF8.self)
            if !name.isEmpty { return name }
        }
        return nil
    }

    /// `/lib/modules/…/nf-conntrack.ko` → `nf_conntrack`: the kernel turns dashes into underscores.
    static func fromFileName(_ path: String) -> String? {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        guard file.hasSuffix(".ko"), file.count > 3 else { return nil }
        return String(file.dropLast(3)).replacingDashes()
    }
}

extension String {
    fileprivate func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
