import Foundation

/// A parsed JSON document as a Sendable value, converted from what Foundation's
/// `JSONSerialization` returns (so parsing itself is done by an independent implementation).
enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// Numbers that JSONSerialization read as integers.
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses one JSON text with `JSONSerialization`; throws its error for invalid JSON.
    static func parse(_ text: String) throws -> JSONValue {
        try JSONValue(foundation: JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]))
    }

    init(foundation value: Any) throws {
        switch value {
        case is NSNull: self = .null
        case let string as String: self = .string(string)
        case let array as [Any]: self = .array(try array.map(JSONValue.init(foundation:)))
        case let object as [String: Any]: self = .object(try object.mapValues(JSONValue.init(foundation:)))
        case let number as NSNumber:
            // Foundation marks booleans with the C type "c"; JSON numbers never parse to it.
            switch String(cString: number.objCType) {
            case "c": self = .bool(number.boolValue)
            case "d", "f": self = .number(number.doubleValue)
            case "Q" where number.uint64Value > UInt64(Int64.max): self = .number(number.doubleValue)
            default: self = .integer(number.int64Value)
            }
        default: throw JSONValueError(message: "unexpected Foundation JSON type \(type(of: value))")
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The value as a number for range checks, whatever its JSON spelling.
    var numericValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }
}

struct JSONValueError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
