import Benchmark
import Foundation
import WardenCore

/// Prints the figures the issue sets goals for, as ratios to baselines measured in this run.
enum Report {
    static func median(_ results: [BenchmarkResult], _ prefix: String) -> Double? {
        guard let result = results.first(where: { $0.benchmarkName.hasPrefix(prefix) }), !result.measurements.isEmpty
        else { return nil }
        let sorted = result.measurements.sorted()
        return sorted[sorted.count / 2] / 1e6  // measurements are nanoseconds; report milliseconds
    }

    static func line(_ label: String, _ value: Double?, _ goal: String) {
        let figure = value.map { String(format: "%.2f", $0) } ?? "n/a"
        Swift.print("  \(label.padding(toLength: 70, withPad: " ", startingAt: 0)) \(figure.padding(toLength: 9, withPad: " ", startingAt: 0)) goal \(goal)")
    }

    /// Peak resident set sizes, each measured in its own process.
    struct Residency {
        var symbolsVersusFinderKiB: (Int, Int)?
        var demoKiB: Int?
        var idleWardenKiB: Int?
        var wardenLinksSwiftDynamically: Bool
        var controllers: [(kernel: String, figures: ControllerFootprint.Figures)]
    }

    static func print(results: [BenchmarkResult], image: String, plan: ProtectionPlan, resident: Residency) {
        let warden = median(results, "kallsyms: warden")
        let decompression = median(results, "baseline: decompression")
        let finder = median(results, "baseline: kallsyms-finder")
        let small = median(results, "attach-plan: 512")
        let large = median(results, "attach-plan: 6 GiB")
        let cold = median(results, "page walk: 4096 translations, cold")
        let cached = median(results, "page walk: 4096 translations, cached")
        let ringSwift = median(results, "ring: 1M events")
        let ringC = median(results, "baseline: ring: 1M events")
        Swift.print("\nFigures (medians; \(image))")
        line("kallsyms from vmlinuz, ms", warden, "-")
        line("kallsyms-finder ÷ warden (speed-up)", ratio(finder, warden), "≥ 5")
        line("warden ÷ decompression alone", ratio(warden, decompression), "≤ 1.3")
        line("attach-plan 512 MiB guest, ms (\(plan.targets.count) targets, \(plan.distinctFrames) frames)", small, "≤ 100")
        line("attach-plan 6 GiB ÷ 512 MiB", ratio(large, small), "≤ 1.2")
        line("ring: raw decide → reply, million events/s", ringSwift.map { 1000 / $0 }, "≥ 10")
        line("ring: Swift ÷ C loop over the same ring shims", ratio(ringSwift, ringC), "≤ 1.2")
        line("serveRing on a denied flood (alerts, flood control), M events/s",
             median(results, "controller: 200k").map { Double(DenialFlood.eventsPerRun) / 1000 / $0 }, "-")
        line("attach on the model (synthetic guest, kernel-core policy), ms", median(results, "model: attach"), "-")
        line("teardown on the model, ms", median(results, "model: teardown"), "-")
        line("page-walk translations per second, cold (millions)", cold.map { 4096 / $0 / 1000 }, "-")
        line("page-walk translations per second, cached (millions)", cached.map { 4096 / $0 / 1000 }, "-")
        printResidency(resident)
    }

    static func printResidency(_ resident: Residency) {
        let mebibytes = { (kibibytes: Int) in Double(kibibytes) / 1024 }
        line("peak RSS of `warden demo` (controller + model + 64 MiB guest), MiB", resident.demoKiB.map(mebibytes), "-")
        line("peak RSS of `warden run` up to preflight (policy parsed, no Xen), MiB", resident.idleWardenKiB.map(mebibytes), "-")
        if resident.wardenLinksSwiftDynamically {
            Swift.print("  (this `warden` loads the Swift runtime as shared libraries; the dom0 build is "
                + "`swift build -c release --static-swift-stdlib`)")
        }
        for (kernel, figures) in resident.controllers {
            let name = kernel.split(separator: "/").last.map(String.init) ?? kernel
            Swift.print("  controller on \(name) (\(figures.symbols) symbols, \(figures.frames) frames):")
            line("    growth while protecting / at peak (reading kallsyms), MiB",
                 mebibytes(figures.protectingGrowthKiB), "- / \(String(format: "%.2f", mebibytes(figures.peakGrowthKiB)))")
            line("    controller RSS while protecting = up to preflight + growth, MiB",
                 resident.idleWardenKiB.map { mebibytes($0 + figures.protectingGrowthKiB) }, "≤ 30")
            line("    controller RSS at peak, MiB", resident.idleWardenKiB.map { mebibytes($0 + figures.peakGrowthKiB) }, "≤ 30")
        }
        if resident.controllers.isEmpty { Swift.print("  (controller footprint skipped: no Debian kernel in .cache/kernels)") }
        if let (ours, theirs) = resident.symbolsVersusFinderKiB {
            line("peak RSS, warden symbols --image, MiB", mebibytes(ours), "-")
            line("peak RSS, kallsyms-finder, MiB", mebibytes(theirs), "-")
        } else {
            Swift.print("  (peak RSS comparison skipped: build `warden` in release and install kallsyms-finder)")
        }
    }

    static func ratio(_ numerator: Double?, _ denominator: Double?) -> Double? {
        guard let numerator, let denominator, denominator > 0 else { return nil }
        return numerator / denominator
    }
}
