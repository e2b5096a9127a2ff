/// The kernel's own entry code for each interrupt vector, as arch/x86/kernel/idt.c installs it:
/// - vectors 0–31 (exceptions): `early_idt_handler_array[vector]` from `idt_setup_early_handler()`,
///   replaced by the `asm_exc_*` entry of `def_idts` where the kernel has one; the reserved vectors
///   (22–28, 30, 31 on Debian 6.1 and 6.12) keep the early handler for good, even though it sits in
///   init text that is freed after boot;
/// - vectors 32 and up: an `asm_sysvec_*` entry (`apic_idts`), `asm_int80_emulation` (or the older
///   `entry_INT80_compat`) at 0x80, and every other vector the stub `idt_setup_apic_and_irq_gates()`
///   points it at: `irq_entries_start + IDT_ALIGN * (vector - FIRST_EXTERNAL_VECTOR)` below
///   FIRST_SYSTEM_VECTOR, `spurious_entries_start + IDT_ALIGN * (vector - FIRST_SYSTEM_VECTOR)` above.
/// IDT_ALIGN (8, or 16 with IBT), FIRST_SYSTEM_VECTOR and EARLY_IDT_HANDLER_SIZE (9, or 13 with
/// IBT) differ between builds, so they are measured from the symbols' extents (`init(symbols:)`).
struct InterruptEntryLayout {
    /// X86_TRAP_* (arch/x86/include/asm/trapnr.h) → the entry `def_idts` installs for it.
    static let exceptionEntries: [Int: String] = [
        0: "asm_exc_divide_error", 1: "asm_exc_debug", 2: "asm_exc_nmi", 3: "asm_exc_int3", 4: "asm_exc_overflow",
        5: "asm_exc_bounds", 6: "asm_exc_invalid_op", 7: "asm_exc_device_not_available", 8: "asm_exc_double_fault",
        9: "asm_exc_coproc_segment_overrun", 10: "asm_exc_invalid_tss", 11: "asm_exc_segment_not_present",
        12: "asm_exc_stack_segment", 13: "asm_exc_general_protection", 14: "asm_exc_page_fault",
        15: "asm_exc_spurious_interrupt_bug", 16: "asm_exc_coprocessor_error", 17: "asm_exc_alignment_check",
        18: "asm_exc_machine_check", 19: "asm_exc_simd_coprocessor_error", 20: "asm_exc_virtualization_exception",
        21: "asm_exc_control_protection", 29: "asm_exc_vmm_communication",
    ]
    static let int80Entries = ["asm_int80_emulation", "entry_INT80_compat"]
    static let systemVectorPrefix = "asm_sysvec_"
    static let firstExternalVector = 0x20
    static let exceptionVectors = 32

    struct Stubs {
        var start: UInt64
        var stride: UInt64
    }

    /// Interrupt stubs for FIRST_EXTERNAL_VECTOR..<firstSystemVector; nil when not measurable.
    var irqStubs: Stubs?
    var firstSystemVector = 256
    /// Stubs for firstSystemVector...255.
    var spuriousStubs: Stubs?
    /// `early_idt_handler_array` and EARLY_IDT_HANDLER_SIZE.
    var earlyHandlers: Stubs?

    init(symbols: SymbolTable) {
        if let irq = Self.address("irq_entries_start", symbols), let spurious = Self.address("spurious_entries_start", symbols),
            spurious > irq, let spuriousEnd = symbols.nextKernelAddress(after: spurious)
        {
            // IDT_ALIGN = 8 * (1 + HAS_KERNEL_IBT) (arch/x86/include/asm/idtentry.h). Both stub runs
            // are padded to it, so exactly one stride makes the external stubs a whole number and
            // leaves room after spurious_entries_start for the rest of the 224 vectors.
            let fits = [UInt64(8), 16].filter { stride in
                let external = (spurious - irq) / stride
                guard (spurious - irq) % stride == 0, external <= 256 - UInt64(Self.firstExternalVector) else { return false }
                return (256 - UInt64(Self.firstExternalVector) - external) * stride <= spuriousEnd - spurious
            }
            if fits.count == 1, let stride = fits.first {
                irqStubs = Stubs(start: irq, stride: stride)
                firstSystemVector = Self.firstExternalVector + Int((spurious - irq) / stride)
                spuriousStubs = Stubs(start: spurious, stride: stride)
            }
        }
        // EARLY_IDT_HANDLER_SIZE = 9 + ENDBR_INSN_SIZE (arch/x86/include/asm/segment.h): 32 of them.
        if let early = Self.address("early_idt_handler_array", symbols), let end = symbols.nextKernelAddress(after: early) {
            let size = (end - early) / UInt64(Self.exceptionVectors)
            if (end - early) % UInt64(Self.exceptionVectors) == 0, size == 9 || size == 13 {
                earlyHandlers = Stubs(start: early, stride: size)
            }
        }
    }

    private static func address(_ name: String, _ symbols: SymbolTable) -> UInt64? {
        guard let symbol = symbols.symbol(named: name), symbol.module == nil else { return nil }
        return symbol.address
    }

    /// The stub addresses the kernel may have put in `vector`'s gate.
    func stubs(for vector: Int) -> [(address: UInt64, name: String, offset: UInt64)] {
        var found: [(UInt64, String, UInt64)] = []
        if vector < Self.exceptionVectors, let early = earlyHandlers {
            found.append((early.start + early.stride * UInt64(vector), "early_idt_handler_array", early.stride * UInt64(vector)))
        }
        if vector >= Self.firstExternalVector, vector < firstSystemVector, let irq = irqStubs {
            let offset = irq.stride * UInt64(vector - Self.firstExternalVector)
            found.append((irq.start + offset, "irq_entries_start", offset))
        }
        if vector >= firstSystemVector, let spurious = spuriousStubs {
            let offset = spurious.stride * UInt64(vector - firstSystemVector)
            found.append((spurious.start + offset, "spurious_entries_start", offset))
        }
        return found
    }

    /// Names of entry functions whose first byte `vector`'s gate may hold.
    func entryNames(for vector: Int) -> [String] {
        var names = Self.exceptionEntries[vector].map { [$0] } ?? []
        if vector == 0x80 { names += Self.int80Entries }
        return names
    }

    /// Whether `target` is the kernel's own entry code for `vector`.
    func accepts(_ target: UInt64, vector: Int, symbols: SymbolTable) -> Bool {
        if stubs(for: vector).contains(where: { $0.address == target }) { return true }
        let names = entryNames(for: vector)
        return symbols.kernelSymbols(at: target).contains { symbol in
            symbol.isCode
                && (names.contains(symbol.name)
                    || (vector >= Self.firstExternalVector && symbol.name.hasPrefix(Self.systemVectorPrefix)))
        }
    }

    /// What `vector`'s gate should hold, for the report.
    func expectation(for vector: Int) -> String {
        var options = entryNames(for: vector).map { "\($0)+0x0" }
        options += stubs(for: vector).map { "\($0.name)+\(hex($0.offset))" }
        if vector >= Self.firstExternalVector { options.append("the start of an \(Self.systemVectorPrefix)* entry") }
        let expected = options.isEmpty ? "no gate the kernel installs" : options.joined(separator: " or ")
        guard vector >= Self.firstExternalVector, irqStubs == nil else { return expected }
        return expected + "; the interrupt stubs could not be measured from irq_entries_start and spurious_entries_start"
    }
}
