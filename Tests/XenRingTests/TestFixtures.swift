import XenRing

/// A heap page standing in for the ring page `xc_monitor_enable` maps: page-aligned like the real one, and
/// filled with a junk pattern first so tests see that ring initialisation, not luck, zeroes the header.
func withRingPage<R>(size: Int = 4096, _ body: (UnsafeMutableRawPointer) throws -> R) rethrows -> R {
    let page = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
    defer { page.deallocate() }
    page.initializeMemory(as: UInt8.self, repeating: 0xA5, count: size)
    return try body(page)
}

/// Byte offsets of the shared-ring header words (xen/include/public/io/ring.h `struct vm_event_sring`).
enum SharedRingHeader {
    static let requestProducer = 0
    static let requestEvent = 4
    static let responseProducer = 8
    static let responseEvent = 12
}


/// A write fault on a protected kernel frame, as Xen reports it while altp2m is active (view 1).
func memAccessRequest(vcpu: UInt32) -> VMEventRequest {
    var registers = X86Registers()
    registers.rip = 0xFFFF_FFFF_8100_0000 + UInt64(vcpu)
    registers.cr3 = 0x1234_5000
    let access = MemAccessEvent(
        gfn: 0x1_0000 + UInt64(vcpu), offset: 0x18, gla: 0xFFFF_FFFF_8200_0018,
        flags: [.write, .glaValid, .faultWithGLA])
    return VMEventRequest(
        flags: [.vcpuPaused, .alternateP2M], reason: .memAccess, vcpuID: vcpu, altp2mIndex: 1,
        payload: .memAccess(access), registers: registers)
}
