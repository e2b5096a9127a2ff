import ElfReader
import KernelImage
import WardenCore

/// memory → kernel location → symbols → frames: the one pipeline `plan` and `demo` share.
enum PlanPipeline {
    static func plan(
        targets: [ProtectedTarget], memory: any GuestPhysicalMemory, registers: [VCPURegisters], symbolFile: String?
    ) throws -> ProtectionPlan {
        let location: LocatedKernel
        let table: SymbolTable
        if let symbolFile {
            location = try KernelLocator.locate(memory: memory, registers: registers)
            table = try SymbolFiles.load(path: symbolFile)
        } else {
            let kernel = try GuestKernel.read(memory: memory, registers: registers)
            location = kernel.location
            table = kernel.symbols
        }
        let space = AddressSpace(memory: memory, cr3: location.kernelCR3, fiveLevel: location.pagingLevels == 5)
        return try Planner(symbols: table, space: space, kernel: KernelFacts(location)).plan(targets)
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
