/// Decodes located kallsyms tables into symbols (kernel/kallsyms.c `kallsyms_expand_symbol`,
/// `kallsyms_sym_address`), checking everything an attacker could have bent.
enum KallsymsDecoder {
    /// `kallsyms_offsets` decoded to addresses; nil with a reason when they cannot be this table's.
    ///
    /// kernel/kallsyms.c `kallsyms_sym_address` (6.1 and 6.12, `CONFIG_KALLSYMS_ABSOLUTE_PERCPU`):
    /// a non-negative offset is the absolute address, a negative one is `relative_base - 1 - offset`.
    /// Without that option offsets are unsigned, added to `relative_base`. The option is inferred:
    /// with it every non-per-CPU symbol (`_text` at least) has a negative offset; without it no
    /// offset is negative unless the image spans 2 GiB, which no kernel does.
    static func addresses(
        bytes: KallsymsBytes, offsets: Int, base: Int, count: Int
    ) -> (base: UInt64, absolutePercpu: Bool, addresses: [UInt64])? {
        guard bytes.contains(offsets, length: count * 4), let relativeBase = bytes.u64(base), relativeBase != 0
        else { return nil }
        var absolutePercpu = false
        for index in 0..<count where Int32(bitPattern: bytes.u32(offsets + index * 4) ?? 0) < 0 {
            absolutePercpu = true
            break
        }
        var addresses: [UInt64] = []
        addresses.reserveCapacity(count)
        var previous: UInt64 = 0
        var sawRelative = false
        for index in 0..<count {
            guard let word = bytes.u32(offsets + index * 4) else { return nil }
            let offset = Int32(bitPattern: word)
            let address: UInt64
            if absolutePercpu && offset >= 0 {
                address = UInt64(offset)
            } else {
                // scripts/kallsyms.c record_relative_base: the base is the first non-absolute
                // symbol's address, so that symbol is stored as -1 (or 0 without absolute per-CPU).
                if !sawRelative && offset != (absolutePercpu ? -1 : 0) { return nil }
                sawRelative = true
                // relative_base - 1 - offset == relative_base + ~offset for a negative offset.
                let delta = absolutePercpu ? UInt64(UInt32(bitPattern: ~offset)) : UInt64(word)
                let (sum, overflow) = relativeBase.addingReportingOverflow(delta)
                guard !overflow else { return nil }
                address = sum
            }
            // scripts/kallsyms.c sorts the table by address before writing it.
            guard address >= previous else { return nil }
            previous = address
            addresses.append(address)
        }
        return (relativeBase, absolutePercpu, addresses)
    }

    /// True when `kallsyms_seqs_of_names` holds each index below `count` exactly once (3 bytes, big-endian).
    static func sequencesArePermutation(bytes: KallsymsBytes, at offset: Int, count: Int) -> Bool {
        guard bytes.contains(offset, length: count * KallsymsFormat.sequenceEntrySize) else { return false }
        var seen = [UInt64](repeating: 0, count: (count + 63) / 64)
        let raw = bytes.raw
        for index in 0..<count {
            let position = offset + index * KallsymsFormat.sequenceEntrySize
            let value = Int(raw[position]) << 16 | Int(raw[position + 1]) << 8 | Int(raw[position + 2])
            guard value < count else { return false }
            let (word, bit) = (value / 64, UInt64(1) << UInt64(value % 64))
            guard seen[word] & bit == 0 else { return false }
            seen[word] |= bit
        }
        return true
    }

    /// The symbols: names expanded into compact columns whose address column is `addresses`
    /// itself (decoded from `kallsyms_offsets`, one for each name).
    static func symbols(
        bytes: KallsymsBytes, candidate: KallsymsCandidate, tokens: KallsymsTokenTable, addresses: [UInt64]
    ) throws(KallsymsError) -> SymbolList {
        var symbols = SymbolColumns.Builder(
            addresses: addresses, expectedNameBytes: expandedNameBytes(bytes, candidate, tokens))
        try expandNames(bytes: bytes, candidate: candidate, tokens: tokens, into: &symbols)
        var columns = symbols.build()
        let positions = columns.sortRunsOfEqualAddress()
        return SymbolList(columns, positions: positions)
    }

    /// Every check `symbols` makes, without keeping a name: to accept tables in one copy of guest
    /// memory and build the symbols from a smaller one.
    static func checkNames(bytes: KallsymsBytes, candidate: KallsymsCandidate, tokens: KallsymsTokenTable) throws(KallsymsError) {
        var discard = DiscardedNames()
        try expandNames(bytes: bytes, candidate: candidate, tokens: tokens, into: &discard)
    }

