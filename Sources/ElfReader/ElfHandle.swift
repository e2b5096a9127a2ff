import CElf
import Glibc

/// Owns one open file descriptor and the libelf descriptor reading it; both are released exactly
/// once when the owner goes away, so no error path can leak or double-free them.
struct ElfHandle: ~Copyable {
    let path: String
    let elf: OpaquePointer
    private let fd: Int32

    init(path: String) throws(ElfSymbolError) {
        // elf_version must be called before any other libelf function; it only records the version.
        guard elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE) else {
            throw .libelf(path: path, reason: "libelf does not support ELF version \(EV_CURRENT)")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: MappedFile.errnoText()) }
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
            let reason = Self.lastError()
            close(fd)
            throw .libelf(path: path, reason: reason)
        }
        self.path = path
        self.fd = fd
        self.elf = elf
    }

    deinit {
        elf_end(elf)
        close(fd)
    }

    var kind: Elf_Kind { elf_kind(elf) }

    func header() throws(ElfSymbolError) -> GElf_Ehdr {
        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else {
            throw .libelf(path: path, reason: "ELF header: \(Self.lastError())")
        }
        return header
    }

    /// Every section with its header, in file order. libelf validated the section table when it
    /// handed out each section; the count is bounded by the file's own header.
    func sections() throws(ElfSymbolError) -> [(section: OpaquePointer, header: GElf_Shdr)] {
        var out: [(OpaquePointer, GElf_Shdr)] = []
        var current = elf_nextscn(elf, nil)
        while let section = current {
            var header = GElf_Shdr()
            guard gelf_getshdr(section, &header) != nil else {
                throw .libelf(path: path, reason: "section \(elf_ndxscn(section)) header: \(Self.lastError())")
            }
            out.append((section, header))
            current = elf_nextscn(elf, section)
        }
        return out
    }

    /// The section-name string table index (handles the extended numbering of huge files).
    func sectionNameIndex() throws(ElfSymbolError) -> Int {
        var index = 0
        guard elf_getshdrstrndx(elf, &index) == 0 else {
            throw .libelf(path: path, reason: "section name table: \(Self.lastError())")
        }
        return index
    }

    func string(table: Int, offset: Int) -> String? {
        guard let pointer = elf_strptr(elf, table, offset) else { return nil }
        return String(cString: pointer)
    }

    /// The whole contents of a section as libelf presents it (in memory order, not compressed).
    func data(of section: OpaquePointer) -> UnsafeMutablePointer<Elf_Data>? {
        elf_getdata(section, nil)
    }

    static func lastError() -> String {
        guard let message = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: message)
    }
}
