// The C baseline for the ring benchmark: the same round trip as Warden's Swift path (Xen puts a
// request, the controller copies it out, decides, answers; Xen takes the answer), written directly
// with xen/io/ring.h's macros, as a C controller such as xen-access would.
#include <stddef.h>
#include <stdint.h>

/// Runs `iterations` round trips on the 4 KiB ring at `page`. The decision is a binary search of
/// `gfns` (sorted): a protected frame is denied (EMULATE|EMULATE_NOWRITE), others resumed.
/// Returns the number of denied requests.
long ring_baseline_run(void *page, const uint64_t *gfns, size_t count, const void *request, long iterations);
