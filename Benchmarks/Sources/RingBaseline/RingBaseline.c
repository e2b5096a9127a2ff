#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "CXenShims.h"
#include "RingBaseline.h"

#define EMPTY_SLOT UINT64_MAX

typedef struct {
    ring_baseline_frame *slots;
    uint64_t mask;
    unsigned shift;
} frame_table;

static size_t home(uint64_t gfn, unsigned shift) {
    return (size_t)((gfn * 0x9E3779B97F4A7C15ull) >> shift);
}

static int table_init(frame_table *table, const ring_baseline_frame *frames, size_t count) {
    unsigned bits = 4;
    while (((size_t)1 << bits) < count * 2) bits++;
    table->slots = malloc(sizeof(ring_baseline_frame) << bits);
    if (table->slots == NULL) return 0;
    table->mask = ((uint64_t)1 << bits) - 1;
    table->shift = 64 - bits;
    for (size_t i = 0; i <= table->mask; i++) table->slots[i].gfn = EMPTY_SLOT;
    for (size_t i = 0; i < count; i++) {
        size_t position = home(frames[i].gfn, table->shift);
        while (table->slots[position].gfn != EMPTY_SLOT) position = (position + 1) & table->mask;
        table->slots[position] = frames[i];
    }
    return 1;
}

static const ring_baseline_frame *table_find(const frame_table *table, uint64_t gfn) {
    size_t position = home(gfn, table->shift);
    for (;;) {
        const ring_baseline_frame *slot = &table->slots[position];
        if (slot->gfn == gfn) return slot;
        if (slot->gfn == EMPTY_SLOT) return NULL;
        position = (position + 1) & table->mask;
    }
}

static int denies(const frame_table *table, const ring_baseline_span *spans, const ring_baseline_rule *rules,
                  const ring_baseline_range *writers, uint64_t gfn, uint64_t offset, uint64_t rip) {
    const ring_baseline_frame *frame = table_find(table, gfn);
    if (frame == NULL) return 0;
    for (uint32_t i = frame->first_span; i < frame->first_span + frame->span_count; i++) {
        const ring_baseline_span *span = &spans[i];
        if (offset < span->offset || offset - span->offset >= span->length) continue;
        const ring_baseline_rule *rule = &rules[span->target];
        if (!rule->traps_write) return 0;
        for (uint32_t w = rule->first_writer; w < rule->first_writer + rule->writer_count; w++)
            if (rip >= writers[w].start && rip < writers[w].end) return 0;
        return rule->denies;
    }
    return 0;
}

long ring_baseline_run(void *page, const ring_baseline_frame *frames, size_t frame_count,
                       const ring_baseline_span *spans, const ring_baseline_rule *rules,
                       const ring_baseline_range *writers, uint32_t vcpu_count,
                       const vm_event_request_t *request, long iterations, uint64_t *flags_checksum) {
    frame_table table;
    if (!table_init(&table, frames, frame_count)) return -1;
    // The same ring code as Warden's Swift path: CXenShims' static inline functions over ring.h's
    // macros (guards, barriers and event indices included), for both sides.
    vm_event_back_ring_t back;
    cxen_vm_event_back_ring_init(&back, page, 4096);
    vm_event_front_ring_t front;
    cxen_vm_event_front_ring_attach(&front, page, 4096);
    long denied = 0;
    uint64_t flags_sum = 0;
    for (long i = 0; i < iterations; i++) {
        // Xen's side: one request in.
        cxen_vm_event_front_put_request(&front, request);
        // The controller: copy out, decide, answer.
        vm_event_request_t req;
        if (!cxen_vm_event_get_request(&back, &req)) continue;
        vm_event_response_t rsp;
        memset(&rsp, 0, sizeof(rsp));
        rsp.version = VM_EVENT_INTERFACE_VERSION;
        rsp.vcpu_id = req.vcpu_id;
        rsp.reason = req.reason;
        rsp.flags = req.flags & VM_EVENT_FLAG_VCPU_PAUSED;
        if (req.reason == VM_EVENT_REASON_MEM_ACCESS) rsp.u.mem_access = req.u.mem_access;
        if (req.version == VM_EVENT_INTERFACE_VERSION && req.vcpu_id < vcpu_count &&
            req.reason == VM_EVENT_REASON_MEM_ACCESS &&
            (req.u.mem_access.flags & MEM_ACCESS_W) &&
            denies(&table, spans, rules, writers, req.u.mem_access.gfn, req.u.mem_access.offset & 0xFFF,
                   req.data.regs.x86.rip)) {
            rsp.flags |= VM_EVENT_FLAG_EMULATE | VM_EVENT_FLAG_EMULATE_NOWRITE;
            denied++;
        }
        cxen_vm_event_put_response(&back, &rsp);
        // Xen's side: the answer out.
        vm_event_response_t out;
        if (cxen_vm_event_front_get_response(&front, &out)) flags_sum += out.flags;
    }
    *flags_checksum = flags_sum;
    free(table.slots);
    return denied;
}