    /// Expands every name, checking markers, lengths and characters as it goes. Tokens are expanded
    /// into one reusable buffer and handed to `sink`: no per-symbol allocation, and no
    /// `[KernelSymbol]` of the whole table (some 14 MB for a 6.1 kernel) at the peak.
    private static func expandNames<Sink: KallsymsNameSink>(
        bytes: KallsymsBytes, candidate: KallsymsCandidate, tokens: KallsymsTokenTable, into sink: inout Sink
    ) throws(KallsymsError) {
        func corrupt(_ index: Int, _ reason: String) -> KallsymsError {
            .corruptNames(namesOffset: candidate.namesOffset, symbolIndex: index, reason: reason)
        }
        // An entry is the type letter plus a name shorter than KSYM_NAME_LEN (scripts/kallsyms.c read_symbol).
        let capacity = KallsymsFormat.maximumNameLength
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer { buffer.deallocate() }
        let raw = bytes.raw
        guard let input = raw.baseAddress, let output = buffer.baseAddress else { throw corrupt(0, "no bytes") }
        var position = candidate.namesOffset
        try tokens.tokenStart.withUnsafeBufferPointer { (starts) throws(KallsymsError) in
            try tokens.tokenLength.withUnsafeBufferPointer { (lengths) throws(KallsymsError) in
                for index in 0..<candidate.count {
                    if index % KallsymsFormat.namesPerMarker == 0 {
                        let marker = bytes.u32(candidate.markersOffset + index / KallsymsFormat.namesPerMarker * 4)
                        guard let marker, Int(marker) == position - candidate.namesOffset else {
                            throw corrupt(index, "kallsyms_markers[\(index / 256)] does not point at this entry")
                        }
                    }
                    guard let (length, header) = bytes.entryHeader(at: position),
                          position + header + length <= candidate.namesEnd
                    else { throw corrupt(index, "entry length runs past the end of kallsyms_names") }
                    var expanded = 0
                    for codeOffset in (position + header)..<(position + header + length) {
                        let code = Int(raw[codeOffset])
                        let count = lengths[code]
                        guard count > 0, count <= capacity - expanded else {
                            throw corrupt(index, count == 0 ? "uses empty token \(code)" : "expands past KSYM_NAME_LEN")
                        }
                        // Tokens are a few bytes: a plain loop beats a memmove call per token. The
                        // guard above keeps `expanded + count` within the buffer.
                        let source = input + starts[code]
                        let target = output + expanded
                        var offset = 0
                        while offset < count {
                            let byte = source.load(fromByteOffset: offset, as: UInt8.self)
                            target.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
                            offset &+= 1
                        }
                        expanded += count
                    }
                    position += header + length
                    try append(buffer, expanded, to: &sink) { corrupt(index, $0) }
                }
            }
        }
        guard position == candidate.namesEnd else { throw corrupt(candidate.count, "names end mismatch") }
    }

    /// One expanded entry: the `nm` type letter, then a name from `nm` read with fscanf("%s") by
    /// scripts/kallsyms.c, so without control characters or spaces.
    @inline(__always) private static func append<Sink: KallsymsNameSink>(
        _ buffer: UnsafeMutableRawBufferPointer, _ count: Int, to sink: inout Sink, _ corrupt: (String) -> KallsymsError
    ) throws(KallsymsError) {
        guard count >= 2 else { throw corrupt("no type letter and name") }
        let type = buffer[0]
        guard (0x41...0x5A).contains(type) || (0x61...0x7A).contains(type) else {
            throw corrupt("type \(type) is not an nm letter")
        }
        for offset in 1..<count where buffer[offset] <= 0x20 {
            throw corrupt("name has a control or space character")
        }
        sink.appendName(UnsafeRawBufferPointer(rebasing: buffer[1..<count]), typeLetter: type)
    }
}

/// Where checked names go, one per symbol in table order.
protocol KallsymsNameSink {
    mutating func appendName(_ nameBytes: UnsafeRawBufferPointer, typeLetter: UInt8)
}

extension SymbolColumns.Builder: KallsymsNameSink {}

/// Names checked and dropped.
private struct DiscardedNames: KallsymsNameSink {
    func appendName(_ nameBytes: UnsafeRawBufferPointer, typeLetter: UInt8) {}
}
