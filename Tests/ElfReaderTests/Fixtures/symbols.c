/* Fixture for ElfSymbolsTests: one symbol of each nm type the reader classifies.
 * Rebuild with: gcc -c -O0 -fno-common -fno-asynchronous-unwind-tables -o symbols.o symbols.c */
int warden_data = 42;                       /* D: initialised, writable */
static int warden_local_data = 7;           /* d */
const long warden_rodata[4] = {1, 2, 3, 4}; /* R: read-only, 32 bytes */
long warden_bss[8];                         /* B: zero-initialised, 64 bytes */
static char warden_local_bss[16];           /* b */
extern int warden_undefined(void);          /* U: referenced, not defined (skipped) */

__attribute__((weak)) int warden_weak(void) { return 1; } /* W */

static int warden_local_text(int x) { return x + warden_local_data + warden_local_bss[0]; } /* t */

int warden_text(int x) { return warden_local_text(x) + warden_undefined() + warden_data; } /* T */
