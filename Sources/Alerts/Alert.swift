import WardenCore

/// One trapped access to a protected guest range and what Warden did about it, or one difference
/// the integrity check found at attach (`finding`, action `found-at-attach`).
///
/// Plain values only (no Xen types), so the enforcer, the renderers, the throttle and the tests
/// share one vocabulary. `docs/alerts.md` documents every field; `docs/alert.schema.json` is the
/// machine-checkable form of the JSON rendering.
public struct Alert: Sendable, Hashable {
    /// The version of the alert schema every renderer emits. It changes only on an incompatible
    /// change (a field removed, renamed or retyped); new optional fields keep the version. 2: alerts
    /// for differences found at attach, which have no vCPU or instruction (so `vcpu` and `rip` are
    /// no longer always present, nor `gpa` for an entry that does not translate).
    public static let schemaVersion = 2

    /// When the access was trapped (UTC, microseconds).
    public var time: AlertTimestamp
    public var domain: AlertDomain
    /// The vCPU that made the access; nil for a finding at attach (except an IDT register's, whose vCPU it names).
    public var vcpu: UInt32?
    public var access: ProtectedAccess
    /// The protected symbol and the offset of the first accessed byte inside it.
    public var target: SymbolOffset
    /// Guest linear address of the access; nil when Xen did not report one.
    public var gla: UInt64?
    /// Guest physical address of the access; nil only for a finding whose entry does not translate.
    public var gpa: UInt64?
    /// Guest instruction pointer of the accessing instruction; nil for a finding at attach, which
    /// was written before Warden was there to see the instruction.
    public var rip: UInt64?
    /// The kernel symbol `rip` falls in; nil when no known symbol covers it.
    public var ripSymbol: SymbolOffset?
    public var outcome: AlertOutcome
    /// How a write that took effect was let through; nil for denied accesses and executes.
    public var via: WritePath?
    /// Set when Warden could not do what the policy asked and says why.
    public var reason: AlertReason?
    /// The bytes at the write's location before and after it; only for writes that happened.
    public var written: WrittenBytes?
    /// The protected bytes after the write (`log` targets).
    public var after: ProtectedSnapshot?
    /// What the integrity check at attach found (action `found-at-attach`).
    public var finding: IntegrityDifference?
    /// The policy rule that decided, `<policy name>/<target>`.
    public var rule: String
    /// Where that rule is written (`file:line:column`).
    public var policy: SourceLocation
    /// How many further identical alerts this one stands for (flood control); 0 for a single event.
    public var repeats: Int
    /// On a summary (`repeats > 0`): the time of the first alert it stands for.
    public var repeatedSince: AlertTimestamp?

    public init(
        time: AlertTimestamp, domain: AlertDomain, vcpu: UInt32?, access: ProtectedAccess, target: SymbolOffset,
        gla: UInt64?, gpa: UInt64?, rip: UInt64?, ripSymbol: SymbolOffset?, outcome: AlertOutcome,
        via: WritePath? = nil, reason: AlertReason? = nil, written: WrittenBytes? = nil, after: ProtectedSnapshot? = nil,
        finding: IntegrityDifference? = nil, rule: String, policy: SourceLocation, repeats: Int = 0, repeatedSince: AlertTimestamp? = nil
    ) {
        self.time = time
        self.domain = domain
        self.vcpu = vcpu
        self.access = access
        self.target = target
        self.gla = gla
        self.gpa = gpa
        self.rip = rip
        self.ripSymbol = ripSymbol
        self.outcome = outcome
        self.via = via
        self.reason = reason
        self.written = written
        self.after = after
        self.finding = finding
        self.rule = rule
        self.policy = policy
        self.repeats = repeats
        self.repeatedSince = repeatedSince
    }
}

/// A Xen domain as alerts name it: the numeric id and the name from xenstore.
public struct AlertDomain: Sendable, Hashable {
    public var id: UInt32
    public var name: String

    public init(id: UInt32, name: String) {
        self.id = id
        self.name = name
    }
}

/// A place inside a kernel symbol: `sys_call_table+0x18`.
public struct SymbolOffset: Sendable, Hashable, CustomStringConvertible {
    public var symbol: String
    public var offset: UInt64

    public init(symbol: String, offset: UInt64) {
        self.symbol = symbol
        self.offset = offset
    }

    public var description: String { "\(symbol)+\(hexAddress(offset))" }
}

/// The bytes at the written location before and after a write that was let through.
public struct WrittenBytes: Sendable, Hashable {
    public var old: [UInt8]
    public var new: [UInt8]

    public init(old: [UInt8], new: [UInt8]) {
        self.old = old
        self.new = new
    }
}

/// Protected bytes read back after a write, starting `offset` bytes into the target symbol.
public struct ProtectedSnapshot: Sendable, Hashable {
    public var offset: UInt64
    public var bytes: [UInt8]

    public init(offset: UInt64, bytes: [UInt8]) {
        self.offset = offset
        self.bytes = bytes
    }
}
