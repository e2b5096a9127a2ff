/* Fixture for ElfSymbolsTests: an object shaped like a kernel module, with the .modinfo
 * section the kernel reads the module name from.
 * Rebuild with: gcc -c -O0 -fno-asynchronous-unwind-tables -o wardentest.ko wardentest.c */
__attribute__((section(".modinfo"), used, aligned(1)))
static const char warden_modinfo[] = "license=GPL\0name=wardentest\0vermagic=6.1.0 SMP mod_unload";

int warden_module_init(void) { return 0; }
static int warden_module_helper(void) { return 1; }
int warden_module_exit(void) { return warden_module_helper(); }
