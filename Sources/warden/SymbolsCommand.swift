import ArgumentParser
import KernelImage
import WardenCore

extension Warden {
    struct Symbols: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a kernel's symbol table in System.map format, recovered without a debug profile.",
            discussion: """
                From a compressed kernel image (--image: kallsyms recovered from the image, link-time
                addresses) or from a guest's memory (runtime, KASLR-shifted addresses).
                """)

        @Option(name: .customLong("image"), help: "A compressed kernel image (vmlinuz / bzImage).")
        var image: String?

        @OptionGroup var guest: GuestSourceOptions

        func validate() throws {
            guard (image != nil) != guest.isGiven else {
                throw ValidationError("give exactly one of --image, --memory, --qemu-ram/--qmp, --domain")
            }
        }

        func run() async throws {
            let table: SymbolTable
            if let image {
                table = try KernelImage.recoverSymbols(path: image).symbols
            } else {
                let source = try guest.open()
                table = try GuestKernel.readWarningOfLostFrames(memory: source.memory, registers: source.vcpuRegisters()).symbols
            }
            try StandardOutput.write(table.systemMapText())
        }
    }
}
