import WardenCore

/// Why a line is not an alert of schema 1: the field (`target.offset`, `json` for syntax) and what
/// is wrong with it.
public struct AlertReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    /// The line of the input it is on (1-based), for `file:line:` prefixes.
    public var line: Int

    public init(field: String, message: String, line: Int = 1) {
        self.field = field
        self.message = message
        self.line = line
    }

    public var description: String { "\(field): \(message)" }
}

extension Alert {
    /// The one alert in `text`, JSON Lines as `warden run --output json` writes them. Blank lines
    /// are skipped; no alert, or more than one, is an error, since the exception is for one access.
    public static func only(inJSONLines text: String) throws(AlertReadError) -> Alert {
        // "\r\n" is one Character in Swift, so both line ends are named.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated()
            .filter { !$0.element.allSatisfy(\.isWhitespace) }
        guard let (index, line) = lines.first else {
            throw AlertReadError(field: "input", message: "holds no alert; give one JSON line from warden run --output json")
        }
        guard lines.count == 1 else {
            throw AlertReadError(
                field: "input", message: "holds \(lines.count) alerts (lines \(lines.map { String($0.offset + 1) }.joined(separator: ", "))); "
                    + "give the one to except, for example with sed -n 'Np'", line: lines[1].offset + 1)
        }
        do { return try Alert(jsonLine: String(line)) } catch {
            throw AlertReadError(field: error.field, message: error.message, line: index + 1)
        }
    }

    /// Reads one JSON line as `JSONAlertRenderer` writes it (docs/alerts.md), checking every field
    /// the schema defines; members it does not define are ignored, as the schema asks of readers.
    public init(jsonLine line: String) throws(AlertReadError) {
        let document: JSONText
        do { document = try JSONText.parse(line) } catch {
            throw AlertReadError(field: "json", message: "not a JSON text (\(error)); an alert is one JSON object per line")
        }
        let reader = try AlertFieldReader(document, path: "")
        // Schema 2 only made vcpu, gpa and rip optional (for findings at attach): a schema 1 access
        // alert reads the same (docs/alerts.md).
        let schema = try reader.unsigned("schema", limit: UInt64(Int.max))
        guard schema == 1 || schema == UInt64(Alert.schemaVersion) else {
            throw AlertReadError(field: "schema", message: "this Warden reads alert schemas 1 and \(Alert.schemaVersion), not \(schema)")
        }
        let domain = try AlertFieldReader(reader.required("domain"), path: "domain")
        let written: WrittenBytes?
        switch (try reader.bytes("old"), try reader.bytes("new")) {
        case (let old?, let new?): written = WrittenBytes(old: old, new: new)
        case (nil, nil): written = nil
        default: throw AlertReadError(field: "old", message: "old and new come together; this alert has only one of them")
        }
        // Only a finding at attach has no vCPU, instruction or guest-physical address (schema 2).
        if try reader.word("action", as: AlertOutcome.self) != .foundAtAttach {
            for member in ["vcpu", "gpa", "rip"] { _ = try reader.required(member) }
        }
        let after = try reader.optional("after").map { node throws(AlertReadError) in
            let snapshot = try AlertFieldReader(node, path: "after")
            return ProtectedSnapshot(offset: try snapshot.unsigned("offset"), bytes: try snapshot.bytes("bytes") ?? [])
        }
        self.init(
            time: try reader.time("time"),
            domain: AlertDomain(id: UInt32(try domain.unsigned("id", limit: UInt64(UInt32.max))), name: try domain.string("name")),
            vcpu: try reader.optional("vcpu").map { _ throws(AlertReadError) in
                UInt32(try reader.unsigned("vcpu", limit: UInt64(UInt32.max)))
            },
            access: try reader.word("access", as: ProtectedAccess.self),
            target: try reader.symbolOffset("target"),
            gla: try reader.optional("gla").map { _ throws(AlertReadError) in try reader.address("gla") },
            gpa: try reader.optional("gpa").map { _ throws(AlertReadError) in try reader.address("gpa") },
            rip: try reader.optional("rip").map { _ throws(AlertReadError) in try reader.address("rip") },
            ripSymbol: try reader.optional("ripSymbol").map { _ throws(AlertReadError) in try reader.symbolOffset("ripSymbol") },
            outcome: try reader.word("action", as: AlertOutcome.self),
            via: try reader.optional("via").map { _ throws(AlertReadError) in try reader.word("via", as: WritePath.self) },
            reason: try reader.optional("reason").map { _ throws(AlertReadError) in try reader.word("reason", as: AlertReason.self) },
            written: written, after: after,
            rule: try reader.string("rule"), policy: try reader.location("policy"),
            repeats: Int(try reader.unsigned("repeats", limit: UInt64(Int.max))),
            repeatedSince: try reader.optional("repeatedSince").map { _ throws(AlertReadError) in try reader.time("repeatedSince") })
    }
}

