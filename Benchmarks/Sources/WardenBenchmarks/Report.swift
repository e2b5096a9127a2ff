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

    static func print(results: [BenchmarkResult], image: String, plan: ProtectionPlan, residentKiB: (Int, Int)?, demoResidentKiB: Int?) {
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
        line("ring decode → decide → respond, million events/s", ringSwift.map { 1000 / $0 }, "≥ 10")
        line("ring: Swift ÷ C loop over the same macros", ratio(ringSwift, ringC), "≤ 1.2")
        line("attach on the model (synthetic guest, kernel-core policy), ms", median(results, "model: attach"), "-")
        line("teardown on the model, ms", median(results, "model: teardown"), "-")
        line("peak RSS of `warden demo` (controller + model + 64 MiB guest), MiB", demoResidentKiB.map { Double($0) / 1024 }, "≤ 30 (controller alone)")
        line("page-walk translations per second, cold (millions)", cold.map { 4096 / $0 / 1000 }, "-")
        line("page-walk translations per second, cached (millions)", cached.map { 4096 / $0 / 1000 }, "-")
        if let (ours, theirs) = residentKiB {
            line("peak RSS, warden symbols --image, MiB", Double(ours) / 1024, "-")
            line("peak RSS, kallsyms-finder, MiB", Double(theirs) / 1024, "-")
        } else {
            Swift.print("  (peak RSS comparison skipped: build `warden` in release and install kallsyms-finder)")
        }
    }

    static func ratio(_ numerator: Double?, _ denominator: Double?) -> Double? {
        guard let numerator, let denominator, denominator > 0 else { return nil }
        return numerator / denominator
    }
}
