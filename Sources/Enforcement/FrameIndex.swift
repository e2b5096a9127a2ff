/// Protected frame number → its run of spans, as an open-addressing hash table on one flat array:
/// the per-event lookup is one multiply and, at a load factor of at most one half, about one probe,
/// with no hashing protocol, no reference counting and no allocation. Frame numbers come from Xen's
/// request, so lookups must stay bounded whatever they are: the table always keeps empty slots, and
/// a probe sequence ends at the first one.
///
/// Inlinable, with the storage it reads, so the raw event path inlines into its callers.
@usableFromInline
struct FrameIndex: Sendable {
    @usableFromInline
    struct Slot: Sendable {
        /// `FrameIndex.empty` when unused. Real frame numbers are below 2^52.
        @usableFromInline var gfn: UInt64
        /// Where this frame's spans start in the caller's span array, and how many there are.
        @usableFromInline var firstSpan: UInt32
        @usableFromInline var spanCount: UInt32
    }

    @inlinable static var empty: UInt64 { UInt64.max }
    @usableFromInline let slots: [Slot]
    @usableFromInline let shift: UInt64

    /// `frames` pairs each distinct frame number with its spans' position; at most 2^31 entries.
    init(_ frames: [(gfn: UInt64, spans: Range<Int>)]) {
        var bits: UInt64 = 4
        while (1 << bits) < frames.count * 2 { bits += 1 }
        var slots = [Slot](repeating: Slot(gfn: Self.empty, firstSpan: 0, spanCount: 0), count: 1 << bits)
        shift = 64 - bits
        let mask = slots.count - 1
        for frame in frames {
            var position = Self.home(frame.gfn, shift: shift)
            while slots[position].gfn != Self.empty { position = (position + 1) & mask }
            slots[position] = Slot(gfn: frame.gfn, firstSpan: UInt32(frame.spans.lowerBound), spanCount: UInt32(frame.spans.count))
        }
        self.slots = slots
    }

    /// Fibonacci hashing: the high bits of gfn × 2^64/φ, so neighbouring frames spread out.
    @inlinable static func home(_ gfn: UInt64, shift: UInt64) -> Int {
        // `shift` is 64 minus the table's bits (at least 4), so the masking shift never masks.
        Int(truncatingIfNeeded: (gfn &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// The spans of frame `gfn`, or nil for an unprotected frame.
    @inlinable func spans(of gfn: UInt64) -> Range<Int>? {
        slots.withUnsafeBufferPointer { table in
            let mask = table.count &- 1
            var position = Self.home(gfn, shift: shift)
            while true {
                let slot = table[position]
                if slot.gfn == Self.empty { return nil }
                if slot.gfn == gfn { return Int(slot.firstSpan)..<Int(slot.firstSpan &+ slot.spanCount) }
                position = (position &+ 1) & mask
            }
        }
    }
}
