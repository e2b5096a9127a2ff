import ElfReader
import KernelImage
import WardenCore

/// `warden plan`'s pipeline: memory → kernel location → symbols (the guest's own kallsyms, or a
/// symbol file whose link-time addresses the planner shifts by the KASLR slide) → frames.
enum PlanPipeline {
    static func plan(
        targets: [ProtectedTarget], memory: any GuestPhysicalMemory, registers: [VCPURegisters], symbolFile: String?
    ) throws -> ProtectionPlan {
        guard let symbolFile else {
            return try GuestKernel.readWarningOfLostFrames(memory: memory, registers: registers).plan(targets, in: memory)
        }
        let location = try KernelLocator.locate(memory: memory, registers: registers)
        let table = try SymbolFiles.load(path: symbolFile)
        return try Planner(symbols: table, space: AddressSpace(memory: memory, kernel: location), kernel: KernelFacts(location))
            .plan(targets)
    }
}

/// Picks the reader for a symbol file by its first bytes: ELF, a compressed kernel image, or text.
enum SymbolFiles {
    static func load(path: String) throws -> SymbolTable {
        let head = try FileHead.read(path: path, count: 0x210)
        if head.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return try ElfSymbolReader.load(path: path) }
        if head.count >= 0x206, Array(head[0x202..<0x206]) == Array("HdrS".utf8) {
            return try KernelImage.recoverSymbols(path: path).symbols
        }
        return try SymbolFileParser.load(path: path)
    }
}
