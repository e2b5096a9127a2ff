#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <xenctrl.h>
#include <xen/vm_event.h>
#include "RingBaseline.h"

static int is_protected(const uint64_t *gfns, size_t count, uint64_t gfn) {
    size_t low = 0, high = count;
    while (low < high) {
        size_t mid = (low + high) / 2;
        if (gfns[mid] < gfn) low = mid + 1; else high = mid;
    }
    return low < count && gfns[low] == gfn;
}

long ring_baseline_run(void *page, const uint64_t *gfns, size_t count, const void *request, long iterations) {
    vm_event_front_ring_t front;
    vm_event_back_ring_t back;
    vm_event_sring_t *shared = page;
    SHARED_RING_INIT(shared);
    FRONT_RING_INIT(&front, shared, 4096);
    BACK_RING_INIT(&back, shared, 4096);
    long denied = 0;
    for (long i = 0; i < iterations; i++) {
        // Xen's side: one request in.
        memcpy(RING_GET_REQUEST(&front, front.req_prod_pvt), request, sizeof(vm_event_request_t));
        front.req_prod_pvt++;
        RING_PUSH_REQUESTS(&front);
        // The controller: copy out, decide, answer.
        vm_event_request_t req;
        RING_COPY_REQUEST(&back, back.req_cons, &req);
        back.req_cons++;
        vm_event_response_t rsp;
        memset(&rsp, 0, sizeof(rsp));
        rsp.version = VM_EVENT_INTERFACE_VERSION;
        rsp.vcpu_id = req.vcpu_id;
        rsp.reason = req.reason;
        rsp.flags = req.flags & VM_EVENT_FLAG_VCPU_PAUSED;
        if (req.reason == VM_EVENT_REASON_MEM_ACCESS && is_protected(gfns, count, req.u.mem_access.gfn)) {
            rsp.flags |= VM_EVENT_FLAG_EMULATE | VM_EVENT_FLAG_EMULATE_NOWRITE;
            rsp.u.mem_access = req.u.mem_access;
            denied++;
        }
        memcpy(RING_GET_RESPONSE(&back, back.rsp_prod_pvt), &rsp, sizeof(rsp));
        back.rsp_prod_pvt++;
        RING_PUSH_RESPONSES(&back);
        // Xen's side: the answer out.
        vm_event_response_t out;
        memcpy(&out, RING_GET_RESPONSE(&front, front.rsp_cons), sizeof(out));
        front.rsp_cons++;
    }
    return denied;
}
