// Includes and constants only: SwiftPM does not rebuild dependents when a system-library header changes.
#include <stdint.h>
#include <stddef.h>
#include <string.h>
// xenctrl.h first: it defines __XEN_TOOLS__ and the barriers the other Xen headers need.
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>
#include <xen/vm_event.h>
