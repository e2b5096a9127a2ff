import Alerts
import ArgumentParser
import CAllocator
import Enforcement
import Foundation
import Hypervisor
import Logging
import WardenCore
import XenInterop

extension AllowPath: ExpressibleByArgument {}

extension Warden {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Protect a live Xen HVM guest: write-protect the planned frames in an altp2m view and answer every violation by policy.",
            discussion: """
                Needs root in a Xen dom0, Xen booted with altp2m=1, an Intel VT-x/EPT host and the domain
                configured with altp2m = "external". Writes the policy allows are emulated by Xen in place
                (--allow-path emulate, the default) or single-stepped on the unrestricted view (singlestep,
                which needs the Monitor Trap Flag). Stops on SIGINT, SIGTERM or SIGHUP and leaves the
                guest running and unrestricted on every exit path.
                """)

        @Option(name: .customLong("domain"), help: "The Xen domain, by name or id.")
        var domain: String

        @Option(name: .customLong("policy"), help: "A policy file (YAML); repeat to combine several.")
        var policies: [String] = []

        @Option(
            name: .customLong("symbols"),
            help: "A symbol file (System.map, kallsyms text, vmlinux/.ko ELF, vmlinuz) instead of the guest's own kallsyms.")
        var symbols: String?

        @Option(
            name: .customLong("allow-path"),
            help: """
                How writes the policy allows get through: emulate (Xen emulates them in place, the frame staying \
                protected; no Monitor Trap Flag needed) or singlestep (one Monitor Trap Flag step on the \
                unrestricted view).
                """)
        var allowPath: AllowPath = .preferred

        @OptionGroup var output: AlertOutputOptions

        @OptionGroup var metrics: MetricsOptions

        func validate() throws {
            guard !policies.isEmpty else { throw ValidationError("give at least one --policy FILE") }
        }

        func run() async throws {
            let policySet = try PolicySet.load(paths: policies)
            // Bound and checked before preflight: a busy address must not fail after the guest is restricted.
            let metricsOutput = try MetricsOutput.make(metrics)
            let report = try XenPreflight.check(domain, allowPath: allowPath)
            for warning in report.warnings { Diagnostics.log.warning("\(warning)") }
            if let note = report.allowPathNote { Diagnostics.log.notice("\(note)") }
            let outcome = try await Self.protect(
                hypervisor: report.hypervisor, domainName: domain, policySet: policySet, symbolFile: symbols, allowPath: allowPath,
                alerts: try AlertOutput(output), metrics: metricsOutput)
            try Self.finish(outcome)
        }

        /// Everything `run` does once preflight has passed, on any hypervisor (tests use the model):
        /// plan, the integrity check at attach and the policy's answer to it, then the session.
        /// Until the session's set-up, the guest is only read.
        static func protect(
            hypervisor: any Hypervisor, domainName: String, policySet: PolicySet, symbolFile: String?, allowPath: AllowPath,
            alerts: AlertOutput, metrics: MetricsOutput? = nil, until: @escaping @Sendable () -> Bool = { false }
        ) async throws -> EnforcementDriver.Outcome {
            let resolved = try PlanPipeline.resolve(
                targets: policySet.targets, memory: hypervisor.memory, registers: try hypervisor.vcpuRegisters(),
                symbolFile: symbolFile)
            let plan = resolved.plan
            Diagnostics.log.notice("\(Self.attachLine(resolved))")
            let domain = AlertDomain(id: hypervisor.domain, name: domainName)
            let decision = AttachDecision(report: resolved.integrity, policies: policySet, domain: domain)
            guard decision.attaches else { throw RuntimeFailure(decision.explanation) }
            if resolved.integrity.isClean {
                Diagnostics.log.notice("\(decision.explanation)")
            } else {
                Diagnostics.log.warning("\(decision.explanation)")
            }
            decision.alerts.forEach(alerts.report)
            let session = ProtectionSession(
                hypervisor: hypervisor,
                engine: DecisionEngine(frames: ProtectedFrames(plan: plan), symbols: resolved.runningSymbols),
                domain: domain, allowPath: allowPath, report: alerts.report)
            // Reading kallsyms and indexing the frames left megabytes of freed scratch in the heap;
            // hand it back before the controller settles in for hours (see the benchmarks' footprint).
            malloc_trim(0)
            Diagnostics.log.notice("protecting \(plan.distinctFrames) frames of domain \(domainName)")
            do {
                return try await EnforcementDriver.run(session: session, alerts: alerts, metrics: metrics, until: until)
            } catch let failure as ProtectionSession.SetupError where failure.cause.operation == "xc_monitor_enable" {
                // A ring held by another tool (or by a killed Warden) gets the preflight's explanation.
                throw XenPreflight.ringEnableFailure(failure.cause, domid: hypervisor.domain)
            }
        }

        /// The kernel Warden attached to and where its symbols came from, logged before any change
        /// to the guest: `kernel _text 0x… (KASLR slide 0x…), …; symbols: …`.
        static func attachLine(_ resolved: PlanPipeline.Resolved) -> String {
            let source = resolved.plan.symbolSource ?? resolved.runningSymbols.origin.description
            return "kernel \(resolved.plan.kernel.summary); symbols: \(source)"
        }

        static func finish(_ outcome: EnforcementDriver.Outcome) throws {
            let s = outcome.statistics
            let summary = "\(s.requests) events, \(s.denied) denied, \(s.allowedOnce) allowed once "
                + "(\(s.collateral) outside targets, \(s.trustedWriter) by trusted writers), \(s.unemulatable) refused as unemulatable, \(s.ignored) ignored, "
                + "\(s.otherVersion) in another vm_event version, \(s.alerts) alerts"
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
