import Hypervisor
import WardenCore

/// The plan seen from the hypervisor's side: for each guest frame, the access the restricted view
/// grants, and which parts of the frame belong to which target.
public struct ProtectedFrames: Sendable {
    /// One target's bytes inside one frame.
    public struct Span: Sendable, Equatable {
        public var targetIndex: Int
        public var offset: UInt64
        public var length: UInt64
        /// Offset into the target of the span's first byte.
        public var targetOffset: UInt64
    }

    public let plan: ProtectionPlan
    public let accessByFrame: [UInt64: MemoryAccess]
    /// Sorted protected frame numbers; `spanRanges[i]` slices `spans` for `gfns[i]`. Flat arrays so
    /// the per-event lookup is a binary search without hashing or reference counting.
    private let gfns: [UInt64]
    private let spanRanges: [Range<Int>]
    private let spans: [Span]
    private let targetSizes: [UInt64]

    public init(plan: ProtectionPlan) {
        self.plan = plan
        var byFrame: [UInt64: [Span]] = [:]
        var trapped: [UInt64: Set<ProtectedAccess>] = [:]
        for (index, target) in plan.targets.enumerated() {
            var intoTarget: UInt64 = 0
            for frame in target.frames {
                byFrame[frame.gfn, default: []].append(
                    Span(targetIndex: index, offset: frame.offset, length: frame.length, targetOffset: intoTarget))
                trapped[frame.gfn, default: []].formUnion(target.target.access)
                intoTarget += frame.length
            }
        }
        // A frame shared by targets that trap different accesses keeps the stricter of both.
        accessByFrame = trapped.mapValues(Self.viewAccess(trapping:))
        var gfns: [UInt64] = []
        var ranges: [Range<Int>] = []
        var flat: [Span] = []
        for (gfn, frameSpans) in byFrame.sorted(by: { $0.key < $1.key }) {
            gfns.append(gfn)
            ranges.append(flat.count..<(flat.count + frameSpans.count))
            flat += frameSpans
        }
        self.gfns = gfns
        self.spanRanges = ranges
        self.spans = flat
        self.targetSizes = plan.targets.map(\.size)
    }

    /// The altp2m access that makes the trapped accesses fault and leaves the rest alone.
    static func viewAccess(trapping accesses: Set<ProtectedAccess>) -> MemoryAccess {
        switch (accesses.contains(.write), accesses.contains(.execute)) {
        case (true, true): .read
        case (true, false): .readExecute
        case (false, true): .readWrite
        case (false, false): .readWriteExecute
        }
    }

    /// The target covering guest-physical `gfn:offset` (its index in the plan) and the offset into
    /// it; nil for the unprotected rest of a protected frame, which faults too (page granularity).
    public func targetIndex(gfn: UInt64, offset: UInt64) -> (index: Int, offsetInTarget: UInt64)? {
        var low = 0
        var high = gfns.count
        while low < high {
            let mid = (low + high) / 2
            if gfns[mid] < gfn { low = mid + 1 } else { high = mid }
        }
        guard low < gfns.count, gfns[low] == gfn else { return nil }
        // The smallest covering target decides: nested targets (a table inside rodata) share action
        // and access (the planner refuses conflicts), and the inner one names the write best.
        // Indices, not a slice: a slice would retain the array on every event.
        var best: Span?
        for position in spanRanges[low] {
            let span = spans[position]
            guard offset >= span.offset && offset - span.offset < span.length else { continue }
            if let current = best, targetSizes[current.targetIndex] <= targetSizes[span.targetIndex] { continue }
            best = span
        }
        guard let span = best else { return nil }
        return (span.targetIndex, span.targetOffset + (offset - span.offset))
    }
}
