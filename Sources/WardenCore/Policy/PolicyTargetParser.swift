import Yams

/// What makes two targets "the same": one symbol (with or without an explicit length) or one
/// start/end pair. Address overlap between different names is only knowable once addresses are.
enum ExtentIdentity: Hashable {
    case symbol(String)
    case range(String, String)
    case physical(UInt64, UInt64)
    case virtual(UInt64, UInt64)
}

extension TargetExtent {
    var identity: ExtentIdentity {
        switch self {
        case .symbol(let name), .symbolWithLength(let name, _): .symbol(name)
        case .range(let from, let to): .range(from, to)
        case .physical(let start, let length): .physical(start, length)
        case .virtual(let start, let length): .virtual(start, length)
        }
    }
}

extension PolicyNodeReader {
    static let targetKeys = [
        "symbol", "range", "physical", "virtual", "length", "access", "action", "optional", "writers", "exclude",
    ]
    static let defaultAccess: Set<ProtectedAccess> = [.write]
    /// Warden exists to write-protect; a target that only reports must say so.
    static let defaultAction = PolicyAction.deny

    mutating func targets(_ node: Node, policyName: String, fallback: SourceLocation) -> [ProtectedTarget] {
        let expected = "a list of targets, each a mapping such as {symbol: sys_call_table}"
        guard let items = list(node, path: "targets", expected: expected, fallback: fallback) else { return [] }
        let listStart = location(of: node, else: fallback)
        guard !items.isEmpty else {
            report("targets", at: listStart, "the list is empty; a policy must protect at least one target")
            return []
        }
        var result: [ProtectedTarget] = []
        var firstIndex: [ExtentIdentity: (index: Int, target: ProtectedTarget)] = [:]
        for (index, item) in items.enumerated() {
            guard let target = target(item, index: index, policyName: policyName, fallback: listStart) else { continue }
            // Two entries for one symbol in one file can only be an editing slip; which should win?
            if let earlier = firstIndex[target.extent.identity] {
                report(
                    "targets[\(index)]", at: target.location,
                    "'\(target.extent.identity.name)' is already protected by targets[\(earlier.index)] at line "
                        + "\(earlier.target.location.line); merge the two entries into one")
                continue
            }
            firstIndex[target.extent.identity] = (index, target)
            result.append(target)
        }
        return result
    }

    private mutating func target(
        _ node: Node, index: Int, policyName: String, fallback: SourceLocation
    ) -> ProtectedTarget? {
        let path = "targets[\(index)]"
        let expected = "a target mapping such as {symbol: sys_call_table, action: deny}"
        guard let fields = fields(of: node, path: path, allowed: Self.targetKeys, expected: expected, fallback: fallback)
        else { return nil }
        let at = location(of: node, else: fallback)
        var valid = true

        let extent = self.extent(fields, path: path, at: at)
        valid = valid && extent != nil

        var access = Self.defaultAccess
        if let field = fields["access"] {
            let parsed = self.access(field.value, path: "\(path).access", fallback: at)
            access = parsed ?? access
            valid = valid && parsed != nil
        }
        var action = Self.defaultAction
        if let field = fields["action"] {
            let parsed = self.action(field.value, path: "\(path).action", fallback: at)
            action = parsed ?? action
            valid = valid && parsed != nil
        }
        var optional = false
        if let field = fields["optional"] {
            let parsed = boolean(field.value, path: "\(path).optional", fallback: at)
            optional = parsed ?? optional
            valid = valid && parsed != nil
            valid = checkOptional(field, fields: fields, path: "\(path).optional", fallback: at) && valid
        }
        var writers: [WriterException] = []
        if let field = fields["writers"] {
            let parsed = self.writers(field.value, path: "\(path).writers", fallback: at)
            writers = parsed ?? writers
            valid = valid && parsed != nil
            valid = checkWriters(field, action: action, access: access, path: "\(path).writers", fallback: at) && valid
        }

        var exclusions: [ExcludedBytes] = []
        if let field = fields["exclude"] {
            let parsed = self.exclusions(field, targetLength: extent?.policyLength, action: action, path: "\(path).exclude", fallback: at)
            exclusions = parsed ?? exclusions
            valid = valid && parsed != nil
        }

        guard valid, let extent else { return nil }
        return ProtectedTarget(
            extent: extent, access: access, action: action, optional: optional, writers: writers, exclusions: exclusions,
            rule: "\(policyName)/\(extent)", location: at)
    }

    /// Writer exceptions only make sense where writes are trapped and something would happen to them.
    private mutating func checkWriters(
        _ field: PolicyField, action: PolicyAction, access: Set<ProtectedAccess>, path: String, fallback: SourceLocation
    ) -> Bool {
        let at = location(of: field.key, else: fallback)
        if action == .allow {
            report(
                path, at: at,
                "writers have no effect with action allow, which already lets every write through silently; "
                    + "remove writers or choose deny, alert or log")
            return false
        }
        if !access.contains(.write) {
            report(path, at: at, "writers excuse writes, but access does not trap write; add write to access or remove writers")
            return false
        }
        return true
    }
}

extension ExtentIdentity {
    var name: String {
        switch self {
        case .symbol(let name): name
        case .range(let from, let to): "\(from)..\(to)"
        case .physical(let start, let length): TargetExtent.physical(start: start, length: length).description
        case .virtual(let start, let length): TargetExtent.virtual(start: start, length: length).description
        }
    }
}
