// The C baseline for the ring benchmark: the same round trip as Warden's Swift path (Xen puts a
// request, the controller copies it out, decides, answers; Xen takes the answer), written directly
// with xen/io/ring.h's macros, as a C controller such as xen-access would, and making the same
// decision over the same kind of tables.
#include <stddef.h>
#include <stdint.h>
#include "CXenShims.h"

/// One target's bytes in one protected frame; a frame's spans are listed smallest target first.
typedef struct {
    uint64_t offset, length, target_offset;
    uint32_t target;
} ring_baseline_span;

/// One protected frame and its spans (`first_span`, `span_count` index the span array).
typedef struct {
    uint64_t gfn;
    uint32_t first_span, span_count;
} ring_baseline_frame;

/// Per target: whether writes are trapped, whether the action is deny, and its trusted writers
/// (`first_writer`, `writer_count` index the writer range array).
typedef struct {
    uint32_t first_writer, writer_count;
    int32_t traps_write, denies;
} ring_baseline_rule;

/// A trusted writer's code, [start, end).
typedef struct {
    uint64_t start, end;
} ring_baseline_range;

/// Runs `iterations` round trips on the 4 KiB ring at `page`. The decision, for a version-7 write
/// fault from one of `vcpu_count` vCPUs: the request's frame in
/// an open-addressing table of `frames` (multiplicative hashing, linear probing, load at most one
/// half), the first span covering the offset, and its target's rule (a write from a trusted writer
/// is allowed; otherwise deny targets are denied with EMULATE|EMULATE_NOWRITE). Returns the number
/// of denied requests, or -1 when the table cannot be allocated; `flags_checksum` receives the sum of
/// the flags of every response Xen's side took, to compare with the Swift path's.
long ring_baseline_run(void *page, const ring_baseline_frame *frames, size_t frame_count,
                       const ring_baseline_span *spans, const ring_baseline_rule *rules,
                       const ring_baseline_range *writers, uint32_t vcpu_count,
                       const vm_event_request_t *request, long iterations, uint64_t *flags_checksum);
