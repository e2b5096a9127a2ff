import Foundation

/// A checker for the part of JSON Schema 2020-12 that `docs/alert.schema.json` uses: `type`,
/// `enum`, `required`, `properties`, `additionalProperties: false`, `pattern`, `minimum`,
/// `maximum`, `if`/`then`/`else` and local `$ref`s into `$defs`. A full validator is out of scope, so the checker
/// refuses any schema with another keyword: the schema cannot say something this test ignores.
struct SchemaChecker: Sendable {
    static let supportedKeywords: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "title", "description",
        "type", "enum", "required", "properties", "additionalProperties", "pattern", "minimum", "maximum", "if", "then", "else",
    ]

    let root: JSONValue

    init(schema: JSONValue) throws {
        var unsupported: [String] = []
        Self.collectUnsupported(schema, path: "#", into: &unsupported)
        guard unsupported.isEmpty else {
            throw JSONValueError(message: "schema uses keywords this checker does not implement: " + unsupported.joined(separator: ", "))
        }
        root = schema
    }

    init(contentsOf url: URL) throws {
        try self.init(schema: JSONValue.parse(String(contentsOf: url, encoding: .utf8)))
    }

    /// Every way `instance` breaks the schema, as `path: problem`; empty when it conforms.
    func violations(of instance: JSONValue) -> [String] {
        var found: [String] = []
        check(instance, against: root, path: "$", into: &found)
        return found
    }

    private func check(_ instance: JSONValue, against schema: JSONValue, path: String, into found: inout [String]) {
        guard case .object(let keywords) = schema else {
            found.append("\(path): schema node is not an object")
            return
        }
        if let reference = keywords["$ref"]?.stringValue {
            guard let target = resolve(reference) else {
                found.append("\(path): unresolvable $ref \(reference)")
                return
            }
            check(instance, against: target, path: path, into: &found)
        }
        if let type = keywords["type"]?.stringValue, !Self.matches(instance, type: type) {
            found.append("\(path): expected \(type), found \(instance)")
            return
        }
        if case .array(let allowed) = keywords["enum"], !allowed.contains(where: { Self.equal($0, instance) }) {
            found.append("\(path): \(instance) is not one of \(allowed)")
        }
        if let pattern = keywords["pattern"]?.stringValue, case .string(let text) = instance, !Self.search(pattern, in: text) {
            found.append("\(path): \(text.debugDescription) does not match /\(pattern)/")
        }
        if let minimum = keywords["minimum"]?.numericValue, let value = instance.numericValue, value < minimum {
            found.append("\(path): \(value) is below the minimum \(minimum)")
        }
        if let maximum = keywords["maximum"]?.numericValue, let value = instance.numericValue, value > maximum {
            found.append("\(path): \(value) is above the maximum \(maximum)")
        }
        if let condition = keywords["if"] {
            var conditionViolations: [String] = []
            check(instance, against: condition, path: path, into: &conditionViolations)
            if let branch = keywords[conditionViolations.isEmpty ? "then" : "else"] {
                check(instance, against: branch, path: path, into: &found)
            }
        }
        guard case .object(let members) = instance else { return }
        if case .array(let required) = keywords["required"] {
            for case .string(let name) in required where members[name] == nil {
                found.append("\(path): required member \(name) is missing")
            }
        }
        var properties: [String: JSONValue] = [:]
        if case .object(let declared) = keywords["properties"] { properties = declared }
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            if let subschema = properties[name] {
                check(value, against: subschema, path: "\(path).\(name)", into: &found)
            } else if keywords["additionalProperties"] == .bool(false) {
                found.append("\(path): member \(name) is not declared in the schema")
            }
        }
    }

    /// `#/$defs/name` style JSON pointers into the root schema.
    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = root
        for component in reference.dropFirst(2).split(separator: "/") { node = node?[String(component)] }
        return node
    }

    private static func matches(_ instance: JSONValue, type: String) -> Bool {
        switch (type, instance) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .integer), ("number", .integer), ("number", .number): true
        case ("integer", .number(let value)): value.rounded() == value
        default: false
        }
    }

    private static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        if let left = lhs.numericValue, let right = rhs.numericValue { return left == right }
        return lhs == rhs
    }

    /// JSON Schema patterns are unanchored searches (the schema anchors its own with ^ and $).
    private static func search(_ pattern: String, in text: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Walks every schema node (including unused `$defs`) for keywords outside the subset.
    private static func collectUnsupported(_ schema: JSONValue, path: String, into found: inout [String]) {
        guard case .object(let keywords) = schema else { return }
        for (keyword, value) in keywords.sorted(by: { $0.key < $1.key }) {
            if !supportedKeywords.contains(keyword) { found.append("\(path)/\(keyword)") }
            if keyword == "properties" || keyword == "$defs", case .object(let children) = value {
                for (name, child) in children { collectUnsupported(child, path: "\(path)/\(keyword)/\(name)", into: &found) }
            }
            if ["if", "then", "else"].contains(keyword) { collectUnsupported(value, path: "\(path)/\(keyword)", into: &found) }
        }
        if let additional = keywords["additionalProperties"], additional != .bool(false) {
            found.append("\(path)/additionalProperties (only false is implemented)")
        }
        // Forms of a supported keyword the checker would otherwise skip silently.
        for keyword in ["type", "pattern", "$ref"] where keywords[keyword].map({ $0.stringValue == nil }) ?? false {
            found.append("\(path)/\(keyword) (only a single string is implemented)")
        }
        for keyword in ["enum", "required"] {
            guard let value = keywords[keyword] else { continue }
            if case .array = value { continue }
            found.append("\(path)/\(keyword) (must be an array)")
        }
    }
}
