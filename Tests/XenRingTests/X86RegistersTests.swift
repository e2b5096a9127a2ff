import CXen
import Testing
import XenRing

/// Each named register must be the field at its ABI offset inside `data.regs.x86` (reference §2), both
/// when Warden reads a request and when the model writes one.
@Suite struct X86RegistersTests {
    private static var quadwords: [(WritableKeyPath<X86Registers, UInt64>, Int)] {
        [
            (\.rax, 0), (\.rcx, 8), (\.rdx, 16), (\.rbx, 24), (\.rsp, 32), (\.rbp, 40), (\.rsi, 48), (\.rdi, 56),
            (\.r8, 64), (\.r9, 72), (\.r10, 80), (\.r11, 88), (\.r12, 96), (\.r13, 104), (\.r14, 112), (\.r15, 120),
            (\.rflags, 128), (\.dr6, 136), (\.dr7, 144), (\.rip, 152), (\.cr0, 160), (\.cr2, 168), (\.cr3, 176),
            (\.cr4, 184), (\.sysenterCS, 192), (\.sysenterESP, 200), (\.sysenterEIP, 208), (\.msrEFER, 216),
            (\.msrSTAR, 224), (\.msrLSTAR, 232), (\.gdtrBase, 240), (\.nptBase, 248), (\.vmtracePos, 256),
            (\.fsBase, 280), (\.gsBase, 288), (\.shadowGS, 320),
        ]
    }
    private static var doublewords: [(WritableKeyPath<X86Registers, UInt32>, Int)] {
        [(\.csBase, 264), (\.ssBase, 268), (\.dsBase, 272), (\.esBase, 276)]
    }
    private static var words: [(WritableKeyPath<X86Registers, UInt16>, Int)] {
        [
            (\.gdtrLimit, 328), (\.csSelector, 330), (\.ssSelector, 332), (\.dsSelector, 334), (\.esSelector, 336),
            (\.fsSelector, 338), (\.gsSelector, 340),
        ]
    }
    private static var segments: [(WritableKeyPath<X86Registers, SegmentAttributes>, Int)] {
        [(\.cs, 296), (\.ss, 300), (\.ds, 304), (\.es, 308), (\.fs, 312), (\.gs, 316)]
    }

    @Test func everyRegisterIsWrittenAtItsABIOffset() {
        for (path, offset) in Self.quadwords { #expect(writtenOffset(path, 0x8877_6655_4433_2211) == 56 + offset) }
        for (path, offset) in Self.doublewords { #expect(writtenOffset(path, 0x4433_2211) == 56 + offset) }
        for (path, offset) in Self.words { #expect(writtenOffset(path, 0x2211) == 56 + offset) }
        for (path, offset) in Self.segments {
            #expect(writtenOffset(path, SegmentAttributes(limit: 0x11, accessRights: 0)) == 56 + offset)
        }
    }

    @Test func everyRegisterIsReadFromItsABIOffset() {
        for (path, offset) in Self.quadwords { #expect(readBack(path, 0x8877_6655_4433_2211, at: 56 + offset)) }
        for (path, offset) in Self.doublewords { #expect(readBack(path, 0x4433_2211, at: 56 + offset)) }
        for (path, offset) in Self.words { #expect(readBack(path, 0x2211, at: 56 + offset)) }
    }

    @Test func segmentAttributesSplitTheBitfieldLimitLowAccessRightsHigh() {
        var registers = X86Registers()
        registers.cs = SegmentAttributes(limit: 0xF_FFFF, accessRights: 0xA9B)
        let raw = VMEventRequest(flags: [], reason: .cpuid, vcpuID: 0, registers: registers).raw
        #expect(raw.data.regs.x86.cs.limit == 0xF_FFFF)
        #expect(raw.data.regs.x86.cs.ar == 0xA9B)
        let word = withUnsafeBytes(of: raw) { $0.load(fromByteOffset: 56 + 296, as: UInt32.self) }
        #expect(word == 0xA9BF_FFFF)
    }

    @Test func segmentAttributeBitsBeyondTheBitfieldAreDropped() {
        var registers = X86Registers()
        registers.gs = SegmentAttributes(limit: 0xFFFF_FFFF, accessRights: 0xFFFF)
        let decoded = VMEventRequest(VMEventRequest(flags: [], reason: .cpuid, vcpuID: 0, registers: registers).raw)
        #expect(decoded.registers.gs == SegmentAttributes(limit: 0xF_FFFF, accessRights: 0xFFF))
    }
}

/// Where a value written through `path` lands in the encoded request (first byte equal to its low byte 0x11).
private func writtenOffset<Value>(_ path: WritableKeyPath<X86Registers, Value>, _ value: Value) -> Int? {
    var registers = X86Registers()
    registers[keyPath: path] = value
    let raw = VMEventRequest(flags: [], reason: .memAccess, vcpuID: 0, registers: registers).raw
    return withUnsafeBytes(of: raw) { $0.firstIndex(of: 0x11) }
}

/// Whether `path` reads `marker` from a request holding it at `offset` and zeroes elsewhere.
private func readBack<Value: FixedWidthInteger>(
    _ path: WritableKeyPath<X86Registers, Value>, _ marker: Value, at offset: Int
) -> Bool {
    var raw = vm_event_request_t()
    withUnsafeMutableBytes(of: &raw) { $0.storeBytes(of: marker, toByteOffset: offset, as: Value.self) }
    return VMEventRequest(raw).registers[keyPath: path] == marker
}
