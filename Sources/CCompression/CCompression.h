// The three payload formats Debian ships bzImages with (xz, zstd, gzip). Includes only.
#include <lzma.h>
#include <zstd.h>
#include <zlib.h>
