import ArgumentParser
import WardenCore

extension Warden {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the guest's syscall tables and IDT still lead to its kernel's own code.",
            discussion: """
                Reads the guest (read-only) and checks every entry of sys_call_table (and of the ia32/x32
                tables where the kernel has them) is the start of one of the kernel image's own syscall
                entry functions, every present IDT gate leads to the kernel's entry code for its vector,
                and every vCPU's IDT register reaches idt_table. Prints one line per structure and one per
                difference (entry, what it points at as symbol+offset, what the kernel puts there).
                Exit status 0 when clean, 1 when any difference was found or a structure could not be checked.
                """)

        @OptionGroup var guest: GuestSourceOptions

        @Option(name: .customLong("symbols"), help: "A symbol file (System.map, kallsyms text, vmlinux/.ko ELF, vmlinuz) instead of the guest's own kallsyms.")
        var symbols: String?

        func validate() throws {
            guard guest.isGiven else {
                throw ValidationError("name a guest: --memory CORE, --qemu-ram FILE --qmp SOCK, or --domain D")
            }
        }

        func run() async throws {
            let source = try guest.open()
            let registers = try source.vcpuRegisters()
            let kernel = try PlanPipeline.kernel(memory: source.memory, registers: registers, symbolFile: symbols)
            let report = kernel.integrity(registers: registers)
            try StandardOutput.write("kernel: \(kernel.planner.kernel.summary)\nsymbols: \(kernel.planner.sourceDescription)\n" + report.renderText())
            guard report.isClean else { throw ExitCode.failure }
        }
    }
}
