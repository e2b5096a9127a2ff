import Logging

/// Warden's diagnostics: swift-log to stderr (stdout carries only results and alerts). The logging
/// system is bootstrapped on first use, once per process, as swift-log requires.
enum Diagnostics {
    static let log: Logger = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        return Logger(label: "warden")
    }()
}
