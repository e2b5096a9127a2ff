import WardenCore

/// Flood control: the first alert of a kind goes out at once; identical ones within `window` are
/// only counted, and when the window closes one summary goes out with `repeats` = that count.
///
/// "Identical" means the same domain, rule, target symbol and offset, RIP, access and outcome
/// (`ThrottleKey`). The vCPU and the bytes are not part of it: one loop hammering a table from
/// every vCPU is one incident, and the summary carries the last occurrence's bytes.
///
/// Time is a parameter (any `InstantProtocol` measured in `Duration`, normally
/// `ContinuousClock.Instant`), so tests are deterministic. Memory is bounded: at most `capacity`
/// kinds are tracked; a new kind beyond that evicts the oldest, whose summary goes out early.
public struct AlertThrottle<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public let window: Duration
    public let capacity: Int
    /// Kinds evicted early because `capacity` kinds were already tracked.
    public private(set) var evictions = 0

    private struct Entry {
        /// Alerts counted, not emitted, since the window opened.
        var suppressed = 0
        var firstSuppressed: AlertTimestamp?
        var lastSuppressed: Alert?
    }
    private var entries: [ThrottleKey: Entry] = [:]
    /// Keys in the order their windows opened, with the opening time; windows all have the same
    /// length, so they close in this order too and expiry and eviction only ever remove from the
    /// front. The time is kept here so that checking for expiry, on every alert, hashes nothing.
    private var order: [(key: ThrottleKey, opened: Instant)] = []
    private var head = 0

    public init(window: Duration = .seconds(10), capacity: Int = 1024) throws(AlertThrottleError) {
        guard window > .zero else { throw .nonPositiveWindow(window) }
        guard capacity > 0 else { throw .nonPositiveCapacity(capacity) }
        self.window = window
        self.capacity = capacity
    }

    /// Kinds currently inside an open window.
    public var trackedKinds: Int { entries.count }

    /// Takes one alert at `now`; returns what to emit now, in order: summaries of windows that
    /// closed (or were evicted), then `alert` itself unless it is a repeat.
    public mutating func admit(_ alert: Alert, at now: Instant) -> [Alert] {
        var out = expire(at: now)
        let key = ThrottleKey(alert)
        // One hash for a repeat (the flood case): find the entry, then change it in place.
        if let index = entries.index(forKey: key) {
            entries.values[index].suppressed += 1
            entries.values[index].firstSuppressed = entries.values[index].firstSuppressed ?? alert.time
            entries.values[index].lastSuppressed = alert
            return out
        }
        if entries.count >= capacity {
            evictions += 1
            if let summary = popOldest() { out.append(summary) }
        }
        entries[key] = Entry()
        order.append((key, now))
        out.append(alert)
        return out
    }

    /// Summaries of every window that has closed by `now`. Call it periodically (say once a
    /// second) so a flood that stops is still summarised without waiting for the next alert.
    public mutating func expire(at now: Instant) -> [Alert] {
        var out: [Alert] = []
        while head < order.count, order[head].opened.advanced(by: window) <= now {
            if let summary = popOldest() { out.append(summary) }
        }
        return out
    }

    /// Summaries of every open window, oldest first; forgets all state. For shutdown.
    public mutating func flush() -> [Alert] {
        var out: [Alert] = []
        while head < order.count {
            if let summary = popOldest() { out.append(summary) }
        }
        return out
    }

    /// Removes the oldest window; returns its summary if anything was suppressed in it.
    private mutating func popOldest() -> Alert? {
        let key = order[head].key
        head += 1
        // Compact now and then so `order` does not grow without bound.
        if head > 64 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        guard let entry = entries.removeValue(forKey: key), var summary = entry.lastSuppressed else { return nil }
        summary.repeats = entry.suppressed
        summary.repeatedSince = entry.firstSuppressed
        return summary
    }
}

/// What makes two alerts "the same" for flood control.
public struct ThrottleKey: Sendable, Hashable {
    public var domain: UInt32
    public var rule: String
    public var target: SymbolOffset
    public var rip: UInt64?
    public var access: ProtectedAccess
    public var outcome: AlertOutcome
    /// A refusal Warden did not choose (e.g. an unemulatable instruction) is never folded into the
    /// policy's own denials of the same write.
    public var reason: AlertReason?
    /// Each hooked entry found at attach is its own incident (IDT register findings of several
    /// vCPUs share a target and differ only here).
    public var finding: String?

    public init(_ alert: Alert) {
        domain = alert.domain.id
        rule = alert.rule
        target = alert.target
        rip = alert.rip
        access = alert.access
        outcome = alert.outcome
        reason = alert.reason
        finding = alert.finding?.entryName
    }
}

/// An `AlertThrottle` configuration that cannot work.
public enum AlertThrottleError: Error, Sendable, Hashable, CustomStringConvertible {
    case nonPositiveWindow(Duration)
    case nonPositiveCapacity(Int)

    public var description: String {
        switch self {
        case .nonPositiveWindow(let window):
            "alert throttle window must be longer than zero (got \(window)); use e.g. 10 seconds"
        case .nonPositiveCapacity(let capacity):
            "alert throttle capacity must be at least 1 distinct alert kind (got \(capacity)); use e.g. 1024"
        }
    }
}
