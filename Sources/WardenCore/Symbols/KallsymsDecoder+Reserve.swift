extension KallsymsDecoder {
    /// The bytes the names will take once expanded, summed from token lengths without expanding,
    /// so the name buffer is allocated once at its size: growing by doubling would leave up to
    /// half of it as slack, or cost a copy to give it back. Entries that do not check out count
    /// for nothing here; `symbols` rejects them. Capped at four times the compressed names (real
    /// kernels expand about twice), so a hostile candidate cannot make it reserve gigabytes before
    /// its markers are checked; past the cap the buffer simply grows.
    static func expandedNameBytes(
        _ bytes: KallsymsBytes, _ candidate: KallsymsCandidate, _ tokens: KallsymsTokenTable
    ) -> Int {
        let raw = bytes.raw
        var total = 0
        var position = candidate.namesOffset
        for _ in 0..<candidate.count {
            guard let (length, header) = bytes.entryHeader(at: position),
                position + header + length <= candidate.namesEnd
            else { break }
            var expanded = 0
            for codeOffset in (position + header)..<(position + header + length) {
                expanded += tokens.tokenLength[Int(raw[codeOffset])]
            }
            // Less the type letter; at most KSYM_NAME_LEN, as `symbols` enforces.
            total += min(max(expanded - 1, 0), KallsymsFormat.maximumNameLength)
            position += header + length
        }
        return min(total, 4 * (candidate.namesEnd - candidate.namesOffset))
    }
}
