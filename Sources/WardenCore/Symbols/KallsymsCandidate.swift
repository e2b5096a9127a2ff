/// Where `kallsyms_num_syms`, `kallsyms_names` and `kallsyms_markers` would sit for one guess of the
/// `kallsyms_num_syms` offset, checked cheaply (markers, the last 256 names) before a full decode.
struct KallsymsCandidate {
    /// What lies between the markers and the token table.
    enum Arrangement: CaseIterable {
        /// 6.4+ order, or 6.1 without seqs_of_names: markers end right before the token table.
        case markersThenTokens
        /// 6.1.y with seqs_of_names (3 bytes a symbol) between the markers and the token table.
        case sequencesThenTokens
    }

    let arrangement: Arrangement
    private(set) var numSymsOffset: Int
    let count: Int
    private(set) var namesOffset: Int
    private(set) var namesEnd: Int
    private(set) var markersOffset: Int
    /// `kallsyms_seqs_of_names` when it sits before the token table.
    private(set) var sequencesOffset: Int?

    /// Checks the guess; `steps` counts names walked so a hostile image cannot make the search unbounded.
    init?(numSymsOffset: Int, count: Int, arrangement: Arrangement, tokens: KallsymsTokenTable,
          bytes: KallsymsBytes, steps: inout Int) {
        let markerCount = (count + KallsymsFormat.namesPerMarker - 1) / KallsymsFormat.namesPerMarker
        guard let markersSize = KallsymsFormat.aligned(markerCount * 4),
              let sequencesSize = KallsymsFormat.aligned(count * KallsymsFormat.sequenceEntrySize) else { return nil }
        var sequencesOffset: Int? = nil
        var markersEnd = tokens.tableOffset
        if arrangement == .sequencesThenTokens {
            markersEnd -= sequencesSize
            sequencesOffset = markersEnd
        }
        let markersOffset = markersEnd - markersSize
        let namesOffset = numSymsOffset + KallsymsFormat.alignment
        // The first marker is 0; the last must point inside the names, before the markers.
        guard markersOffset > namesOffset, bytes.u32(markersOffset) == 0,
              let lastMarker = bytes.u32(markersOffset + (markerCount - 1) * 4) else { return nil }
        var position = namesOffset + Int(lastMarker)
        guard position < markersOffset else { return nil }
        // Walk the names after the last marker: they must end where alignment puts the markers.
        for _ in ((markerCount - 1) * KallsymsFormat.namesPerMarker)..<count {
            steps += 1
            guard let (length, header) = bytes.entryHeader(at: position) else { return nil }
            position += header + length
            guard position <= markersOffset else { return nil }
        }
        guard KallsymsFormat.aligned(position) == markersOffset else { return nil }
        for padding in position..<markersOffset where bytes.u8(padding) != 0 { return nil }
        // Markers strictly increase: 256 entries take at least 512 bytes.
        var previous: UInt32 = 0
        for marker in 1..<markerCount {
            guard let value = bytes.u32(markersOffset + marker * 4), value > previous else { return nil }
            previous = value
        }
        self.arrangement = arrangement
        self.numSymsOffset = numSymsOffset
        self.count = count
        self.namesOffset = namesOffset
        namesEnd = position
        self.markersOffset = markersOffset
        self.sequencesOffset = sequencesOffset
    }

    /// The same tables in a copy of the bytes from offset `start` on (offsets before it go negative).
    func rebased(to start: Int) -> KallsymsCandidate {
        var copy = self
        copy.numSymsOffset -= start
        copy.namesOffset -= start
        copy.namesEnd -= start
        copy.markersOffset -= start
        copy.sequencesOffset = sequencesOffset.map { $0 - start }
        return copy
    }

    /// A possible place of `kallsyms_offsets` and `kallsyms_relative_base`, with the layout it implies.
    struct Placement {
        var layout: KallsymsLayout
        var offsets: Int
        var base: Int
        var sequences: Int?
    }

    /// Where `kallsyms_offsets` and `kallsyms_relative_base` may be, most specific first.
    func offsetPlacements(tokens: KallsymsTokenTable) -> [Placement] {
        guard let offsetsSize = KallsymsFormat.aligned(count * 4) else { return [] }
        // 6.1: offsets, then relative_base, then num_syms.
        let base = numSymsOffset - KallsymsFormat.alignment
        let before = Placement(layout: .linux6_1, offsets: base - offsetsSize, base: base, sequences: sequencesOffset)
        guard arrangement == .markersThenTokens else { return [before] }
        // 6.4+: offsets right after the token index, then relative_base, then seqs_of_names.
        let afterBase = tokens.end + offsetsSize
        let after = Placement(
            layout: .linux6_12, offsets: tokens.end, base: afterBase, sequences: afterBase + KallsymsFormat.alignment)
        return [after, before]
    }
}
