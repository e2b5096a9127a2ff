import Glibc
import WardenCore

/// Formats alerts as RFC 5424 messages:
/// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [warden@32473 name="value" …] MSG`.
///
/// MSGID is the outcome (`denied`, `alerted`, …) so syslog filters can route on it; the structured
/// data carries every alert field under the names `docs/alerts.md` lists; MSG is the text line
/// without time and bytes, in ASCII (so it needs no BOM).
public struct SyslogMessageFormat: Sendable, Hashable {
    public var facility: SyslogFacility
    /// APP-NAME: printable ASCII, at most 48 characters (longer is cut, others become `_`).
    public var appName: String
    /// HOSTNAME; nil sends the RFC's NILVALUE `-`.
    public var hostname: String?
    public var processID: Int32
    /// The private enterprise number in the SD-ID `warden@<number>`. 32473 is IANA's example
    /// number (RFC 5612); a site that owns a number should use its own.
    public var enterpriseNumber: UInt32
    /// Messages longer than this many bytes lose their `after`, then `old`/`new` parameters
    /// (listed in a `truncated` parameter) rather than being cut or refused by the daemon.
    /// 8192 matches rsyslog's default `maxMessageSize`.
    public var maximumBytes: Int

    public init(
        facility: SyslogFacility = .daemon, appName: String = "warden", hostname: String? = SyslogMessageFormat.localHostname(),
        processID: Int32 = getpid(), enterpriseNumber: UInt32 = 32473, maximumBytes: Int = 8192
    ) {
        self.facility = facility
        self.appName = appName
        self.hostname = hostname
        self.processID = processID
        self.enterpriseNumber = enterpriseNumber
        self.maximumBytes = maximumBytes
    }

    public var structuredDataID: String { "warden@\(enterpriseNumber)" }

    /// The complete message (no trailing newline, no framing).
    public func message(for alert: Alert) -> String {
        let priority = facility.rawValue * 8 + alert.outcome.syslogSeverity.rawValue
        let header = [
            "<\(priority)>1", alert.time.description, headerField(hostname, limit: 255),
            headerField(appName, limit: 48), String(processID), headerField(alert.outcome.rawValue, limit: 32),
        ].joined(separator: " ")
        let text = TextAlertRenderer.syslogMessage(alert)
        var fields = [AlertField(name: "schema", value: String(Alert.schemaVersion))] + alert.flatFields
        var dropped: [String] = []
        for group in [["afterOffset", "after"], ["old", "new"]] {
            let message = assemble(header, fields, dropped, text)
            if message.utf8.count <= maximumBytes { return message }
            guard fields.contains(where: { group.contains($0.name) }) else { continue }
            fields.removeAll { group.contains($0.name) }
            dropped += group.filter { $0 != "afterOffset" }
        }
        return assemble(header, fields, dropped, text)
    }

    private func assemble(_ header: String, _ fields: [AlertField], _ dropped: [String], _ text: String) -> String {
        let all = fields + (dropped.isEmpty ? [] : [AlertField(name: "truncated", value: dropped.joined(separator: ","))])
        let parameters = all.map { " \($0.name)=\"\(Self.escapedParameterValue($0.value))\"" }.joined()
        return "\(header) [\(structuredDataID)\(parameters)] \(text)"
    }

    /// RFC 5424 §6.3.3: inside PARAM-VALUE, `"`, `\` and `]` MUST be escaped with a backslash.
    /// Everything else, control characters included, is sent as is (UTF-8): the RFC reads any
    /// other backslash pair literally, so inventing `\n` would change the value.
    public static func escapedParameterValue(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            if scalar == "\"" || scalar == "\\" || scalar == "]" { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// A header field as PRINTUSASCII (33…126), at most `limit` characters, `-` when empty.
    private func headerField(_ value: String?, limit: Int) -> String {
        guard let value, !value.isEmpty else { return "-" }
        let printable = value.unicodeScalars.prefix(limit).map { (33...126).contains($0.value) ? Character($0) : "_" }
        return String(printable)
    }
}

extension SyslogMessageFormat {
    /// This machine's name from gethostname(2), or nil when it has none.
    public static func localHostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? nil : name
    }
}
