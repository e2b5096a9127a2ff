/// One 16-byte x86-64 IDT gate, decoded as arch/x86/include/asm/desc_defs.h lays out
/// `struct gate_struct`: offset_low (u16), segment (u16), bits (u16: ist:3, zero:5, type:5, dpl:2,
/// p:1), offset_middle (u16), offset_high (u32), reserved (u32).
public struct InterruptGate: Sendable, Hashable {
    public static let size = 16

    public var target: UInt64
    public var selector: UInt16
    public var interruptStackTable: UInt8
    /// The 5-bit type field: GATE_INTERRUPT (0xE) or GATE_TRAP (0xF) for a 64-bit gate.
    public var type: UInt8
    public var privilegeLevel: UInt8
    public var present: Bool

    /// `bytes` must hold exactly 16 bytes, in guest memory order.
    public init?(_ bytes: ArraySlice<UInt8>) {
        guard bytes.count == Self.size else { return nil }
        let base = bytes.startIndex
        func field(_ offset: Int, _ width: Int) -> UInt64 {
            (0..<width).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[base + offset + $1]) }
        }
        target = field(0, 2) | field(6, 2) << 16 | field(8, 4) << 32
        selector = UInt16(field(2, 2))
        interruptStackTable = UInt8(field(4, 1) & 0x7)
        let attributes = UInt8(field(5, 1))
        type = attributes & 0x1F
        privilegeLevel = (attributes >> 5) & 0x3
        present = attributes & 0x80 != 0
    }

    /// `__KERNEL_CS` on x86-64: GDT entry 2 (arch/x86/include/asm/segment.h).
    public static let kernelCodeSelector: UInt16 = 0x10
    /// GATE_INTERRUPT: every gate arch/x86/kernel/idt.c installs on x86-64 (INTG, SYSG, ISTG) is one.
    public static let interruptGateType: UInt8 = 0xE
    /// The SYSG gates user space may raise with `int`: #BP (int3), #OF (into) and, with
    /// CONFIG_IA32_EMULATION, IA32_SYSCALL_VECTOR 0x80.
    public static let userCallableVectors: Set<Int> = [3, 4, 0x80]

    /// What about the gate's attributes the kernel never sets for `vector`, or nil when they are
    /// its own: the kernel code segment, an interrupt gate, privilege level 3 only on `int`-able vectors.
    func attributeProblem(vector: Int) -> (found: String, expected: String)? {
        var found: [String] = []
        var expected: [String] = []
        if selector != Self.kernelCodeSelector {
            found.append("selector \(hex(UInt64(selector)))")
            expected.append("selector \(hex(UInt64(Self.kernelCodeSelector))) (__KERNEL_CS)")
        }
        if type != Self.interruptGateType {
            found.append("gate type \(hex(UInt64(type)))")
            expected.append("gate type 0xe (GATE_INTERRUPT)")
        }
        if privilegeLevel != 0, !Self.userCallableVectors.contains(vector) {
            found.append("DPL \(privilegeLevel)")
            expected.append("DPL 0 (only vectors 3, 4 and 0x80 are callable from user space)")
        }
        return found.isEmpty ? nil : (found.joined(separator: ", "), expected.joined(separator: ", "))
    }
}
