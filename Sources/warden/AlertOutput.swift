import Alerts
import ArgumentParser
import Foundation
import Logging
import Synchronization

/// Where alerts go: stdout (text or JSON lines) and optionally syslog, through flood control.
struct AlertOutputOptions: ParsableArguments {
    @Option(name: .customLong("output"), help: "Alert format on stdout: text or json (JSON lines, schema 2, docs/alerts.md).")
    var format: AlertFormat = .text

    @Flag(name: .customLong("syslog"), help: "Also send alerts as RFC 5424 messages to the local syslog socket.")
    var syslog = false

    @Option(name: .customLong("syslog-socket"), help: "The syslog socket (default /dev/log).")
    var syslogSocket = "/dev/log"

    @Option(name: .customLong("repeat-window"), help: "Seconds within which identical alerts are counted, not repeated.")
    var repeatWindow = 10
}

extension AlertFormat: ExpressibleByArgument {}

/// The alert pipeline of one run. Alerts come from the enforcement thread; the throttle is
/// behind a mutex so a summary flush at shutdown cannot race an alert.
final class AlertOutput: Sendable {
    private let sinks: [any AlertSink]
    private let throttle: Mutex<AlertThrottle<ContinuousClock.Instant>>
    private let failures = Atomic<Int>(0)

    convenience init(_ options: AlertOutputOptions) throws {
        var sinks: [any AlertSink] = [StandardOutputSink(format: options.format)]
        if options.syslog { sinks.append(SyslogSink(socketPath: options.syslogSocket)) }
        try self.init(sinks: sinks, repeatWindow: .seconds(options.repeatWindow))
    }

    /// Alerts to `sinks`; tests pass one that records them.
    init(sinks: [any AlertSink], repeatWindow: Duration) throws {
        self.sinks = sinks
        throttle = Mutex(try AlertThrottle(window: repeatWindow))
    }

    func report(_ alert: Alert) {
        let now = ContinuousClock.now
        let due = throttle.withLock { $0.expire(at: now) + $0.admit(alert, at: now) }
        due.forEach(send)
    }

    /// Summaries of alerts still being counted, at shutdown.
    func flush() {
        throttle.withLock { $0.flush() }.forEach(send)
    }

    var sendFailures: Int { failures.load(ordering: .relaxed) }

    private func send(_ alert: Alert) {
        for sink in sinks {
            do { try sink.emit(alert) } catch {
                failures.add(1, ordering: .relaxed)
                Diagnostics.log.error("alert not delivered: \(error)")
            }
        }
    }
}
