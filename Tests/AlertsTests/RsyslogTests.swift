import Alerts
import Foundation
import Testing

/// Locally a machine without rsyslogd skips with the reason; in CI (`CI=true`, where
/// `scripts/setup --integration` installs rsyslog) the test runs and a missing daemon fails it.
private let rsyslogAvailable = RsyslogDaemon.executable != nil || ProcessInfo.processInfo.environment["CI"] == "true"

@Suite(.serialized, .enabled(if: rsyslogAvailable, "needs rsyslogd (Debian package rsyslog; scripts/setup --integration installs it)"))
struct RealRsyslogReception {
    @Test(.timeLimit(.minutes(1)))
    func rsyslogParsesEverySyslogSinkMessageAsRFC5424WithTheAlertFields() throws {
        let daemon = try RsyslogDaemon()
        defer { daemon.stop() }
        let format = SyslogMessageFormat(appName: RsyslogDaemon.appName, hostname: "dom0.example", processID: 4242)
        let sink = SyslogSink(socketPath: daemon.socketPath, format: format)
        var summary = AlertSamples.make(outcome: .alerted, written: AlertSamples.writtenBytes)
        summary.repeats = 12
        summary.repeatedSince = AlertTimestamp(seconds: 1_735_787_040, microseconds: 999_999)
        let alerts = AlertSchema.checked(AlertSamples.variety + [summary])
        for alert in alerts { try sink.emit(alert) }
        #expect(sink.transport == .datagram)

        let lines = try daemon.receivedLines(count: alerts.count)
        #expect(lines.count == alerts.count)
        for (alert, line) in zip(alerts, lines) {
            let received = try JSONValue.parse(line)
            let sent = try RFC5424Message(parsing: format.message(for: alert))
            // rsyslog took the message as RFC 5424 (its RFC 3164 fallback would report protocol 0).
            #expect(received["protocol"] == .string("1"))
            #expect(received["facility"] == .string("daemon"))
            #expect(received["severity"]?.stringValue == rsyslogName(alert.outcome.syslogSeverity))
            #expect(received["timestamp"] == .string(alert.time.description))
            #expect(received["hostname"] == .string("dom0.example"))
            #expect(received["appName"] == .string(RsyslogDaemon.appName))
            #expect(received["procid"] == .string("4242"))
            #expect(received["msgid"] == .string(alert.outcome.rawValue))
            #expect(received["msg"] == .string(sent.message))
            // The structured data arrived byte for byte…
            let structuredData = try #require(received["structuredData"]?.stringValue)
            #expect(try RFC5424Message.structuredData(Substring(structuredData)).0 == sent.structuredData)
            // …and rsyslog's own SD decoder (mmpstrucdata) unescapes it to the alert's values.
            let decoded = try JSONValue.parse(#require(received["decoded"]?.stringValue))
            let parameters = try #require(decoded[format.structuredDataID])
            for parameter in try #require(sent.structuredData.first).parameters {
                #expect(parameters[parameter.name] == .string(parameter.value), "parameter \(parameter.name)")
            }
            #expect(parameters["domainName"] == .string(alert.domain.name))
            #expect(parameters["target"] == .string(alert.target.description))
            #expect(parameters["rip"] == alert.rip.map { .string("0x" + String($0, radix: 16)) })
            #expect(parameters["repeats"] == (alert.repeats > 0 ? .string(String(alert.repeats)) : nil))
        }
    }

    /// rsyslog's `syslogseverity-text` names.
    private func rsyslogName(_ severity: SyslogSeverity) -> String {
        switch severity {
        case .emergency: "emerg"
        case .alert: "alert"
        case .critical: "crit"
        case .error: "err"
        case .warning: "warning"
        case .notice: "notice"
        case .informational: "info"
        case .debug: "debug"
        }
    }
}
