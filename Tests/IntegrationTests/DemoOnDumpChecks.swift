import Foundation
import Testing
import WardenCore

/// `warden demo --memory CORE`: the demo's script on a real guest's ELF core, judged by the guest's
/// own /proc/kallsyms.
enum DemoOnDumpChecks {
    /// The rootkit's sys_call_table writes are denied at the table the guest's kallsyms names, from
    /// inside the real kernel's functions; the text patch by __text_poke passes silently; the
    /// modprobe_path rewrite is alerted with its bytes; the table is unchanged, the guest released,
    /// and the core file untouched.
    static func demoRunsOnTheDump(_ guest: RunningGuest) async throws {
        let warden = try #require(WardenCLIChecks.executable, "the warden executable is not built beside the test runner")
        let core = try await guest.coreDump().url
        let coreBefore = try FileManager.default.attributesOfItem(atPath: core.path)
        // Both outputs stay in the run directory for a look, as the harness's logs do.
        let name = "warden-demo-\(UUID().uuidString.prefix(8))"
        let stdout = guest.runDirectory.appending(path: "\(name).out")
        let stderr = guest.runDirectory.appending(path: "\(name).log")
        try await ChildProcess.run(warden, ["demo", "--memory", core.path], log: stderr, standardOutput: stdout, timeout: .seconds(900))
        let alerts = try String(contentsOf: stdout, encoding: .utf8).split(separator: "\n").map(fields)
        let notes = try String(contentsOf: stderr, encoding: .utf8)

        let table = try GroundTruthChecks.symbol("sys_call_table", in: guest).address
        let denied = alerts.filter { $0["action"] == "denied" }
        #expect(denied.count >= 3, "expected the rootkit's writes denied: \(alerts)")
        for alert in denied {
            #expect(alert["target"]?.hasPrefix("sys_call_table+0x") == true, "denied \(alert["target"] ?? "?")")
            let gla = try #require(alert["gla"].flatMap(hex))
            #expect(gla >= table && gla < table + 451 * 8, "denied write at 0x\(String(gla, radix: 16))")
            #expect(alert["ripSymbol"]?.hasPrefix("commit_creds+0x") == true, "rootkit rip \(alert["ripSymbol"] ?? "?")")
        }
        let modprobe = try #require(alerts.first { $0["target"] == "modprobe_path+0x0" }, "no modprobe_path alert: \(alerts)")
        #expect(modprobe["action"] == "alerted")
        #expect(modprobe["gla"].flatMap(hex) == (try GroundTruthChecks.symbol("modprobe_path", in: guest).address))
        #expect(modprobe["old"]?.hasPrefix("2f7362696e2f6d6f") == true, "old bytes \(modprobe["old"] ?? "?") (/sbin/mo…)")
        #expect(modprobe["new"]?.hasPrefix("2f746d702f7800") == true, "new bytes \(modprobe["new"] ?? "?") (/tmp/x)")
        #expect(!alerts.contains { $0["ripSymbol"]?.hasPrefix("__text_poke+") == true }, "the trusted text patch raised an alert")
        #expect(alerts.allSatisfy { ["denied", "alerted"].contains($0["action"]) }, "unexpected alerts: \(alerts)")

        // The text patch and the modprobe_path write each trapped and were let through once.
        #expect(notes.contains("\(denied.count) denied, 2 allowed once (0 outside targets, 1 by trusted writers)"), "\(notes)")
        #expect(notes.contains("guest: ELF core \(core.path)"), "\(notes)")
        #expect(notes.contains("sys_call_table unchanged: yes"), "\(notes)")
        #expect(notes.contains("guest released: altp2m off, views [], paused vCPUs 0, ring gone"), "\(notes)")
        let coreAfter = try FileManager.default.attributesOfItem(atPath: core.path)
        #expect(coreAfter[.size] as? Int == coreBefore[.size] as? Int)
        #expect(coreAfter[.modificationDate] as? Date == coreBefore[.modificationDate] as? Date, "the core file was written")
    }

    /// `key=value` fields of one text alert line.
    private static func fields(_ line: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for field in line.split(separator: " ") {
            guard let equals = field.firstIndex(of: "=") else { continue }
            result[String(field[..<equals])] = String(field[field.index(after: equals)...])
        }
        return result
    }

    private static func hex(_ text: String) -> UInt64? {
        text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : nil
    }
}
