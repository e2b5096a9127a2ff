import Enforcement
import Synchronization

/// The latest snapshot, handed from the session's thread to the listener and the textfile writer. The
/// session's thread takes the lock only when it publishes (`MetricsPublisher`), never per event.
public final class MetricsBoard: Sendable {
    private let latest: Mutex<RunSnapshot>

    public init(_ first: RunSnapshot) { latest = Mutex(first) }

    public func publish(_ snapshot: RunSnapshot) { latest.withLock { $0 = snapshot } }

    public var snapshot: RunSnapshot { latest.withLock { $0 } }

    /// The exposition document for the latest snapshot.
    public func render() -> String { Exposition.render(snapshot.families) }
}

/// Publishes the session's counts on its own thread: after a ring pass at most every `interval`, and
/// at every change of state. Not Sendable: it lives on the session's thread.
public struct MetricsPublisher {
    public let board: MetricsBoard
    public let run: RunSnapshot.Run
    /// Scrapes see counts at most this old (plus one poll slice of the ring loop, 100 ms).
    public var intervalNanoseconds: UInt64 = 100_000_000
    private var last: UInt64 = 0

    public init(board: MetricsBoard, run: RunSnapshot.Run) {
        self.board = board
        self.run = run
    }

    public mutating func publish(_ session: ProtectionSession, _ state: RunSnapshot.State) {
        board.publish(RunSnapshot(run: run, session: session, state: state))
        last = MonotonicClock.nanoseconds()
    }

    /// After a ring pass while protecting.
    public mutating func publishIfDue(_ session: ProtectionSession) {
        guard MonotonicClock.nanoseconds() &- last >= intervalNanoseconds else { return }
        publish(session, .protecting)
    }
}
