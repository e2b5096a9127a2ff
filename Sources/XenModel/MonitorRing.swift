import XenRing

/// The 4 KiB ring page. Xen holds one reference while the ring exists and each dom0 mapping holds
/// another, so a page stays valid until both `xc_monitor_disable` and `munmap` have happened
/// (xen/common/vm_event.c `vm_event_disable` → `destroy_ring_for_helper` drops only Xen's).
final class RingPage {
    static let size = 4096
    let address: UnsafeMutableRawPointer

    init() {
        address = UnsafeMutableRawPointer.allocate(byteCount: Self.size, alignment: Self.size)
        // A freshly populated guest page is scrubbed (xen/common/page_alloc.c), so the ring starts zeroed.
        address.initializeMemory(as: UInt8.self, repeating: 0, count: Self.size)
    }

    deinit { address.deallocate() }

    /// The page's address as a plain integer, which can leave the model's lock (a pointer cannot).
    var bits: UInt { UInt(bitPattern: address) }
}

/// Xen's side of the monitor ring (`struct vm_event_domain`, xen/common/vm_event.c): the front ring over
/// the page, the event channel Xen allocated, and the vCPUs waiting for ring space.
///
/// Xen reserves a slot (`vm_event_claim_slot`) and fills it (`vm_event_put_request`) with no guest step in
/// between, so `target_producers` is always 0 between model steps and the free count is the ring's own.
final class MonitorRing {
    let page: RingPage
    var front: VMEventFrontRing
    /// Xen's port in the guest, bound by dom0 with `xenevtchn_bind_interdomain`.
    let xenPort: UInt32
    /// `ved->blocked`: vCPUs paused by `vm_event_mark_and_pause`.
    var blocked = 0
    /// `ved->last_vcpu_wake_up`, the round-robin start of `vm_event_wake_blocked`.
    var lastVCPUWokenUp = 0

    init(page: RingPage, xenPort: UInt32) throws(XenErrno) {
        self.page = page
        self.xenPort = xenPort
        // FRONT_RING_INIT on a zeroed page (req_prod == rsp_prod == 0), which the attach accepts; a failure
        // would mean the page was not the fresh one allocated above.
        do {
            front = try VMEventFrontRing(page: page.address, size: RingPage.size)
        } catch {
            throw .enomem
        }
    }

    /// `vm_event_ring_available`: RING_FREE_REQUESTS less the (always zero) reservations.
    var available: Int { front.freeRequestSlots }
}
