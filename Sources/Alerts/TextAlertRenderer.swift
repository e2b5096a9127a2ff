import WardenCore

/// The human line: `<time> action=denied access=write domain=7 domainName=web-1 … policy=file:12:5`.
///
/// One line per alert, fields always in the same order, so `grep action=denied` and
/// `awk '{print $2}'` keep working. Values that could break the line or forge a field (whitespace,
/// quotes, backslashes, control and invisible format characters, all of which a compromised guest
/// can put in its own symbol names) are quoted and escaped.
public enum TextAlertRenderer {
    /// The full line, without the trailing newline.
    public static func line(_ alert: Alert) -> String {
        render(alert, includeTime: true, includeBytes: true, asciiOnly: false)
    }

    /// The syslog MSG: no time (the header has it), no bytes (the structured data has them), and
    /// pure ASCII, so the message needs no BOM and reads the same in any log viewer.
    static func syslogMessage(_ alert: Alert) -> String {
        render(alert, includeTime: false, includeBytes: false, asciiOnly: true)
    }

    /// Fields every line carries, in this order, `unknown` when the alert has no value: a finding
    /// at attach has no vCPU or instruction, and Xen does not always report a linear address.
    static let alwaysShown = [
        "action", "access", "domain", "domainName", "vcpu", "target", "gla", "gpa", "rip", "ripSymbol", "rule", "policy",
    ]

    static func render(_ alert: Alert, includeTime: Bool, includeBytes: Bool, asciiOnly: Bool) -> String {
        let present = alert.flatFields
        var fields = alwaysShown.map { name in present.first { $0.name == name } ?? AlertField(name: name, value: "unknown") }
        fields += present.filter { !alwaysShown.contains($0.name) }
        if !includeBytes {
            let byteFields: Set<String> = ["old", "new", "afterOffset", "after"]
            fields.removeAll { byteFields.contains($0.name) }
        }
        let pairs = fields.map { "\($0.name)=\(quoted($0.value, asciiOnly: asciiOnly))" }
        return ((includeTime ? [alert.time.description] : []) + pairs).joined(separator: " ")
    }

    /// `value` as is when it is one safe token, else in double quotes with `\"`, `\\`, `\n`, `\r`,
    /// `\t` and `\u{…}` escapes (Swift's string-literal forms).
    static func quoted(_ value: String, asciiOnly: Bool) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { needsEscape($0, asciiOnly) || $0 == " " }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case " ": out += " "
            case _ where needsEscape(scalar, asciiOnly): out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Characters that must not appear raw in a line: the quoting characters, every kind of space
    /// and line break, controls, and format characters (bidi overrides could disguise a symbol).
    private static func needsEscape(_ scalar: Unicode.Scalar, _ asciiOnly: Bool) -> Bool {
        if scalar == "\"" || scalar == "\\" { return true }
        if asciiOnly && !scalar.isASCII { return true }
        if scalar == " " { return false }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator,
            .surrogate, .privateUse:
            return true
        default:
            return properties.isWhitespace
        }
    }
}
