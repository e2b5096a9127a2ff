import ArgumentParser
import Foundation
import Hypervisor
import Testing

@testable import warden

@Suite struct CommandLineTests {
    @Test func planWithoutAPolicyIsAUsageError() {
        #expect(throws: (any Error).self) { try Warden.parseAsRoot(["plan", "--memory", "x.core"]) }
        do {
            _ = try Warden.parseAsRoot(["plan", "--memory", "x.core"])
        } catch {
            #expect(Warden.exitCode(for: error).rawValue == 64)
            #expect(Warden.message(for: error).contains("--policy"))
        }
    }

    @Test func twoGuestsAtOnceAreRefused() {
        #expect(throws: (any Error).self) {
            try Warden.parseAsRoot(["plan", "--policy", "p.yaml", "--memory", "x.core", "--domain", "7"])
        }
        #expect(throws: (any Error).self) { try Warden.parseAsRoot(["symbols", "--qemu-ram", "ram"]) }
    }

    @Test func symbolsNeedsExactlyOneSource() throws {
        #expect(throws: (any Error).self) { try Warden.parseAsRoot(["symbols"]) }
        #expect(throws: (any Error).self) { try Warden.parseAsRoot(["symbols", "--image", "a", "--memory", "b"]) }
        _ = try Warden.parseAsRoot(["symbols", "--image", "vmlinuz"])
    }

    @Test func runEmulatesAllowedWritesUnlessSingleStepIsAskedFor() throws {
        let plain = try #require(try Warden.parseAsRoot(["run", "--domain", "7", "--policy", "p.yaml"]) as? Warden.Run)
        #expect(plain.allowPath == .emulate)
        let stepping = try #require(
            try Warden.parseAsRoot(["run", "--domain", "7", "--policy", "p.yaml", "--allow-path", "singlestep"]) as? Warden.Run)
        #expect(stepping.allowPath == .singlestep)
        do {
            _ = try Warden.parseAsRoot(["run", "--domain", "7", "--policy", "p.yaml", "--allow-path", "mtf"])
            Issue.record("an unknown path was accepted")
        } catch {
            #expect(Warden.exitCode(for: error).rawValue == 64)
            #expect(Warden.message(for: error).contains("emulate"))
        }
    }
}

@Suite(.serialized) struct DemoEndToEndTests {
    @Test func demoDeniesTheRootkitAlertsOnModprobePathAndReleasesTheGuest() throws {
        let result = try BuiltWarden.run(["demo"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        let denied = lines.filter { $0.contains("action=denied") && $0.contains("target=sys_call_table+") }
        #expect(Set(denied.compactMap { $0.split(separator: " ").first { $0.hasPrefix("vcpu=") } }) == ["vcpu=1", "vcpu=2", "vcpu=3"])
        #expect(lines.contains { $0.contains("action=alerted") && $0.contains("target=modprobe_path+0x0") && $0.contains("old=") })
        #expect(!lines.contains { $0.contains("__text_poke") }, "the trusted writer passes without an alert")
        #expect(result.standardError.contains("sys_call_table unchanged: yes"))
        #expect(result.standardError.contains("guest released: altp2m off, views [], paused vCPUs 0, ring gone"))
    }

    @Test func demoAlertsAsJSONLinesFollowSchemaTwo() throws {
        let result = try BuiltWarden.run(["demo", "--output", "json"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let alerts = try result.standardOutput.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(alerts.count == 4)
        #expect(alerts.allSatisfy { $0["schema"] as? Int == 2 })
    }

    @Test func demoPlanOnlyPrintsThePlanJSON() throws {
        let result = try BuiltWarden.run(["demo", "--plan-only", "--output", "json", "--five-level"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(document["schema"] as? Int == 1)
        let kernel = try #require(document["kernel"] as? [String: Any])
        #expect(kernel["pagingLevels"] as? Int == 5)
        let targets = try #require(document["targets"] as? [[String: Any]])
        let table = try #require(targets.first { $0["symbol"] as? String == "sys_call_table" })
        let frames = try #require(table["frames"] as? [[String: Any]])
        let lengths = frames.compactMap { $0["length"] as? Int }.reduce(0, +)
        #expect(lengths == table["size"] as? Int)
        #expect(frames.allSatisfy { ($0["gfn"] as? String)?.hasPrefix("0x") == true })
    }

    @Test func runWithoutXenExplainsWhatIsMissing() throws {
        let policy = BuiltWarden.repository.appendingPathComponent("policies/linux-syscall-tables.yaml").path
        let result = try BuiltWarden.run(["run", "--domain", "guest1", "--policy", policy])
        #expect(result.status == 1)
        #expect(result.standardError.contains("/dev/xen/privcmd"))
    }

    @Test func embeddedPolicyIsTheShippedOne() throws {
        let shipped = try Data(contentsOf: BuiltWarden.repository.appendingPathComponent("policies/linux-kernel-core.yaml"))
        let embedded = try Data(
            contentsOf: BuiltWarden.repository.appendingPathComponent("Sources/warden/Resources/linux-kernel-core.yaml"))
        #expect(shipped == embedded, "copy policies/linux-kernel-core.yaml to Sources/warden/Resources/")
    }
}
