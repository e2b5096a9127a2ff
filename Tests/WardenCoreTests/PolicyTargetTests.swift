import Testing
import WardenCore

@Suite struct PolicyTargetTests {
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

    @Test(arguments: ["4096", "0x1000"])
    func lengthIsReadInDecimalOrHex(spelling: String) throws {
        #expect(try onlyTarget("{symbol: idt_table, length: \(spelling)}").extent == .symbolWithLength("idt_table", 4096))
    }

    @Test func lengthMayBeExactlyOneGiB() throws {
        let target = try onlyTarget("{symbol: big, length: 0x40000000}")
        #expect(target.extent == .symbolWithLength("big", 1 << 30))
        #expect(target.rule == "test/big+1073741824")
    }

    @Test(arguments: [
        ("0", "length is 0"), ("-1", "is negative"), ("-0x10", "is negative"),
        ("0x40000001", "too large"), ("1073741825", "too large"),
        ("99999999999999999999999", "too large"), ("0xffffffffffffffffff", "too large"),
        ("010", "leading zero"), ("0x1_000", "not a supported number notation"),
        ("1.5", "not a supported number notation"), ("+4096", "not a supported number notation"),
        ("0o17", "not a supported number notation"), ("'4096'", "found the text \"4096\""),
        ("true", "found the boolean true"), ("[4096]", "found a list"), ("~", "found an empty value"),
    ])
    func badLengthIsReportedWithWhatIsAllowed(spelling: String, problem: String) throws {
        let diagnostic = try onlyDiagnostic("{symbol: idt_table, length: \(spelling)}")
        #expect(diagnostic.field == "targets[0].length")
        #expect(diagnostic.message.contains(problem), "\(diagnostic.message)")
        #expect(diagnostic.message.contains("0x"))
    }

    @Test func lengthWithRangeIsRejected() throws {
        let diagnostic = try onlyDiagnostic("{range: _stext.._etext, length: 16}")
        #expect(diagnostic.field == "targets[0].length")
        #expect(diagnostic.message.contains("length applies only to symbol targets"))
    }

    @Test(arguments: ["_stext.._etext", "_stext .. _etext", "__start_rodata..__end_rodata"])
    func rangeIsSplitIntoStartAndEnd(spelling: String) throws {
        let target = try onlyTarget("{range: '\(spelling)'}")
        guard case .range(let from, let to) = target.extent else {
            Issue.record("expected a range, got \(target.extent)")
            return
        }
        #expect(spelling.hasPrefix(from))
        #expect(spelling.hasSuffix(to))
        #expect(target.rule == "test/\(from)..\(to)")
    }

    @Test(arguments: [
        ("_stext", "is not a range"), ("a...b", "is not a range"), ("a..b..c", "is not a range"),
        ("..b", "range start: symbol name is empty"), ("a..", "range end: symbol name is empty"),
        ("a..a", "is empty because it starts and ends at the same symbol"), ("a b..c", "contains whitespace"),
    ])
    func malformedRangeIsReported(spelling: String, problem: String) throws {
        let diagnostic = try onlyDiagnostic("{range: '\(spelling)'}")
        #expect(diagnostic.field == "targets[0].range")
        #expect(diagnostic.message.contains(problem), "\(diagnostic.message)")
    }

    @Test func symbolAndRangeTogetherAreRejected() throws {
        let diagnostic = try onlyDiagnostic("{symbol: a, range: b..c}")
        #expect(diagnostic.message.contains("either symbol or range, not both"))
    }

    @Test func targetWithoutSymbolOrRangeIsRejected() throws {
        let diagnostic = try onlyDiagnostic("{action: deny}")
        #expect(diagnostic.field == "targets[0]")
        #expect(diagnostic.message.contains("add 'symbol: <name>'"))
    }

    @Test(arguments: ["__x64_sys_read", "foo.cold", "$x", "__func__.12", "A9_b"])
    func kernelSymbolNamesAreAccepted(name: String) throws {
        #expect(try onlyTarget("{symbol: '\(name)'}").extent == .symbol(name))
    }

    @Test(arguments: [
        ("''", "symbol name is empty"), ("'sys call'", "contains whitespace"), ("'a/b'", "contains '/'"),
        ("'0xffffffff81000000'", "starts with a digit"), ("'名前'", "U+540D"),
        ("'" + String(repeating: "s", count: 513) + "'", "at most 512 bytes"),
        ("123", "found the number 123 (put it in quotes"), ("true", "found the boolean true"), ("~", "an empty value"),
    ])
    func invalidSymbolNameIsReported(spelling: String, problem: String) throws {
        let diagnostic = try onlyDiagnostic("{symbol: \(spelling)}")
        #expect(diagnostic.field == "targets[0].symbol")
        #expect(diagnostic.message.contains(problem), "\(diagnostic.message)")
    }

