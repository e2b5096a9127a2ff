import WardenCore

/// What happened to a trapped access, in the past tense an alert reader wants.
///
/// The policy's `PolicyAction` says what to do; the outcome says what was done, and adds the one
/// case the policy action alone cannot express: a write let through because a trusted writer made it.
public enum AlertOutcome: String, Sendable, Hashable, CaseIterable {
    /// `deny`: the access never took effect.
    case denied
    /// `allow`: the access took effect; reported only when the enforcer audits silent allows.
    case allowed
    /// A policy `writers` entry matched the instruction pointer; the write took effect.
    case allowedTrustedWriter = "allowed-trusted-writer"
    /// `alert`: the write took effect and is reported with old and new bytes.
    case alerted
    /// `log`: as `alerted`, plus the protected bytes after the write.
    case logged
    /// The integrity check at attach found this entry hooked, and the policy's
    /// `on-compromised-at-attach: alert` let Warden attach anyway.
    case foundAtAttach = "found-at-attach"

    /// The outcome of applying `action` (the trusted-writer case is the enforcer's to choose).
    public init(_ action: PolicyAction) {
        switch action {
        case .deny: self = .denied
        case .allow: self = .allowed
        case .alert: self = .alerted
        case .log: self = .logged
        }
    }
}
