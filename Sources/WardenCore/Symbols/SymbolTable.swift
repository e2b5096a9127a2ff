/// An address-sorted table of kernel symbols with lookups by name and by address.
///
/// Stored in compact columns (`SymbolColumns`: one name buffer, flat arrays, a name-sorted index),
/// because the controller keeps a guest's whole table resident for as long as it protects it;
/// `storageBytes` reports the cost and a test bounds it per symbol. Names are looked up by their
/// UTF-8 bytes, as the kernel compares them, so Unicode-equivalent spellings are different names.
public struct SymbolTable: Sendable {
    public let origin: SymbolOrigin
    /// Sorted by address, then by name; module symbols included.
    public let symbols: SymbolList
    /// Positions sorted by name bytes, then by the tie rule, then by position
    /// (`SymbolColumns.nameOrder`): the first entry of a name is the one `symbol(named:)` returns.
    let nameOrder: [UInt32]
    /// Positions of the kernel's own (non-module) symbols, for "size up to the next symbol" and
    /// "the symbol an instruction pointer falls in"; nil when every symbol is the kernel's.
    let kernelPositions: [UInt32]?

    public init(origin: SymbolOrigin, symbols: [KernelSymbol]) {
        self.init(origin: origin, symbols: SymbolList(symbols))
    }

    /// A table of `symbols` in any order (kallsyms lists them in the kernel's table order).
    public init(origin: SymbolOrigin, symbols: SymbolList) {
        self.origin = origin
        // kallsyms lists come with their columns in address order already: shared, not copied.
        var columns = symbols.columns
        if let order = columns.addressOrder() { columns = columns.reordered(order) }
        self.symbols = SymbolList(columns)
        nameOrder = columns.nameOrder()
        if columns.moduleOfSymbol.isEmpty {
            kernelPositions = nil
        } else {
            kernelPositions = columns.moduleOfSymbol.indices.lazy
                .filter { columns.moduleOfSymbol[$0] == 0 }.map { UInt32(truncatingIfNeeded: $0) }
        }
    }

    public var count: Int { symbols.count }

    /// True when the source records symbol sizes (ELF symbol tables do; kallsyms and System.map do not).
    public var knowsSizes: Bool { !symbols.columns.sizes.isEmpty }

    /// Bytes held by the table's buffers: the symbols and both lookup indexes.
    public var storageBytes: Int {
        symbols.storageBytes + nameOrder.capacity * 4 + (kernelPositions?.capacity ?? 0) * 4
    }

    /// The symbol of that name; of several, a kernel symbol before a module's, a global (upper-case
    /// type) kernel symbol before a local one, and the first in address order otherwise.
    public func symbol(named name: String) -> KernelSymbol? {
        var name = name
        return name.withUTF8 { position(named: $0) }.map { symbols[$0] }
    }

    /// The lowest kernel-symbol address strictly above `address`.
    public func nextKernelAddress(after address: UInt64) -> UInt64? {
        let index = firstKernelIndex(above: address)
        return index < kernelCount ? symbols.columns.addresses[kernelPosition(index)] : nil
    }

    /// The kernel symbol at or below `address` (the one an instruction pointer falls in), with the
    /// offset: of several at one address, the last in table order. Nil outside the kernel image:
    /// below its first symbol, or at or past its last, which is an end marker (`_end`,
    /// `__init_scratch_end`), so a module or vmalloc address is never named `_end+0x3b7fe042`.
    public func kernelSymbol(containing address: UInt64) -> (symbol: KernelSymbol, offset: UInt64)? {
        let index = firstKernelIndex(above: address)
        guard index > 0, index < kernelCount else { return nil }
        let symbol = symbols[kernelPosition(index - 1)]
        return (symbol, address - symbol.address)
    }

    /// Every kernel (non-module) symbol at exactly `address`, in table order: the kernel aliases one
    /// function under several names (`__x64_sys_getpid` is also `__ia32_sys_getpid`), and a check
    /// that wants "the start of a syscall entry function" must see them all.
    public func kernelSymbols(at address: UInt64) -> [KernelSymbol] {
        var index = firstKernelIndex(above: address)
        var found: [KernelSymbol] = []
        while index > 0, symbols.columns.addresses[kernelPosition(index - 1)] == address {
            found.append(symbols[kernelPosition(index - 1)])
            index -= 1
        }
        return found.reversed()
    }

    private var kernelCount: Int { kernelPositions?.count ?? symbols.count }

    @inline(__always) private func kernelPosition(_ index: Int) -> Int {
        if let kernelPositions { Int(kernelPositions[index]) } else { index }
    }

    /// Index among the kernel symbols of the first one above `address` (`kernelCount` if none).
    private func firstKernelIndex(above address: UInt64) -> Int {
        let addresses = symbols.columns.addresses
        var low = 0
        var high = kernelCount
        while low < high {
            let mid = low + (high - low) / 2
            if addresses[kernelPosition(mid)] <= address { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func position(named query: UnsafeBufferPointer<UInt8>) -> Int? {
        let columns = symbols.columns
        return columns.names.withUnsafeBufferPointer { names in
            var low = 0
            var high = nameOrder.count
            while low < high {
                let mid = low + (high - low) / 2
                let name = UnsafeBufferPointer(rebasing: names[columns.nameRange(Int(nameOrder[mid]))])
                if SymbolColumns.compareBytes(name, query) < 0 { low = mid + 1 } else { high = mid }
            }
            guard low < nameOrder.count else { return nil }
            let position = Int(nameOrder[low])
            let name = UnsafeBufferPointer(rebasing: names[columns.nameRange(position)])
            return SymbolColumns.compareBytes(name, query) == 0 ? position : nil
        }
    }
}
