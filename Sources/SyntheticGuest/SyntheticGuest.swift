import WardenCore

/// A generated x86-64 guest: RAM with real page tables and a small kernel image whose kallsyms
/// tables have the real Linux layout. Used by tests (ground truth is known by construction) and by
/// `warden demo`, which needs no Xen and no real guest.
public final class SyntheticGuest: GuestSource {
    public struct Configuration: Sendable {
        public var ramSize: UInt64 = 64 << 20
        /// Guest-physical `_text`; 2 MiB aligned, as Linux requires.
        public var physicalBase: UInt64 = 0x0260_0000
        /// Virtual KASLR slide; a multiple of 2 MiB.
        public var kaslrSlide: UInt64 = 0x1E0_0000
        public var fiveLevelPaging = false
        /// Report vCPU 0 as caught on a PTI user page table (CR3 bit 12 set).
        public var ptiUserCR3 = false
        public var kallsymsLayout: KallsymsLayout = .linux6_1
        public var vcpuCount = 4
        /// A non-RAM hole, like the PCI hole of a real machine; must avoid the kernel and tables.
        public var hole: PhysicalRange? = PhysicalRange(start: 0x0100_0000, end: 0x0110_0000)

        public init() {}
    }

    public enum BuildError: Error, CustomStringConvertible {
        case layout(String)

        public var description: String {
            switch self { case .layout(let why): "cannot build the synthetic guest: \(why)" }
        }
    }

    public let configuration: Configuration
    public let ram: SyntheticMemory
    /// Runtime `_text`.
    public let textBase: UInt64
    /// The kernel's symbols at runtime addresses: the ground truth Warden must recover.
    public let symbols: [KernelSymbol]
    private let registers: [VCPURegisters]

    public var memory: any GuestPhysicalMemory { ram }
    public func vcpuRegisters() -> [VCPURegisters] { registers }

    /// Direct map of all RAM (`page_offset_base` without KASLR of the direct map, 4-level).
    public static let directMapBase: UInt64 = 0xFFFF_8880_0000_0000
    static let tableRegion = PhysicalRange(start: 0x0010_0000, end: 0x0020_0000)

    public init(_ configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        let base = configuration.physicalBase
        guard base % (2 << 20) == 0, configuration.kaslrSlide % (2 << 20) == 0,
            base + SyntheticKernel.imageSize <= configuration.ramSize
        else { throw BuildError.layout("kernel base and slide must be 2 MiB aligned and fit in RAM") }
        ram = SyntheticMemory(
            size: configuration.ramSize, holes: configuration.hole.map { [$0] } ?? [],
            description: "synthetic guest")
        textBase = KernelLocator.linkTimeTextBase + configuration.kaslrSlide
        symbols = SyntheticKernel.symbols(textBase: textBase)

        var tables = PageTableBuilder(
            memory: ram, tableRegion: Self.tableRegion, fiveLevel: configuration.fiveLevelPaging)
        do {
            for offset in stride(from: 0, to: SyntheticKernel.imageSize, by: 2 << 20) {
                try tables.map(virtual: textBase + offset, physical: base + offset, pageSize: 2 << 20)
            }
            for offset in stride(from: 0, to: configuration.ramSize, by: 2 << 20) {
                let flags = PageTableBuilder.writable | PageTableBuilder.noExecute
                try tables.map(virtual: Self.directMapBase + offset, physical: offset, pageSize: 2 << 20, flags: flags)
            }
            // idt_map_in_cea(): the IDT register points at a read-only alias of idt_table.
            try tables.map(
                virtual: SyntheticInterrupts.idtAlias, physical: base + SyntheticKernel.idtTableOffset, pageSize: 4096,
                flags: PageTableBuilder.noExecute)
            try Self.writeImage(into: ram, base: base, textBase: textBase, symbols: symbols, layout: configuration.kallsymsLayout)
        } catch {
            throw BuildError.layout("\(error)")
        }
        let userBit: UInt64 = configuration.ptiUserCR3 ? 0x1000 : 0
        // CR4: PAE (5), PGE (7), PCIDE (17), LA57 (12) when five-level. CR3 carries a PCID in bits 0-11.
        let cr4: UInt64 = (1 << 5) | (1 << 7) | (1 << 17) | (configuration.fiveLevelPaging ? 1 << 12 : 0)
        registers = (0..<configuration.vcpuCount).map { vcpu in
            VCPURegisters(
                vcpu: vcpu, cr0: 0x8005_0033, cr3: tables.root | (vcpu == 0 ? userBit : 0) | UInt64(vcpu + 1),
                cr4: cr4, efer: 0xD01, rip: SyntheticKernel.handler(0, KernelLocator.linkTimeTextBase + configuration.kaslrSlide),
                idtrBase: SyntheticInterrupts.idtAlias)
        }
    }

    private static func writeImage(
        into ram: SyntheticMemory, base: UInt64, textBase: UInt64, symbols: [KernelSymbol], layout: KallsymsLayout
    ) throws {
        // Text: int3 padding, as the linker fills gaps between functions.
        try ram.write(physical: base, bytes: [UInt8](repeating: 0xCC, count: Int(SyntheticKernel.textSize)))
        func table(_ count: Int, _ handler: (Int, UInt64) -> UInt64) -> [UInt8] {
            (0..<count).flatMap { number in withUnsafeBytes(of: handler(number, textBase).littleEndian) { Array($0) } }
        }
        try ram.write(physical: base + SyntheticKernel.syscallTableOffset, bytes: table(SyntheticKernel.syscallCount, SyntheticKernel.handler))
        try ram.write(
            physical: base + SyntheticKernel.ia32SyscallTableOffset, bytes: table(SyntheticKernel.ia32SyscallCount, SyntheticKernel.ia32Handler))
        try ram.write(physical: base + SyntheticKernel.idtTableOffset, bytes: SyntheticInterrupts.idt(textBase: textBase))
        try ram.write(physical: base + SyntheticKernel.modprobePathOffset, bytes: Array("/sbin/modprobe".utf8) + [0])
        let kallsyms = try KallsymsEncoder(layout: layout)
            .encode(symbols: symbols, relativeBase: textBase)
        guard SyntheticKernel.kallsymsOffset + UInt64(kallsyms.count) < SyntheticKernel.dataOffset else {
            throw BuildError.layout("kallsyms tables overflow read-only data")
        }
        try ram.write(physical: base + SyntheticKernel.kallsymsOffset, bytes: kallsyms)
    }

    /// Translates a runtime kernel virtual address to guest-physical by construction (not by walking).
    public func physicalAddress(ofKernelVirtual virtual: UInt64) -> UInt64 {
        virtual - textBase + configuration.physicalBase
    }
}
