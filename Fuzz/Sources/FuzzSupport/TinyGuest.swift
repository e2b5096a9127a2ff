import SyntheticGuest
import WardenCore

/// A generated guest small enough to be a fuzz seed (48 KiB of RAM), built with `SyntheticGuest`'s
/// own parts: real 4- or 5-level page tables (`PageTableBuilder`) mapping a kernel image whose
/// kallsyms tables are `KallsymsEncoder`'s. The image is mapped one-to-one over the whole RAM
/// (`_text` + x ↔ guest-physical x), so every byte a reader follows lies inside the seed.
public struct TinyGuest: Sendable {
    public struct Configuration: Sendable {
        public var fiveLevel = false
        /// vCPU 0 is caught on a PTI user page table (CR3 bit 12), as `SyntheticGuest` can be.
        public var ptiUserCR3 = false
        /// One 2 MiB page maps the image instead of 4 KiB pages.
        public var largePage = false
        public var layout: KallsymsLayout = .linux6_1
        /// Filler functions; more than 256 symbols need a second kallsyms marker.
        public var fillerFunctions = 40
        public var kaslrSlide: UInt64 = 0x1E0_0000
        public var vcpus = 2

        public init() {}
    }

    public static let ramSize: UInt64 = 0xC000
    /// Root at an 8 KiB boundary with the PTI user half beside it, then the lower tables.
    static let tableRegion = PhysicalRange(start: 0x2000, end: 0x8000)
    static let kallsymsOffset: UInt64 = 0x8000
    static let syscallTableOffset: UInt64 = 0xA000
    static let syscallCount = 16

    public let textBase: UInt64
    public let symbols: [KernelSymbol]
    public let guest: FuzzGuest

    public init(_ configuration: Configuration = Configuration()) throws {
        let textBase = KernelLocator.linkTimeTextBase + configuration.kaslrSlide
        self.textBase = textBase
        symbols = Self.kernelSymbols(textBase: textBase, fillers: configuration.fillerFunctions)
        let ram = SyntheticMemory(size: Self.ramSize, description: "tiny guest")
        var tables = PageTableBuilder(memory: ram, tableRegion: Self.tableRegion, fiveLevel: configuration.fiveLevel)
        if configuration.largePage {
            try tables.map(virtual: textBase, physical: 0, pageSize: 2 << 20)
        } else {
            for offset in stride(from: 0, to: Self.ramSize, by: 4096) {
                try tables.map(virtual: textBase + offset, physical: offset, pageSize: 4096)
            }
        }
        let kallsyms = try KallsymsEncoder(layout: configuration.layout).encode(symbols: symbols, relativeBase: textBase)
        guard Self.kallsymsOffset + UInt64(kallsyms.count) <= Self.syscallTableOffset else {
            throw SyntheticGuest.BuildError.layout("kallsyms tables (\(kallsyms.count) bytes) overflow into sys_call_table")
        }
        try ram.write(physical: Self.kallsymsOffset, bytes: kallsyms)
        let handlers = (0..<Self.syscallCount).flatMap { number in
            le(textBase + 0x800 + UInt64(number) * 0x10)
        }
        try ram.write(physical: Self.syscallTableOffset, bytes: handlers)
        try ram.write(physical: 0xB100, bytes: Array("/sbin/modprobe".utf8) + [0])

        // CR4: PAE (5), PGE (7), PCIDE (17), LA57 (12) when five-level; CR3 carries a PCID.
        let cr4: UInt64 = (1 << 5) | (1 << 7) | (1 << 17) | (configuration.fiveLevel ? 1 << 12 : 0)
        let root = tables.root
        let registers = (0..<configuration.vcpus).map { vcpu in
            let user: UInt64 = configuration.ptiUserCR3 && vcpu == 0 ? 0x1000 : 0
            return VCPURegisters(
                vcpu: vcpu, cr0: 0x8005_0033, cr3: root | user | UInt64(vcpu + 1), cr4: cr4, rip: textBase + 0x200)
        }
        guest = FuzzGuest(registers: registers, ram: try ram.readBytes(physical: 0, count: Int(Self.ramSize)))
    }

    /// Names every shipped policy's syscall-table targets use, laid out as a 6.1 kernel orders them.
    public static func kernelSymbols(textBase: UInt64, fillers: Int) -> [KernelSymbol] {
        var layout: [(String, UInt64, Character)] = [
            ("_text", 0, "T"), ("_stext", 0x100, "T"), ("x64_sys_call", 0x200, "T"), ("ia32_sys_call", 0x300, "T"),
            ("text_poke", 0x400, "T"), ("__text_poke", 0x500, "T"), ("text_poke_bp_batch", 0x600, "T"),
            ("ftrace_modify_all_code", 0x700, "T"),
        ]
        // Filler names carry every digit, which kallsyms keeps as single-digit tokens (the finder's anchor).
        layout += (0..<fillers).map { ("tiny_function_\($0)", 0x800 + UInt64($0) * 0x10, "t") }
        layout += [
            ("_etext", 0x8000, "T"), ("__start_rodata", 0x8000, "D"), ("kallsyms_offsets", 0x8000, "R"),
            ("sys_call_table", syscallTableOffset, "D"), ("ia32_sys_call_table", syscallTableOffset + 0x80, "D"),
            ("__end_rodata", 0xB000, "D"), ("_sdata", 0xB000, "D"), ("idt_table", 0xB000, "d"),
            ("modprobe_path", 0xB100, "D"), ("init_cred", 0xB200, "D"), ("core_pattern", 0xB300, "D"),
            ("_edata", 0xBF00, "D"), ("_end", ramSize, "B"),
        ]
        return layout.map { KernelSymbol(name: $0.0, address: textBase + $0.1, type: $0.2) }
    }

    /// The variants every guest-reading target is seeded with: both kallsyms layouts, both paging
    /// depths, a PTI user CR3, a large page, and tables with more than one marker.
    public static func seeds() throws -> [(name: String, guest: TinyGuest)] {
        var variants: [(String, Configuration)] = []
        var plain = Configuration()
        variants.append(("4-level-6.1", plain))
        plain.layout = .linux6_12
        variants.append(("4-level-6.12", plain))
        var five = Configuration()
        five.fiveLevel = true
        five.layout = .linux6_12
        variants.append(("5-level-6.12", five))
        var pti = Configuration()
        pti.ptiUserCR3 = true
        variants.append(("pti-user-cr3", pti))
        var large = Configuration()
        large.largePage = true
        large.fiveLevel = true
        variants.append(("5-level-2MiB-page", large))
        var markers = Configuration()
        markers.fillerFunctions = 300
        markers.vcpus = 1
        variants.append(("two-markers", markers))
        return try variants.map { ($0.0, try TinyGuest($0.1)) }
    }
}
