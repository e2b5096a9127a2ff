import CXen
import CXenShims

/// Warden's side of a vm_event ring: consumes Xen's requests and produces responses, over a page mapped by
/// `xc_monitor_enable` that this value does not own (the caller unmaps it after this value is gone).
/// `~Copyable`, because two copies would each advance their own private indices over one shared page.
///
/// The cycle, as xen-access's: take a request, answer it (Xen frees a slot only by consuming a reply, so
/// every request needs one, async too), then notify the event channel; before sleeping in `poll()`, call
/// `finalCheckForRequests()`.
public struct VMEventBackRing: ~Copyable {
    // Visible to inlinable code: the event loop's raw calls inline into the controller, so a 400-byte
    // request or response is copied only where the ring protocol copies it.
    @usableFromInline var ring: vm_event_back_ring_t

    /// Initialises the shared ring (SHARED_RING_INIT) and this side's indices (BACK_RING_INIT), as
    /// xen-access does right after `xc_monitor_enable`.
    public init(page: UnsafeMutableRawPointer, size: Int) throws(VMEventRingError) {
        try VMEventRingPage.validate(page, size: size)
        ring = vm_event_back_ring_t()
        cxen_vm_event_back_ring_init(&ring, page, size)
    }

    /// Like `init(page:size:)`, with every index (shared and private) starting at `firstIndex`, so tests can
    /// cross the 2^32 wrap of the free-running indices without 2^32 events.
    init(page: UnsafeMutableRawPointer, size: Int, firstIndex: UInt32) throws(VMEventRingError) {
        try VMEventRingPage.validate(page, size: size)
        ring = vm_event_back_ring_t()
        cxen_vm_event_back_ring_init_at(&ring, page, size, firstIndex)
    }

    /// Slots in the ring: 8 for one 4 KiB page ((4096 - 64) / 400 rounded down to a power of two).
    public var slotCount: Int { Int(ring.nr_ents) }

    /// Requests that can be taken now: readable and with a free reply slot. Never above `slotCount`,
    /// whatever the shared producer index says.
    public var unconsumedRequests: Int {
        withUnsafePointer(to: ring) { Int(cxen_vm_event_unconsumed_requests($0)) }
    }

    /// Copies the next request off the ring and decodes it; nil when none is readable or no reply slot is
    /// free. The request must be answered with `put(_:)`.
    public mutating func nextRequest() -> VMEventRequest? {
        var raw = vm_event_request_t()
        guard nextRawRequest(into: &raw) else { return nil }
        return VMEventRequest(raw)
    }

    /// The zero-allocation form of `nextRequest()` for the event loop: copies the next request into `raw`
    /// (a private copy, never the shared slot) and returns true, or returns false and leaves `raw` alone.
    @inlinable public mutating func nextRawRequest(into raw: inout vm_event_request_t) -> Bool {
        cxen_vm_event_get_request(&ring, &raw) != 0
    }

    /// Places a response in the slot of the oldest unanswered request and publishes it (RING_PUSH_RESPONSES).
    /// Notify the event channel afterwards so Xen consumes it.
    public mutating func put(_ response: VMEventResponse) throws(VMEventRingError) {
        try putRaw(response.raw)
    }

    /// The zero-allocation form of `put(_:)`.
    @inlinable public mutating func putRaw(_ raw: borrowing vm_event_response_t) throws(VMEventRingError) {
        let placed = withUnsafePointer(to: raw) { cxen_vm_event_put_response(&ring, $0) }
        guard placed != 0 else { throw .noOutstandingRequest }
    }

    /// Why `putUnsolicited(_:)` wrote nothing.
    public enum UnsolicitedResponseError: Error, Equatable, Sendable {
        /// Xen has put a request on the ring that is not taken yet: its slot must not be overwritten.
        case requestsWaiting
        /// Every slot holds a response Xen has not consumed yet; notify Xen and try again.
        case responseSlotsFull
    }

    /// Recovery only (`warden release`): publishes a response that answers no request on this ring — the
    /// synthetic VCPU_PAUSED reply that releases a vCPU still paused for a reply from a controller that
    /// died (reference §1.2). Xen acts on it only when that vCPU's vm_event pause count is above zero
    /// (xen/common/vm_event.c `vm_event_resume`). Use it only on a ring freshly enabled on a paused domain,
    /// notify, and then disable the ring: once Xen consumes a response it never asked for, its request
    /// arithmetic counts more free slots than the ring has (RING_FREE_REQUESTS in xen/include/public/io/ring.h),
    /// so the next requests would overwrite slots. Normal serving keeps using `put(_:)`, which refuses this.
    public mutating func putUnsolicited(_ response: VMEventResponse) throws(UnsolicitedResponseError) {
        var raw = response.raw
        let placed = cxen_vm_event_back_put_unsolicited_response(&ring, &raw)
        if placed < 0 { throw .requestsWaiting }
        if placed == 0 { throw .responseSlotsFull }
    }

    /// Re-arms the request notification and looks again (RING_FINAL_CHECK_FOR_REQUESTS): true means a
    /// request arrived meanwhile and must be handled before sleeping, or its wakeup would be lost.
    public mutating func finalCheckForRequests() -> Bool {
        cxen_vm_event_final_check_for_requests(&ring) != 0
    }
}
