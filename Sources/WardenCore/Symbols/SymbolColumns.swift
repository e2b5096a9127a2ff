/// Kernel symbols stored column by column, so that a table of a real kernel's 94,000-163,000
/// symbols costs a few tens of bytes each instead of a heap-allocated `String` (names over 15
/// bytes), two optionals and a `Character` per symbol: the controller has 30 MB for everything,
/// beyond its executable. Built by `SymbolColumns.Builder`; read through `SymbolList`.
struct SymbolColumns: Sendable {
    /// Every name's UTF-8 bytes back to back; name i is `names[nameStarts[i]..<nameStarts[i + 1]]`.
    var names: [UInt8] = []
    var nameStarts = NameOffsets()
    var addresses: [UInt64] = []
    /// The nm type letter as its ASCII byte, or `SymbolColumns.exoticType` for a Character that
    /// is not one ASCII scalar (no parser makes one, but `KernelSymbol` allows it): kept aside.
    var types: [UInt8] = []
    var exoticTypes: [Int: Character] = [:]
    /// Interned module names, index 0 standing for the kernel itself. `moduleOfSymbol` stays empty
    /// while every symbol is the kernel's (kallsyms recovered from an image or guest memory).
    var moduleNames: [String] = [""]
    var moduleOfSymbol: [UInt32] = []
    /// Sizes, and one bit per symbol saying the size is known. Both stay empty unless the source
    /// records sizes (ELF symbol tables); kallsyms and System.map do not.
    var sizes: [UInt64] = []
    var sizeKnown: [UInt64] = []

    static let exoticType: UInt8 = 0

    var count: Int { addresses.count }

    @inline(__always) func nameRange(_ index: Int) -> Range<Int> { nameStarts[index]..<nameStarts[index + 1] }

    func name(_ index: Int) -> String {
        names.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[nameRange(index)]), as: UTF8.self) }
    }

    func type(_ index: Int) -> Character {
        let byte = types[index]
        return byte == Self.exoticType ? exoticTypes[index] ?? "?" : Character(Unicode.Scalar(byte))
    }

    func isKernel(_ index: Int) -> Bool { moduleOfSymbol.isEmpty || moduleOfSymbol[index] == 0 }

    func module(_ index: Int) -> String? {
        isKernel(index) ? nil : moduleNames[Int(moduleOfSymbol[index])]
    }

    func size(_ index: Int) -> UInt64? {
        guard !sizes.isEmpty, sizeKnown[index / 64] & (1 << UInt64(index % 64)) != 0 else { return nil }
        return sizes[index]
    }

    /// Whether the type letter is upper case (a global symbol), for the lookup tie rule.
    func hasGlobalType(_ index: Int) -> Bool {
        let byte = types[index]
        return byte == Self.exoticType ? exoticTypes[index]?.isUppercase ?? false : (0x41...0x5A).contains(byte)
    }

    subscript(index: Int) -> KernelSymbol {
        KernelSymbol(
            name: name(index), address: addresses[index], type: type(index), module: module(index), size: size(index))
    }

    /// Bytes held by the columns' buffers (capacities, not counts: what stays resident).
    var storageBytes: Int {
        names.capacity + nameStarts.storageBytes + addresses.capacity * 8 + types.capacity
            + moduleOfSymbol.capacity * 4 + sizes.capacity * 8 + sizeKnown.capacity * 8
            + moduleNames.reduce(0) { $0 + $1.utf8.count + 16 } + exoticTypes.count * 48
    }
}

/// Start offsets of the names in the name buffer, one more than there are names so that name i
/// ends where name i+1 starts. `UInt32` halves their cost; kallsyms never needs more (at most
/// 4,000,000 names of under 512 bytes is 2 GiB), and a larger buffer, which only a symbol file
/// could bring, switches to `Int` offsets instead of trapping.
struct NameOffsets: Sendable {
    private var narrow: [UInt32] = [0]
    private var wide: [Int] = []

    @inline(__always) subscript(index: Int) -> Int { wide.isEmpty ? Int(narrow[index]) : wide[index] }

    mutating func append(_ offset: Int) {
        if wide.isEmpty {
            if let small = UInt32(exactly: offset) {
                narrow.append(small)
                return
            }
            wide = narrow.map(Int.init)
            narrow = []
        }
        wide.append(offset)
    }

    /// Moves a start within the existing names (a run being reordered).
    mutating func set(_ index: Int, to offset: Int) {
        if wide.isEmpty { narrow[index] = UInt32(truncatingIfNeeded: offset) } else { wide[index] = offset }
    }

    mutating func reserveCapacity(_ count: Int) {
        if wide.isEmpty { narrow.reserveCapacity(count) } else { wide.reserveCapacity(count) }
    }

    var storageBytes: Int { narrow.capacity * 4 + wide.capacity * 8 }
}
