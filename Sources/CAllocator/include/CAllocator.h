// glibc's malloc.h, which Swift's Glibc module does not export: `warden run` calls malloc_trim(3)
// once attach is done, so the long-running controller does not keep the start-up transients
// (kallsyms windows, decoder scratch) resident; the benchmarks use it to measure that footprint.
#include <malloc.h>
