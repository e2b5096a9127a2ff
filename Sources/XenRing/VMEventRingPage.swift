import CXen

/// Checks on the mapping a ring is laid over, shared by both sides. The ring macros themselves do no
/// checking: a size below one slot would give `nr_ents == 0`, and the slot mask `nr_ents - 1` would then
/// address outside the page (xen/include/public/io/ring.h `__RING_SIZE`, `RING_GET_REQUEST`).
enum VMEventRingPage {
    /// 64-byte shared header plus one slot.
    static let minimumSize = MemoryLayout<vm_event_sring_t>.size - MemoryLayout<vm_event_sring_entry>.size
        + MemoryLayout<vm_event_sring_entry>.stride

    static func validate(_ page: UnsafeMutableRawPointer, size: Int) throws(VMEventRingError) {
        guard size >= minimumSize else { throw .pageTooSmall(size: size, minimum: minimumSize) }
        guard size <= Int(UInt32.max) else { throw .pageTooLarge(size: size) }
        let address = UInt(bitPattern: page)
        guard address % UInt(MemoryLayout<vm_event_sring_t>.alignment) == 0 else {
            throw .pageMisaligned(address: address)
        }
    }
}
