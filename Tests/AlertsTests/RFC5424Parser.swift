/// A strict reader for RFC 5424 messages and structured data, written from the RFC's ABNF, so tests
/// check the sink's output against the grammar rather than against the sink's own code.
struct RFC5424Message: Equatable {
    var priority: Int
    var version: Int
    var timestamp: String
    var hostname: String
    var appName: String
    var processID: String
    var messageID: String
    var structuredData: [StructuredDataElement]
    var message: String

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    init(parsing text: String) throws {
        var rest = Substring(text)
        guard rest.hasPrefix("<"), let close = rest.firstIndex(of: ">"), let pri = Int(rest[rest.index(after: rest.startIndex)..<close]),
              (0...191).contains(pri) else { throw ParseError(description: "bad PRI in \(text.debugDescription)") }
        priority = pri
        rest = rest[rest.index(after: close)...]
        func field(_ name: String, maxLength: Int) throws -> String {
            guard let space = rest.firstIndex(of: " ") else { throw ParseError(description: "no space after \(name)") }
            let value = String(rest[..<space])
            guard !value.isEmpty, value.count <= maxLength, value.unicodeScalars.allSatisfy({ (33...126).contains($0.value) }) else {
                throw ParseError(description: "bad \(name) \(value.debugDescription)")
            }
            rest = rest[rest.index(after: space)...]
            return value
        }
        guard let parsedVersion = Int(try field("VERSION", maxLength: 3)) else { throw ParseError(description: "bad VERSION") }
        version = parsedVersion
        timestamp = try field("TIMESTAMP", maxLength: 32)
        hostname = try field("HOSTNAME", maxLength: 255)
        appName = try field("APP-NAME", maxLength: 48)
        processID = try field("PROCID", maxLength: 128)
        messageID = try field("MSGID", maxLength: 32)
        (structuredData, rest) = try Self.structuredData(rest)
        if rest.isEmpty { message = "" } else {
            guard rest.first == " " else { throw ParseError(description: "no space before MSG") }
            message = String(rest.dropFirst())
        }
    }

    /// `-` or one or more `[SD-ID SD-PARAM*]` elements; returns them and what follows.
    static func structuredData(_ text: Substring) throws -> ([StructuredDataElement], Substring) {
        if text.hasPrefix("-") { return ([], text.dropFirst()) }
        var rest = text
        var elements: [StructuredDataElement] = []
        while rest.first == "[" {
            rest = rest.dropFirst()
            let id = rest.prefix { $0 != " " && $0 != "]" }
            guard Self.isSDName(id, allowAt: true) else { throw ParseError(description: "bad SD-ID \(id)") }
            rest = rest.dropFirst(id.count)
            var parameters: [StructuredDataElement.Parameter] = []
            while rest.first == " " {
                rest = rest.dropFirst()
                guard let equals = rest.firstIndex(of: "=") else { throw ParseError(description: "parameter without '='") }
                let name = rest[..<equals]
                guard Self.isSDName(name, allowAt: false) else { throw ParseError(description: "bad PARAM-NAME \(name)") }
                rest = rest[rest.index(after: equals)...]
                guard rest.first == "\"" else { throw ParseError(description: "unquoted PARAM-VALUE for \(name)") }
                rest = rest.dropFirst()
                var value = ""
                while true {
                    guard let character = rest.first else { throw ParseError(description: "unterminated PARAM-VALUE for \(name)") }
                    rest = rest.dropFirst()
                    if character == "\"" { break }
                    if character == "]" { throw ParseError(description: "unescaped ']' in PARAM-VALUE of \(name)") }
                    if character == "\\", let next = rest.first, next == "\"" || next == "\\" || next == "]" {
                        value.append(next)
                        rest = rest.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                parameters.append(.init(name: String(name), value: value))
            }
            guard rest.first == "]" else { throw ParseError(description: "SD-ELEMENT \(id) not closed") }
            rest = rest.dropFirst()
            elements.append(StructuredDataElement(id: String(id), parameters: parameters))
        }
        guard !elements.isEmpty else { throw ParseError(description: "STRUCTURED-DATA is neither '-' nor an element") }
        return (elements, rest)
    }

    /// SD-NAME: 1–32 printable ASCII except `=`, space, `]`, `"`; `@` only in an SD-ID's
    /// `name@number` form.
    private static func isSDName(_ name: Substring, allowAt: Bool) -> Bool {
        let parts = name.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 1 || (allowAt && parts.count == 2 && parts[1].allSatisfy(\.isNumber)) else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 32
                && part.unicodeScalars.allSatisfy { (33...126).contains($0.value) && !"=]\"".unicodeScalars.contains($0) }
        }
    }
}

struct StructuredDataElement: Equatable {
    struct Parameter: Equatable {
        var name: String
        var value: String
    }
    var id: String
    var parameters: [Parameter]

    subscript(name: String) -> String? { parameters.first { $0.name == name }?.value }
}
