/// A parsed JSON value (RFC 8259), for reading alerts back (`warden except`). Numbers keep their
/// spelling, so a reader takes exactly the integer it expects or says why not; object members keep
/// their order. Alerts may come from anywhere, so the parser is strict and bounded: duplicate keys,
/// raw control characters, lone surrogates and nesting deeper than `maximumDepth` are errors.
public enum JSONText: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONText])
    case object([(key: String, value: JSONText)])

    /// Alert objects nest three deep; anything near this is not an alert.
    static let maximumDepth = 32

    public static func == (lhs: JSONText, rhs: JSONText) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)), (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    /// Parses one JSON text; white space around it is allowed, anything else after it is not.
    public static func parse(_ text: String) throws(JSONTextError) -> JSONText {
        var parser = JSONTextParser(bytes: Array(text.utf8))
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    public subscript(key: String) -> JSONText? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}

/// Where and why a JSON text could not be parsed; `column` counts bytes from 1.
public struct JSONTextError: Error, Sendable, Equatable, CustomStringConvertible {
    public var column: Int
    public var message: String

    public var description: String { "column \(column): \(message)" }
}

private struct JSONTextParser {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func failure(_ message: String) -> JSONTextError { JSONTextError(column: position + 1, message: message) }

    mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    mutating func value(depth: Int) throws(JSONTextError) -> JSONText {
        guard depth < JSONText.maximumDepth else { throw failure("nested more than \(JSONText.maximumDepth) levels deep") }
        skipWhitespace()
        guard position < bytes.count else { throw failure("the text ends where a value should start") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character '\(Character(Unicode.Scalar(bytes[position])))'")
        }
    }

    private mutating func literal(_ word: String, _ value: JSONText) throws(JSONTextError) -> JSONText {
        let spelled = Array(word.utf8)
        guard bytes[position...].starts(with: spelled) else { throw failure("expected \(word)") }
        position += spelled.count
        return value
    }

    private mutating func object(depth: Int) throws(JSONTextError) -> JSONText {
        position += 1
        var members: [(key: String, value: JSONText)] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
            let keyStart = position
            let key = try string()
            guard !members.contains(where: { $0.key == key }) else {
                position = keyStart
                throw failure("member \"\(key)\" appears twice")
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
            position += 1
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            guard position < bytes.count else { throw failure("the text ends inside an object") }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            guard bytes[position] == UInt8(ascii: ",") else { throw failure("expected ',' or '}' in an object") }
            position += 1
        }
    }

    private mutating func array(depth: Int) throws(JSONTextError) -> JSONText {
        position += 1
        var items: [JSONText] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            guard position < bytes.count else { throw failure("the text ends inside an array") }
            if bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            guard bytes[position] == UInt8(ascii: ",") else { throw failure("expected ',' or ']' in an array") }
            position += 1
        }
    }

    /// RFC 8259's number grammar, kept as text.
    private mutating func number() throws(JSONTextError) -> String {
        let start = position
        func digits(_ parser: inout JSONTextParser) -> Int {
            let from = parser.position
            while parser.position < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.position]) {
                parser.position += 1
            }
            return parser.position - from
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw failure("a number needs digits") }
        guard integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { throw failure("numbers have no leading zeros") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw failure("a fraction needs digits") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw failure("an exponent needs digits") }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func string() throws(JSONTextError) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var run = position
        func flush(_ parser: JSONTextParser, upTo end: Int) {
            scalars.append(contentsOf: String(decoding: parser.bytes[run..<end], as: UTF8.self).unicodeScalars)
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                flush(self, upTo: position)
                position += 1
                return String(scalars)
            }
            guard byte >= 0x20 else { throw failure("a control character inside a string must be escaped") }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            flush(self, upTo: position)
            position += 1
            guard position < bytes.count else { break }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
            default: throw failure("unknown escape '\\\(Character(Unicode.Scalar(escape)))'")
            }
            run = position
        }
        throw failure("the text ends inside a string")
    }

    /// `\uXXXX`, with a following `\uXXXX` when the first is a high surrogate.
    private mutating func unicodeEscape() throws(JSONTextError) -> Unicode.Scalar {
        let first = try hexQuad()
        if (0xD800..<0xDC00).contains(first) {
            guard bytes[position...].starts(with: Array("\\u".utf8)) else { throw failure("a high surrogate must be followed by a low one") }
            position += 2
            let second = try hexQuad()
            guard (0xDC00..<0xE000).contains(second),
                let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
            else { throw failure("a high surrogate must be followed by a low one") }
            return scalar
        }
        guard let scalar = Unicode.Scalar(first) else { throw failure("a lone low surrogate is not a character") }
        return scalar
    }

    private mutating func hexQuad() throws(JSONTextError) -> UInt32 {
        // Checked digit by digit: UInt32(_:radix:) would also take a sign.
        let quad = position + 4 <= bytes.count ? bytes[position..<(position + 4)] : []
        guard quad.count == 4, quad.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
            let value = UInt32(String(decoding: quad, as: UTF8.self), radix: 16)
        else { throw failure("\\u needs four hex digits") }
        position += 4
        return value
    }
}
