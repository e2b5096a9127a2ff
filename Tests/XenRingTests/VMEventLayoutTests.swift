import CXen
import Testing

/// The C layout as the Swift compiler imports it from Debian's libxen-dev 4.17 headers, against the offsets
/// in the reference (§2). CXenShims.c asserts the same at C compile time; this checks what Swift sees.
@Suite struct VMEventLayoutTests {
    @Test func requestAndResponseAreOne400ByteEightAlignedStruct() {
        #expect(MemoryLayout<vm_event_request_t>.size == 400)
        #expect(MemoryLayout<vm_event_request_t>.stride == 400)
        #expect(MemoryLayout<vm_event_request_t>.alignment == 8)
        #expect(MemoryLayout<vm_event_response_t>.size == 400)
    }

    @Test func headerFieldsSitAtTheirABIOffsets() {
        let layout = MemoryLayout<vm_event_request_t>.self
        #expect(layout.offset(of: \.version) == 0)
        #expect(layout.offset(of: \.flags) == 4)
        #expect(layout.offset(of: \.reason) == 8)
        #expect(layout.offset(of: \.vcpu_id) == 12)
        #expect(layout.offset(of: \.altp2m_idx) == 16)
        #expect(layout.offset(of: \.u) == 24)
        #expect(layout.offset(of: \.data) == 56)
    }

    @Test func unionMembersSitAtTheirABIOffsets() {
        // Union members import as computed properties, so their offsets are probed by writing through the
        // imported accessor and finding the bytes.
        #expect(offset { $0.u.mem_access.gfn = marker64 } == 24)
        #expect(offset { $0.u.mem_access.offset = marker64 } == 32)
        #expect(offset { $0.u.mem_access.gla = marker64 } == 40)
        #expect(offset { $0.u.mem_access.flags = marker32 } == 48)
        #expect(offset { $0.u.singlestep.gfn = marker64 } == 24)
        #expect(offset { $0.u.fast_singlestep.p2midx = marker16 } == 24)
    }

    @Test func x86RegisterBlockSitsAtItsABIOffsets() {
        #expect(offset { $0.data.regs.x86.rax = marker64 } == 56 + 0)
        #expect(offset { $0.data.regs.x86.r15 = marker64 } == 56 + 120)
        #expect(offset { $0.data.regs.x86.rflags = marker64 } == 56 + 128)
        #expect(offset { $0.data.regs.x86.rip = marker64 } == 56 + 152)
        #expect(offset { $0.data.regs.x86.cr0 = marker64 } == 56 + 160)
        #expect(offset { $0.data.regs.x86.cr2 = marker64 } == 56 + 168)
        #expect(offset { $0.data.regs.x86.cr3 = marker64 } == 56 + 176)
        #expect(offset { $0.data.regs.x86.cr4 = marker64 } == 56 + 184)
        #expect(offset { $0.data.regs.x86.msr_efer = marker64 } == 56 + 216)
        #expect(offset { $0.data.regs.x86.msr_lstar = marker64 } == 56 + 232)
        #expect(offset { $0.data.regs.x86.cs_base = marker32 } == 56 + 264)
        #expect(offset { $0.data.regs.x86.fs_base = marker64 } == 56 + 280)
        #expect(offset { $0.data.regs.x86.gs_base = marker64 } == 56 + 288)
        #expect(offset { $0.data.regs.x86.shadow_gs = marker64 } == 56 + 320)
        #expect(offset { $0.data.regs.x86.gdtr_limit = marker16 } == 56 + 328)
        #expect(offset { $0.data.regs.x86.cs_sel = marker16 } == 56 + 330)
        #expect(offset { $0.data.regs.x86.gs_sel = marker16 } == 56 + 340)
        let regs = MemoryLayout<vm_event_regs_x86>.self
        #expect(regs.size == 344)
        #expect(regs.offset(of: \.rip) == 152)
        #expect(regs.offset(of: \.cs) == 296)
    }

    @Test func sharedRingHeaderIs64BytesFollowedBy400ByteSlots() {
        let sring = MemoryLayout<vm_event_sring_t>.self
        #expect(sring.offset(of: \.req_prod) == SharedRingHeader.requestProducer)
        #expect(sring.offset(of: \.req_event) == SharedRingHeader.requestEvent)
        #expect(sring.offset(of: \.rsp_prod) == SharedRingHeader.responseProducer)
        #expect(sring.offset(of: \.rsp_event) == SharedRingHeader.responseEvent)
        #expect(sring.offset(of: \.ring) == 64)
        #expect(MemoryLayout<vm_event_sring_entry>.stride == 400)
    }

    @Test func backRingPrivateStateIs24Bytes() {
        let back = MemoryLayout<vm_event_back_ring_t>.self
        #expect(back.size == 24)
        #expect(back.offset(of: \.rsp_prod_pvt) == 0)
        #expect(back.offset(of: \.req_cons) == 4)
        #expect(back.offset(of: \.nr_ents) == 8)
        #expect(back.offset(of: \.sring) == 16)
    }
}

private let marker64: UInt64 = 0x8877_6655_4433_2211
private let marker32: UInt32 = 0x4433_2211
private let marker16: UInt16 = 0x2211

/// Byte offset at which `write` put its marker (the first byte 0x11) into an otherwise zero request.
private func offset(_ write: (inout vm_event_request_t) -> Void) -> Int? {
    var raw = vm_event_request_t()
    write(&raw)
    return withUnsafeBytes(of: raw) { $0.firstIndex(of: 0x11) }
}
