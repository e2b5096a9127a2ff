/// Splits a text alert line back into its fields, honouring the renderer's quoting, so tests can
/// prove a hostile value stays inside its own field.
enum TextLineParser {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// The leading time token and the `name=value` pairs in order, values unescaped.
    static func parse(_ line: String) throws -> (time: String?, fields: [(name: String, value: String)]) {
        var tokens: [String] = []
        var current = ""
        var scalars = line.unicodeScalars.makeIterator()
        var inQuotes = false
        while let scalar = scalars.next() {
            switch scalar {
            case "\"": inQuotes.toggle()
            case " " where !inQuotes:
                tokens.append(current)
                current = ""
            case "\\" where inQuotes:
                current.unicodeScalars.append(try unescape(&scalars))
            default: current.unicodeScalars.append(scalar)
            }
        }
        guard !inQuotes else { throw ParseError(description: "unterminated quote in \(line)") }
        tokens.append(current)
        let time = tokens.first.flatMap { $0.contains("=") ? nil : $0 }
        let fields = try tokens.dropFirst(time == nil ? 0 : 1).map { token in
            guard let equals = token.firstIndex(of: "=") else { throw ParseError(description: "token without '=': \(token)") }
            return (String(token[..<equals]), String(token[token.index(after: equals)...]))
        }
        return (time, fields)
    }

    private static func unescape(_ scalars: inout String.UnicodeScalarView.Iterator) throws -> Unicode.Scalar {
        switch scalars.next() {
        case "\"": return "\""
        case "\\": return "\\"
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "u":
            guard scalars.next() == "{" else { throw ParseError(description: "bad \\u escape") }
            var digits = ""
            while let next = scalars.next(), next != "}" { digits.unicodeScalars.append(next) }
            guard let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value) else {
                throw ParseError(description: "bad \\u{\(digits)}")
            }
            return scalar
        default: throw ParseError(description: "unknown escape")
        }
    }
}
