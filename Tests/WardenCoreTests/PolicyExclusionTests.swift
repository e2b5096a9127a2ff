import Testing
import WardenCore

/// `exclude: [{offset, length}]`: bytes of a target whose trapped accesses are allowed silently.
@Suite struct PolicyExclusionTests {
    typealias Support = PolicyTestSupport

    @Test func exclusionsKeepTheirOffsetsLengthsAndLines() throws {
        let yaml = Support.document(
            targets: "  - symbol: sys_call_table\n    exclude:\n      - {offset: 0x18, length: 8}\n      - offset: 0\n        length: 1\n")
        let target = try #require(try Policy.parse(yaml: yaml, file: "t.yaml").targets.first)
        #expect(target.exclusions.map(\.range) == [0x18..<0x20, 0..<1])
        #expect(target.exclusions.map(\.location.line) == [6, 7])
    }

    @Test(arguments: [
        ("{symbol: idt_table, length: 4096, exclude: [{offset: 4090, length: 8}]}", "targets[0].exclude[0]", "run past the end of the target"),
        ("{physical: {start: 0x1000, length: 4096}, exclude: [{offset: 4096, length: 1}]}", "targets[0].exclude[0]", "4096 bytes long"),
        ("{symbol: t, exclude: [{offset: 0, length: 8}, {offset: 4, length: 8}]}", "targets[0].exclude[1]", "overlap"),
        ("{symbol: t, action: allow, exclude: [{offset: 0, length: 8}]}", "targets[0].exclude", "no effect with action allow"),
        ("{symbol: t, length: 16, exclude: [{offset: 0, length: 8}, {offset: 8, length: 8}]}", "targets[0].exclude", "every byte"),
        ("{symbol: t, exclude: [{offset: 0}]}", "targets[0].exclude[0]", "required key length is missing"),
        ("{symbol: t, exclude: [{offset: 0, length: 0}]}", "targets[0].exclude[0].length", "at least one byte"),
        ("{symbol: t, exclude: [{offset: -1, length: 1}]}", "targets[0].exclude[0].offset", "negative"),
        ("{symbol: t, exclude: [{offset: 0x40000000, length: 1}]}", "targets[0].exclude[0].offset", "below 1 GiB"),
        ("{symbol: t, exclude: [{ofset: 0, length: 1}]}", "targets[0].exclude[0].ofset", "did you mean 'offset'?"),
        ("{symbol: t, exclude: {offset: 0, length: 1}}", "targets[0].exclude", "expected a list of byte ranges"),
    ])
    func badExclusionsNameTheFieldAndTheProblem(target: String, field: String, problem: String) throws {
        let found = Support.targetDiagnostics(target)
        let diagnostic = try #require(found.first { $0.field == field }, "\(found)")
        #expect(diagnostic.message.contains(problem), "\(diagnostic.message)")
        #expect(diagnostic.location.line == 4)
    }

    @Test func exclusionsOfTheSameTargetInTwoPoliciesAreUnited() throws {
        let shipped = try Policy.parse(
            yaml: Support.document(name: "shipped", targets: "  - {symbol: t, exclude: [{offset: 0, length: 8}]}\n"), file: "a.yaml")
        let local = try Policy.parse(
            yaml: Support.document(name: "local", targets: "  - {symbol: t, exclude: [{offset: 0, length: 8}, {offset: 16, length: 8}]}\n"),
            file: "b.yaml")
        let merged = try #require(try PolicySet(policies: [shipped, local]).targets.first)
        #expect(merged.exclusions.map(\.range) == [0..<8, 16..<24])
        #expect(merged.location.file == "a.yaml")
    }
}
