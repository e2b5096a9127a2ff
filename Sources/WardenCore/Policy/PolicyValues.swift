import Yams

/// Reads of the policy format's own value types: names, lengths, actions, access lists, writers.
extension PolicyNodeReader {
    /// The only format version this Warden reads.
    static let formatVersion = 1
    /// Larger than any kernel object worth protecting; a bigger number is almost surely a typo.
    static let maximumLength: UInt64 = 1 << 30
    /// KSYM_NAME_LEN since Linux 6.1; older kernels used 128, so every real name fits.
    static let maximumSymbolLength = 512
    static let maximumPolicyNameLength = 64

    mutating func version(_ node: Node, fallback: SourceLocation) -> Int? {
        let at = location(of: node, else: fallback)
        guard case .scalar(let scalar) = node, Self.kind(node) == .int else {
            report("warden-policy", at: at, "expected the format version number 1; found \(Self.describe(node))")
            return nil
        }
        guard Int(scalar.string) == Self.formatVersion else {
            report(
                "warden-policy", at: at,
                "unsupported format version \(Self.clip(scalar.string)); this Warden reads version 1 only, "
                    + "so write 'warden-policy: 1' and the fields described in policies/README.md")
            return nil
        }
        return Self.formatVersion
    }

    /// Policy names prefix every rule name (`<policy>/<target>`), so they cannot contain '/'.
    mutating func policyName(_ node: Node, fallback: SourceLocation) -> String? {
        guard let name = text(node, path: "name", expected: "a policy name such as linux-kernel-core", fallback: fallback)
        else { return nil }
        let allowed = name.unicodeScalars.allSatisfy { Self.isASCIILetterOrDigit($0) || "._-".unicodeScalars.contains($0) }
        let first = name.unicodeScalars.first
        guard allowed, let first, Self.isASCIILetterOrDigit(first), name.count <= Self.maximumPolicyNameLength else {
            report(
                "name", at: location(of: node, else: fallback),
                "'\(Self.clip(name))' is not a valid policy name; use 1 to \(Self.maximumPolicyNameLength) letters, "
                    + "digits, '.', '_' or '-', starting with a letter or digit (it prefixes rule names such as "
                    + "linux-kernel-core/idt_table)")
            return nil
        }
        return name
    }

    mutating func symbolName(_ node: Node, path: String, fallback: SourceLocation) -> String? {
        guard let name = text(node, path: path, expected: "a kernel symbol name", fallback: fallback) else { return nil }
        if let problem = Self.symbolNameProblem(name) {
            report(path, at: location(of: node, else: fallback), problem)
            return nil
        }
        return name
    }

    /// Why `name` cannot be a kernel symbol, or nil if it can.
    static func symbolNameProblem(_ name: String) -> String? {
        let rule = "kernel symbol names use only letters, digits, '_', '.' and '$'"
        guard let first = name.unicodeScalars.first else {
            return "symbol name is empty; \(rule), for example sys_call_table"
        }
        if name.utf8.count > maximumSymbolLength {
            return "symbol name is \(name.utf8.count) bytes long; kernel symbol names are at most "
                + "\(maximumSymbolLength) bytes (KSYM_NAME_LEN)"
        }
        if let bad = name.unicodeScalars.first(where: { !isSymbolCharacter($0) }) {
            let code = "U+" + String(bad.value, radix: 16, uppercase: true)
            return "'\(clip(name))' contains \(bad.properties.isWhitespace ? "whitespace" : "'\(bad)'") (\(code)); \(rule)"
        }
        if ("0"..."9").contains(first) {
            return "'\(clip(name))' starts with a digit, which no kernel symbol does; name the symbol, "
                + "Warden finds its address in the guest"
        }
        return nil
    }

    mutating func action(_ node: Node, path: String, fallback: SourceLocation) -> PolicyAction? {
        let choices = PolicyAction.allCases.map(\.rawValue).joined(separator: ", ")
        guard let word = text(node, path: path, expected: "one of \(choices)", fallback: fallback) else { return nil }
        guard let action = PolicyAction(rawValue: word) else {
            report(path, at: location(of: node, else: fallback), "unknown action '\(Self.clip(word))'; allowed: \(choices)")
            return nil
        }
        return action
    }

    /// `on-compromised-at-attach`: refuse, alert or ignore.
    mutating func compromiseSetting(_ node: Node, fallback: SourceLocation) -> CompromiseSetting? {
        let path = "on-compromised-at-attach"
        let choices = CompromiseResponse.allCases.map(\.rawValue).joined(separator: ", ")
        let expected = "one of \(choices): what warden run does when the guest's kernel is already hooked at attach"
        guard let word = text(node, path: path, expected: expected, fallback: fallback) else { return nil }
        let at = location(of: node, else: fallback)
        guard let response = CompromiseResponse(rawValue: word) else {
            let hint = Self.closest(to: word, in: CompromiseResponse.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" } ?? ""
            report(path, at: at, "unknown response '\(Self.clip(word))'\(hint); allowed: \(choices) (default refuse)")
            return nil
        }
        return CompromiseSetting(response: response, location: at)
    }

    mutating func access(_ node: Node, path: String, fallback: SourceLocation) -> Set<ProtectedAccess>? {
        let choices = ProtectedAccess.allCases.map(\.rawValue).joined(separator: ", ")
        let expected = "a list of accesses to trap, a non-empty subset of [\(choices)] such as [write]"
        guard let items = list(node, path: path, expected: expected, fallback: fallback) else { return nil }
        let listStart = location(of: node, else: fallback)
        guard !items.isEmpty else {
            report(path, at: listStart, "access list is empty, so nothing would be trapped; list at least one of \(choices)")
            return nil
        }
        var result: Set<ProtectedAccess> = []
        var valid = true
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let word = text(item, path: itemPath, expected: "one of \(choices)", fallback: listStart) else {
                valid = false
                continue
            }
            guard let access = ProtectedAccess(rawValue: word) else {
                report(itemPath, at: location(of: item, else: listStart), "unknown access '\(Self.clip(word))'; allowed: \(choices)")
                valid = false
                continue
            }
            if !result.insert(access).inserted {
                report(itemPath, at: location(of: item, else: listStart), "'\(word)' is listed twice; list each of \(choices) at most once")
                valid = false
            }
        }
        return valid ? result : nil
    }

    /// Trusted writer functions, each with its own location so a bad one can be pointed at.
    mutating func writers(_ node: Node, path: String, fallback: SourceLocation) -> [WriterException]? {
        let expected = "a list of kernel function names such as [text_poke_bp_batch]"
        guard let items = list(node, path: path, expected: expected, fallback: fallback) else { return nil }
        let listStart = location(of: node, else: fallback)
        var result: [WriterException] = []
        var valid = true
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            let itemLocation = location(of: item, else: listStart)
            guard let function = symbolName(item, path: itemPath, fallback: listStart) else {
                valid = false
                continue
            }
            if let earlier = result.first(where: { $0.function == function }) {
                report(itemPath, at: itemLocation, "'\(function)' is already listed at line \(earlier.location.line); list each writer once")
                valid = false
                continue
            }
            result.append(WriterException(function: function, location: itemLocation))
        }
        return valid ? result : nil
    }

    private static func isASCIILetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    private static func isSymbolCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isASCIILetterOrDigit(scalar) || scalar == "_" || scalar == "." || scalar == "$"
    }
}
