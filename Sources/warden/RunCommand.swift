import Alerts
import ArgumentParser
import CAllocator
import Enforcement
import Foundation
import Hypervisor
import Logging
import WardenCore
import XenInterop

extension Warden {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Protect a live Xen HVM guest: write-protect the planned frames in an altp2m view and answer every violation by policy.",
            discussion: """
                Needs root in a Xen dom0, Xen booted with altp2m=1, an Intel VT-x/EPT host and the domain
                configured with altp2m = "external". Stops on SIGINT, SIGTERM or SIGHUP and leaves the
                guest running and unrestricted on every exit path.
                """)

        @Option(name: .customLong("domain"), help: "The Xen domain, by name or id.")
        var domain: String

        @Option(name: .customLong("policy"), help: "A policy file (YAML); repeat to combine several.")
        var policies: [String] = []

        @OptionGroup var output: AlertOutputOptions

        func validate() throws {
            guard !policies.isEmpty else { throw ValidationError("give at least one --policy FILE") }
        }

        func run() async throws {
            let policySet = try PolicySet.load(paths: policies)
            let report = try XenPreflight.check(domain)
            for warning in report.warnings { Diagnostics.log.warning("\(warning)") }
            let hypervisor = report.hypervisor
            let kernel = try GuestKernel.readWarningOfLostFrames(memory: hypervisor.memory, registers: try hypervisor.vcpuRegisters())
            let plan = try kernel.plan(policySet.targets, in: hypervisor.memory)
            let alerts = try AlertOutput(output)
            let session = ProtectionSession(
                hypervisor: hypervisor, engine: DecisionEngine(frames: ProtectedFrames(plan: plan), symbols: kernel.symbols),
                domain: AlertDomain(id: hypervisor.domain, name: domain), report: alerts.report)
            // Reading kallsyms and indexing the frames left megabytes of freed scratch in the heap;
            // hand it back before the controller settles in for hours (see the benchmarks' footprint).
            malloc_trim(0)
            Diagnostics.log.notice("protecting \(plan.distinctFrames) frames of domain \(domain)")
            let outcome: EnforcementDriver.Outcome
            do {
                outcome = try await EnforcementDriver.run(session: session, alerts: alerts)
            } catch let failure as ProtectionSession.SetupError where failure.cause.operation == "xc_monitor_enable" {
                // A ring held by another tool (or by a killed Warden) gets the preflight's explanation.
                throw XenPreflight.ringEnableFailure(failure.cause, domid: hypervisor.domain)
            }
            try Self.finish(outcome)
        }

        static func finish(_ outcome: EnforcementDriver.Outcome) throws {
            let s = outcome.statistics
            let summary = "\(s.requests) events, \(s.denied) denied, \(s.allowedOnce) allowed once "
                + "(\(s.collateral) outside targets), \(s.ignored) ignored, \(s.otherVersion) in another vm_event "
                + "version, \(s.alerts) alerts"
            Diagnostics.log.notice("\(summary)")
            if let mismatch = outcome.versionMismatch {
                if !outcome.teardownFailures.isEmpty {
                    Diagnostics.log.error("teardown incomplete, run `warden release`: \(outcome.teardownFailures)")
                }
                // ArgumentParser prints it on stderr and exits with status 1.
                throw mismatch
            }
            guard outcome.teardownFailures.isEmpty else {
                throw RuntimeFailure("teardown incomplete, run `warden release`: \(outcome.teardownFailures)")
            }
            Diagnostics.log.notice("guest released: unrestricted and running")
        }
    }
}
