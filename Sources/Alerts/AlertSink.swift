/// Somewhere alerts go: standard output, syslog, a test's array.
///
/// `emit` is synchronous and bounded in time (the enforcer's event loop calls it directly), and a
/// failing destination reports an error value; it never traps and never blocks forever.
public protocol AlertSink: Sendable {
    func emit(_ alert: Alert) throws(AlertSinkError)
}

/// How an alert is written as one line.
public enum AlertFormat: String, Sendable, Hashable, CaseIterable {
    /// `TextAlertRenderer`: for people and grep.
    case text
    /// `JSONAlertRenderer`: JSON Lines, schema 2, for programs.
    case json

    public func line(_ alert: Alert) -> String {
        switch self {
        case .text: TextAlertRenderer.line(alert)
        case .json: JSONAlertRenderer.line(alert)
        }
    }
}
