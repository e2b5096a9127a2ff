/// Kallsyms tables found and checked in one buffer, with their addresses decoded but no symbol
/// table built yet. The names need only `namesSpan` of that buffer, so a caller that searched a
/// large copy of guest memory can let it go and build the symbols from a copy of the span alone,
/// instead of holding the large copy while the names are expanded.
struct LocatedKallsyms {
    var layout: KallsymsLayout
    var relativeBase: UInt64
    var absolutePercpu: Bool
    /// Offsets within the searched buffer.
    var locations: KallsymsTables.Locations
    var candidate: KallsymsCandidate
    var tokens: KallsymsTokenTable
    /// One per symbol, in table order; they become the table's address column as they are.
    var addresses: [UInt64]

    /// What building the symbols reads: `kallsyms_names`, the markers (and, in 6.1.y, the
    /// seqs_of_names after them), the token table and its index.
    var namesSpan: Range<Int> { candidate.namesOffset..<tokens.end }

    /// The tables, with symbols built from `bytes`: the searched buffer (`start` 0), or a copy of
    /// it from offset `start` on that holds at least `namesSpan`. Names are checked again as they
    /// are built, since a running guest may have changed them between two copies.
    func tables(names bytes: KallsymsBytes, from start: Int = 0) throws(KallsymsError) -> KallsymsTables {
        let symbols = try KallsymsDecoder.symbols(
            bytes: bytes, candidate: candidate.rebased(to: start), tokens: tokens.rebased(to: start), addresses: addresses)
        return KallsymsTables(
            layout: layout, relativeBase: relativeBase, absolutePercpu: absolutePercpu, locations: locations,
            symbols: symbols)
    }
}
