import Alerts
import Enforcement
import Hypervisor
import WardenCore

/// What a scrape of `warden run` shows: a copy of the session's counts taken on its own thread between
/// ring passes, plus what does not change during a run. A value, so readers on other threads never
/// touch the session.
public struct RunSnapshot: Sendable {
    /// Where protection stands; the last two are what a textfile left behind after exit tells.
    public enum State: Sendable, Equatable {
        /// Before every planned frame is restricted (planning, set-up).
        case starting
        /// Every planned frame restricted; the ring is served.
        case protecting
        /// Torn down completely: the guest runs unrestricted and nothing waits on the ring.
        case released
        /// Teardown (or the undo of a failed set-up) left this many steps undone: run `warden release`.
        case incomplete(failedSteps: Int)
    }

    /// The parts that stay the same for the whole run.
    public struct Run: Sendable {
        public struct Target: Sendable {
            public var rule: String
            public var target: String
            /// The outcomes its policy entry allows: its action's, and the trusted-writer one if it has writers.
            public var outcomes: [AlertOutcome]
        }

        public var domainName: String
        public var domainID: UInt32
        public var allowPath: AllowPath
        public var version: String
        public var protectedFrames: Int
        public var targets: [Target]

        public init(session: ProtectionSession, version: String) {
            domainName = session.domain.name
            domainID = session.domain.id
            allowPath = session.allowPath
            self.version = version
            protectedFrames = session.engine.frames.accessByFrame.count
            targets = session.engine.frames.plan.targets.map { planned in
                let own = AlertOutcome(planned.target.action)
                return Target(
                    rule: planned.target.rule, target: planned.target.extent.description,
                    outcomes: planned.target.writers.isEmpty ? [own] : [own, .allowedTrustedWriter])
            }
        }
    }

    public var run: Run
    public var state: State
    public var ringSlots: Int
    public var statistics: ProtectionSession.Statistics
    public var counts: SessionMetrics

    /// Call on the session's thread (or before it starts): the copy is taken here.
    public init(run: Run, session: ProtectionSession, state: State) {
        self.run = run
        self.state = state
        ringSlots = session.ringSlots
        statistics = session.statistics
        counts = session.metrics
    }
}
