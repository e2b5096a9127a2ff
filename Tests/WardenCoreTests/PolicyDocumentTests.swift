import Testing
import WardenCore

@Suite struct PolicyDocumentTests {
    typealias Support = PolicyTestSupport

    @Test func minimalPolicyGetsDefaultsRuleAndLocation() throws {
        let policy = try Policy.parse(yaml: Support.document(targets: "  - symbol: sys_call_table\n"), file: "p.yaml")
        #expect(policy.name == "test")
        #expect(policy.description == "")
        #expect(policy.file == "p.yaml")
        let target = try #require(policy.targets.first)
        #expect(policy.targets.count == 1)
        #expect(target.extent == .symbol("sys_call_table"))
        #expect(target.access == [.write])
        #expect(target.action == .deny)
        #expect(target.optional == false)
        #expect(target.writers.isEmpty)
        #expect(target.rule == "test/sys_call_table")
        #expect(target.location == SourceLocation(file: "p.yaml", line: 4, column: 5))
    }

    @Test func briefExampleParsesWithEveryFieldApplied() throws {
        let yaml = """
            warden-policy: 1
            name: linux-syscall-tables
            description: Syscall tables.
            targets:
              - symbol: sys_call_table
                access: [write]
                action: deny
              - symbol: idt_table
                length: 4096
              - range: _stext.._etext
                action: alert
                writers: [text_poke_bp_batch, ftrace_modify_all_code]
              - symbol: x32_sys_call_table
                optional: true
            """
        let policy = try Policy.parse(yaml: yaml, file: "example.yaml")
        #expect(policy.description == "Syscall tables.")
        #expect(policy.targets.map(\.extent) == [
            .symbol("sys_call_table"), .symbolWithLength("idt_table", 4096),
            .range(from: "_stext", to: "_etext"), .symbol("x32_sys_call_table"),
        ])
        #expect(policy.targets.map(\.rule) == [
            "linux-syscall-tables/sys_call_table", "linux-syscall-tables/idt_table+4096",
            "linux-syscall-tables/_stext.._etext", "linux-syscall-tables/x32_sys_call_table",
        ])
        #expect(policy.targets[2].action == .alert)
        #expect(policy.targets[2].writers.map(\.function) == ["text_poke_bp_batch", "ftrace_modify_all_code"])
        #expect(policy.targets[3].optional)
    }

    @Test func syntaxErrorNamesLineAndColumn() throws {
        let found = Support.diagnostics("warden-policy: 1\nname: test\ntargets:\n  - symbol: [unclosed\n", file: "bad.yaml")
        let diagnostic = try #require(found.first)
        #expect(found.count == 1)
        #expect(diagnostic.field == "yaml")
        #expect(diagnostic.location.file == "bad.yaml")
        #expect(diagnostic.location.line >= 4)
        #expect(diagnostic.message.contains("YAML syntax error"))
    }

    @Test(arguments: ["", "   ", "# only a comment"])
    func fileWithoutDocumentIsReported(yaml: String) throws {
        let diagnostic = try #require(Support.diagnostics(yaml + "\n\n").first)
        #expect(diagnostic.field == "document")
        #expect(diagnostic.location.line == 1)
        #expect(diagnostic.message.contains("no YAML document"))
    }

    @Test(arguments: [("[a, b]", "a list"), ("just text", "the text \"just text\""), ("42", "the number 42")])
    func topLevelThatIsNotAMappingIsReported(yaml: String, found: String) throws {
        let diagnostic = try #require(Support.diagnostics(yaml + "\n").first)
        #expect(diagnostic.field == "document")
        #expect(diagnostic.message.contains("expected a mapping with the keys warden-policy, name, description, targets"))
        #expect(diagnostic.message.contains(found))
    }

    @Test func secondDocumentInTheFileIsReported() throws {
        let yaml = Support.document(targets: "  - symbol: a\n") + "---\nname: other\n"
        let diagnostic = try #require(Support.diagnostics(yaml).first)
        #expect(diagnostic.field == "yaml")
        #expect(diagnostic.message.contains("another document"))
    }

    @Test func duplicateKeyIsReportedAtItsFirstOccurrence() throws {
        let yaml = "warden-policy: 1\nname: a\nname: b\ntargets:\n  - symbol: x\n"
        let diagnostic = try #require(Support.diagnostics(yaml).first)
        #expect(diagnostic.field == "yaml")
        #expect(diagnostic.location.line == 2)
        #expect(diagnostic.message.contains("'name' appears more than once"))
    }

    @Test func everyMissingRequiredKeyIsReported() {
        let found = Support.diagnostics("description: nothing else\n")
        #expect(Set(found.map(\.field)) == ["warden-policy", "name", "targets"])
        #expect(found.allSatisfy { $0.message.contains("required key is missing") })
    }

    @Test func unknownKeySuggestsTheIntendedOneAndListsAllowedKeys() throws {
        let diagnostic = try #require(Support.diagnostics("warden-policy: 1\nnmae: x\ntargets: [{symbol: a}]\n").last)
        #expect(diagnostic.field == "nmae")
        #expect(diagnostic.location.line == 2)
        #expect(diagnostic.message.contains("did you mean 'name'?"))
        #expect(diagnostic.message.contains("allowed keys here: warden-policy, name, description, targets"))
    }

    @Test func nonTextKeyIsReported() throws {
        let found = Support.diagnostics(Support.document(targets: "  - symbol: a\n") + "1: one\n")
        let diagnostic = try #require(found.first)
        #expect(found.count == 1)
        #expect(diagnostic.message.contains("keys must be plain names"))
        #expect(diagnostic.message.contains("the number 1"))
    }

    @Test func unsupportedVersionIsTheOnlyDiagnostic() throws {
        let found = Support.diagnostics("warden-policy: 2\nname: x/y\ntargets: 7\n")
        let diagnostic = try #require(found.first)
        #expect(found.count == 1)
        #expect(diagnostic.field == "warden-policy")
        #expect(diagnostic.message.contains("unsupported format version 2"))
    }

    @Test(arguments: ["'1'", "1.0", "[1]", "99999999999999999999999"])
    func versionMustBeTheNumberOne(spelling: String) throws {
        let yaml = "warden-policy: \(spelling)\nname: t\ntargets: [{symbol: a}]\n"
        let diagnostic = try #require(Support.diagnostics(yaml).first)
        #expect(diagnostic.field == "warden-policy")
        #expect(diagnostic.location == SourceLocation(file: "test.yaml", line: 1, column: 16))
    }

    @Test(arguments: ["linux/core", "-leading-dash", "has space", String(repeating: "n", count: 65)])
    func invalidPolicyNameIsReported(name: String) throws {
        let diagnostic = try #require(Support.diagnostics(Support.document(name: "'\(name)'", targets: "  - symbol: a\n")).first)
        #expect(diagnostic.field == "name")
        #expect(diagnostic.message.contains("not a valid policy name"))
    }

    @Test func nameAndDescriptionMustBeText() {
        let found = Support.diagnostics("warden-policy: 1\nname: 12\ndescription: [a]\ntargets: [{symbol: a}]\n")
        #expect(found.map(\.field) == ["name", "description"])
        #expect(found[0].message.contains("put it in quotes"))
    }

    @Test(arguments: [("targets: sys_call_table", "expected a list of targets"),
                      ("targets:", "an empty value"),
                      ("targets: {symbol: a}", "found a mapping"),
                      ("targets: []", "the list is empty")])
    func targetsMustBeANonEmptyList(line: String, message: String) throws {
        let diagnostic = try #require(Support.diagnostics("warden-policy: 1\nname: t\n" + line + "\n").first)
        #expect(diagnostic.field == "targets")
        #expect(diagnostic.message.contains(message))
    }

    @Test func allProblemsOfAFileAreReportedInFileOrder() {
        let yaml = Support.document(targets: """
              - symbol: bad name
              - {symbol: ok, action: block}
              - {range: a..b, length: 8}
              - {symbol: also_ok, optional: yes}

            """)
        let found = Support.diagnostics(yaml)
        #expect(found.map(\.location.line) == [4, 5, 6, 7])
        #expect(found.map(\.field) == ["targets[0].symbol", "targets[1].action", "targets[2].length", "targets[3].optional"])
    }

    @Test func errorDescriptionIsOneFileLineColumnFieldMessageLinePerDiagnostic() throws {
        do throws(PolicyError) {
            _ = try Policy.parse(yaml: Support.document(targets: "  - {symbol: a, action: block, optional: 1}\n"), file: "f.yaml")
            Issue.record("expected the policy to be rejected")
        } catch {
            let lines = error.description.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first?.hasPrefix("f.yaml:4:") == true)
            #expect(lines.first?.contains(": targets[0].action: unknown action 'block'; allowed: deny, alert, allow, log") == true)
        }
    }

    @Test func controlCharacterIsReportedAtItsPosition() throws {
        let diagnostic = try #require(Support.diagnostics("warden-policy: 1\nname: a\u{7}b\n").first)
        #expect(diagnostic.field == "yaml")
        #expect(diagnostic.location.line == 2)
        #expect(diagnostic.message.contains("UTF-8 text without control characters"))
    }

    @Test func absurdNestingIsADiagnosticNotACrash() throws {
        let yaml = "warden-policy: 1\nname: t\ntargets: " + String(repeating: "[", count: 5000)
        let diagnostic = try #require(Support.diagnostics(yaml).first)
        #expect(diagnostic.field == "yaml")
    }
}
