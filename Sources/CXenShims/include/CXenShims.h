// The vm_event ring macros of xen/io/ring.h (RELEASE-4.17.7) as static inline functions: Swift imports
// neither statement macros nor GNU statement-expressions, and the barriers inside them are inline asm.
// Back side = Warden (consumes requests, produces responses); front side = Xen (the model and the tests).
#ifndef CXEN_SHIMS_H
#define CXEN_SHIMS_H

// The same headers, in the same order, as CXen's umbrella (a C target gets no include path to it):
// xenctrl.h first, because it defines __XEN_TOOLS__ and the xen_mb/xen_rmb/xen_wmb barriers ring.h uses.
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <xenctrl.h>
#include <xen/vm_event.h>

// SHARED_RING_INIT + BACK_RING_INIT: statement macros; what xen-access does on the page from xc_monitor_enable.
static inline void cxen_vm_event_back_ring_init(vm_event_back_ring_t *ring, void *page, size_t size) {
    vm_event_sring_t *sring = (vm_event_sring_t *)page;
    SHARED_RING_INIT(sring);
    BACK_RING_INIT(ring, sring, size);
}

// Test-only: SHARED_RING_INIT + BACK_RING_ATTACH at `index`, with both shared producers and event
// thresholds moved there too, so a test can cross the 2^32 wrap of the free-running indices quickly.
static inline void cxen_vm_event_back_ring_init_at(vm_event_back_ring_t *ring, void *page, size_t size,
                                                   RING_IDX index) {
    vm_event_sring_t *sring = (vm_event_sring_t *)page;
    SHARED_RING_INIT(sring);
    sring->req_prod = sring->rsp_prod = index;
    sring->req_event = sring->rsp_event = index + 1;
    BACK_RING_ATTACH(ring, sring, index, size);
}

// RING_HAS_UNCONSUMED_REQUESTS: a GNU statement-expression. A count, min(readable requests, free reply
// slots), so a hostile req_prod can never make it exceed nr_ents.
static inline unsigned int cxen_vm_event_unconsumed_requests(const vm_event_back_ring_t *ring) {
    return RING_HAS_UNCONSUMED_REQUESTS(ring);
}

// Guarded RING_COPY_REQUEST + req_cons++ (xen-access get_request): a volatile-cast statement macro. The
// copy is never parsed in place, because the slot is shared and is reused for the reply. Returns 0 and
// leaves `out` untouched when no request is readable or no reply slot is free.
static inline int cxen_vm_event_get_request(vm_event_back_ring_t *ring, vm_event_request_t *out) {
    if (RING_HAS_UNCONSUMED_REQUESTS(ring) == 0)
        return 0;
    xen_rmb(); // read the slot only after the req_prod that published it
    RING_COPY_REQUEST(ring, ring->req_cons, out);
    ring->req_cons++;
    ring->sring->req_event = ring->req_cons + 1; // as xen-access; Xen itself notifies on every request
    return 1;
}

// Copy into RING_GET_RESPONSE at rsp_prod_pvt, ++, RING_PUSH_RESPONSES: statement macros with a write
// barrier. Returns 0 (nothing written) when every consumed request is already answered, since a further
// response would overwrite a slot still holding an unread request.
static inline int cxen_vm_event_put_response(vm_event_back_ring_t *ring, const vm_event_response_t *rsp) {
    if (ring->req_cons == ring->rsp_prod_pvt)
        return 0;
    memcpy(RING_GET_RESPONSE(ring, ring->rsp_prod_pvt), rsp, sizeof(*rsp));
    ring->rsp_prod_pvt++;
    RING_PUSH_RESPONSES(ring);
    return 1;
}

