import Yams

extension Policy {
    /// Parses and validates one policy document. Returns a policy only when the file has no problem
    /// at all; otherwise throws every diagnostic found, in file order.
    public static func parse(yaml: String, file: String) throws(PolicyError) -> Policy {
        var reader = PolicyNodeReader(file: file)
        let policy = reader.policy(fromYAML: yaml)
        guard reader.diagnostics.isEmpty else {
            throw PolicyError(diagnostics: reader.diagnostics.sortedByLocation())
        }
        return policy
    }
}

extension PolicyNodeReader {
    static let documentKeys = ["warden-policy", "name", "description", "targets", "on-compromised-at-attach"]

    /// Always yields a policy built from whatever was valid; it counts only if no diagnostic was recorded.
    mutating func policy(fromYAML yaml: String) -> Policy {
        let unusable = Policy(name: "", description: "", file: file, targets: [])
        let root: Node?
        do {
            // Explicit UTF-8: the default encoding consults (and prints about) an environment variable.
            root = try Yams.compose(yaml: yaml, .default, .default, .utf8)
        } catch {
            reportSyntax(error, in: yaml)
            return unusable
        }
        guard let root else {
            report(
                "document", at: startOfFile,
                "the file holds no YAML document; a policy is a mapping with warden-policy: 1, name and targets")
            return unusable
        }
        let expected = "a mapping with the keys \(Self.documentKeys.joined(separator: ", "))"
        guard let fields = fields(of: root, path: "", allowed: Self.documentKeys, expected: expected, fallback: startOfFile)
        else { return unusable }
        let documentStart = location(of: root, else: startOfFile)

        // A newer format may mean something else by the same keys, so nothing else is judged.
        if let version = fields["warden-policy"] {
            guard self.version(version.value, fallback: documentStart) != nil else { return unusable }
        } else {
            report("warden-policy", at: documentStart, "required key is missing; start the file with 'warden-policy: 1'")
        }

        var name: String?
        if let field = fields["name"] {
            name = policyName(field.value, fallback: documentStart)
        } else {
            report("name", at: documentStart, "required key is missing; add 'name: <policy-name>', e.g. name: linux-kernel-core")
        }

        var description = ""
        if let field = fields["description"] {
            let expectedText = "a text describing the policy"
            description = text(field.value, path: "description", expected: expectedText, fallback: documentStart) ?? ""
        }

        var targets: [ProtectedTarget] = []
        if let field = fields["targets"] {
            targets = self.targets(field.value, policyName: name ?? "", fallback: documentStart)
        } else {
            report("targets", at: documentStart, "required key is missing; add 'targets:' with a list of targets to protect")
        }
        var compromise: CompromiseSetting?
        if let field = fields["on-compromised-at-attach"] {
            compromise = compromiseSetting(field.value, fallback: documentStart)
        }
        return Policy(name: name ?? "", description: description, file: file, targets: targets, onCompromisedAtAttach: compromise)
    }

    /// Yams stops at the first syntax error, so a malformed file yields exactly one diagnostic.
    mutating func reportSyntax(_ error: any Error, in yaml: String) {
        let fix = "fix the YAML at this point (usual causes: indentation that is off or uses tabs, a missing ':', an unclosed quote or bracket)"
        guard let yamlError = error as? YamlError else {
            report("yaml", at: startOfFile, "cannot be read as YAML (\(error)); \(fix)")
            return
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            report("yaml", at: location(of: mark), "YAML syntax error: \(problem)\(during); \(fix)")
        case .reader(let problem, let offset, _, _):
            let at = offset.map { location(ofCharacterOffset: $0, in: yaml) } ?? startOfFile
            report("yaml", at: at, "the text cannot be read: \(problem); policy files are UTF-8 text without control characters")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\(Self.clip($0))'" }.joined(separator: ", ")
            report(
                "yaml", at: location(of: context.mark),
                "key \(keys) appears more than once in one mapping; each key may appear once, so keep one and delete the rest")
        default:
            report("yaml", at: startOfFile, "cannot be read as YAML (\(yamlError)); \(fix)")
        }
    }

    private func location(of mark: Mark) -> SourceLocation {
        SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    /// Yams gives reader errors as a Character offset; columns count Unicode scalars like its marks do.
    private func location(ofCharacterOffset offset: Int, in text: String) -> SourceLocation {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}
