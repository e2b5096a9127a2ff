import Foundation
import SyntheticGuest
import Testing
import TestSupport
import WardenCore

@testable import warden

/// `--memory CORE` given a Xen `xl dump-core` file, through the built `warden` as a user runs it.
@Suite(.serialized) struct XenDumpCommandTests {
    /// The generated guest `warden demo` runs on, dumped as Xen would dump it.
    static func dumpOfTheDemoGuest() throws -> (SyntheticGuest, String) {
        let guest = try SyntheticGuest()
        let path = NSTemporaryDirectory() + "warden-xen-\(UUID().uuidString).core"
        try XenDumpCoreWriter(guest: guest).write(to: path)
        return (guest, path)
    }

    @Test func planOnAXenDumpEqualsThePlanOfTheGuestItself() throws {
        let (guest, path) = try Self.dumpOfTheDemoGuest()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let policy = BuiltWarden.repository.appendingPathComponent("policies/linux-kernel-core.yaml").path
        let result = try BuiltWarden.run(["plan", "--memory", path, "--policy", policy, "--json"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let own = try PlanPipeline.plan(
            targets: PolicySet.load(paths: [policy]).targets, memory: guest.memory, registers: guest.vcpuRegisters(),
            symbolFile: nil)
        // The symbol source names where kallsyms was read: the guest object or the dump file.
        let expected = own.renderJSON().replacingOccurrences(of: "(synthetic guest)", with: "(Xen dump-core \(path))")
        // The plan, then the integrity check of the same dump (clean; an xl dump-core has no IDT register).
        #expect(result.standardOutput.hasPrefix(String(expected.dropLast(2)) + #","integrity":{"clean":true,"#))
        #expect(result.standardOutput.contains(#"{"structure":"IDTR","outcome":"unavailable","#))
    }

    @Test func symbolsOnAXenDumpAreTheGuestsOwn() throws {
        let (guest, path) = try Self.dumpOfTheDemoGuest()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try BuiltWarden.run(["symbols", "--memory", path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let table = try #require(guest.symbols.first { $0.name == "sys_call_table" })
        #expect(result.standardOutput.contains(String(table.address, radix: 16)))
    }

    @Test func demoRunsOnAXenDump() throws {
        let (_, path) = try Self.dumpOfTheDemoGuest()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try BuiltWarden.run(["demo", "--memory", path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        let denied = lines.filter { $0.contains("action=denied") && $0.contains("target=sys_call_table+") }
        #expect(Set(denied.compactMap { $0.split(separator: " ").first { $0.hasPrefix("vcpu=") } }) == ["vcpu=1", "vcpu=2", "vcpu=3"])
        #expect(result.standardError.contains("sys_call_table unchanged: yes"))
    }

    @Test func aDamagedXenDumpIsReportedByName() throws {
        let (_, path) = try Self.dumpOfTheDemoGuest()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Cut inside .xen_pages: the section table at the front now points past the end.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 1 << 20)
        try handle.close()
        let policy = BuiltWarden.repository.appendingPathComponent("policies/linux-kernel-core.yaml").path
        let result = try BuiltWarden.run(["plan", "--memory", path, "--policy", policy])
        #expect(result.status == 1)
        #expect(result.standardError.contains(path) && result.standardError.contains("truncated"), "\(result.standardError)")
    }
}
