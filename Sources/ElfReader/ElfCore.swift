/// A guest's ELF core in either format Warden reads, told apart by the file itself.
public enum ElfCore {
    /// QEMU `dump-guest-memory`: PT_LOAD segments and per-vCPU notes.
    case qemu(ElfCoreFile)
    /// Xen `xl dump-core`: sections only.
    case xen(XenCoreFile)

    /// Opens `path` and reads it in its own format. QEMU always writes a PT_NOTE and PT_LOADs; Xen
    /// writes no program headers at all (tools/libs/guest/xg_core.c lines 257 and 262 in Xen 4.17),
    /// so `e_phnum` alone decides, and each reader then names what is wrong in its own terms.
    public static func open(path: String) throws(ElfCoreError) -> ElfCore {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw .unreadable(path: path, reason: error.reason) }
        let header = try ElfFileHeader(file: file)
        if header.programHeaderCount == 0 { return .xen(try XenCoreFile(file: file, header: header)) }
        return .qemu(try ElfCoreFile(file: file, header: header))
    }
}