/// Typed reads of one JSON object's members, each error naming the member's full path.
private struct AlertFieldReader {
    let members: JSONText
    let path: String

    init(_ node: JSONText, path: String) throws(AlertReadError) {
        guard case .object = node else {
            throw AlertReadError(field: path.isEmpty ? "json" : path, message: "expected a JSON object")
        }
        members = node
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func optional(_ key: String) -> JSONText? { members[key] }

    func required(_ key: String) throws(AlertReadError) -> JSONText {
        guard let value = members[key] else { throw AlertReadError(field: name(key), message: "required member is missing") }
        return value
    }

    func string(_ key: String) throws(AlertReadError) -> String {
        guard case .string(let text) = try required(key) else { throw AlertReadError(field: name(key), message: "expected a string") }
        return text
    }

    /// A non-negative integer written without fraction or exponent, at most `limit`.
    func unsigned(_ key: String, limit: UInt64 = UInt64.max) throws(AlertReadError) -> UInt64 {
        guard case .number(let text) = try required(key), let value = UInt64(text), value <= limit else {
            throw AlertReadError(field: name(key), message: "expected a whole number from 0 to \(limit)")
        }
        return value
    }

    func word<Value: RawRepresentable<String> & CaseIterable>(_ key: String, as type: Value.Type) throws(AlertReadError) -> Value {
        let text = try string(key)
        guard let value = Value(rawValue: text) else {
            let choices = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw AlertReadError(field: name(key), message: "unknown value \"\(text)\"; expected one of \(choices)")
        }
        return value
    }

    /// `0x` and lower-case hex without leading zeros, as alerts write addresses.
    func address(_ key: String) throws(AlertReadError) -> UInt64 {
        let text = try string(key)
        let digits = text.dropFirst(2)
        guard text.hasPrefix("0x"), !digits.isEmpty, digits.count <= 16, digits == "0" || !digits.hasPrefix("0"),
            digits.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }), let value = UInt64(digits, radix: 16)
        else { throw AlertReadError(field: name(key), message: "expected an address such as \"0xffffffff82200018\"") }
        return value
    }

    /// Two lower-case hex digits per byte; nil when the member is absent.
    func bytes(_ key: String) throws(AlertReadError) -> [UInt8]? {
        guard members[key] != nil else { return nil }
        let digits = Array(try string(key).utf8)
        let values = digits.map { digit -> UInt8? in
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        guard digits.count % 2 == 0, !values.contains(nil) else {
            throw AlertReadError(field: name(key), message: "expected bytes as pairs of lower-case hex digits")
        }
        return stride(from: 0, to: values.count, by: 2).map { (values[$0]! << 4) | values[$0 + 1]! }
    }

    func time(_ key: String) throws(AlertReadError) -> AlertTimestamp {
        let text = try string(key)
        guard let time = AlertTimestamp(rfc3339: text) else {
            throw AlertReadError(field: name(key), message: "expected a time such as \"2025-01-02T03:04:05.123456Z\"")
        }
        return time
    }

    func symbolOffset(_ key: String) throws(AlertReadError) -> SymbolOffset {
        let nested = try AlertFieldReader(required(key), path: name(key))
        return SymbolOffset(symbol: try nested.string("symbol"), offset: try nested.unsigned("offset"))
    }

    /// `file:line:column`; the file may itself contain ':'.
    func location(_ key: String) throws(AlertReadError) -> SourceLocation {
        let text = try string(key)
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let line = Int(parts[parts.count - 2]), let column = Int(parts[parts.count - 1]), line >= 0,
            column >= 0, !parts[parts.count - 2].hasPrefix("+"), !parts[parts.count - 1].hasPrefix("+")
        else { throw AlertReadError(field: name(key), message: "expected file:line:column, such as \"policies/x.yaml:12:5\"") }
        return SourceLocation(file: parts.dropLast(2).joined(separator: ":"), line: line, column: column)
    }
}
