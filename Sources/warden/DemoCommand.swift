import Alerts
import ArgumentParser
import Enforcement
import Foundation
import Logging
import WardenCore
import XenModel

extension Warden {
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run Warden end to end on a generated guest and a model of Xen 4.17: no Xen, no root.",
            discussion: """
                Builds a synthetic x86-64 guest (page tables, a kernel image with real-layout kallsyms,
                KASLR), plans the embedded linux-kernel-core policy from the guest's own kallsyms, sets up
                the restricted altp2m view on the model of Xen 4.17, and lets the guest run: a rootkit
                overwrites sys_call_table from three vCPUs (denied), the kernel's text_poke patches kernel
                text (a trusted writer), and modprobe_path is rewritten (alerted). Alerts go to stdout; the
                run ends with teardown and a check that the table is unchanged and the guest released.

                With --memory CORE the same script runs on a real guest's ELF core (QEMU dump-guest-memory,
                or Xen xl dump-core of an HVM/PVH guest) instead: symbols from that kernel's own kallsyms,
                writes through its own page tables, on as many vCPUs as the dump has. The model writes
                private copies of the pages; the core file is only read.
                """)

        @OptionGroup var output: AlertOutputOptions

        @OptionGroup var metrics: MetricsOptions

        @Flag(name: .customLong("five-level"), help: "Give the synthetic guest 5-level paging (CR4.LA57).")
        var fiveLevel = false

        @Option(name: .customLong("memory"), help: "Run on a real guest's ELF core (QEMU dump-guest-memory or Xen xl dump-core) instead of a generated guest.")
        var core: String?

        @Flag(name: .customLong("hold"), help: "Keep the rootkit attacking until SIGINT, SIGTERM or SIGHUP, then tear down.")
        var hold = false

        @Flag(name: .customLong("plan-only"), help: "Print the plan (text, or JSON schema 1 with --output json) and stop.")
        var planOnly = false

        func validate() throws {
            if core != nil, fiveLevel {
                throw ValidationError("--five-level shapes the generated guest; a core (--memory) brings its own paging")
            }
        }

        func run() async throws {
            guard let url = Bundle.module.url(forResource: "linux-kernel-core", withExtension: "yaml", subdirectory: "Resources")
            else { throw RuntimeFailure("the embedded policy linux-kernel-core.yaml is missing from this build") }
            let policy = try Policy.parse(yaml: try String(contentsOf: url, encoding: .utf8), file: "embedded:linux-kernel-core.yaml")
            let scenario = try core.map { try DemoScenario(policy: policy, core: $0) } ?? DemoScenario(policy: policy, fiveLevel: fiveLevel)
            if planOnly {
                try StandardOutput.write(output.format == .json ? scenario.plan.renderJSON() : scenario.plan.renderText())
                return
            }
            let metricsOutput = try MetricsOutput.make(metrics)
            let kernel = scenario.plan.kernel
            note("guest: \(scenario.origin), _text 0x\(String(kernel.textBase, radix: 16)) (KASLR slide 0x\(String(kernel.kaslrSlide, radix: 16))), "
                + "\(kernel.pagingLevels)-level paging, symbols from its own kallsyms")
            note("plan: \(scenario.plan.targets.count) targets on \(scenario.plan.distinctFrames) guest frames; protecting them in an altp2m view")
            let tableBefore = try scenario.sysCallTable()
            let alerts = try AlertOutput(output)
            let session = ProtectionSession(
                hypervisor: scenario.hypervisor, engine: scenario.engine, domain: AlertDomain(id: scenario.hypervisor.domain, name: "demo"),
                report: alerts.report)
            scenario.script()
            let idle = ScenarioIdle(scenario, hold: hold)
            if hold { note("protecting; the rootkit keeps trying until a signal stops Warden") }
            let outcome = try await EnforcementDriver.run(session: session, alerts: alerts, metrics: metricsOutput, until: { idle.check() })
            try Run.finish(outcome)
            let unchanged = try scenario.sysCallTable() == tableBefore
            let released = scenario.model.snapshot()
            note("sys_call_table unchanged: \(unchanged ? "yes" : "NO")")
            note("guest released: altp2m \(released.altp2mActive ? "ON" : "off"), views \(released.views), "
                + "paused vCPUs \(released.vmEventPauseCounts.filter { $0 > 0 }.count), ring \(released.ringPresent ? "PRESENT" : "gone")")
            guard unchanged, !released.altp2mActive, !released.ringPresent else { throw ExitCode.failure }
        }

        private func note(_ text: String) { Diagnostics.log.notice("demo: \(text)") }
    }
}

/// The demo's stop condition, checked on the enforcement thread between ring waits: the scripted
/// run ends when the guest is idle; with `--hold` the attack restarts instead and only a signal ends it.
final class ScenarioIdle: @unchecked Sendable {
    // Only the enforcement thread calls `check`; the model itself is locked.
    private let scenario: DemoScenario
    private let hold: Bool
    init(_ scenario: DemoScenario, hold: Bool) {
        self.scenario = scenario
        self.hold = hold
    }
    func check() -> Bool {
        guard hold else { return scenario.guestIsIdle }
        scenario.attackAgainIfIdle()
        return false
    }
}
