extension SymbolTable {
    /// This table with its kernel symbols moved by `slide` (wrapping, as a KASLR slide below the
    /// link-time base would), for a table read from a file at link-time addresses that must name
    /// instruction pointers of the running kernel. Module symbols already carry running addresses,
    /// and absolute (`A`) symbols, the per-CPU offsets, do not move with the kernel.
    public func slid(by slide: UInt64) -> SymbolTable {
        guard slide != 0 else { return self }
        return SymbolTable(
            origin: origin,
            symbols: symbols.map { symbol in
                guard symbol.module == nil, symbol.type != "A" else { return symbol }
                var moved = symbol
                moved.address = symbol.address &+ slide
                return moved
            })
    }
}
