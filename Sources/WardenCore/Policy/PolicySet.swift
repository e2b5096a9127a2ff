/// Several policies applied together, with targets that name the same extent merged into one.
public struct PolicySet: Sendable, Hashable {
    public let policies: [Policy]
    /// Every target of every policy in policy order. A target named again elsewhere with the same
    /// extent, action and access is merged into its first occurrence: that rule and location stay,
    /// writers and exclusions are the union, and it is optional only if every occurrence says optional.
    public let targets: [ProtectedTarget]
    /// `on-compromised-at-attach` as the policies set it (every file that sets it must agree), or
    /// nil when none does and `CompromiseResponse.default` applies.
    public let onCompromisedAtAttach: CompromiseSetting?

    /// What `warden run` does when the integrity check at attach fails.
    public var compromiseResponse: CompromiseResponse { onCompromisedAtAttach?.response ?? .default }

    /// Throws when two policies share a name (their rule names would be indistinguishable) or when
    /// two targets name the same extent but disagree on length, action or access.
    public init(policies: [Policy]) throws(PolicyError) {
        var diagnostics: [PolicyDiagnostic] = []
        var fileByName: [String: String] = [:]
        for policy in policies {
            if let other = fileByName[policy.name] {
                diagnostics.append(
                    PolicyDiagnostic(
                        location: SourceLocation(file: policy.file, line: 0, column: 0), field: "name",
                        message: "policy name '\(policy.name)' is also used by \(other); rule names "
                            + "(<policy>/<target>) must identify one policy, so rename one of them"))
            } else {
                fileByName[policy.name] = policy.file
            }
        }

        var merged: [ProtectedTarget] = []
        var indexByIdentity: [ExtentIdentity: Int] = [:]
        for target in policies.flatMap(\.targets) {
            guard let index = indexByIdentity[target.extent.identity] else {
                indexByIdentity[target.extent.identity] = merged.count
                merged.append(target)
                continue
            }
            let conflicts = Self.conflicts(between: merged[index], and: target)
            guard conflicts.isEmpty else {
                diagnostics += conflicts
                continue
            }
            let known = Set(merged[index].writers.map(\.function))
            merged[index].writers += target.writers.filter { !known.contains($0.function) }
            // A site's own file may add exceptions to a shipped target (`warden except` writes them).
            let excluded = Set(merged[index].exclusions.map(\.range))
            merged[index].exclusions += target.exclusions.filter { !excluded.contains($0.range) }
            merged[index].optional = merged[index].optional && target.optional
        }
        var compromise: CompromiseSetting?
        for setting in policies.compactMap(\.onCompromisedAtAttach) {
            guard let first = compromise else {
                compromise = setting
                continue
            }
            if first.response != setting.response {
                diagnostics.append(
                    PolicyDiagnostic(
                        location: setting.location, field: "on-compromised-at-attach",
                        message: "'\(setting.response.rawValue)' here but '\(first.response.rawValue)' at \(first.location); "
                            + "policies loaded together must agree on it, so make both the same or remove one"))
            }
        }
        guard diagnostics.isEmpty else { throw PolicyError(diagnostics: diagnostics) }
        self.policies = policies
        self.targets = merged
        self.onCompromisedAtAttach = compromise
    }

    /// Loads every file before judging, so one run reports the problems of all of them.
    public static func load(paths: [String]) throws(PolicyError) -> PolicySet {
        var policies: [Policy] = []
        var diagnostics: [PolicyDiagnostic] = []
        for path in paths {
            do throws(PolicyError) {
                policies.append(try Policy.load(path: path))
            } catch {
                diagnostics += error.diagnostics
            }
        }
        guard diagnostics.isEmpty else { throw PolicyError(diagnostics: diagnostics) }
        return try PolicySet(policies: policies)
    }

    /// One diagnostic per disagreement, at the later target and naming the earlier one's rule and place.
    private static func conflicts(between first: ProtectedTarget, and second: ProtectedTarget) -> [PolicyDiagnostic] {
        let name = first.extent.identity.name
        let there = "\(first.rule) at \(first.location)"
        let resolve = "make both entries agree or remove one"
        var found: [(field: String, message: String)] = []
        if first.extent != second.extent {
            found.append(
                ("length", "'\(name)' is protected with \(lengthWording(second.extent)) here but with "
                    + "\(lengthWording(first.extent)) by \(there); \(resolve)"))
        }
        if first.action != second.action {
            found.append(
                ("action", "'\(name)' has action \(second.action.rawValue) here but \(first.action.rawValue) "
                    + "in \(there); \(resolve)"))
        }
        if first.access != second.access {
            found.append(
                ("access", "'\(name)' traps \(accessWording(second.access)) here but \(accessWording(first.access)) "
                    + "in \(there); \(resolve)"))
        }
        return found.map { PolicyDiagnostic(location: second.location, field: $0.field, message: $0.message) }
    }

    private static func lengthWording(_ extent: TargetExtent) -> String {
        switch extent {
        case .symbolWithLength(_, let length): "length \(length)"
        case .symbol, .range: "the symbol's own size"
        case .physical(_, let length), .virtual(_, let length): "length \(length)"
        }
    }

    private static func accessWording(_ access: Set<ProtectedAccess>) -> String {
        "[" + access.sorted().map(\.rawValue).joined(separator: ", ") + "]"
    }
}
