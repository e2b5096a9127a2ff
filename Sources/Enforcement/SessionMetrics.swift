import Alerts
import XenRing

/// What the ring loop counts for metrics (`warden run --metrics`), beside `ProtectionSession.Statistics`:
/// events by kind, decisions by target and outcome, how full the ring was, how long each decision took.
/// A copy taken between passes (`ProtectionSession.metrics`); the loop itself counts in `MetricsCounters`.
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
    public var events: [Int]
    /// Policy decisions on targets: `decisions[target * AlertOutcome.allCases.count + slot(outcome)]`.
    public var decisions: [Int]
    /// Decision latency: from taking a request off the ring to its reply being on the ring.
    public var latency: LatencyHistogram
    /// Requests waiting on the ring at each pass that found any: `ringOccupancy[n]` passes found n, for
    /// n up to the ring's slots (index 0 unused); the last index counts anything above the slots, which
    /// `VMEventBackRing.unconsumedRequests` never reports.
    public var ringOccupancy: [Int]

    public func events(_ kind: EventKind) -> Int { events[kind.rawValue] }

    public func decisions(target: Int, outcome: AlertOutcome) -> Int {
        decisions[target * AlertOutcome.allCases.count + Self.slot(outcome)]
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
        // Made at attach, before the session runs (AttachDecision), never by the ring loop.
        case .foundAtAttach: 5
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
    public var counts: [Int]
    public var count: Int
    public var sumNanoseconds: UInt64
}
