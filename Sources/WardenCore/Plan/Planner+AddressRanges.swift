/// Targets given by address rather than by symbol: guest-physical frames taken as they are, and
/// kernel virtual pages walked through the kernel's page tables like a symbol's bytes.
extension Planner {
    /// The planned target for a `physical:` or `virtual:` extent; nil for symbol extents.
    func plan(addressRange target: ProtectedTarget) throws(PlanError) -> PlannedTarget? {
        switch target.extent {
        case .physical(let start, let length):
            return PlannedTarget(
                target: target, virtualAddress: nil, size: length, sizeSource: .policy,
                symbolSource: "policy address (guest-physical)", frames: try physicalFrames(target, start: start, length: length))
        case .virtual(let start, let length):
            let frames: [FrameSpan]
            do { frames = try space.frames(virtual: start, length: length) } catch {
                throw .translation(target: target, error)
            }
            return PlannedTarget(
                target: target, virtualAddress: start, size: length, sizeSource: .policy,
                symbolSource: "policy address (guest-virtual, through the kernel's page tables)", frames: frames)
        case .symbol, .symbolWithLength, .range:
            return nil
        }
    }

    /// Whole frames, each checked against the guest's RAM: restricting a frame that is not RAM
    /// would fail at set-up, after the plan was shown as good.
    private func physicalFrames(_ target: ProtectedTarget, start: UInt64, length: UInt64) throws(PlanError) -> [FrameSpan] {
        // The parser guarantees these; targets built in code get the same answer as a policy file.
        let (end, wraps) = start.addingReportingOverflow(length)
        guard length > 0, start & 0xFFF == 0, length & 0xFFF == 0, !wraps else {
            throw .addressRange(target: target, "not a range of whole 4 KiB frames")
        }
        guard length <= AddressSpace.maximumRangeLength else {
            throw .addressRange(target: target, "\(length) bytes exceeds the limit of \(AddressSpace.maximumRangeLength) bytes")
        }
        let ram = space.memory.ramRanges
        var cursor = start
        while cursor < end {
            guard let range = ram.first(where: { $0.contains(cursor) }) else {
                let layout = ram.map(\.description).joined(separator: ", ")
                throw .addressRange(
                    target: target, "guest-physical \(hex(cursor)) is not guest RAM (RAM: \(layout)); name frames inside RAM")
            }
            cursor = min(range.end, end)
        }
        return stride(from: start, to: end, by: 4096).map { FrameSpan(gfn: $0 >> 12, offset: 0, length: 4096) }
    }

    /// Two targets on the same guest bytes must agree on action and access, whichever way they were
    /// named: a physical range over a symbol's frame, or two virtual aliases of one frame, overlap
    /// only here. (The decision takes the smallest covering target, which is only sound when they agree.)
    func checkSharedFrames(_ planned: [PlannedTarget]) throws(PlanError) {
        var byFrame: [UInt64: [(offset: UInt64, end: UInt64, index: Int)]] = [:]
        for (index, target) in planned.enumerated() {
            for span in target.frames {
                byFrame[span.gfn, default: []].append((span.offset, span.offset + span.length, index))
            }
        }
        for (gfn, spans) in byFrame.sorted(by: { $0.key < $1.key }) where spans.count > 1 {
            for (position, one) in spans.enumerated() {
                for other in spans[(position + 1)...] where other.index != one.index {
                    guard one.offset < other.end, other.offset < one.end else { continue }
                    let (first, second) = (planned[one.index].target, planned[other.index].target)
                    if first.action != second.action || first.access != second.access {
                        throw .frameConflict(first: first, second: second, physical: gfn << 12 | max(one.offset, other.offset))
                    }
                }
            }
        }
    }
}
