import CXen
import CXenShims

/// The hypervisor's side of a vm_event ring, for the model of Xen and for tests: produces requests and
/// consumes responses as common/vm_event.c (`vm_event_put_request`, `vm_event_get_response`) does, over a
/// page it does not own. `~Copyable` for the same reason as `VMEventBackRing`.
public struct VMEventFrontRing: ~Copyable {
    @usableFromInline var ring: vm_event_front_ring_t

    /// Attaches to a page the back side has initialised, at its current index (FRONT_RING_ATTACH); on a
    /// fresh ring this is Xen's FRONT_RING_INIT. Fails on a ring with unanswered requests.
    public init(page: UnsafeMutableRawPointer, size: Int) throws(VMEventRingError) {
        try VMEventRingPage.validate(page, size: size)
        var ring = vm_event_front_ring_t()
        guard cxen_vm_event_front_ring_attach(&ring, page, size) != 0 else {
            // req_prod@0 and rsp_prod@8, asserted in CXenShims.c; raw loads, as the page is shared memory.
            throw .ringNotQuiescent(
                requestProducer: page.load(fromByteOffset: 0, as: UInt32.self),
                responseProducer: page.load(fromByteOffset: 8, as: UInt32.self))
        }
        self.ring = ring
    }

    /// Slots in the ring (8 for one 4 KiB page).
    public var slotCount: Int { Int(ring.nr_ents) }

    /// Requests that can still be put before the ring is full (RING_FREE_REQUESTS).
    public var freeRequestSlots: Int {
        withUnsafePointer(to: ring) { Int(cxen_vm_event_front_free_requests($0)) }
    }

    /// Puts a request as is (Xen would stamp the version; the caller decides here) and publishes it.
    /// False, with nothing written, when the ring is full (RING_FULL).
    public mutating func put(_ request: VMEventRequest) -> Bool {
        putRaw(request.raw)
    }

    /// The C form of `put(_:)`, for benchmarks and for tests that write malformed requests.
    @inlinable public mutating func putRaw(_ raw: borrowing vm_event_request_t) -> Bool {
        withUnsafePointer(to: raw) { cxen_vm_event_front_put_request(&ring, $0) } != 0
    }

    /// Copies the next published response off the ring and decodes it as Xen would; nil when none waits.
    public mutating func nextResponse() -> VMEventResponse? {
        var raw = vm_event_response_t()
        guard nextRawResponse(into: &raw) else { return nil }
        return VMEventResponse(raw)
    }

    /// The C form of `nextResponse()`.
    @inlinable public mutating func nextRawResponse(into raw: inout vm_event_response_t) -> Bool {
        cxen_vm_event_front_get_response(&ring, &raw) != 0
    }
}
