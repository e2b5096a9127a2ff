import Foundation
import Testing
import WardenCore

/// `warden except`, run as a user would: the built binary, files in a scratch directory.
@Suite struct ExceptCommandTests {
    static let policy = """
        # Site policy.
        warden-policy: 1
        name: site
        targets:
          - symbol: modprobe_path   # usermode helper
            action: alert

        """

    /// A scratch directory with `site.yaml` and the alert file `alert.json`.
    struct Scratch {
        let directory: URL
        var policy: String { directory.appendingPathComponent("site.yaml").path }
        var alert: String { directory.appendingPathComponent("alert.json").path }

        init(alert: String, policy: String = ExceptCommandTests.policy) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("except-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(policy.utf8).write(to: URL(fileURLWithPath: self.policy))
            try Data(alert.replacing("POLICY", with: self.policy).utf8).write(to: URL(fileURLWithPath: self.alert))
        }

        func write(_ name: String, _ text: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static func alert(action: String = "alerted", gpa: String = "\"0x2c20000\"") -> String {
        #"{"schema":1,"time":"2025-01-02T03:04:05.123456Z","action":""# + action
            + #"","access":"write","domain":{"id":3,"name":"web"},"vcpu":0,"target":{"symbol":"modprobe_path","offset":0},"#
            + #""gla":"0xffffffff82c20000","gpa":"# + gpa
            + #","rip":"0xffffffff82b00010","ripSymbol":{"symbol":"proc_dostring","offset":16},"old":"2f7362696e","new":"2f746d702f","#
            + #""rule":"site/modprobe_path","policy":"POLICY:5:5","repeats":0}"# + "\n"
    }

    @Test func thePrintedEntryMergesWithTheAlertsTargetWhenAppendedElsewhere() throws {
        let scratch = try Scratch(alert: Self.alert())
        defer { scratch.remove() }
        let result = try BuiltWarden.run(["except", scratch.alert])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.hasPrefix("  # warden except: alerted write at 2025-01-02T03:04:05.123456Z to modprobe_path+0x0"))
        #expect(result.standardOutput.hasSuffix("  - symbol: modprobe_path\n    action: alert\n    writers: [proc_dostring]\n"))
        let local = try Policy.parse(yaml: "warden-policy: 1\nname: local\ntargets:\n" + result.standardOutput, file: "local.yaml")
        let merged = try PolicySet(policies: [try Policy.load(path: scratch.policy), local])
        #expect(merged.targets.map { $0.writers.map(\.function) } == [["proc_dostring"]])
    }

    @Test func theAlertCanComeOnStandardInput() throws {
        let scratch = try Scratch(alert: Self.alert())
        defer { scratch.remove() }
        let process = Process()
        process.executableURL = BuiltWarden.executable
        process.arguments = ["except", "--exclude"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(try Data(contentsOf: URL(fileURLWithPath: scratch.alert)))
        try input.fileHandleForWriting.close()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // Five bytes differ between old and new ("/sbin" → "/tmp/"), and --exclude asked for bytes.
        #expect(printed.hasSuffix("    exclude: [{offset: 0x0, length: 5}]\n"))
    }

    @Test func applyEditsThePolicyInPlaceAndKeepsItsComments() throws {
        let scratch = try Scratch(alert: Self.alert())
        defer { scratch.remove() }
        let result = try BuiltWarden.run(["except", scratch.alert, "--apply", scratch.policy])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput == "\(scratch.policy): writer proc_dostring added to targets[0] (modprobe_path) at line 5\n")
        let text = try String(contentsOfFile: scratch.policy, encoding: .utf8)
        #expect(text.hasPrefix(Self.policy))
        #expect(text.hasSuffix("    # trusted writer proc_dostring added\n    writers: [proc_dostring]\n"))
        // The same alert again: the writer is there, so there is nothing left to add.
        let again = try BuiltWarden.run(["except", scratch.alert, "--apply", scratch.policy])
        #expect(again.status == 1)
        #expect(again.standardError.contains("already a trusted writer"))
    }

    @Test func aBadAlertIsNamedByFileLineAndField() throws {
        let scratch = try Scratch(alert: "\n\n" + Self.alert(gpa: "\"0x02c2\""))
        defer { scratch.remove() }
        let result = try BuiltWarden.run(["except", scratch.alert])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(scratch.alert):3: gpa: expected an address"), "\(result.standardError)")
    }

    @Test func policyProblemsAreNamedByFileLineAndField() throws {
        let scratch = try Scratch(alert: Self.alert())
        defer { scratch.remove() }
        let broken = try scratch.write("broken.yaml", "warden-policy: 1\nname: b\ntargets:\n  - symbol: modprobe_path\n    acton: alert\n")
        let result = try BuiltWarden.run(["except", scratch.alert, "--apply", broken])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(broken):5:5: targets[0].acton: unknown key 'acton'"), "\(result.standardError)")
        let other = try scratch.write("other.yaml", "warden-policy: 1\nname: other\ntargets: [{symbol: sys_call_table}]\n")
        let missing = try BuiltWarden.run(["except", scratch.alert, "--policy", other])
        #expect(missing.standardError.contains("\(other): no target for the alert's rule site/modprobe_path"))
        try FileManager.default.removeItem(atPath: scratch.policy)
        let gone = try BuiltWarden.run(["except", scratch.alert])
        #expect(gone.standardError.contains("\(scratch.policy):0:0: file: no such file"), "\(gone.standardError)")
        #expect(gone.standardError.contains("or name the policy file with --policy"))
    }

    @Test func anOverlayThatCouldNotBeLoadedWithTheOriginalIsLeftUnchanged() throws {
        let scratch = try Scratch(alert: Self.alert())
        defer { scratch.remove() }
        // Same policy name as the alert's: the two could not be loaded together.
        let overlay = "warden-policy: 1\nname: site\ntargets: [{symbol: idt_table}]\n"
        let path = try scratch.write("local.yaml", overlay)
        let result = try BuiltWarden.run(["except", scratch.alert, "--apply", path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("policy name 'site' is also used by"), "\(result.standardError)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == overlay)
    }

    @Test func alertsNoChangeWouldHaveStoppedAreRefusedAndBadLengthsAreUsageErrors() throws {
        let scratch = try Scratch(alert: Self.alert(action: "allowed-trusted-writer"))
        defer { scratch.remove() }
        let refused = try BuiltWarden.run(["except", scratch.alert])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("no exception for this alert: the alert's access was already let through"))
        let usage = try BuiltWarden.run(["except", scratch.alert, "--length", "0"])
        #expect(usage.status == 64)
    }
}
