/// RFC 5424 §6.2.1 facilities (the numeric codes are the wire format).
public enum SyslogFacility: Int, Sendable, Hashable, CaseIterable {
    case kern = 0, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, audit, alert, clock
    case local0 = 16, local1, local2, local3, local4, local5, local6, local7
}

/// RFC 5424 §6.2.1 severities; lower is more severe.
public enum SyslogSeverity: Int, Sendable, Hashable, CaseIterable, Comparable {
    case emergency = 0, alert, critical, error, warning, notice, informational, debug

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension AlertOutcome {
    /// The severity an alert with this outcome is logged at (documented in docs/alerts.md):
    /// an attempt on a protected range is a warning whether it was stopped (`denied`) or let
    /// through on purpose (`alerted`); `logged` is record-keeping (notice); writes the policy
    /// expects (`allowed`, trusted writers) are informational; a hook found at attach is a warning.
    public var syslogSeverity: SyslogSeverity {
        switch self {
        case .denied, .alerted, .foundAtAttach: .warning
        case .logged: .notice
        case .allowed, .allowedTrustedWriter: .informational
        }
    }
}
