/// The ELF64 file header of an x86 core, checked as far as every core format Warden reads needs:
/// QEMU's `dump-guest-memory` (program headers) and Xen's `xl dump-core` (section headers only).
struct ElfFileHeader {
    /// `EM_X86_64` (62) or `EM_386` (3).
    let machine: UInt16
    let programHeaderOffset: UInt64
    let programHeaderEntrySize: UInt16
    /// `e_phnum` as written; 0xffff (PN_XNUM) means the count is in section header 0.
    let programHeaderCount: UInt16
    let sectionHeaderOffset: UInt64
    let sectionHeaderEntrySize: UInt16
    let sectionCount: UInt16
    let sectionNameTableIndex: UInt16

    static let size: UInt64 = 64

    init(file: MappedFile) throws(ElfCoreError) {
        let path = file.path
        guard let ident = file.bytes(offset: 0, count: 16), ident.starts(with: [0x7f, 0x45, 0x4c, 0x46]) else {
            throw .notElf(path: path)
        }
        guard ident[4] == 2 else {
            throw .unsupported(path: path, reason: "it is ELF32; Warden reads the ELF64 cores of x86-64 guests")
        }
        guard ident[5] == 1 else { throw .unsupported(path: path, reason: "it is big-endian; x86 cores are little-endian") }
        guard file.size >= Self.size, let type = file.uint16(at: 16), let machine = file.uint16(at: 18),
            let phoff = file.uint64(at: 32), let shoff = file.uint64(at: 40),
            let phentsize = file.uint16(at: 54), let phnum = file.uint16(at: 56),
            let shentsize = file.uint16(at: 58), let shnum = file.uint16(at: 60), let shstrndx = file.uint16(at: 62)
        else { throw .malformed(path: path, field: "ELF header", problem: "is cut short (the file has \(file.size) bytes)") }
        guard type == 4 else { throw .unsupported(path: path, reason: "e_type is \(type), not ET_CORE (4)") }
        guard machine == 62 || machine == 3 else {
            throw .unsupported(path: path, reason: "e_machine is \(machine), not x86 (EM_X86_64 62 or EM_386 3)")
        }
        self.machine = machine
        programHeaderOffset = phoff
        programHeaderEntrySize = phentsize
        programHeaderCount = phnum
        sectionHeaderOffset = shoff
        sectionHeaderEntrySize = shentsize
        sectionCount = shnum
        sectionNameTableIndex = shstrndx
    }
}