    @Test func accessListAcceptsWriteAndExecute() throws {
        #expect(try onlyTarget("{symbol: a, access: [execute, write]}").access == [.write, .execute])
        #expect(try onlyTarget("{symbol: a, access: [execute]}").access == [.execute])
    }

    @Test(arguments: [
        ("[]", "targets[0].access", "access list is empty"), ("[read]", "targets[0].access[0]", "unknown access 'read'"),
        ("[write, write]", "targets[0].access[1]", "listed twice"), ("write", "targets[0].access", "found the text"),
    ])
    func badAccessIsReported(spelling: String, field: String, problem: String) throws {
        let diagnostic = try onlyDiagnostic("{symbol: a, access: \(spelling)}")
        #expect(diagnostic.field == field)
        #expect(diagnostic.message.contains(problem), "\(diagnostic.message)")
        #expect(diagnostic.message.contains("write, execute"))
    }

    @Test func everyActionIsAcceptedAndAnUnknownOneListsThem() throws {
        for action in PolicyAction.allCases {
            #expect(try onlyTarget("{symbol: a, action: \(action.rawValue)}").action == action)
        }
        let diagnostic = try onlyDiagnostic("{symbol: a, action: block}")
        #expect(diagnostic.message == "unknown action 'block'; allowed: deny, alert, allow, log")
    }

    @Test func optionalIsStrictlyTrueOrFalse() throws {
        #expect(try onlyTarget("{symbol: a, optional: true}").optional)
        #expect(try onlyTarget("{symbol: a, optional: false}").optional == false)
        for spelling in ["yes", "on", "'true'", "1"] {
            let diagnostic = try onlyDiagnostic("{symbol: a, optional: \(spelling)}")
            #expect(diagnostic.message.hasPrefix("expected true or false"))
        }
    }

    @Test func writersCarryTheirOwnLocations() throws {
        let yaml = Support.document(targets: """
              - range: _stext.._etext
                action: alert
                writers:
                  - text_poke_bp_batch
                  - ftrace_modify_all_code

            """)
        let target = try #require(try Policy.parse(yaml: yaml, file: "w.yaml").targets.first)
        #expect(target.writers == [
            WriterException(function: "text_poke_bp_batch", location: SourceLocation(file: "w.yaml", line: 7, column: 9)),
            WriterException(function: "ftrace_modify_all_code", location: SourceLocation(file: "w.yaml", line: 8, column: 9)),
        ])
    }

    @Test(arguments: [
        ("{symbol: a, action: allow, writers: [f]}", "targets[0].writers", "no effect with action allow"),
        ("{symbol: a, access: [execute], writers: [f]}", "targets[0].writers", "access does not trap write"),
        ("{symbol: a, writers: [f, g, f]}", "targets[0].writers[2]", "already listed"),
        ("{symbol: a, writers: ['bad name']}", "targets[0].writers[0]", "contains whitespace"),
        ("{symbol: a, writers: f}", "targets[0].writers", "expected a list of kernel function names"),
    ])
    func badWritersAreReported(target: String, field: String, problem: String) throws {
        let diagnostic = try onlyDiagnostic(target)
        #expect(diagnostic.field == field)
        #expect(diagnostic.message.contains(problem), "\(diagnostic.message)")
    }

    @Test func unknownTargetKeySuggestsTheIntendedOne() throws {
        let diagnostic = try onlyDiagnostic("{symbol: a, acess: [write]}")
        #expect(diagnostic.field == "targets[0].acess")
        #expect(diagnostic.message.contains("did you mean 'access'?"))
        #expect(diagnostic.message.contains("symbol, range, physical, virtual, length, access, action, optional, writers, exclude"))
    }

    @Test func targetThatIsNotAMappingIsReported() throws {
        let diagnostic = try onlyDiagnostic("sys_call_table")
        #expect(diagnostic.field == "targets[0]")
        #expect(diagnostic.message.contains("expected a target mapping"))
    }

    @Test func sameSymbolTwiceInOnePolicyIsRejected() throws {
        let found = Support.diagnostics(Support.document(targets: "  - symbol: a\n  - {symbol: a, length: 8}\n"))
        let diagnostic = try #require(found.first)
        #expect(found.count == 1)
        #expect(diagnostic.field == "targets[1]")
        #expect(diagnostic.location.line == 5)
        #expect(diagnostic.message.contains("already protected by targets[0] at line 4"))
    }
}
