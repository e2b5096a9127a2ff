/// Bounds-checked little-endian reads over an untrusted kernel image. Every accessor returns nil
/// instead of reading outside the buffer.
struct KallsymsBytes {
    let raw: UnsafeRawBufferPointer

    var count: Int { raw.count }

    @inline(__always) func contains(_ offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= raw.count && length <= raw.count - offset
    }

    @inline(__always) func u8(_ offset: Int) -> UInt8? {
        contains(offset, length: 1) ? raw[offset] : nil
    }

    @inline(__always) func u16(_ offset: Int) -> UInt16? { load(offset) }
    @inline(__always) func u32(_ offset: Int) -> UInt32? { load(offset) }
    @inline(__always) func u64(_ offset: Int) -> UInt64? { load(offset) }

    @inline(__always) private func load<T: FixedWidthInteger>(_ offset: Int) -> T? {
        guard contains(offset, length: MemoryLayout<T>.size) else { return nil }
        return T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Length of the NUL-terminated string at `offset`, nil if no NUL within `limit` bytes or the buffer.
    func stringLength(at offset: Int, limit: Int) -> Int? {
        guard contains(offset, length: 0) else { return nil }
        let end = min(raw.count, offset + min(limit, raw.count - offset))
        var position = offset
        while position < end {
            if raw[position] == 0 { return position - offset }
            position += 1
        }
        return nil
    }

    /// A kallsyms_names entry header at `offset`: ULEB128 length of one or two bytes (v6.1+).
    /// Returns the entry length and the header size; nil when out of bounds or zero-length.
    @inline(__always) func entryHeader(at offset: Int) -> (length: Int, header: Int)? {
        guard let first = u8(offset) else { return nil }
        if first & 0x80 == 0 { return first == 0 ? nil : (Int(first), 1) }
        guard let second = u8(offset + 1), second & 0x80 == 0 else { return nil }
        return (Int(first & 0x7F) | Int(second) << 7, 2)
    }

    /// Start offsets of `pattern`, at most `limit` of them. Sixteen start positions are tested at
    /// once: a position survives only if it holds the pattern's first byte and, `length - 1` bytes
    /// on, its last non-NUL byte; survivors are compared in full. Independent vector loads keep the
    /// scan near memory speed (tens of MB in a few milliseconds), where a byte-at-a-time loop or a
    /// table-driven skip search is bound by load latency.
    func occurrences(of pattern: [UInt8], limit: Int) -> [Int] {
        let length = pattern.count
        guard length >= 2, length <= raw.count, let probe = pattern.lastIndex(where: { $0 != pattern[0] })
        else { return [] }
        let first = SIMD16<UInt8>(repeating: pattern[0])
        let other = SIMD16<UInt8>(repeating: pattern[probe])
        var found: [Int] = []
        let lastStart = raw.count - length
        var block = 0
        // Whole blocks whose probe loads stay inside the buffer.
        while block + 15 + probe < raw.count && block + 15 <= lastStart {
            let head = raw.loadUnaligned(fromByteOffset: block, as: SIMD16<UInt8>.self)
            let tail = raw.loadUnaligned(fromByteOffset: block + probe, as: SIMD16<UInt8>.self)
            let hits = (head .== first) .& (tail .== other)
            if any(hits) {
                for lane in 0..<16 where hits[lane] && matches(pattern, at: block + lane) {
                    found.append(block + lane)
                    if found.count >= limit { return found }
                }
            }
            block += 16
        }
        // The remaining starts, one at a time.
        for start in block...max(block, lastStart) where start <= lastStart && matches(pattern, at: start) {
            found.append(start)
            if found.count >= limit { break }
        }
        return found
    }

    private func matches(_ pattern: [UInt8], at start: Int) -> Bool {
        guard contains(start, length: pattern.count) else { return false }
        for index in pattern.indices where raw[start + index] != pattern[index] { return false }
        return true
    }
}
