import CXen
import TestSupport
import Testing
import XenRing

/// The ring page is shared with the hypervisor side, so anything may be in a slot: decoding must keep odd
/// values as they are and never trap.
@Suite struct VMEventDecodingTests {
    @Test func anUnknownReasonStaysItsRawValue() {
        var raw = vm_event_request_t()
        raw.reason = 0xDEAD_BEEF
        let request = VMEventRequest(raw)
        #expect(request.reason == .unknown(0xDEAD_BEEF))
        #expect(request.payload == .other)
        #expect(request.raw.reason == 0xDEAD_BEEF)
        #expect(VMEventReason(rawValue: 16) == .unknown(16))
    }

    @Test func unknownFlagBitsAndAWrongVersionAreKept() {
        var raw = vm_event_request_t()
        raw.version = 0xFFFF_FFFF
        raw.flags = 0xFFFF_0000 | UInt32(VM_EVENT_FLAG_VCPU_PAUSED)
        raw.reason = UInt32(VM_EVENT_REASON_MEM_ACCESS)
        raw.u.mem_access.flags = 0xFFFF_FFC2
        let request = VMEventRequest(raw)
        #expect(request.version == 0xFFFF_FFFF)
        #expect(request.flags.rawValue == 0xFFFF_0001)
        #expect(request.flags.contains(.vcpuPaused))
        #expect(request.payload.memAccess?.flags.rawValue == 0xFFFF_FFC2)
        #expect(request.payload.memAccess?.flags.contains(.write) == true)
    }

    @Test func everyDecodedFieldIsTheByteValueAtItsABIOffset() {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<500 {
            var raw = vm_event_request_t()
            withUnsafeMutableBytes(of: &raw) { bytes in
                for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
            }
            raw.reason = UInt32(VM_EVENT_REASON_MEM_ACCESS)
            let request = VMEventRequest(raw)
            withUnsafeBytes(of: raw) { bytes in
                #expect(request.version == bytes.load(fromByteOffset: 0, as: UInt32.self))
                #expect(request.flags.rawValue == bytes.load(fromByteOffset: 4, as: UInt32.self))
                #expect(request.vcpuID == bytes.load(fromByteOffset: 12, as: UInt32.self))
                #expect(request.altp2mIndex == bytes.load(fromByteOffset: 16, as: UInt16.self))
                #expect(request.payload.memAccess?.gfn == bytes.load(fromByteOffset: 24, as: UInt64.self))
                #expect(request.payload.memAccess?.offset == bytes.load(fromByteOffset: 32, as: UInt64.self))
                #expect(request.payload.memAccess?.gla == bytes.load(fromByteOffset: 40, as: UInt64.self))
                #expect(request.payload.memAccess?.flags.rawValue == bytes.load(fromByteOffset: 48, as: UInt32.self))
                #expect(request.registers.rip == bytes.load(fromByteOffset: 56 + 152, as: UInt64.self))
                #expect(request.registers.cr3 == bytes.load(fromByteOffset: 56 + 176, as: UInt64.self))
                #expect(request.registers.gsSelector == bytes.load(fromByteOffset: 56 + 340, as: UInt16.self))
            }
        }
    }

    @Test func junkInEverySlotDecodesWithoutTrapping() throws {
        try withRingPage { page in
            var back = try VMEventBackRing(page: page, size: 4096)
            var generator = SplitMix64(seed: 0xBAD)
            for index in 64..<4096 {
                page.storeBytes(of: UInt8.random(in: 0...255, using: &generator), toByteOffset: index, as: UInt8.self)
            }
            page.storeBytes(of: 8, toByteOffset: SharedRingHeader.requestProducer, as: UInt32.self)
            var decoded = 0
            while let request = back.nextRequest() {
                decoded += 1
                try back.put(.answering(request).deny())
            }
            #expect(decoded == 8)
        }
    }

    @Test(arguments: [VMEventReason.memAccess, .singlestep, .guestRequest, .unknown(99)])
    func requestsRoundTripThroughTheCStruct(reason: VMEventReason) {
        var registers = X86Registers()
        registers.rax = 1
        registers.r15 = 2
        registers.rflags = 0x202
        registers.rip = 0xFFFF_FFFF_8100_1000
        registers.cr0 = 0x8005_0033
        registers.cr3 = 0x0010_9000
        registers.cr4 = 0x0037_06F0
        registers.msrEFER = 0xD01
        registers.fsBase = 0x7F00_0000_0000
        registers.gsBase = 0xFFFF_8880_0000_0000
        registers.cs = SegmentAttributes(limit: 0xF_FFFF, accessRights: 0xA9B)
        registers.csSelector = 0x10
        let payload: VMEventPayload =
            switch reason {
            case .memAccess: .memAccess(MemAccessEvent(gfn: 7, offset: 8, gla: 9, flags: [.read, .execute]))
            case .singlestep: .singlestep(gfn: 0x42)
            default: .other
            }
        let request = VMEventRequest(
            flags: [.vcpuPaused], reason: reason, vcpuID: 9, altp2mIndex: 2, payload: payload, registers: registers)
        #expect(VMEventRequest(request.raw) == request)
    }

    @Test func responsesDecodeTheUnionMemberXenReads() {
        let fast = VMEventResponse(
            flags: [.vcpuPaused, .alternateP2M, .fastSinglestep], reason: .memAccess, vcpuID: 1,
            payload: .fastSinglestep(p2mIndex: 3))
        #expect(fast.raw.u.fast_singlestep.p2midx == 3)
        #expect(VMEventResponse(fast.raw) == fast)
        let deny = VMEventResponse(
            flags: [.vcpuPaused, .emulate, .emulateNoWrite], reason: .memAccess, vcpuID: 1,
            payload: .memAccess(MemAccessEvent(gfn: 5, offset: 6, gla: 7, flags: [.write])))
        #expect(VMEventResponse(deny.raw) == deny)
        let step = VMEventResponse(flags: [.vcpuPaused], reason: .singlestep, vcpuID: 1, payload: .singlestep(gfn: 9))
        #expect(VMEventResponse(step.raw) == step)
    }
}
