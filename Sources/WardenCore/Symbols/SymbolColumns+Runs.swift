extension SymbolColumns {
    /// Puts columns that are sorted by address into full address order by sorting each run of
    /// symbols at one address by name, in place: kallsyms orders such runs its own way
    /// (scripts/kallsyms.c compare_symbols: weak and `__`-prefixed last), and a 6.1 kernel has some
    /// 300 of them, a few symbols each, so moving only their bytes avoids copying every column.
    /// - Returns: for each original position, where its symbol is now; nil when nothing moved.
    mutating func sortRunsOfEqualAddress() -> [UInt32]? {
        var moved: [UInt32]?
        var start = 0
        while start < count {
            var end = start + 1
            while end < count && addresses[end] == addresses[start] { end += 1 }
            if end - start > 1 {
                let order = (start..<end).sorted { precedesInAddressOrder($0, $1) }
                if order != Array(start..<end) {
                    if moved == nil { moved = (0..<count).map { UInt32(truncatingIfNeeded: $0) } }
                    for (offset, original) in order.enumerated() { moved?[original] = UInt32(truncatingIfNeeded: start + offset) }
                    permuteRun(from: start, order)
                }
            }
            start = end
        }
        return moved
    }

    /// Rewrites positions `start..<start + order.count` to hold the symbols at `order`, in turn.
    private mutating func permuteRun(from start: Int, _ order: [Int]) {
        let span = nameStarts[start]..<nameStarts[start + order.count]
        let oldNames = Array(names[span])
        let oldRanges = order.map { nameRange($0) }
        let oldTypes = order.map { types[$0] }
        let oldExotic = order.map { exoticTypes[$0] }
        let oldModules = moduleOfSymbol.isEmpty ? [] : order.map { moduleOfSymbol[$0] }
        let oldSizes = sizeKnown.isEmpty ? [] : order.map { size($0) }
        var write = span.lowerBound
        for (offset, range) in oldRanges.enumerated() {
            let position = start + offset
            // The run's bytes keep their span, so every start still fits the offsets' width.
            nameStarts.set(position, to: write)
            for byte in range { names[write] = oldNames[byte - span.lowerBound]; write += 1 }
            types[position] = oldTypes[offset]
            exoticTypes[position] = oldExotic[offset]
            if !oldModules.isEmpty { moduleOfSymbol[position] = oldModules[offset] }
            if !oldSizes.isEmpty { setSize(position, oldSizes[offset]) }
        }
    }

    private mutating func setSize(_ position: Int, _ size: UInt64?) {
        let bit: UInt64 = 1 << UInt64(position % 64)
        sizes[position] = size ?? 0
        if size == nil { sizeKnown[position / 64] &= ~bit } else { sizeKnown[position / 64] |= bit }
    }
}
