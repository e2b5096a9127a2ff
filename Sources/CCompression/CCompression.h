// Every payload compression an x86 bzImage can carry (arch/x86/boot/compressed/Makefile):
// gzip (zlib), bzip2 (libbz2), lzma and xz (liblzma), lzo (liblzo2), lz4 (liblz4), zstd (libzstd).
// Includes only.
#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zstd.h>
#include <zlib.h>
