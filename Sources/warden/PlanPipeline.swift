import ElfReader
import KernelImage
import WardenCore

/// The pipeline `warden plan`, `warden check` and `warden run` share: memory → kernel location →
/// symbols (the guest's own kallsyms, or a symbol file whose link-time addresses the planner shifts
/// by the KASLR slide) → frames, and the integrity check of the syscall tables and the IDT.
enum PlanPipeline {
    /// A plan, with the symbols at the running kernel's addresses that decisions name writers by,
    /// and what the integrity check found.
    struct Resolved {
        let plan: ProtectionPlan
        let runningSymbols: SymbolTable
        let integrity: IntegrityReport
    }

    /// The running kernel as the pipeline sees it, before any policy: its page tables, and a planner
    /// over its symbols (the slide known).
    struct Kernel {
        let planner: Planner
        let runningSymbols: SymbolTable

        /// Checks the syscall tables and the IDT against the kernel's own code.
        func integrity(registers: [VCPURegisters]) -> IntegrityReport {
            KernelIntegrity.check(space: planner.space, symbols: runningSymbols, registers: registers)
        }
    }

    static func plan(
        targets: [ProtectedTarget], memory: any GuestPhysicalMemory, registers: [VCPURegisters], symbolFile: String?
    ) throws -> ProtectionPlan {
        try resolve(targets: targets, memory: memory, registers: registers, symbolFile: symbolFile).plan
    }

    static func resolve(
        targets: [ProtectedTarget], memory: any GuestPhysicalMemory, registers: [VCPURegisters], symbolFile: String?
    ) throws -> Resolved {
        let kernel = try kernel(memory: memory, registers: registers, symbolFile: symbolFile)
        return Resolved(
            plan: try kernel.planner.plan(targets), runningSymbols: kernel.runningSymbols,
            integrity: kernel.integrity(registers: registers))
    }

    static func kernel(memory: any GuestPhysicalMemory, registers: [VCPURegisters], symbolFile: String?) throws -> Kernel {
        guard let symbolFile else {
            let kernel = try GuestKernel.readWarningOfLostFrames(memory: memory, registers: registers)
            let planner = Planner(
                symbols: kernel.symbols, space: AddressSpace(memory: memory, kernel: kernel.location), kernel: KernelFacts(kernel.location))
            return Kernel(planner: planner, runningSymbols: kernel.symbols)
        }
        let location = try KernelLocator.locate(memory: memory, registers: registers)
        let table = try SymbolFiles.load(path: symbolFile)
        let planner = Planner(symbols: table, space: AddressSpace(memory: memory, kernel: location), kernel: KernelFacts(location))
        return Kernel(planner: planner, runningSymbols: table.slid(by: planner.symbolAdjustment))
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
