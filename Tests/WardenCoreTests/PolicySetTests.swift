import Testing
import WardenCore

@Suite struct PolicySetTests {
    private func policy(_ name: String, _ targets: String) throws -> Policy {
        try Policy.parse(yaml: PolicyTestSupport.document(name: name, targets: targets), file: "\(name).yaml")
    }

    private func conflicts(_ policies: [Policy]) -> [PolicyDiagnostic] {
        do throws(PolicyError) {
            _ = try PolicySet(policies: policies)
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func identicalTargetsMergeIntoTheFirstWithWritersUnited() throws {
        let first = try policy("one", "  - {range: _stext.._etext, action: alert, writers: [text_poke, text_poke_bp]}\n")
        let second = try policy("two", """
              - symbol: idt_table
              - {range: _stext.._etext, action: alert, writers: [text_poke_bp, ftrace_modify_all_code]}

            """)
        let set = try PolicySet(policies: [first, second])
        #expect(set.policies.map(\.name) == ["one", "two"])
        #expect(set.targets.map(\.rule) == ["one/_stext.._etext", "two/idt_table"])
        let text = try #require(set.targets.first)
        #expect(text.location == SourceLocation(file: "one.yaml", line: 4, column: 5))
        #expect(text.writers.map(\.function) == ["text_poke", "text_poke_bp", "ftrace_modify_all_code"])
        #expect(text.writers.last?.location.file == "two.yaml")
    }

    @Test func mergedTargetIsOptionalOnlyIfEveryOccurrenceIs() throws {
        let required = try policy("one", "  - symbol: x32_sys_call_table\n")
        let optional = try policy("two", "  - {symbol: x32_sys_call_table, optional: true}\n")
        #expect(try PolicySet(policies: [optional, required]).targets.first?.optional == false)
        #expect(try PolicySet(policies: [optional, optional.renamed("three")]).targets.first?.optional == true)
    }

    @Test func conflictingActionIsAnErrorNamingBothLocations() throws {
        let found = conflicts([
            try policy("one", "  - {symbol: sys_call_table, action: deny}\n"),
            try policy("two", "  - {symbol: sys_call_table, action: alert}\n"),
        ])
        let diagnostic = try #require(found.first)
        #expect(found.count == 1)
        #expect(diagnostic.field == "action")
        #expect(diagnostic.location == SourceLocation(file: "two.yaml", line: 4, column: 5))
        #expect(diagnostic.message.contains("action alert here but deny in one/sys_call_table at one.yaml:4:5"))
    }

    @Test func conflictingAccessIsAnError() throws {
        let found = conflicts([
            try policy("one", "  - {range: a..b}\n"),
            try policy("two", "  - {range: a..b, access: [write, execute]}\n"),
        ])
        #expect(found.map(\.field) == ["access"])
        #expect(found.first?.message.contains("traps [execute, write] here but [write]") == true)
    }

    @Test func sameSymbolWithAndWithoutLengthConflicts() throws {
        let found = conflicts([
            try policy("one", "  - {symbol: idt_table, length: 4096}\n"),
            try policy("two", "  - {symbol: idt_table, action: alert}\n"),
        ])
        #expect(found.map(\.field) == ["length", "action"])
        #expect(found.first?.message.contains("the symbol's own size here but with length 4096 by one/idt_table+4096") == true)
    }

    @Test func differentRangesWithASharedEndDoNotConflict() throws {
        let set = try PolicySet(policies: [
            try policy("one", "  - {range: a..b}\n"),
            try policy("two", "  - {range: a..c, action: alert}\n"),
        ])
        #expect(set.targets.map(\.extent) == [.range(from: "a", to: "b"), .range(from: "a", to: "c")])
    }

    @Test func duplicatePolicyNamesAreAnError() throws {
        let first = try policy("same", "  - symbol: a\n")
        var second = try policy("same", "  - symbol: b\n")
        second.file = "other.yaml"
        let diagnostic = try #require(conflicts([first, second]).first)
        #expect(diagnostic.field == "name")
        #expect(diagnostic.location == SourceLocation(file: "other.yaml", line: 0, column: 0))
        #expect(diagnostic.message.contains("also used by same.yaml"))
    }

    @Test func emptySetHasNoTargets() throws {
        #expect(try PolicySet(policies: []).targets.isEmpty)
    }
}

extension Policy {
    fileprivate func renamed(_ name: String) -> Policy {
        Policy(name: name, description: description, file: "\(name).yaml", targets: targets)
    }
}
