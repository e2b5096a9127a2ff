import Alerts
import WardenCore

/// What Warden does with one trapped access. Carries the index of the deciding target in the
/// plan, not the target itself: this is built once per event on the hot path.
public enum Verdict: Sendable, Equatable {
    /// The write never happens: emulate it without its memory writes.
    case deny(target: Int, offset: UInt64)
    /// Let it happen once: emulated in place, or in the unrestricted view single-stepping back (`AllowPath`).
    case allowOnce(Report)

    public enum Report: Sendable, Equatable {
        /// The access hit the unprotected part of a protected frame.
        case silent
        /// Allowed by the target's action or a trusted writer; `outcome` says which.
        case target(Int, offset: UInt64, outcome: AlertOutcome)
    }
}
