import Yams

/// A change to one policy target that lets a trapped access through from now on: one more trusted
/// writer, or one more run of excluded bytes. `warden except` derives it from an alert.
public struct PolicyException: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        /// A kernel function to add to the target's `writers`.
        case writer(String)
        /// Bytes to add to the target's `exclude`, as offsets into the target.
        case exclusion(offset: UInt64, length: UInt64)
    }

    /// The target as its policy states it; an entry appended to another file copies its extent,
    /// access, action and optional flag, so that the two merge when loaded together.
    public var target: ProtectedTarget
    public var change: Change
    /// What the exception is for (the alert), one comment line each, without the `#`.
    public var comment: [String]

    public init(target: ProtectedTarget, change: Change, comment: [String]) {
        self.target = target
        self.change = change
        self.comment = comment.map(Self.printable)
    }

    /// Comment text that cannot end the comment or the line: printable ASCII only, everything else
    /// (a guest's symbol names are any Unicode, newlines included) written as `\u{…}`.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if (0x20...0x7E).contains(scalar.value) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return out
    }

    /// The list item the change adds: `text_poke` or `{offset: 0x18, length: 8}`.
    var itemText: String {
        switch change {
        case .writer(let name): Self.scalar(name)
        case .exclusion(let offset, let length): "{offset: \(hex(offset)), length: \(length)}"
        }
    }

    /// The target key the change goes under.
    var key: String {
        switch change {
        case .writer: "writers"
        case .exclusion: "exclude"
        }
    }

    /// A symbol name as a YAML plain scalar, quoted when YAML would read it as something other than
    /// text (`null`, `on`, `.inf`): the policy parser insists on text.
    static func scalar(_ name: String) -> String {
        if let node = try? Yams.compose(yaml: name, .default, .default, .utf8), case .scalar(let scalar) = node,
            PolicyNodeReader.kind(node) == .str, scalar.style == .plain, scalar.string == name
        {
            return name
        }
        return "'" + name.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    /// The comment lines, `# `-prefixed, at `indent`.
    func commentLines(indent: String) -> [String] { comment.map { "\(indent)# \($0)" } }

    /// A complete target entry for a list of targets, one line each: the comment, then the target's
    /// extent, access, action and optional flag as its policy has them, and the change alone.
    public func entryLines(indent: String = "  ") -> [String] {
        let fields = entryFields
        return commentLines(indent: indent) + ["\(indent)- " + fields[0]] + fields.dropFirst().map { indent + "  " + $0 }
    }

    /// The same entry as one flow mapping, for a `targets: [...]` written in flow style.
    func flowEntry() -> String { "{" + entryFields.joined(separator: ", ") + "}" }

    /// `key: value` texts of the entry, extent first.
    private var entryFields: [String] {
        var fields = extentFields.map { "\($0.key): \($0.value)" }
        if target.access != PolicyNodeReader.defaultAccess { fields.append("access: \(accessText)") }
        fields.append("action: \(target.action.rawValue)")
        if target.optional { fields.append("optional: true") }
        fields.append("\(key): [\(itemText)]")
        return fields
    }

    private var accessText: String { "[" + target.access.sorted().map(\.rawValue).joined(separator: ", ") + "]" }

    private var extentFields: [(key: String, value: String)] {
        switch target.extent {
        case .symbol(let name): [("symbol", Self.scalar(name))]
        case .symbolWithLength(let name, let length): [("symbol", Self.scalar(name)), ("length", "\(length)")]
        case .range(let from, let to): [("range", Self.scalar("\(from)..\(to)"))]
        case .physical(let start, let length): [("physical", "{start: \(hex(start)), length: \(length)}")]
        case .virtual(let start, let length): [("virtual", "{start: \(hex(start)), length: \(length)}")]
        }
    }
}

extension Policy {
    /// The target an alert's rule (`<policy name>/<extent>`) names, matched by extent so that the
    /// same target in another policy file (they merge when loaded together) is found too.
    public func target(matchingRule rule: String) -> ProtectedTarget? {
        guard let slash = rule.firstIndex(of: "/") else { return nil }
        let extent = rule[rule.index(after: slash)...]
        return targets.first { $0.extent.description == extent }
    }
}

extension Policy {
    /// Why `name` cannot be a kernel symbol in a policy, or nil if it can (the parser's own rule).
    public static func symbolNameProblem(_ name: String) -> String? { PolicyNodeReader.symbolNameProblem(name) }
}
