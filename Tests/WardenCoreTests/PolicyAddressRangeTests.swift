import Testing
import WardenCore

/// `physical: {start, length}` and `virtual: {start, length}` targets: whole 4 KiB frames by address.
@Suite struct PolicyAddressRangeTests {
    typealias Support = PolicyTestSupport

    private func onlyTarget(_ target: String) throws -> ProtectedTarget {
        let policy = try Policy.parse(yaml: Support.document(targets: "  - \(target)\n"), file: "t.yaml")
        return try #require(policy.targets.first)
    }

    private func onlyDiagnostic(_ target: String) throws -> PolicyDiagnostic {
        let found = Support.targetDiagnostics(target)
        #expect(found.count == 1, "\(found)")
        return try #require(found.first)
    }

    @Test func physicalAndVirtualRangesBecomeTheirOwnExtentsAndRuleNames() throws {
        let physical = try onlyTarget("{physical: {start: 0x1000000, length: 8192}, action: alert}")
        #expect(physical.extent == .physical(start: 0x100_0000, length: 8192))
        #expect(physical.rule == "test/physical:0x1000000+8192")
        #expect(physical.action == .alert)
        let virtual = try onlyTarget("{virtual: {start: 0xffff888001000000, length: 0x1000}, writers: [text_poke]}")
        #expect(virtual.extent == .virtual(start: 0xffff_8880_0100_0000, length: 4096))
        #expect(virtual.rule == "test/virtual:0xffff888001000000+4096")
        #expect(virtual.writers.map(\.function) == ["text_poke"])
        #expect(virtual.extent.symbolNames.isEmpty)
    }

    @Test func blockStyleRangesParseLikeFlowOnes() throws {
        let policy = try Policy.parse(
            yaml: Support.document(targets: "  - physical:\n      start: 16777216\n      length: 0x2000\n    action: deny\n"),
            file: "t.yaml")
        #expect(policy.targets.first?.extent == .physical(start: 0x100_0000, length: 0x2000))
    }

    @Test(arguments: [
        ("{physical: {start: 0x1234, length: 4096}}", "targets[0].physical.start", "not frame-aligned", "0x1000 or 0x2000"),
        ("{virtual: {start: 0xffff888000000800, length: 4096}}", "targets[0].virtual.start", "not page-aligned", "0xffff888000000000"),
        ("{physical: {start: 0x1000, length: 100}}", "targets[0].physical.length", "not a whole number of 4 KiB frames", "4096 here"),
        ("{physical: {start: 0x1000, length: 5000}}", "targets[0].physical.length", "not a whole number", "4096 or 8192"),
        ("{physical: {start: 0x1000, length: 0}}", "targets[0].physical.length", "length is 0", "at least one 4 KiB frame"),
        ("{physical: {start: 0xffffffffff000, length: 0x2000}}", "targets[0].physical", "ends past 0x10000000000000", "52-bit"),
        ("{physical: {start: 0xfffffffffffff000, length: 0x2000}}", "targets[0].physical", "ends past", "MAXPHYADDR"),
        ("{virtual: {start: 0xfffffffffffff000, length: 0x2000}}", "targets[0].virtual", "wraps past the top", "0xfffffffffffff000"),
        ("{virtual: {start: 0x400000, length: 4096}}", "targets[0].virtual.start", "not a kernel address", "user-space"),
        ("{physical: {start: -4096, length: 4096}}", "targets[0].physical.start", "is negative", "0x"),
        ("{physical: {start: 0x10000000000000000, length: 4096}}", "targets[0].physical.start", "does not fit in 64 bits", "0x"),
        ("{physical: {start: '0x1000', length: 4096}}", "targets[0].physical.start", "expected an address", "the text"),
        ("{physical: {start: 0x1000, length: 0x40001000}}", "targets[0].physical.length", "too large", "1 GiB"),
    ])
    func badRangesNameTheFieldAndWhatIsAllowed(target: String, field: String, problem: String, hint: String) throws {
        let diagnostic = try onlyDiagnostic(target)
        #expect(diagnostic.field == field)
        #expect(diagnostic.message.contains(problem), "\(diagnostic.message)")
        #expect(diagnostic.message.contains(hint), "\(diagnostic.message)")
        #expect(diagnostic.location.file == "test.yaml" && diagnostic.location.line == 4)
    }

    @Test func misalignedStartAndLengthAreBothReported() {
        let found = Support.targetDiagnostics("{physical: {start: 0x1001, length: 4097}}")
        #expect(found.map(\.field) == ["targets[0].physical.start", "targets[0].physical.length"])
    }

    @Test func missingAndUnknownKeysInsideARangeAreReported() throws {
        let missing = try onlyDiagnostic("{physical: {start: 0x1000}}")
        #expect(missing.field == "targets[0].physical")
        #expect(missing.message.contains("required key length is missing"))
        let misspelt = Support.targetDiagnostics("{virtual: {start: 0xffff888000000000, lenght: 4096}}")
        // File order: the mapping's own problem sits at its '{', before the misspelt key.
        #expect(misspelt.map(\.field) == ["targets[0].virtual", "targets[0].virtual.lenght"])
        #expect(misspelt.last?.message.contains("did you mean 'length'?") == true)
        let notAMapping = try onlyDiagnostic("{physical: 0x1000}")
        #expect(notAMapping.field == "targets[0].physical")
        #expect(notAMapping.message.contains("{start: 0x…, length: …}"))
    }

    @Test(arguments: [
        ("{symbol: sys_call_table, physical: {start: 0x1000, length: 4096}}", "targets[0].physical", "either symbol or physical, not both"),
        ("{physical: {start: 0x1000, length: 4096}, virtual: {start: 0xffff888000001000, length: 4096}}", "targets[0].virtual",
         "either physical or virtual"),
        ("{physical: {start: 0x1000, length: 4096}, length: 4096}", "targets[0].length", "carries its length inside {start, length}"),
        ("{virtual: {start: 0xffff888000001000, length: 4096}, optional: true}", "targets[0].optional", "names no symbol"),
    ])
    func addressRangesDoNotMixWithSymbolKeys(target: String, field: String, problem: String) throws {
        let diagnostic = try onlyDiagnostic(target)
        #expect(diagnostic.field == field)
        #expect(diagnostic.message.contains(problem), "\(diagnostic.message)")
    }

    @Test func theSameRangeTwiceInOneFileIsAnEditingSlip() {
        let found = Support.diagnostics(
            Support.document(
                targets: "  - {physical: {start: 0x1000, length: 4096}}\n  - {physical: {start: 4096, length: 0x1000}, action: alert}\n"))
        #expect(found.map(\.field) == ["targets[1]"])
        #expect(found.first?.message.contains("'physical:0x1000+4096' is already protected by targets[0]") == true)
    }

    @Test func rangesAcrossPoliciesMergeOnlyWhenTheyAgree() throws {
        let one = try Policy.parse(yaml: Support.document(name: "a", targets: "  - {physical: {start: 0x1000, length: 4096}}\n"), file: "a.yaml")
        let same = try Policy.parse(
            yaml: Support.document(name: "b", targets: "  - {physical: {start: 0x1000, length: 4096}, writers: [w]}\n"), file: "b.yaml")
        let set = try PolicySet(policies: [one, same])
        #expect(set.targets.count == 1)
        #expect(set.targets.first?.writers.map(\.function) == ["w"])
        let other = try Policy.parse(
            yaml: Support.document(name: "c", targets: "  - {physical: {start: 0x1000, length: 4096}, action: alert}\n"), file: "c.yaml")
        #expect(throws: PolicyError.self) { try PolicySet(policies: [one, other]) }
    }
}
