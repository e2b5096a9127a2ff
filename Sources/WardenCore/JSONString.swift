/// JSON string literals for Warden's JSON outputs (the plan, alerts), in one place so every
/// document escapes the same way.
public enum JSONString {
    /// RFC 8259 string: `"` and `\` escaped, C0 controls and DEL as short or `\u00XX` escapes, and
    /// U+2028 / U+2029 escaped too, because JavaScript-based readers treat them as line ends.
    public static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f || scalar == "\u{2028}" || scalar == "\u{2029}":
                let digits = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
