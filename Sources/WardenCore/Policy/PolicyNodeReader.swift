import Yams

/// A mapping entry with its key node kept, so problems about the key itself point at the key.
struct PolicyField {
    let key: Node
    let value: Node
}

/// Typed reads of YAML nodes that record a diagnostic instead of throwing, so a single pass over a
/// file finds every problem in it. Each read returns nil exactly when it recorded a diagnostic.
struct PolicyNodeReader {
    let file: String
    private(set) var diagnostics: [PolicyDiagnostic] = []

    init(file: String) {
        self.file = file
    }

    var startOfFile: SourceLocation { SourceLocation(file: file, line: 1, column: 1) }

    mutating func report(_ field: String, at location: SourceLocation, _ message: String) {
        diagnostics.append(PolicyDiagnostic(location: location, field: field, message: message))
    }

    /// Yams marks every node it composes; the fallback only guards nodes built some other way.
    func location(of node: Node, else fallback: SourceLocation) -> SourceLocation {
        guard let mark = node.mark else { return fallback }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    /// A mapping in which every one of `keys` must appear (frame ranges, exclusions): its fields and
    /// where it stands, or nil once every missing key is reported, each with `example` to copy.
    mutating func requiredFields(
        of node: Node, path: String, keys: [String], expected: String, example: String, fallback: SourceLocation
    ) -> (fields: [String: PolicyField], at: SourceLocation)? {
        guard let fields = fields(of: node, path: path, allowed: keys, expected: expected, fallback: fallback) else { return nil }
        let at = location(of: node, else: fallback)
        let missing = keys.filter { fields[$0] == nil }
        for key in missing { report(path, at: at, "required key \(key) is missing; write \(example)") }
        return missing.isEmpty ? (fields, at) : nil
    }

    /// The entries of a mapping by key. Keys must be plain names from `allowed`; any other key is
    /// reported (with a spelling suggestion) and left out, so the caller sees only known fields.
    mutating func fields(
        of node: Node, path: String, allowed: [String], expected: String, fallback: SourceLocation
    ) -> [String: PolicyField]? {
        let field = path.isEmpty ? "document" : path
        guard case .mapping(let mapping) = node else {
            report(field, at: location(of: node, else: fallback), "expected \(expected); found \(Self.describe(node))")
            return nil
        }
        let mappingStart = location(of: node, else: fallback)
        var result: [String: PolicyField] = [:]
        for (key, value) in mapping {
            let keyLocation = location(of: key, else: mappingStart)
            guard case .scalar(let scalar) = key, Self.kind(key) == .str else {
                report(
                    field, at: keyLocation,
                    "keys must be plain names such as \(allowed[0]); found \(Self.describe(key))")
                continue
            }
            let name = scalar.string
            guard allowed.contains(name) else {
                let hint = Self.closest(to: name, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                report(
                    Self.join(path, name), at: keyLocation,
                    "unknown key '\(Self.clip(name))'\(hint); allowed keys here: \(allowed.joined(separator: ", "))")
                continue
            }
            result[name] = PolicyField(key: key, value: value)
        }
        return result
    }

    /// Text only: a plain number, boolean or empty value is a type error, not silently stringified.
    mutating func text(_ node: Node, path: String, expected: String, fallback: SourceLocation) -> String? {
        guard case .scalar(let scalar) = node, Self.kind(node) == .str else {
            var message = "expected \(expected); found \(Self.describe(node))"
            if case .scalar = node, Self.kind(node) != .null { message += " (put it in quotes if you mean text)" }
            report(path, at: location(of: node, else: fallback), message)
            return nil
        }
        return scalar.string
    }

    /// Only `true` and `false`: YAML 1.1 also reads yes/no/on/off as booleans, which surprises people.
    mutating func boolean(_ node: Node, path: String, fallback: SourceLocation) -> Bool? {
        if case .scalar(let scalar) = node, Self.kind(node) == .bool {
            switch scalar.string {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        var message = "expected true or false; found \(Self.describe(node))"
        if Self.kind(node) == .bool { message += " (YAML 1.1 spellings such as yes, no, on and off are not accepted)" }
        report(path, at: location(of: node, else: fallback), message)
        return nil
    }

    mutating func list(_ node: Node, path: String, expected: String, fallback: SourceLocation) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            report(path, at: location(of: node, else: fallback), "expected \(expected); found \(Self.describe(node))")
            return nil
        }
        return Array(sequence)
    }

    // MARK: - Wording

    /// The resolved YAML type (quoted scalars are always text, plain ones are typed by their spelling).
    static func kind(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// How a node reads to a person: "a list", "the number 12", "the text "abc"".
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            let value = clip(scalar.string)
            switch Self.kind(node) {
            case .null: return "an empty value"
            case .bool: return "the boolean \(value)"
            case .int, .float: return "the number \(value)"
            case .str: return "the text \"\(value)\""
            default: return "the value \(value)"
            }
        }
    }

    /// Echoing a whole multi-kilobyte scalar back would bury the message.
    static func clip(_ text: String) -> String {
        let limit = 40
        let oneLine = String(text.map { $0.isNewline ? " " : $0 })
        return oneLine.count <= limit ? oneLine : String(oneLine.prefix(limit)) + "…"
    }

    /// The allowed word within two edits of a misspelt one, for "did you mean".
    static func closest(to word: String, in candidates: [String]) -> String? {
        guard word.utf8.count <= 64 else { return nil }
        let scored = candidates.map { ($0, editDistance(Array(word.utf8), Array($0.utf8))) }
        return scored.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    private static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for (i, left) in a.enumerated() {
            var current = [i + 1]
            for (j, right) in b.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (left == right ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
