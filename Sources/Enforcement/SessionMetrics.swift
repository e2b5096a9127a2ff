import Alerts
import XenRing

/// What the ring loop counts for metrics (`warden run --metrics`), beside `ProtectionSession.Statistics`:
/// events by kind, decisions by target and outcome, how full the ring was, how long each decision took.
/// Plain integers in arrays sized at construction and touched only by the session's thread, so an event
/// costs a few increments: no lock, atomic or allocation (a scrape reads a copy taken between passes).
public struct SessionMetrics: Sendable, Equatable {
    /// Why Xen sent a request, as far as the controller tells them apart; Xen's own names, lower case.
    public enum EventKind: Int, CaseIterable, Sendable {
        case memAccess, singlestep, emulUnimplemented, other
        /// Stamped with another vm_event interface version: its reason field cannot be trusted.
        case otherVersion

        public var label: String {
            switch self {
            case .memAccess: "mem_access"
            case .singlestep: "singlestep"
            case .emulUnimplemented: "emul_unimplemented"
            case .other: "other"
            case .otherVersion: "other_version"
            }
        }

        init(_ reason: VMEventReason) {
            switch reason {
            case .memAccess: self = .memAccess
            case .singlestep: self = .singlestep
            case .emulUnimplemented: self = .emulUnimplemented
            default: self = .other
            }
        }
    }

    /// Requests taken off the ring, by `EventKind.rawValue`.
    public private(set) var events: [Int]
    /// Policy decisions on targets: `decisions[target * outcomes + slot(outcome)]`.
    public private(set) var decisions: [Int]
    public let targetCount: Int
    /// Decision latency: from taking a request off the ring to its reply being on the ring.
    public private(set) var latency: LatencyHistogram
    /// Requests waiting on the ring at each pass that found any: `ringOccupancy[n]` passes found n, for
    /// n up to the ring's slots (index 0 unused); the last index counts anything above the slots, which
    /// `VMEventBackRing.unconsumedRequests` never reports.
    public private(set) var ringOccupancy: [Int]

    public init(targets: Int, ringSlots: Int = 8) {
        events = Array(repeating: 0, count: EventKind.allCases.count)
        decisions = Array(repeating: 0, count: targets * AlertOutcome.allCases.count)
        targetCount = targets
        latency = LatencyHistogram()
        ringOccupancy = Array(repeating: 0, count: ringSlots + 2)
    }

    public func events(_ kind: EventKind) -> Int { events[kind.rawValue] }

    public func decisions(target: Int, outcome: AlertOutcome) -> Int {
        decisions[target * AlertOutcome.allCases.count + Self.slot(outcome)]
    }

    @inline(__always)
    mutating func count(_ kind: EventKind) { events[kind.rawValue] += 1 }

    @inline(__always)
    mutating func countDecision(target: Int, _ outcome: AlertOutcome) {
        decisions[target * AlertOutcome.allCases.count + Self.slot(outcome)] += 1
    }

    @inline(__always)
    mutating func observeLatency(nanoseconds: UInt64) { latency.observe(nanoseconds) }

    mutating func observeOccupancy(_ waiting: Int) {
        guard waiting > 0 else { return }
        ringOccupancy[min(waiting, ringOccupancy.count - 1)] += 1
    }

    /// A switch, not `allCases.firstIndex`: this runs once per decided event.
    @inline(__always)
    static func slot(_ outcome: AlertOutcome) -> Int {
        switch outcome {
        case .denied: 0
        case .allowed: 1
        case .allowedTrustedWriter: 2
        case .alerted: 3
        case .logged: 4
        }
    }
}

/// Decision latencies in fixed buckets (nanoseconds, non-cumulative counts; the exposition accumulates).
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds: a decoded, decided and answered event takes about 1 µs (README "Benchmarks"); an
    /// alert written to a slow stdout or syslog socket shows up in the upper buckets.
    public static let boundsNanoseconds: [UInt64] = [
        500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000, 10_000_000, 100_000_000,
    ]
    /// `counts[i]` observations at most `boundsNanoseconds[i]` and above the bound before; the last one
    /// counts those above every bound.
    public private(set) var counts = Array(repeating: 0, count: boundsNanoseconds.count + 1)
    public private(set) var count = 0
    public private(set) var sumNanoseconds: UInt64 = 0

    public init() {}

    @inline(__always)
    mutating func observe(_ nanoseconds: UInt64) {
        var bucket = 0
        let bounds = Self.boundsNanoseconds
        while bucket < bounds.count, nanoseconds > bounds[bucket] { bucket += 1 }
        counts[bucket] += 1
        count += 1
        sumNanoseconds &+= nanoseconds
    }
}
