/// A place named by a kernel symbol: `__x64_sys_read+0x0`.
public struct SymbolPlace: Sendable, Hashable, CustomStringConvertible {
    public var symbol: String
    public var offset: UInt64

    public init(symbol: String, offset: UInt64) {
        self.symbol = symbol
        self.offset = offset
    }

    public var description: String { "\(symbol)+\(hex(offset))" }
}

/// Where a code pointer found in a kernel structure leads, judged by the kernel's own symbols.
public enum PointerPlace: Sendable, Hashable, CustomStringConvertible {
    /// Inside the kernel image: the symbol it falls in and the offset.
    case kernelImage(SymbolPlace)
    /// MODULES_VADDR..MODULES_END, where loadable modules (and a rootkit's code) live.
    case moduleArea
    /// Neither: vmalloc, the direct map, user space, a non-canonical address.
    case outsideKernelImage

    /// The module area of x86-64 (arch/x86/include/asm/pgtable_64_types.h): MODULES_VADDR is
    /// `__START_KERNEL_map + KERNEL_IMAGE_SIZE` (1 GiB with KASLR), MODULES_END 0xffffffffff000000.
    public static let moduleAddresses: ClosedRange<UInt64> = 0xFFFF_FFFF_C000_0000...0xFFFF_FFFF_FEFF_FFFF

    public init(_ address: UInt64, in symbols: SymbolTable) {
        if let (symbol, offset) = symbols.kernelSymbol(containing: address) {
            self = .kernelImage(SymbolPlace(symbol: symbol.name, offset: offset))
        } else if Self.moduleAddresses.contains(address) {
            self = .moduleArea
        } else {
            self = .outsideKernelImage
        }
    }

    public var description: String {
        switch self {
        case .kernelImage(let place): place.description
        case .moduleArea: "module area, outside the kernel image"
        case .outsideKernelImage: "outside the kernel image"
        }
    }
}

/// One entry of a checked kernel structure that is not what the kernel itself puts there: a
/// syscall table entry, an IDT gate, or a vCPU's IDT register.
public struct IntegrityDifference: Sendable, Hashable, CustomStringConvertible {
    /// What was found instead of the expected value.
    public enum Found: Sendable, Hashable, CustomStringConvertible {
        /// A code pointer and where it leads.
        case pointer(UInt64, PointerPlace)
        /// Gate attributes (selector, type, privilege level) the kernel never sets.
        case attributes(String)

        public var description: String {
            switch self {
            case .pointer(let address, let place): "\(hex(address)) (\(place))"
            case .attributes(let text): text
            }
        }
    }

    /// `sys_call_table`, `ia32_sys_call_table`, `x32_sys_call_table`, `idt_table` or `IDTR`.
    public var structure: String
    /// The entry's index: syscall number, interrupt vector, or vCPU for `IDTR`.
    public var index: Int
    /// Virtual address of the entry (for `IDTR`, the register's base).
    public var entryAddress: UInt64
    /// The entry's byte offset inside the structure's symbol (`sys_call_table+0x18` → 0x18).
    public var entryOffset: UInt64
    /// Guest-physical address of the entry, when it translates.
    public var entryPhysical: UInt64?
    public var found: Found
    public var expected: String

    public init(
        structure: String, index: Int, entryAddress: UInt64, entryOffset: UInt64, entryPhysical: UInt64?,
        found: Found, expected: String
    ) {
        self.structure = structure
        self.index = index
        self.entryAddress = entryAddress
        self.entryOffset = entryOffset
        self.entryPhysical = entryPhysical
        self.found = found
        self.expected = expected
    }

    /// `sys_call_table[3]`, `idt_table[0x0e]`, `IDTR of vCPU 1`.
    public var entryName: String {
        switch structure {
        case "idt_table": "idt_table[vector \(hex(UInt64(index)))]"
        case IDTCheck.registerName: "IDTR of vCPU \(index)"
        default: "\(structure)[\(index)]"
        }
    }

    public var description: String {
        "\(entryName) at \(structure == IDTCheck.registerName ? hex(entryAddress) : "\(structure)+\(hex(entryOffset))"): "
            + "found \(found); expected \(expected)"
    }
}
