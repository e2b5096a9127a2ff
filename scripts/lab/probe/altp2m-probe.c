// SPDX-License-Identifier: GPL-2.0
/*
 * altp2m-probe DOMID GFN: asks real Xen what the project's model of Xen was least sure of, one
 * `step=answer` line per call, where an answer is a value or `errno=N`:
 *   - a new view's access and suppress-#VE bit for a gfn never set in it, and the host view's;
 *   - set/get on a gfn past the domain's highest (`xc_domain_maximum_gpfn` + 0x100);
 *   - destroying the view the vCPUs are on, the host view, a destroyed view; a hidden view as a
 *     switch target; a default access beyond XENMEM_access_default; a view that does not exist.
 * GFN must be populated RAM of the domain. The domain should be paused (a running guest that writes
 * a frame the new view restricts, with no monitor ring, makes Xen widen that entry). Every change is
 * undone before it exits: altp2m is left as it was found. Tests/IntegrationTests (RealXenModelTests)
 * run the same steps on the model of Xen and compare the lines; it is a test tool, not Warden.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <xenctrl.h>

static void answer(const char *step, int rc, long value)
{
	if (rc)
		printf("%s=errno=%d\n", step, errno);
	else
		printf("%s=%ld\n", step, value);
}

int main(int argc, char **argv)
{
	xc_interface *xch;
	uint32_t domid;
	xen_pfn_t max_gpfn;
	uint64_t gfn, beyond;
	uint16_t view = 0, current = 0;
	xenmem_access_t access = 0;
	bool flag = false, was_on = false;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: altp2m-probe DOMID GFN\n");
		return 2;
	}
	domid = (uint32_t)strtoul(argv[1], NULL, 0);
	gfn = strtoull(argv[2], NULL, 0);
	xch = xc_interface_open(NULL, NULL, 0);
	if (!xch) {
		perror("xc_interface_open");
		return 1;
	}
	if (xc_domain_maximum_gpfn(xch, domid, &max_gpfn) < 0) {
		perror("xc_domain_maximum_gpfn");
		return 1;
	}
	beyond = max_gpfn + 0x100;

	rc = xc_altp2m_get_domain_state(xch, domid, &was_on);
	answer("state.before", rc, was_on);
	if (rc || was_on) {
		fprintf(stderr, "altp2m must be off (a Warden running?)\n");
		return 1;
	}
	answer("enable", xc_altp2m_set_domain_state(xch, domid, true), 0);
	rc = xc_altp2m_create_view(xch, domid, XENMEM_access_r, &view);
	answer("create.r", rc, view);
	if (rc)
		goto off;

	rc = xc_altp2m_get_mem_access(xch, domid, view, gfn, &access);
	answer("access.new.populated", rc, access);
	rc = xc_altp2m_get_mem_access(xch, domid, 0, gfn, &access);
	answer("access.host.populated", rc, access);
	rc = xc_altp2m_get_suppress_ve(xch, domid, view, gfn, &flag);
	answer("sve.new.populated", rc, flag);
	rc = xc_altp2m_get_suppress_ve(xch, domid, 0, gfn, &flag);
	answer("sve.host.populated", rc, flag);
	answer("set.new.populated", xc_altp2m_set_mem_access(xch, domid, view, gfn, XENMEM_access_rx), 0);
	rc = xc_altp2m_get_mem_access(xch, domid, view, gfn, &access);
	answer("access.new.populated.after", rc, access);
	rc = xc_altp2m_get_mem_access(xch, domid, 0, gfn, &access);
	answer("access.host.populated.after", rc, access);
	rc = xc_altp2m_get_suppress_ve(xch, domid, view, gfn, &flag);
	answer("sve.new.populated.after", rc, flag);

	answer("set.new.beyond", xc_altp2m_set_mem_access(xch, domid, view, beyond, XENMEM_access_rx), 0);
	rc = xc_altp2m_get_mem_access(xch, domid, view, beyond, &access);
	answer("access.new.beyond", rc, access);
	answer("set.host.beyond", xc_altp2m_set_mem_access(xch, domid, 0, beyond, XENMEM_access_rx), 0);
	rc = xc_altp2m_get_suppress_ve(xch, domid, view, beyond, &flag);
	answer("sve.new.beyond", rc, flag);
	answer("setsve.new.beyond", xc_altp2m_set_suppress_ve(xch, domid, view, beyond, false), 0);

	rc = xc_altp2m_get_mem_access(xch, domid, 9, gfn, &access);
	answer("access.missing-view", rc, access);
	answer("create.bad-access", xc_altp2m_create_view(xch, domid, (xenmem_access_t)11, &current), 0);

	answer("switch.new", xc_altp2m_switch_to_view(xch, domid, view), 0);
	rc = xc_altp2m_get_vcpu_p2m_idx(xch, domid, 0, &current);
	answer("vcpu0.view", rc, current);
	answer("destroy.active", xc_altp2m_destroy_view(xch, domid, view), 0);
	answer("hide.host", xc_altp2m_set_visibility(xch, domid, 0, false), 0);
	answer("switch.hidden-host", xc_altp2m_switch_to_view(xch, domid, 0), 0);
	answer("show.host", xc_altp2m_set_visibility(xch, domid, 0, true), 0);
	answer("switch.host", xc_altp2m_switch_to_view(xch, domid, 0), 0);
	answer("destroy.new", xc_altp2m_destroy_view(xch, domid, view), 0);
	answer("destroy.again", xc_altp2m_destroy_view(xch, domid, view), 0);
	answer("destroy.host", xc_altp2m_destroy_view(xch, domid, 0), 0);
off:
	answer("disable", xc_altp2m_set_domain_state(xch, domid, false), 0);
	rc = xc_altp2m_get_domain_state(xch, domid, &flag);
	answer("state.after", rc, flag);
	xc_interface_close(xch);
	return 0;
}
