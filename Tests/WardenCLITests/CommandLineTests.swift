import ArgumentParser
import Foundation
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
}

@Suite(.serialized) struct DemoEndToEndTests {
    @Test func demoPlansTheEmbeddedPolicyOnTheSyntheticGuest() throws {
        let result = try BuiltWarden.run(["demo"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.contains("sys_call_table  deny  write"))
        #expect(result.standardOutput.contains("KASLR slide 0x1e00000"))
        #expect(result.standardOutput.contains("summary: "))
    }

    @Test func demoJSONFollowsSchemaOne() throws {
        let result = try BuiltWarden.run(["demo", "--json", "--five-level"])
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

    @Test func embeddedPolicyIsTheShippedOne() throws {
        let shipped = try Data(contentsOf: BuiltWarden.repository.appendingPathComponent("policies/linux-kernel-core.yaml"))
        let embedded = try Data(
            contentsOf: BuiltWarden.repository.appendingPathComponent("Sources/warden/Resources/linux-kernel-core.yaml"))
        #expect(shipped == embedded, "copy policies/linux-kernel-core.yaml to Sources/warden/Resources/")
    }
}
