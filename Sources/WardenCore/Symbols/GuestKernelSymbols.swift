/// Why the running kernel's symbols could not be read from guest memory.
public enum GuestSymbolsError: Error, Sendable, CustomStringConvertible {
    case locator(KernelLocatorError)
    /// `read`: what the search's copy of the whole image mapping read, when it made one;
    /// `pageTables`: the top-level table it translated through (the kernel's CR3, without flags).
    case kallsyms(KallsymsError, source: String, read: CopyCoverage?, pageTables: UInt64)
    case textMismatch(mapped: UInt64, kallsyms: UInt64)

    public var description: String {
        switch self {
        case .locator(let error): error.description
        case .kallsyms(let error, let source, let read, let pageTables):
            "kallsyms not recovered from \(source): \(error)"
                + (read.map { "; the search read the kernel image at \($0)" } ?? "")
                + ", through the page tables at gpa 0x\(String(pageTables, radix: 16))"
        case .textMismatch(let mapped, let kallsyms):
            "the kernel mapping starts at 0x\(String(mapped, radix: 16)) but kallsyms puts _text at "
                + "0x\(String(kallsyms, radix: 16)): the tables found are not this kernel's"
        }
    }
}

/// The running kernel of a guest: where it is, and its own symbol table decoded from its memory.
public struct GuestKernel: Sendable {
    public var location: LocatedKernel
    public var symbols: SymbolTable
    public var layout: KallsymsLayout
    /// Frames of the image the search could not read and took as zeros; the symbols were recovered
    /// without them, but a caller should say so.
    public var unreadableImageFrames: UnreadableImageFrames

    /// Locates the kernel through the page tables and decodes the kallsyms tables in its image
    /// mapping, copying out only a window around them (`KernelImageWindows`). Costs follow the
    /// kernel's size, not the guest's RAM.
    public static func read(
        memory: any GuestPhysicalMemory, registers: [VCPURegisters]
    ) throws(GuestSymbolsError) -> GuestKernel {
        let location: LocatedKernel
        do { location = try KernelLocator.locate(memory: memory, registers: registers) } catch {
            throw .locator(error)
        }
        let windows = KernelImageWindows(
            space: AddressSpace(memory: memory, kernel: location), start: location.textBase,
            length: Int(location.imageMappingEnd - location.textBase))
        let tables: KallsymsTables
        switch windows.tables() {
        case .success(let found): tables = found
        case .failure(let failure):
            throw .kallsyms(
                failure.error, source: memory.sourceDescription, read: failure.wholeImage, pageTables: location.kernelCR3)
        }
        let table = SymbolTable(origin: .guestMemory(source: memory.sourceDescription), symbols: tables.symbols)
        if let text = table.symbol(named: "_text"), text.address != location.textBase {
            throw .textMismatch(mapped: location.textBase, kallsyms: text.address)
        }
        return GuestKernel(
            location: location, symbols: table, layout: tables.layout, unreadableImageFrames: windows.unreadableFrames)
    }
}

extension AddressSpace {
    /// The address space the kernel was found in: its page tables and paging depth, with the
    /// top-level entries as read then (`LocatedKernel.topLevelEntries`).
    public init(memory: any GuestPhysicalMemory, kernel: LocatedKernel) {
        self =
            AddressSpace(
                memory: memory, pinnedRoot: kernel.topLevelEntries, cr3: kernel.kernelCR3, fiveLevel: kernel.pagingLevels == 5)
            ?? AddressSpace(memory: memory, cr3: kernel.kernelCR3, fiveLevel: kernel.pagingLevels == 5)
    }
}

extension GuestKernel {
    /// Plans `targets` with this kernel's own symbols, through its page tables in `memory`.
    public func plan(_ targets: [ProtectedTarget], in memory: any GuestPhysicalMemory) throws(PlanError) -> ProtectionPlan {
        try Planner(symbols: symbols, space: AddressSpace(memory: memory, kernel: location), kernel: KernelFacts(location))
            .plan(targets)
    }
}
