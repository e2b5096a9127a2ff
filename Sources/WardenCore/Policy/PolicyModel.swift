/// A place in a policy file, for error messages and for naming the rule an alert came from.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// The guest accesses to a protected range that Warden traps.
public enum ProtectedAccess: String, Sendable, Hashable, CaseIterable, Comparable {
    case write
    case execute

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What Warden does with a trapped access.
public enum PolicyAction: String, Sendable, Hashable, CaseIterable {
    /// The write never happens; the guest goes on.
    case deny
    /// The write happens once and is reported with old and new bytes.
    case alert
    /// The write happens once, silently.
    case allow
    /// As alert, plus the protected bytes after the write.
    case log
}

/// Which bytes a target protects.
public enum TargetExtent: Sendable, Hashable, CustomStringConvertible {
    /// One symbol; its size comes from the symbol source when it knows sizes, else up to the next symbol.
    case symbol(String)
    /// One symbol and an explicit length in bytes.
    case symbolWithLength(String, UInt64)
    /// From the first symbol's address up to (not including) the second's: `_stext.._etext`.
    case range(from: String, to: String)

    public var description: String {
        switch self {
        case .symbol(let name): name
        case .symbolWithLength(let name, let length): "\(name)+\(length)"
        case .range(let from, let to): "\(from)..\(to)"
        }
    }

    /// Every symbol name the extent needs resolved.
    public var symbolNames: [String] {
        switch self {
        case .symbol(let name), .symbolWithLength(let name, _): [name]
        case .range(let from, let to): [from, to]
        }
    }
}

/// A writer the policy trusts: a write whose instruction pointer lies inside this kernel function
/// is allowed without an alert (enforced by `warden run`).
public struct WriterException: Sendable, Hashable {
    public var function: String
    public var location: SourceLocation

    public init(function: String, location: SourceLocation) {
        self.function = function
        self.location = location
    }
}

/// One protected target of a policy.
public struct ProtectedTarget: Sendable, Hashable {
    public var extent: TargetExtent
    public var access: Set<ProtectedAccess>
    public var action: PolicyAction
    /// Absent on some kernels: a missing symbol is a warning, not an error.
    public var optional: Bool
    public var writers: [WriterException]
    /// The rule name reported with alerts: `<policy name>/<target>`.
    public var rule: String
    public var location: SourceLocation

    public init(
        extent: TargetExtent, access: Set<ProtectedAccess>, action: PolicyAction, optional: Bool,
        writers: [WriterException], rule: String, location: SourceLocation
    ) {
        self.extent = extent
        self.access = access
        self.action = action
        self.optional = optional
        self.writers = writers
        self.rule = rule
        self.location = location
    }
}

/// One parsed and validated policy file.
public struct Policy: Sendable, Hashable {
    public var name: String
    public var description: String
    public var file: String
    public var targets: [ProtectedTarget]
    /// `on-compromised-at-attach`, when the file sets it.
    public var onCompromisedAtAttach: CompromiseSetting?

    public init(
        name: String, description: String, file: String, targets: [ProtectedTarget], onCompromisedAtAttach: CompromiseSetting? = nil
    ) {
        self.name = name
        self.description = description
        self.file = file
        self.targets = targets
        self.onCompromisedAtAttach = onCompromisedAtAttach
    }
}
