import ArgumentParser
import Logging
import WardenCore

extension Warden {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a policy's protected symbols to the guest frames enforcement will write-protect.")

        @Option(name: .customLong("policy"), help: "A policy file (YAML); repeat to combine several.")
        var policies: [String] = []

        @OptionGroup var guest: GuestSourceOptions

        @Option(name: .customLong("symbols"), help: "A symbol file (System.map, kallsyms text, vmlinux/.ko ELF) instead of the guest's own kallsyms.")
        var symbols: String?

        @Flag(name: .customLong("json"), help: "Print the plan as JSON (schema 1, see docs/plan-json.md).")
        var json = false

        func validate() throws {
            guard !policies.isEmpty else { throw ValidationError("give at least one --policy FILE") }
            guard guest.isGiven else {
                throw ValidationError("name a guest: --memory CORE, --qemu-ram FILE --qmp SOCK, or --domain D")
            }
        }

        func run() async throws {
            let policySet = try PolicySet.load(paths: policies)
            let source = try guest.open()
            let resolved = try PlanPipeline.resolve(
                targets: policySet.targets, memory: source.memory, registers: try source.vcpuRegisters(),
                symbolFile: symbols)
            // The plan is printed either way: `warden check` is the command whose status says clean.
            let integrity = resolved.integrity
            try StandardOutput.write(
                json ? resolved.plan.renderJSON(integrity: integrity) : resolved.plan.renderText() + "\n" + integrity.renderText())
            if !integrity.isClean { Diagnostics.log.warning("\(integrity.verdict): warden run would \(policySet.compromiseResponse.rawValue) at attach") }
        }
    }
}
