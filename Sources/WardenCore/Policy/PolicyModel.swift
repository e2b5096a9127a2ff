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
    /// Whole guest frames by guest-physical address, with no symbol: `physical:0x1000000+4096`.
    case physical(start: UInt64, length: UInt64)
    /// Whole pages by kernel virtual address, with no symbol, found through the page walk:
    /// `virtual:0xffff888001000000+4096`.
    case virtual(start: UInt64, length: UInt64)

    public var description: String {
        switch self {
        case .symbol(let name): name
        case .symbolWithLength(let name, let length): "\(name)+\(length)"
        case .range(let from, let to): "\(from)..\(to)"
        case .physical(let start, let length): "physical:0x\(String(start, radix: 16))+\(length)"
        case .virtual(let start, let length): "virtual:0x\(String(start, radix: 16))+\(length)"
        }
    }

    /// Every symbol name the extent needs resolved; none for address ranges.
    public var symbolNames: [String] {
        switch self {
        case .symbol(let name), .symbolWithLength(let name, _): [name]
        case .range(let from, let to): [from, to]
        case .physical, .virtual: []
        }
    }

    /// The target's size when the policy alone fixes it; nil when it comes from the guest's symbols.
    public var policyLength: UInt64? {
        switch self {
        case .symbolWithLength(_, let length), .physical(_, let length), .virtual(_, let length): length
        case .symbol, .range: nil
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

/// Bytes of a target whose trapped accesses are let through silently: `offset` bytes into the
/// target, `length` bytes long. Protection is per frame, so these bytes still trap; the decision
/// then allows them, as it does a trusted writer's write.
public struct ExcludedBytes: Sendable, Hashable {
    public var offset: UInt64
    public var length: UInt64
    public var location: SourceLocation

    public init(offset: UInt64, length: UInt64, location: SourceLocation) {
        self.offset = offset
        self.length = length
        self.location = location
    }

    public var range: Range<UInt64> { offset..<(offset + length) }
}

/// One protected target of a policy.
public struct ProtectedTarget: Sendable, Hashable {
    public var extent: TargetExtent
    public var access: Set<ProtectedAccess>
    public var action: PolicyAction
    /// Absent on some kernels: a missing symbol is a warning, not an error.
    public var optional: Bool
    public var writers: [WriterException]
    /// Parts of the target whose trapped accesses are allowed silently, in policy order.
    public var exclusions: [ExcludedBytes]
    /// The rule name reported with alerts: `<policy name>/<target>`.
    public var rule: String
    public var location: SourceLocation

    public init(
        extent: TargetExtent, access: Set<ProtectedAccess>, action: PolicyAction, optional: Bool,
        writers: [WriterException], exclusions: [ExcludedBytes] = [], rule: String, location: SourceLocation
    ) {
        self.extent = extent
        self.access = access
        self.action = action
        self.optional = optional
        self.writers = writers
        self.exclusions = exclusions
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
