import Alerts
import Enforcement
import Hypervisor

// The metric names and their meaning; docs/metrics.md documents each (a test checks none is missing).
// Every series a run can have is present from the first scrape, at 0, so `rate()` and alerts on
// absence work from the start (Prometheus's instrumentation guidance).
extension RunSnapshot {
    public var families: [MetricFamily] {
        let s = statistics
        var families = [
            MetricFamily(
                name: "warden_run_info", help: "The protected domain and how warden runs; always 1.", kind: .gauge,
                samples: [
                    .init(
                        labels: [
                            ("domain", run.domainName), ("domain_id", String(run.domainID)),
                            ("allow_path", run.allowPath.rawValue), ("version", run.version),
                        ], value: "1")
                ]),
            MetricFamily(
                name: "warden_events_total", help: "vm_event requests taken off the monitor ring, by reason.", kind: .counter,
                samples: SessionMetrics.EventKind.allCases.map {
                    .init(labels: [("reason", $0.label)], value: String(counts.events($0)))
                }),
            MetricFamily(
                name: "warden_decisions_total",
                help: "Trapped accesses to a protected target decided by policy, by outcome (the alerts' action) and target.",
                kind: .counter, samples: decisionSamples),
            .single(
                "warden_frame_neighbour_accesses_total", .counter,
                help: "Accesses to the unprotected bytes of a protected frame, let through silently.", s.collateral),
            .single(
                "warden_events_ignored_total", .counter,
                help: "Requests answered with a plain resume and not acted on (reads, unhandled reasons, unknown vCPUs).",
                s.ignored),
            .single(
                "warden_unemulatable_refusals_total", .counter,
                help: "Writes Xen could not emulate, refused with #UD whatever the policy said.", s.unemulatable),
            .single("warden_alerts_total", .counter, help: "Alerts reported, before flood control.", s.alerts),
            .single("warden_ring_slots", .gauge, help: "Request slots in the monitor ring (0 before set-up).", ringSlots),
            MetricFamily.histogram(
                "warden_ring_occupancy",
                help: "Requests waiting on the monitor ring at each pass that found any; a full ring makes vCPUs wait for space.",
                bounds: (1..<counts.ringOccupancy.count - 1).map { String($0) }, counts: Array(counts.ringOccupancy.dropFirst()),
                sum: String(counts.ringOccupancy.enumerated().reduce(0) { $0 + $1.offset * $1.element })),
            MetricFamily.histogram(
                "warden_decision_latency_seconds",
                help: "Time spent on each request: taking it off the ring, deciding, reporting, replying.",
                bounds: LatencyHistogram.boundsNanoseconds.map { Exposition.seconds(nanoseconds: $0) },
                counts: counts.latency.counts, sum: Exposition.seconds(nanoseconds: counts.latency.sumNanoseconds)),
            .single("warden_protected_frames", .gauge, help: "Guest frames the plan restricts.", run.protectedFrames),
            .single(
                "warden_protection_active", .gauge, help: "1 while every planned frame is restricted and the ring is served.",
                state == .protecting ? 1 : 0),
        ]
        families.append(
            MetricFamily(
                name: "warden_teardown_state",
                help: "Teardown: pending (not torn down yet), complete (guest released), incomplete (run `warden release`).",
                kind: .gauge,
                samples: [("pending", teardownPending), ("complete", state == .released), ("incomplete", failedSteps > 0)].map {
                    .init(labels: [("state", $0.0)], value: $0.1 ? "1" : "0")
                }))
        families.append(
            .single(
                "warden_teardown_failed_steps", .gauge, help: "Teardown or set-up undo steps that failed.", failedSteps))
        return families
    }

    private var teardownPending: Bool { state == .starting || state == .protecting }

    private var failedSteps: Int {
        if case .incomplete(let steps) = state { steps } else { 0 }
    }

    /// One series per target and outcome its policy entry can produce, plus any other outcome counted.
    private var decisionSamples: [MetricFamily.Sample] {
        run.targets.enumerated().flatMap { index, target in
            AlertOutcome.allCases.compactMap { outcome -> MetricFamily.Sample? in
                let count = counts.decisions(target: index, outcome: outcome)
                guard target.outcomes.contains(outcome) || count > 0 else { return nil }
                return .init(
                    labels: [("action", outcome.rawValue), ("rule", target.rule), ("target", target.target)],
                    value: String(count))
            }
        }
    }

    /// Every family name, for the documentation check.
    public static let familyNames = [
        "warden_run_info", "warden_events_total", "warden_decisions_total", "warden_frame_neighbour_accesses_total",
        "warden_events_ignored_total", "warden_unemulatable_refusals_total", "warden_alerts_total", "warden_ring_slots",
        "warden_ring_occupancy", "warden_decision_latency_seconds", "warden_protected_frames", "warden_protection_active",
        "warden_teardown_state", "warden_teardown_failed_steps",
    ]
}
