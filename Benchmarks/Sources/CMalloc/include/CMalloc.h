// glibc's malloc.h, which Swift's Glibc module does not export: malloc_trim(3) lets the controller
// footprint measurement return freed heap to the kernel before it takes its starting point.
#include <malloc.h>
