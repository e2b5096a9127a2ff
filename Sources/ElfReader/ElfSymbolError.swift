/// Why an ELF symbol table could not be read.
public enum ElfSymbolError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notElf(path: String, detail: String)
    /// The file has no `.symtab`: it was stripped (Debian's installed vmlinuz/modules, shared libraries).
    case stripped(path: String, hasDynamicSymbols: Bool)
    case malformed(path: String, reason: String)
    case libelf(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot open ELF file \(path): \(reason)"
        case .notElf(let path, let detail):
            "\(path) is not an ELF file (\(detail)); give a vmlinux with symbols or a kernel module (.ko)"
        case .stripped(let path, let hasDynamicSymbols):
            "\(path) has no .symtab section: it is stripped"
                + (hasDynamicSymbols ? " (it only has the dynamic symbols of .dynsym)" : "")
                + ". Use the unstripped vmlinux from the linux-image-<version>-dbg package"
                + " (/usr/lib/debug/boot/vmlinux-<version>), a System.map, or the guest's memory"
        case .malformed(let path, let reason):
            "malformed ELF file \(path): \(reason)"
        case .libelf(let path, let reason):
            "libelf cannot read \(path): \(reason)"
        }
    }
}