// Recovery only (`warden release`): a response with no request behind it, the "rescue reply" of a
// controller that died with vCPUs paused for its replies. The normal path refuses this (see above), since
// on a live ring it would overwrite an unread request. Here the ring is a fresh one (re-enabled after
// xc_monitor_disable on a paused domain), so no request is expected; still, returns -1 and writes nothing
// while any request is unread (req_prod != req_cons), and 0 while the slot still holds a response Xen has
// not consumed: Xen's `vm_event_get_response` (xen/common/vm_event.c) publishes its consumer as
// `sring->rsp_event = rsp_cons + 1`, so rsp_prod_pvt - (rsp_event - 1) responses are unread by Xen.
// Afterwards Xen's private counters disagree (RING_FREE_REQUESTS exceeds RING_SIZE), so the caller
// must disable the ring again instead of serving requests on it.
static inline int cxen_vm_event_back_put_unsolicited_response(vm_event_back_ring_t *ring,
                                                              const vm_event_response_t *rsp) {
    if (ring->sring->req_prod != ring->req_cons)
        return -1;
    xen_rmb(); // read Xen's consumer after the producer check, as the slot reuse depends on it
    if (ring->rsp_prod_pvt - (ring->sring->rsp_event - 1) >= RING_SIZE(ring))
        return 0;
    memcpy(RING_GET_RESPONSE(ring, ring->rsp_prod_pvt), rsp, sizeof(*rsp));
    ring->rsp_prod_pvt++;
    RING_PUSH_RESPONSES(ring);
    return 1;
}

// RING_FINAL_CHECK_FOR_REQUESTS: a statement macro with a full barrier. Re-arms req_event, then looks
// again, so a request that raced the re-arm is seen now instead of being lost before poll().
static inline int cxen_vm_event_final_check_for_requests(vm_event_back_ring_t *ring) {
    int work_to_do;
    RING_FINAL_CHECK_FOR_REQUESTS(ring, work_to_do);
    return work_to_do != 0;
}

// FRONT_RING_ATTACH at the shared ring's req_prod: a statement macro. On a page the back side has just
// initialised this equals Xen's FRONT_RING_INIT (common/vm_event.c vm_event_enable). Returns 0 on a ring
// with unanswered requests (req_prod != rsp_prod), where one index cannot describe both private counters.
static inline int cxen_vm_event_front_ring_attach(vm_event_front_ring_t *ring, void *page, size_t size) {
    vm_event_sring_t *sring = (vm_event_sring_t *)page;
    RING_IDX index = sring->req_prod;
    if (index != sring->rsp_prod)
        return 0;
    FRONT_RING_ATTACH(ring, sring, index, size);
    return 1;
}

// RING_FREE_REQUESTS: a macro over private front counters.
static inline unsigned int cxen_vm_event_front_free_requests(const vm_event_front_ring_t *ring) {
    return RING_FREE_REQUESTS(ring);
}

// RING_FULL guard, copy into RING_GET_REQUEST, ++, RING_PUSH_REQUESTS: statement macros with a write
// barrier, as Xen's vm_event_put_request. Returns 0 (nothing written) when the ring is full.
static inline int cxen_vm_event_front_put_request(vm_event_front_ring_t *ring, const vm_event_request_t *req) {
    if (RING_FULL(ring))
        return 0;
    memcpy(RING_GET_REQUEST(ring, ring->req_prod_pvt), req, sizeof(*req));
    ring->req_prod_pvt++;
    RING_PUSH_REQUESTS(ring);
    return 1;
}

// RING_HAS_UNCONSUMED_RESPONSES guard, copy from RING_GET_RESPONSE, rsp_cons++, as Xen's
// vm_event_get_response. Returns 0 and leaves `out` untouched when no response is waiting.
static inline int cxen_vm_event_front_get_response(vm_event_front_ring_t *ring, vm_event_response_t *out) {
    if (!RING_HAS_UNCONSUMED_RESPONSES(ring))
        return 0;
    xen_rmb(); // read the slot only after the rsp_prod that published it
    RING_COPY_RESPONSE(ring, ring->rsp_cons, out);
    ring->rsp_cons++;
    ring->sring->rsp_event = ring->rsp_cons + 1;
    return 1;
}

#endif
