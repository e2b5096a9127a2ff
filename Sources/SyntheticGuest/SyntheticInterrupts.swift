import WardenCore

/// The generated kernel's interrupt entry code and its IDT, laid out as Debian 6.1's is after boot
/// (arch/x86/kernel/idt.c; IDT_ALIGN 8, FIRST_SYSTEM_VECTOR 0xec, EARLY_IDT_HANDLER_SIZE 9): named
/// entries for the exceptions the kernel handles, the early handler left in the reserved exception
/// vectors, system vectors, the int 0x80 entry, and an interrupt stub in every other gate.
public enum SyntheticInterrupts {
    static let exceptionEntriesOffset: UInt64 = 0x4_1000
    static let systemEntriesOffset: UInt64 = 0x4_2000
    static let irqEntriesOffset: UInt64 = 0x5_0000
    static let earlyHandlersOffset: UInt64 = 0x5_8000
    static let stubSize: UInt64 = 8
    static let earlyHandlerSize: UInt64 = 9
    static let firstSystemVector = 0xEC
    static let spuriousEntriesOffset = irqEntriesOffset + stubSize * UInt64(firstSystemVector - 0x20)
    /// CPU_ENTRY_AREA_RO_IDT: where the IDT register points, a read-only alias of idt_table.
    public static let idtAlias: UInt64 = 0xFFFF_FE00_0000_0000

    /// X86_TRAP_* → entry, for a kernel without TDX (20) and CET (21), as Debian 6.1 runs.
    static let exceptions: [(Int, String)] = [
        (0, "asm_exc_divide_error"), (1, "asm_exc_debug"), (2, "asm_exc_nmi"), (3, "asm_exc_int3"), (4, "asm_exc_overflow"),
        (5, "asm_exc_bounds"), (6, "asm_exc_invalid_op"), (7, "asm_exc_device_not_available"), (8, "asm_exc_double_fault"),
        (9, "asm_exc_coproc_segment_overrun"), (10, "asm_exc_invalid_tss"), (11, "asm_exc_segment_not_present"),
        (12, "asm_exc_stack_segment"), (13, "asm_exc_general_protection"), (14, "asm_exc_page_fault"),
        (15, "asm_exc_spurious_interrupt_bug"), (16, "asm_exc_coprocessor_error"), (17, "asm_exc_alignment_check"),
        (18, "asm_exc_machine_check"), (19, "asm_exc_simd_coprocessor_error"), (29, "asm_exc_vmm_communication"),
    ]
    static let systemVectors: [(Int, String)] = [
        (0x20, "asm_sysvec_irq_move_cleanup"), (0x80, "asm_int80_emulation"), (0xEC, "asm_sysvec_apic_timer_interrupt"),
        (0xF6, "asm_sysvec_irq_work"), (0xFB, "asm_sysvec_call_function_single"), (0xFC, "asm_sysvec_call_function"),
        (0xFD, "asm_sysvec_reschedule_ipi"), (0xFE, "asm_sysvec_error_interrupt"), (0xFF, "asm_sysvec_spurious_apic_interrupt"),
    ]

    static func symbols(textBase: UInt64) -> [KernelSymbol] {
        var symbols: [KernelSymbol] = []
        for (index, (_, name)) in exceptions.enumerated() {
            symbols.append(KernelSymbol(name: name, address: textBase + exceptionEntriesOffset + UInt64(index) * 0x40, type: "T"))
        }
        for (index, (_, name)) in systemVectors.enumerated() {
            symbols.append(KernelSymbol(name: name, address: textBase + systemEntriesOffset + UInt64(index) * 0x40, type: "T"))
        }
        let stubs: [(String, UInt64)] = [
            ("irq_entries_start", irqEntriesOffset), ("spurious_entries_start", spuriousEntriesOffset),
            ("asm_common_interrupt", spuriousEntriesOffset + stubSize * UInt64(256 - firstSystemVector)),
            ("early_idt_handler_array", earlyHandlersOffset), ("early_idt_handler_common", earlyHandlersOffset + 32 * earlyHandlerSize),
        ]
        for (name, offset) in stubs { symbols.append(KernelSymbol(name: name, address: textBase + offset, type: "T")) }
        return symbols
    }

    /// Where the kernel points `vector`'s gate.
    static func entry(_ vector: Int, textBase: UInt64) -> UInt64 {
        if let index = exceptions.firstIndex(where: { $0.0 == vector }) {
            return textBase + exceptionEntriesOffset + UInt64(index) * 0x40
        }
        if let index = systemVectors.firstIndex(where: { $0.0 == vector }) {
            return textBase + systemEntriesOffset + UInt64(index) * 0x40
        }
        if vector < 0x20 { return textBase + earlyHandlersOffset + earlyHandlerSize * UInt64(vector) }
        if vector < firstSystemVector { return textBase + irqEntriesOffset + stubSize * UInt64(vector - 0x20) }
        return textBase + spuriousEntriesOffset + stubSize * UInt64(vector - firstSystemVector)
    }

    /// One present 64-bit interrupt gate to `target` on __KERNEL_CS (struct gate_struct).
    public static func gate(to target: UInt64, privilegeLevel: UInt8 = 0, selector: UInt16 = 0x10) -> [UInt8] {
        var bytes: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(UInt16(truncatingIfNeeded: target))
        append(selector)
        append(UInt8(0))
        append(UInt8(0x80 | privilegeLevel << 5 | 0xE))
        append(UInt16(truncatingIfNeeded: target >> 16))
        append(UInt32(truncatingIfNeeded: target >> 32))
        append(UInt32(0))
        return bytes
    }

    /// All 256 gates, int3, into and int 0x80 callable from user space as the kernel's SYSG gates are.
    static func idt(textBase: UInt64) -> [UInt8] {
        (0..<256).flatMap { vector in
            gate(to: entry(vector, textBase: textBase), privilegeLevel: [3, 4, 0x80].contains(vector) ? 3 : 0)
        }
    }
}
