// SPDX-License-Identifier: GPL-2.0
/*
 * xen-state DOMID: what Warden must leave behind, read from Xen, one `key=value` per line:
 *   altp2m=0|1         xc_altp2m_get_domain_state
 *   view.vcpuN=IDX     xc_altp2m_get_vcpu_p2m_idx (only while altp2m is on)
 *   paused=0|1         the domain's pause flag (xc_domain_getinfolist)
 *   ring=free|held     whether a monitor ring could be enabled (enabled and disabled again at once)
 * The lab's tests run it in dom0 after each teardown; it is a test tool, not part of Warden.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenctrl.h>

int main(int argc, char **argv)
{
	xc_interface *xch;
	xc_domaininfo_t info;
	uint32_t domid, port;
	bool altp2m = false;
	void *ring;

	if (argc != 2) {
		fprintf(stderr, "usage: xen-state DOMID\n");
		return 2;
	}
	domid = (uint32_t)strtoul(argv[1], NULL, 0);
	xch = xc_interface_open(NULL, NULL, 0);
	if (!xch) {
		perror("xc_interface_open");
		return 1;
	}
	if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 || info.domain != domid) {
		fprintf(stderr, "no domain %u\n", domid);
		return 1;
	}
	if (xc_altp2m_get_domain_state(xch, domid, &altp2m) != 0)
		printf("altp2m=error:%d\n", errno);
	else
		printf("altp2m=%d\n", altp2m ? 1 : 0);
	for (uint32_t vcpu = 0; altp2m && vcpu <= info.max_vcpu_id; vcpu++) {
		uint16_t view;

		if (xc_altp2m_get_vcpu_p2m_idx(xch, domid, vcpu, &view) == 0)
			printf("view.vcpu%u=%u\n", vcpu, view);
	}
	printf("paused=%d\n", (info.flags & XEN_DOMINF_paused) ? 1 : 0);
	ring = xc_monitor_enable(xch, domid, &port);
	if (ring) {
		munmap(ring, XC_PAGE_SIZE);
		xc_monitor_disable(xch, domid);
		printf("ring=free\n");
	} else {
		printf("ring=held:%s\n", strerror(errno));
	}
	xc_interface_close(xch);
	return 0;
}
