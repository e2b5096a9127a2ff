// Layout guards: XenRing mirrors these fields of xen/include/public/vm_event.h and io/ring.h
// (RELEASE-4.17.7, interface version 7). If Debian's libxen-dev ever ships another layout, the build
// fails here instead of Warden misreading a ring shared with the hypervisor.
#include "CXenShims.h"

_Static_assert(VM_EVENT_INTERFACE_VERSION == 7, "vm_event interface version");
_Static_assert(sizeof(vm_event_request_t) == 400, "vm_event_request_t size");
_Static_assert(sizeof(vm_event_response_t) == 400, "vm_event_response_t size");
_Static_assert(_Alignof(vm_event_request_t) == 8, "vm_event_request_t alignment");
_Static_assert(offsetof(vm_event_sring_t, ring) == 64, "shared-ring header is 64 bytes");
_Static_assert(offsetof(vm_event_sring_t, req_prod) == 0, "req_prod");
_Static_assert(offsetof(vm_event_sring_t, req_event) == 4, "req_event");
_Static_assert(offsetof(vm_event_sring_t, rsp_prod) == 8, "rsp_prod");
_Static_assert(offsetof(vm_event_sring_t, rsp_event) == 12, "rsp_event");
_Static_assert(sizeof(RING_IDX) == 4, "RING_IDX is a free-running 32-bit index");

#define CXEN_AT(field, offset) _Static_assert(offsetof(vm_event_request_t, field) == (offset), #field)

CXEN_AT(version, 0);
CXEN_AT(flags, 4);
CXEN_AT(reason, 8);
CXEN_AT(vcpu_id, 12);
CXEN_AT(altp2m_idx, 16);
CXEN_AT(u, 24);
CXEN_AT(u.mem_access.gfn, 24);
CXEN_AT(u.mem_access.offset, 32);
CXEN_AT(u.mem_access.gla, 40);
CXEN_AT(u.mem_access.flags, 48);
CXEN_AT(u.singlestep.gfn, 24);
CXEN_AT(u.fast_singlestep.p2midx, 24);
CXEN_AT(data, 56);
CXEN_AT(data.regs.x86.rax, 56 + 0);
CXEN_AT(data.regs.x86.rcx, 56 + 8);
CXEN_AT(data.regs.x86.rdx, 56 + 16);
CXEN_AT(data.regs.x86.rbx, 56 + 24);
CXEN_AT(data.regs.x86.rsp, 56 + 32);
CXEN_AT(data.regs.x86.rbp, 56 + 40);
CXEN_AT(data.regs.x86.rsi, 56 + 48);
CXEN_AT(data.regs.x86.rdi, 56 + 56);
CXEN_AT(data.regs.x86.r8, 56 + 64);
CXEN_AT(data.regs.x86.r15, 56 + 120);
CXEN_AT(data.regs.x86.rflags, 56 + 128);
CXEN_AT(data.regs.x86.dr6, 56 + 136);
CXEN_AT(data.regs.x86.dr7, 56 + 144);
CXEN_AT(data.regs.x86.rip, 56 + 152);
CXEN_AT(data.regs.x86.cr0, 56 + 160);
CXEN_AT(data.regs.x86.cr2, 56 + 168);
CXEN_AT(data.regs.x86.cr3, 56 + 176);
CXEN_AT(data.regs.x86.cr4, 56 + 184);
CXEN_AT(data.regs.x86.sysenter_cs, 56 + 192);
CXEN_AT(data.regs.x86.sysenter_esp, 56 + 200);
CXEN_AT(data.regs.x86.sysenter_eip, 56 + 208);
CXEN_AT(data.regs.x86.msr_efer, 56 + 216);
CXEN_AT(data.regs.x86.msr_star, 56 + 224);
CXEN_AT(data.regs.x86.msr_lstar, 56 + 232);
CXEN_AT(data.regs.x86.gdtr_base, 56 + 240);
CXEN_AT(data.regs.x86.npt_base, 56 + 248);
CXEN_AT(data.regs.x86.vmtrace_pos, 56 + 256);
CXEN_AT(data.regs.x86.cs_base, 56 + 264);
CXEN_AT(data.regs.x86.es_base, 56 + 276);
CXEN_AT(data.regs.x86.fs_base, 56 + 280);
CXEN_AT(data.regs.x86.gs_base, 56 + 288);
CXEN_AT(data.regs.x86.cs, 56 + 296);
CXEN_AT(data.regs.x86.gs, 56 + 316);
CXEN_AT(data.regs.x86.shadow_gs, 56 + 320);
CXEN_AT(data.regs.x86.gdtr_limit, 56 + 328);
CXEN_AT(data.regs.x86.cs_sel, 56 + 330);
CXEN_AT(data.regs.x86.gs_sel, 56 + 340);

_Static_assert(offsetof(vm_event_back_ring_t, rsp_prod_pvt) == 0, "back rsp_prod_pvt");
_Static_assert(offsetof(vm_event_back_ring_t, req_cons) == 4, "back req_cons");
_Static_assert(offsetof(vm_event_back_ring_t, nr_ents) == 8, "back nr_ents");
_Static_assert(offsetof(vm_event_back_ring_t, sring) == 16, "back sring");
_Static_assert(sizeof(vm_event_back_ring_t) == 24, "back ring size");
