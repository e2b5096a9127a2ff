import SyntheticGuest
import Testing

@testable import WardenCore

/// The interrupt entry layout measured from symbol extents, with the addresses of Debian's real
/// kernels (`warden symbols --image` of 6.1.0-57 and 6.12.118+deb12), and gate decoding.
@Suite struct InterruptEntryLayoutTests {
    func table(_ symbols: [(String, UInt64)]) -> SymbolTable {
        SymbolTable(origin: .kernelImage(path: "test"), symbols: symbols.map { KernelSymbol(name: $0.0, address: $0.1, type: "T") })
    }

    /// 6.1 (no IBT): 204 stubs of 8 bytes, FIRST_SYSTEM_VECTOR 0xec, early handlers of 9 bytes.
    @Test func debian61MeasuresEightByteStubsAndSystemVectorsFrom0xEC() {
        let layout = InterruptEntryLayout(
            symbols: table([
                ("irq_entries_start", 0xFFFF_FFFF_81C0_0290), ("spurious_entries_start", 0xFFFF_FFFF_81C0_08F0),
                ("asm_exc_divide_error", 0xFFFF_FFFF_81C0_0990), ("early_idt_handler_array", 0xFFFF_FFFF_8307_9000),
                ("early_idt_handler_common", 0xFFFF_FFFF_8307_9120),
            ]))
        #expect(layout.irqStubs?.stride == 8)
        #expect(layout.firstSystemVector == 0xEC)
        #expect(layout.earlyHandlers?.stride == 9)
        #expect(layout.stubs(for: 0x21).map(\.address) == [0xFFFF_FFFF_81C0_0298])
        #expect(layout.stubs(for: 0xED).map(\.address) == [0xFFFF_FFFF_81C0_08F8])
        #expect(layout.stubs(for: 0x14).map(\.address) == [0xFFFF_FFFF_8307_90B4])
    }

    /// 6.12 (IBT): 203 stubs of 16 bytes, FIRST_SYSTEM_VECTOR 0xeb, early handlers of 13 bytes.
    @Test func debian612MeasuresSixteenByteStubsAndSystemVectorsFrom0xEB() {
        let layout = InterruptEntryLayout(
            symbols: table([
                ("irq_entries_start", 0xFFFF_FFFF_81E0_0230), ("spurious_entries_start", 0xFFFF_FFFF_81E0_0EE0),
                ("asm_exc_divide_error", 0xFFFF_FFFF_81E0_1030), ("early_idt_handler_array", 0xFFFF_FFFF_8334_F3B0),
                ("early_idt_handler_common", 0xFFFF_FFFF_8334_F550),
            ]))
        #expect(layout.irqStubs?.stride == 16)
        #expect(layout.firstSystemVector == 0xEB)
        #expect(layout.earlyHandlers?.stride == 13)
        #expect(layout.stubs(for: 0xEA).map(\.address) == [0xFFFF_FFFF_81E0_0230 + 16 * 0xCA])
        #expect(layout.stubs(for: 0x16).map(\.address) == [0xFFFF_FFFF_8334_F3B0 + 0x11E])
    }

    @Test func extentsNoStrideExplainsLeaveTheStubsUnmeasured() {
        let layout = InterruptEntryLayout(
            symbols: table([
                ("irq_entries_start", 0x1000), ("spurious_entries_start", 0x1000 + 8 * 100 + 4), ("next", 0x2000),
                ("early_idt_handler_array", 0x3000), ("early_idt_handler_common", 0x3000 + 32 * 10),
            ]))
        #expect(layout.irqStubs == nil)
        #expect(layout.spuriousStubs == nil)
        #expect(layout.firstSystemVector == 256)
        #expect(layout.earlyHandlers == nil)
        #expect(layout.stubs(for: 0x40).isEmpty)
    }

    @Test func aGateDecodesItsSplitOffsetAndAttributes() throws {
        let bytes = SyntheticInterrupts.gate(to: 0xFFFF_FFFF_8F00_1234, privilegeLevel: 3, selector: 0x10)
        let gate = try #require(InterruptGate(bytes[...]))
        #expect(gate.target == 0xFFFF_FFFF_8F00_1234)
        #expect(gate.selector == 0x10)
        #expect(gate.type == 0xE)
        #expect(gate.privilegeLevel == 3)
        #expect(gate.present)
        #expect(gate.attributeProblem(vector: 3) == nil)
        #expect(gate.attributeProblem(vector: 5)?.found == "DPL 3")
        // The #DB gate of a booted Debian 6.1 guest (KASLR slide 0xe000000), as read from its memory:
        // asm_exc_debug, IST 3 (the debug stack), interrupt gate, present.
        let debug: [UInt8] = [0xD0, 0x0C, 0x10, 0x00, 0x03, 0x8E, 0xC0, 0x8F, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
        let decoded = try #require(InterruptGate(debug[...]))
        #expect(decoded.target == 0xFFFF_FFFF_8FC0_0CD0)
        #expect(decoded.interruptStackTable == 3)
        #expect(InterruptGate(debug[0..<15]) == nil)
        #expect(InterruptGate([UInt8](repeating: 0, count: 16)[...])?.present == false)
    }
}

extension InterruptEntryLayout.Stubs: Equatable {
    public static func == (left: Self, right: Self) -> Bool { left.start == right.start && left.stride == right.stride }
}
