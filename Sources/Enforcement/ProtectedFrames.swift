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
    /// Each protected frame's run in `spans`; flat arrays, so the per-event lookup neither hashes
    /// through a protocol nor retains anything.
    @usableFromInline let frameRuns: FrameIndex
    /// Within a frame's run, smallest target first (plan order among equals), so the first span
    /// covering an offset is the one that decides.
    @usableFromInline let spans: [Span]

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
        var runs: [(gfn: UInt64, spans: Range<Int>)] = []
        var flat: [Span] = []
        let sizes = plan.targets.map(\.size)
        // Frame order fixes the table's layout: the same plan always probes the same way.
        for (gfn, frameSpans) in byFrame.sorted(by: { $0.key < $1.key }) {
            runs.append((gfn, flat.count..<(flat.count + frameSpans.count)))
            flat += frameSpans.sorted { (sizes[$0.targetIndex], $0.targetIndex) < (sizes[$1.targetIndex], $1.targetIndex) }
        }
        self.frameRuns = FrameIndex(runs)
        self.spans = flat
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
    @inlinable public func targetIndex(gfn: UInt64, offset: UInt64) -> (index: Int, offsetInTarget: UInt64)? {
        guard let run = frameRuns.spans(of: gfn) else { return nil }
        // The smallest covering target decides: nested targets (a table inside rodata) share action
        // and access (the planner refuses conflicts), and the inner one names the write best.
        // Indices, not a slice: a slice would retain the array on every event.
        return spans.withUnsafeBufferPointer { spans in
            for span in spans[run] where offset >= span.offset && offset - span.offset < span.length {
                return (span.targetIndex, span.targetOffset &+ (offset &- span.offset))
            }
            return nil
        }
    }

    /// The spans in frame `gfn`, in the order `targetIndex` tries them (empty for an unprotected frame).
    public func spans(inFrame gfn: UInt64) -> [Span] {
        frameRuns.spans(of: gfn).map { Array(spans[$0]) } ?? []
    }
}
