import Alerts

/// The ring loop's counters: one buffer of integers allocated with the session and written only by its
/// thread. A class reached through a `let` and raw pointer writes, because each access to a struct of
/// arrays stored in the session costs a dynamic exclusivity check and a uniqueness check; measured
/// with the benchmark's flood under callgrind, those came to about 400 instructions per event.
final class MetricsCounters {
    private let targets: Int
    private let outcomes = AlertOutcome.allCases.count
    private let occupancySlots: Int
    private let bounds: UnsafeMutableBufferPointer<UInt64>
    // Layout: events | decisions (targets × outcomes) | latency buckets | latency count, sum | occupancy.
    private let counts: UnsafeMutableBufferPointer<Int>
    private let decisionsStart: Int
    private let latencyStart: Int
    private let latencyCount: Int
    private let occupancyStart: Int

    init(targets: Int, ringSlots: Int = 8) {
        self.targets = targets
        occupancySlots = ringSlots + 2
        bounds = .allocate(capacity: LatencyHistogram.boundsNanoseconds.count)
        _ = bounds.initialize(from: LatencyHistogram.boundsNanoseconds)
        decisionsStart = SessionMetrics.EventKind.allCases.count
        latencyStart = decisionsStart + targets * outcomes
        latencyCount = latencyStart + bounds.count + 1
        occupancyStart = latencyCount + 2
        counts = .allocate(capacity: occupancyStart + occupancySlots)
        counts.initialize(repeating: 0)
    }

    deinit {
        bounds.deallocate()
        counts.deallocate()
    }

    @inline(__always)
    func count(_ kind: SessionMetrics.EventKind) { counts[kind.rawValue] &+= 1 }

    @inline(__always)
    func countDecision(target: Int, _ outcome: AlertOutcome) {
        precondition(target >= 0 && target < targets, "a decision names a target of the plan")
        counts[decisionsStart + target * outcomes + SessionMetrics.slot(outcome)] &+= 1
    }

    @inline(__always)
    func observeLatency(nanoseconds: UInt64) {
        var bucket = 0
        while bucket < bounds.count, nanoseconds > bounds[bucket] { bucket += 1 }
        counts[latencyStart + bucket] &+= 1
        counts[latencyCount] &+= 1
        counts[latencyCount + 1] = Int(bitPattern: UInt(bitPattern: counts[latencyCount + 1]) &+ UInt(nanoseconds))
    }

    func observeOccupancy(_ waiting: Int) {
        guard waiting > 0 else { return }
        counts[occupancyStart + min(waiting, occupancySlots - 1)] &+= 1
    }

    /// A copy for readers on other threads (allocates; called between passes).
    func snapshot() -> SessionMetrics {
        func slice(_ start: Int, _ count: Int) -> [Int] { Array(counts[start..<start + count]) }
        return SessionMetrics(
            events: slice(0, decisionsStart), decisions: slice(decisionsStart, targets * outcomes),
            latency: LatencyHistogram(
                counts: slice(latencyStart, bounds.count + 1), count: counts[latencyCount],
                sumNanoseconds: UInt64(UInt(bitPattern: counts[latencyCount + 1]))),
            ringOccupancy: slice(occupancyStart, occupancySlots))
    }
}
