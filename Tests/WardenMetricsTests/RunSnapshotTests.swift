import Enforcement
import Foundation
import TestSupport
import Testing
import WardenMetrics

/// The exposition of a run, parsed back by an independent parser (and by Prometheus's own promtool
/// where installed), against the requests put on the ring.
@Suite struct RunSnapshotTests {
    @Test func theExpositionShowsTheInjectedRequestsByReasonTargetAndAction() throws {
        let measured = try MeasuredSession()
        try measured.session.setUp()
        for entry in 0..<3 { #expect(measured.write("sys_call_table", plus: UInt64(entry) * 8)) }
        #expect(measured.write("modprobe_path", vcpu: 2))
        #expect(measured.write("_stext", plus: 0x40, from: "text_poke", vcpu: 3))
        #expect(measured.session.serveRing().isEmpty)
        let scraped = try ScrapedMetrics(parsing: Exposition.render(measured.snapshot(.protecting).families))

        #expect(scraped.value("warden_events_total", ["reason": "mem_access"]) == 5)
        #expect(scraped.sum("warden_events_total") == 5)
        let table = ["rule": "metrics-test/sys_call_table+3608", "target": "sys_call_table+3608"]
        #expect(scraped.value("warden_decisions_total", table.merging(["action": "denied"]) { $1 }) == 3)
        let modprobe = ["rule": "metrics-test/modprobe_path", "target": "modprobe_path"]
        #expect(scraped.value("warden_decisions_total", modprobe.merging(["action": "alerted"]) { $1 }) == 1)
        let text = ["rule": "metrics-test/_stext.._etext", "target": "_stext.._etext"]
        #expect(scraped.value("warden_decisions_total", text.merging(["action": "allowed-trusted-writer"]) { $1 }) == 1)
        #expect(scraped.value("warden_decisions_total", text.merging(["action": "alerted"]) { $1 }) == 0)
        // Only the outcomes each target's policy entry can produce have a series.
        #expect(scraped.samples("warden_decisions_total").count == 4)
        // The denials; modprobe_path's alert waits for the single step that completes the write.
        #expect(scraped.value("warden_alerts_total") == 3)
        #expect(scraped.value("warden_ring_slots") == 8)
        #expect(scraped.value("warden_ring_occupancy_bucket", ["le": "5"]) == 1)
        #expect(scraped.value("warden_ring_occupancy_bucket", ["le": "4"]) == 0)
        #expect(scraped.value("warden_ring_occupancy_sum") == 5)
        #expect(scraped.value("warden_decision_latency_seconds_count") == 5)
        #expect(try #require(scraped.value("warden_decision_latency_seconds_sum")) > 0)
        #expect(scraped.value("warden_protected_frames") == Double(measured.session.engine.frames.accessByFrame.count))
        #expect(scraped.value("warden_protection_active") == 1)
        #expect(scraped.value("warden_teardown_state", ["state": "pending"]) == 1)
        #expect(scraped.value("warden_run_info", ["domain": "web-1", "domain_id": "7", "allow_path": "singlestep", "version": "9.9.9"]) == 1)
        #expect(scraped.families.map(\.name) == RunSnapshot.familyNames)
        #expect(scraped.families.allSatisfy { $0.family.help?.isEmpty == false && $0.family.type != nil })
        #expect(measured.session.tearDown().isEmpty)
    }

    @Test func theTeardownStateSaysWhetherTheGuestWasReleased() throws {
        let measured = try MeasuredSession()
        let states: [(RunSnapshot.State, active: Double, pending: Double, complete: Double, incomplete: Double, failed: Double)] = [
            (.starting, 0, 1, 0, 0, 0), (.protecting, 1, 1, 0, 0, 0), (.released, 0, 0, 1, 0, 0), (.incomplete(failedSteps: 2), 0, 0, 0, 1, 2),
        ]
        for (state, active, pending, complete, incomplete, failed) in states {
            let scraped = try ScrapedMetrics(parsing: Exposition.render(measured.snapshot(state).families))
            #expect(scraped.value("warden_protection_active") == active, "\(state)")
            #expect(scraped.value("warden_teardown_state", ["state": "pending"]) == pending, "\(state)")
            #expect(scraped.value("warden_teardown_state", ["state": "complete"]) == complete, "\(state)")
            #expect(scraped.value("warden_teardown_state", ["state": "incomplete"]) == incomplete, "\(state)")
            #expect(scraped.value("warden_teardown_failed_steps") == failed, "\(state)")
        }
    }

    @Test func everyFamilyIsDocumentedInDocsMetricsMd() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/metrics.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for name in RunSnapshot.familyNames { #expect(text.contains("`\(name)"), "docs/metrics.md does not document \(name)") }
    }

    @Test(.enabled(if: Executables.available("promtool"), "needs promtool (Debian package prometheus; scripts/setup --integration installs it)"))
    func promtoolAcceptsTheExpositionWithoutLintProblems() throws {
        let measured = try MeasuredSession()
        try measured.session.setUp()
        measured.write("sys_call_table")
        _ = measured.session.serveRing()
        let text = Exposition.render(measured.snapshot(.protecting).families)
        let promtool = try #require(Executables.find("promtool"), "promtool not found")
        let result = try ChildOutput.run(promtool, ["check", "metrics"], input: text)
        #expect(result.status == 0, "promtool: \(result.output)")
        #expect(result.output.isEmpty, "promtool lint findings: \(result.output)")
        #expect(measured.session.tearDown().isEmpty)
    }
}
