import Foundation
import Testing
import WardenCore

/// Text-level edits of policy files (`warden except --apply`): only the changed lines differ.
@Suite struct PolicyEditorTests {
    static let location = SourceLocation(file: "p.yaml", line: 1, column: 1)

    static func exception(_ extent: TargetExtent, _ action: PolicyAction = .alert, _ change: PolicyException.Change) -> PolicyException {
        let target = ProtectedTarget(
            extent: extent, access: [.write], action: action, optional: false, writers: [], rule: "p/\(extent)", location: location)
        return PolicyException(target: target, change: change, comment: ["for the test"])
    }

    static let writer = exception(.symbol("modprobe_path"), .alert, .writer("proc_dostring"))

    func edited(_ yaml: String, _ exception: PolicyException = writer) throws(PolicyError) -> String {
        try PolicyEditor.apply(exception, to: yaml, file: "p.yaml").text
    }

    @Test func aWriterJoinsAnExistingBlockListAfterItsLastItem() throws {
        let yaml = """
            # head
            warden-policy: 1
            name: p
            targets:
              - symbol: modprobe_path   # the path
                action: alert
                writers:
                  # the sysctl path
                  - call_usermodehelper

              # next
              - symbol: sys_call_table

            """
        #expect(try edited(yaml) == yaml.replacing("      - call_usermodehelper\n", with: "      - call_usermodehelper\n      # for the test\n      - proc_dostring\n"))
    }

