import Foundation
import Glibc
import TestSupport
import Testing

/// `--metrics` and `--metrics-file` on a real `warden` process running on the model of Xen 4.17
/// (`warden demo`, the same enforcement driver as `warden run`), scraped as Prometheus and
/// node_exporter would.
@Suite(.serialized) struct MetricsScrapeTests {
    /// The demo's script: three rootkit writes to sys_call_table (denied), __text_poke patching kernel
    /// text (trusted writer) and one modprobe_path rewrite (alerted).
    static let table = ["rule": "linux-kernel-core/sys_call_table", "target": "sys_call_table", "action": "denied"]
    static let text = ["rule": "linux-kernel-core/_stext.._etext", "target": "_stext.._etext", "action": "allowed-trusted-writer"]
    static let modprobe = ["rule": "linux-kernel-core/modprobe_path", "target": "modprobe_path", "action": "alerted"]

    static func read(_ path: String) -> ScrapedMetrics? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { try? ScrapedMetrics(parsing: $0) }
    }

    /// Every event is accounted for exactly once in a consistent snapshot.
    static func expectEveryEventAccountedFor(_ metrics: ScrapedMetrics, _ context: String) {
        let events = metrics.sum("warden_events_total")
        let outcomes = metrics.sum("warden_decisions_total") + (metrics.value("warden_frame_neighbour_accesses_total") ?? -1)
            + (metrics.value("warden_events_ignored_total") ?? -1)
        #expect(events == outcomes, "\(context): events \(events), decided or ignored \(outcomes)")
        #expect(metrics.value("warden_decision_latency_seconds_count") == events, "\(context)")
        // Requests that arrive while a pass drains the ring are served in it without being seen waiting.
        #expect((metrics.value("warden_ring_occupancy_sum") ?? .infinity) <= events, "\(context)")
        #expect((metrics.value("warden_ring_occupancy_count") ?? 0) >= 1, "\(context)")
    }

    @Test func aScrapeDuringAnAttackAndTheFinalTextfileMatchTheEventsWardenServed() throws {
        let directory = try ScratchDirectory("scrape")
        defer { directory.remove() }
        let socket = directory.file("metrics.sock")
        let textfile = directory.file("warden.prom")
        let warden = try BackgroundWarden(
            ["demo", "--hold", "--metrics", "unix:\(socket)", "--metrics-file", textfile, "--metrics-interval", "0.2"], in: directory)

        var scraped: ScrapedMetrics?
        try warden.waitUntil("a scrape showing protection and the demo's attack under way") {
            scraped = try? ScrapedMetrics(parsing: HTTPScrape.send(to: .unix(path: socket)).body)
            return scraped?.value("warden_protection_active") == 1 && (scraped?.value("warden_decisions_total", Self.table) ?? 0) >= 6
                && scraped?.value("warden_decisions_total", Self.modprobe) == 1
        }
        let during = try #require(scraped)
        #expect(during.value("warden_decisions_total", Self.text) == 1)
        #expect(during.value("warden_teardown_state", ["state": "pending"]) == 1)
        #expect(during.value("warden_ring_slots") == 8)
        #expect(during.value("warden_run_info", ["domain": "demo", "domain_id": "1", "allow_path": "emulate", "version": "0.1.0"]) == 1)
        Self.expectEveryEventAccountedFor(during, "during the attack")

        // The textfile is rewritten while Warden runs, not only at exit.
        let denied = during.value("warden_decisions_total", Self.table) ?? 0
        try warden.waitUntil("the textfile to show more denials than the scrape did") {
            (Self.read(textfile)?.value("warden_decisions_total", Self.table) ?? 0) > denied
        }

        #expect(try warden.stop(SIGTERM) == 0, "\(warden.seen)")
        let final = try #require(Self.read(textfile), "the final textfile must parse")
        let summary = try #require(warden.summary, "no summary line in: \(warden.seen)")
        #expect(final.sum("warden_events_total") == Double(summary.events))
        #expect(final.sum("warden_decisions_total", matching: ["action": "denied"]) == Double(summary.denied))
        #expect(final.value("warden_alerts_total") == Double(summary.alerts))
        #expect(final.value("warden_teardown_state", ["state": "complete"]) == 1)
        #expect(final.value("warden_teardown_state", ["state": "pending"]) == 0)
        #expect(final.value("warden_protection_active") == 0)
        Self.expectEveryEventAccountedFor(final, "at exit")
        #expect(!FileManager.default.fileExists(atPath: socket), "the listener's socket is removed at exit")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["stderr", "stdout", "warden.prom"])
    }

    @Test func aTCPListenerOnPortZeroReportsItsPortAndServesWhatPromtoolAccepts() throws {
        let directory = try ScratchDirectory("scrape")
        defer { directory.remove() }
        let warden = try BackgroundWarden(["demo", "--hold", "--metrics", "127.0.0.1:0"], in: directory)
        var port: UInt16?
        try warden.waitUntil("the metrics address in the log") {
            port = warden.errors.firstMatch(of: /metrics: Prometheus text format 0\.0\.4 at http:\/\/127\.0\.0\.1:(\d+)\/metrics/)
                .flatMap { UInt16($0.1) }
            return port != nil
        }
        var body = ""
        try warden.waitUntil("a scrape after protection is active") {
            body = try HTTPScrape.send(to: .tcp(host: "127.0.0.1", port: try #require(port))).body
            return try ScrapedMetrics(parsing: body).value("warden_protection_active") == 1
        }
        if let promtool = Executables.find("promtool") {
            let lint = try ChildOutput.run(promtool, ["check", "metrics"], input: body)
            #expect(lint.status == 0 && lint.output.isEmpty, "promtool: \(lint.output)")
        } else {
            #expect(!Executables.isCI, "promtool (Debian package prometheus) is missing in CI")
        }
        #expect(try warden.stop(SIGINT) == 0, "\(warden.seen)")
    }

    @Test(
        .enabled(
            if: Executables.available("prometheus-node-exporter"),
            "needs prometheus-node-exporter (scripts/setup --integration installs it)"))
    func nodeExporterServesTheTextfileOfAFinishedRunWithTheDemosExactCounts() throws {
        let directory = try ScratchDirectory("textfile")
        defer { directory.remove() }
        let textfile = directory.file("warden-demo.prom")
        let run = try BuiltWarden.run(["demo", "--metrics-file", textfile])
        #expect(run.status == 0, "\(run.standardError)")

        let exporter = try NodeExporter(textfileDirectory: directory.path)
        defer { exporter.stop() }
        let scraped = try ScrapedMetrics(parsing: try exporter.scrape())
        #expect(scraped.value("node_textfile_scrape_error") == 0)
        #expect(scraped.value("warden_events_total", ["reason": "mem_access"]) == 5)
        #expect(scraped.value("warden_decisions_total", Self.table) == 3)
        #expect(scraped.value("warden_decisions_total", Self.text) == 1)
        #expect(scraped.value("warden_decisions_total", Self.modprobe) == 1)
        #expect(scraped.sum("warden_decisions_total") == 5)
        #expect(scraped.value("warden_teardown_state", ["state": "complete"]) == 1)
        #expect(scraped.value("warden_decision_latency_seconds_count") == 5)
    }

    /// `warden run` binds before preflight; when preflight then fails (no Xen here), the socket goes too.
    @Test func aRunThatFailsAfterBindingTheListenerLeavesNoSocketBehind() throws {
        let directory = try ScratchDirectory("scrape")
        defer { directory.remove() }
        let socket = directory.file("metrics.sock")
        let policy = BuiltWarden.repository.appendingPathComponent("policies/linux-syscall-tables.yaml").path
        let run = try BuiltWarden.run(["run", "--domain", "no-such-domain", "--policy", policy, "--metrics", "unix:\(socket)"])
        #expect(run.status == 1)
        #expect(run.standardError.contains("metrics: Prometheus text format 0.0.4 at unix:\(socket)"), "\(run.standardError)")
        #expect(!FileManager.default.fileExists(atPath: socket))
    }

    @Test func aMetricsAddressThatCannotBeBoundFailsBeforeProtectionStarts() throws {
        let refused = try BuiltWarden.run(["demo", "--metrics", "unix:/nonexistent-warden-dir/metrics.sock"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("metrics listener unix:/nonexistent-warden-dir/metrics.sock: bind: No such file or directory"))
        #expect(!refused.standardError.contains("protection active"))
        let malformed = try BuiltWarden.run(["demo", "--metrics", "127.0.0.1:99999"])
        #expect(malformed.status == 64)
        #expect(malformed.standardError.contains("expected HOST:PORT with a port from 0 to 65535"))
        let noDirectory = try BuiltWarden.run(["demo", "--metrics-file", "/nonexistent-warden-dir/w.prom"])
        #expect(noDirectory.status == 1)
        #expect(noDirectory.standardError.contains("/nonexistent-warden-dir is not a directory"))
    }
}
