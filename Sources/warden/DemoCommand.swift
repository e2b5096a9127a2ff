import ArgumentParser
import Foundation
import SyntheticGuest
import WardenCore

extension Warden {
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run Warden on a generated guest: no Xen, no root, no real guest needed.",
            discussion: """
                Builds a synthetic x86-64 guest in memory (page tables, a kernel image with real-layout
                kallsyms tables, KASLR), then plans the embedded linux-kernel-core policy against it:
                the kernel is located from the page tables, its symbols are decoded from its own
                kallsyms, and every target is walked down to guest frames.
                """)

        @Flag(name: .customLong("json"), help: "Print the plan as JSON (schema 1).")
        var json = false

        @Flag(name: .customLong("five-level"), help: "Give the synthetic guest 5-level paging (CR4.LA57).")
        var fiveLevel = false

        func run() async throws {
            guard let url = Bundle.module.url(forResource: "linux-kernel-core", withExtension: "yaml", subdirectory: "Resources")
            else { throw ValidationError("the embedded policy linux-kernel-core.yaml is missing from this build") }
            let policy = try Policy.parse(yaml: try String(contentsOf: url, encoding: .utf8), file: "embedded:linux-kernel-core.yaml")
            var configuration = SyntheticGuest.Configuration()
            configuration.fiveLevelPaging = fiveLevel
            let guest = try SyntheticGuest(configuration)
            let plan = try PlanPipeline.plan(
                targets: try PolicySet(policies: [policy]).targets, memory: guest.memory,
                registers: guest.vcpuRegisters(), symbolFile: nil)
            try StandardOutput.write(json ? plan.renderJSON() : plan.renderText())
        }
    }
}