    @Test func aWriterJoinsAFlowListBeforeItsBracket() throws {
        let yaml = "warden-policy: 1\nname: p\ntargets:\n  - symbol: modprobe_path\n    action: alert\n    writers: [a, b]  # two\n"
        #expect(try edited(yaml) == "warden-policy: 1\nname: p\ntargets:\n  - symbol: modprobe_path\n    action: alert\n"
            + "    # for the test\n    writers: [a, b, proc_dostring]  # two\n")
    }

    @Test func aTargetWithoutTheListGetsItAfterItsLastLineBeforeTheNextComments() throws {
        let yaml = """
            warden-policy: 1
            name: p
            targets:
              - symbol: modprobe_path
                action: alert
                exclude:
                  - offset: 0
                    length: 1

              # the table
              - symbol: sys_call_table
            # end

            """
        #expect(try edited(yaml) == yaml.replacing("        length: 1\n", with: "        length: 1\n    # for the test\n    writers: [proc_dostring]\n"))
        let last = Self.exception(.symbol("sys_call_table"), .deny, .exclusion(offset: 0x18, length: 8))
        #expect(try edited(yaml, last) == yaml.replacing("  - symbol: sys_call_table\n", with: "  - symbol: sys_call_table\n    # for the test\n    exclude: [{offset: 0x18, length: 8}]\n"))
    }

    @Test func aFlowMappingTargetGetsTheListBeforeItsBrace() throws {
        let yaml = "warden-policy: 1\nname: p\ntargets:\n  - {symbol: modprobe_path,\n     action: alert}\n"
        #expect(try edited(yaml) == "warden-policy: 1\nname: p\ntargets:\n  # for the test\n  - {symbol: modprobe_path,\n     action: alert, writers: [proc_dostring]}\n")
    }

    @Test func aTargetTheFileLacksIsAppendedAsAnEntryThatMergesWithTheOriginal() throws {
        let yaml = "warden-policy: 1\nname: local\ntargets:\n    -   symbol: idt_table\n        length: 4096\n# trailing\n"
        let text = try edited(yaml)
        #expect(text == "warden-policy: 1\nname: local\ntargets:\n    -   symbol: idt_table\n        length: 4096\n\n    # for the test\n"
            + "    - symbol: modprobe_path\n      action: alert\n      writers: [proc_dostring]\n# trailing\n")
        let shipped = try Policy.parse(
            yaml: "warden-policy: 1\nname: shipped\ntargets:\n  - {symbol: modprobe_path, action: alert, writers: [w]}\n", file: "s.yaml")
        let merged = try PolicySet(policies: [shipped, try Policy.parse(yaml: text, file: "p.yaml")])
        #expect(merged.targets.first { $0.extent == .symbol("modprobe_path") }?.writers.map(\.function) == ["w", "proc_dostring"])
        let flow = "warden-policy: 1\nname: local\ntargets: [{symbol: idt_table}]\n"
        #expect(try edited(flow) == "warden-policy: 1\nname: local\n# for the test\n"
            + "targets: [{symbol: idt_table}, {symbol: modprobe_path, action: alert, writers: [proc_dostring]}]\n")
    }

    @Test func appendedEntriesCarryTheTargetsExtentAccessAndOptionalFlag() throws {
        let target = ProtectedTarget(
            extent: .physical(start: 0x100_0000, length: 0x2000), access: [.write, .execute], action: .log, optional: false, writers: [],
            rule: "p/x", location: Self.location)
        let exception = PolicyException(target: target, change: .exclusion(offset: 0x40, length: 8), comment: ["c"])
        #expect(exception.entryLines() == [
            "  # c", "  - physical: {start: 0x1000000, length: 8192}", "    access: [execute, write]", "    action: log",
            "    exclude: [{offset: 0x40, length: 8}]",
        ])
        var optional = Self.writer.target
        optional.optional = true
        optional.extent = .range(from: "_stext", to: "_etext")
        #expect(PolicyException(target: optional, change: .writer("w"), comment: []).entryLines()
            == ["  - range: _stext.._etext", "    action: alert", "    optional: true", "    writers: [w]"])
    }

    @Test func windowsLineEndingsStay() throws {
        let yaml = "warden-policy: 1\r\nname: p\r\ntargets:\r\n  - symbol: modprobe_path\r\n    action: alert\r\n"
        #expect(try edited(yaml) == yaml + "    # for the test\r\n    writers: [proc_dostring]\r\n")
    }

    @Test func aFileWithProblemsIsNotEditedAndItsProblemsAreReported() throws {
        let yaml = "warden-policy: 1\nname: p\ntargets:\n  - symbol: modprobe_path\n    acton: alert\n"
        do {
            _ = try edited(yaml)
            Issue.record("an invalid file was edited")
        } catch {
            #expect(error.diagnostics.map(\.description) == [
                "p.yaml:5:5: targets[0].acton: unknown key 'acton' (did you mean 'action'?); allowed keys here: symbol, range, physical, "
                    + "virtual, length, access, action, optional, writers, exclude"
            ])
        }
    }

    @Test func anExceptionAlreadyThereIsNamedWhereItIs() throws {
        let yaml = "warden-policy: 1\nname: p\ntargets:\n  - symbol: modprobe_path\n    action: alert\n    writers:\n      - proc_dostring\n"
        do {
            _ = try edited(yaml)
            Issue.record("a duplicate writer was added")
        } catch {
            #expect(error.description == "p.yaml:7:9: targets[0].writers: proc_dostring is already a trusted writer of modprobe_path; nothing to add")
        }
    }

    @Test func theFileIsReplacedWholeKeepingItsModeAndTheLinkToIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-edit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let real = directory.appendingPathComponent("real.yaml").path
        let link = directory.appendingPathComponent("link.yaml").path
        let yaml = "warden-policy: 1\nname: p\ntargets:\n  - symbol: modprobe_path\n    action: alert\n"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: real))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: real)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)

        let summary = try PolicyEditor.apply(Self.writer, toFile: link)
        #expect(summary == "\(link): writer proc_dostring added to targets[0] (modprobe_path) at line 4")
        #expect(try String(contentsOfFile: real, encoding: .utf8) == yaml + "    # for the test\n    writers: [proc_dostring]\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
        #expect((try FileManager.default.attributesOfItem(atPath: real)[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["link.yaml", "real.yaml"])

        // Loaded with a policy of the same name the result could not be used: nothing is written.
        let before = try String(contentsOfFile: real, encoding: .utf8)
        let clash = try Policy.parse(yaml: "warden-policy: 1\nname: p\ntargets: [{symbol: x}]\n", file: "other.yaml")
        let second = Self.exception(.symbol("modprobe_path"), .alert, .writer("another"))
        #expect(throws: PolicyError.self) { try PolicyEditor.apply(second, toFile: link, alongside: [clash]) }
        #expect(try String(contentsOfFile: real, encoding: .utf8) == before)
    }
}
