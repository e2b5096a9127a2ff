/// Symbols in compact storage, read as a collection of `KernelSymbol` values made on access
/// (a name of 15 bytes or less needs no allocation; a longer one, one `String`).
public struct SymbolList: RandomAccessCollection, Sendable, Equatable {
    let columns: SymbolColumns
    /// Where each element is in `columns` when the list's order is not theirs: kallsyms' table
    /// order over columns already sorted for the table (`sortRunsOfEqualAddress`). nil: the same.
    let positions: [UInt32]?

    init(_ columns: SymbolColumns, positions: [UInt32]? = nil) {
        self.columns = columns
        self.positions = positions
    }

    public init(_ symbols: some Sequence<KernelSymbol>) {
        var builder = SymbolColumns.Builder(expectedCount: symbols.underestimatedCount)
        for symbol in symbols {
            guard !builder.isFull else { break }
            builder.append(symbol)
        }
        columns = builder.build()
        positions = nil
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.count }

    public subscript(position: Int) -> KernelSymbol {
        if let positions { columns[Int(positions[position])] } else { columns[position] }
    }

    /// Bytes held by the storage buffers.
    public var storageBytes: Int { columns.storageBytes + (positions?.capacity ?? 0) * 4 }

    public static func == (left: SymbolList, right: SymbolList) -> Bool {
        left.count == right.count && left.elementsEqual(right)
    }
}
