/// One kernel symbol as a symbol source reports it.
public struct KernelSymbol: Sendable, Hashable {
    public var name: String
    public var address: UInt64
    /// The `nm`-style type letter (`T`, `t`, `D`, `R`, `B`, `A`, …).
    public var type: Character
    /// The module that holds the symbol (`ext4` for `[ext4]`), nil for the kernel itself.
    public var module: String?
    /// The size when the source knows it (ELF symbol tables), else nil.
    public var size: UInt64?

    public init(name: String, address: UInt64, type: Character, module: String? = nil, size: UInt64? = nil) {
        self.name = name
        self.address = address
        self.type = type
        self.module = module
        self.size = size
    }
}

/// Where a table of symbols came from. Every resolved address in a plan names its origin.
public enum SymbolOrigin: Sendable, Equatable, CustomStringConvertible {
    case systemMap(path: String)
    case procKallsyms(path: String)
    case elfSymbolTable(path: String)
    /// kallsyms recovered from a compressed kernel image: link-time addresses.
    case kernelImage(path: String)
    /// kallsyms decoded from the running kernel's memory: runtime (KASLR-shifted) addresses.
    case guestMemory(source: String)

    public var description: String {
        switch self {
        case .systemMap(let path): "System.map \(path)"
        case .procKallsyms(let path): "kallsyms text \(path)"
        case .elfSymbolTable(let path): "ELF symbol table \(path)"
        case .kernelImage(let path): "kallsyms recovered from kernel image \(path)"
        case .guestMemory(let source): "kallsyms in guest memory (\(source))"
        }
    }

    /// A short machine-readable tag for the JSON plan.
    public var kind: String {
        switch self {
        case .systemMap: "system-map"
        case .procKallsyms: "kallsyms-text"
        case .elfSymbolTable: "elf-symtab"
        case .kernelImage: "kernel-image"
        case .guestMemory: "guest-memory"
        }
    }
}
