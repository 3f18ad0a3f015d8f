// SPDX-License-Identifier: GPL-2.0-only
/*
 * verify_main.c - a stand-in for `ringguard verify` until main.c wires
 * rg_cmd_verify() in: tests/verify.sh runs it through $VERIFY.
 *
 * usage: rg-verify --plan FILE (--host NAME | --mesh IF... --egress IF...) [-j]
 * Exit status: 0 the host matches the plan, 1 a mismatch, 2 an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plan.h"
#include "verify.h"

static int usage(void)
{
	fprintf(stderr, "usage: rg-verify --plan FILE (--host NAME | --mesh IF... --egress IF...) [-j]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct rg_host_if ifs[RG_MAX_IFACES];
	const char *plan_path = NULL, *host = NULL;
	const struct rg_host_if *use = ifs;
	const struct rg_host *h;
	struct rg_plan plan;
	int nifs = 0, role = -1, err;
	char hostname[256];
	bool json = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--plan") && i + 1 < argc) {
			plan_path = argv[++i];
		} else if (!strcmp(a, "--host") && i + 1 < argc) {
			host = argv[++i];
		} else if (!strcmp(a, "--mesh") || !strcmp(a, "--egress")) {
			role = rg_role_parse(a + 2);
		} else if (a[0] != '-' && role > 0 && nifs < RG_MAX_IFACES) {
			snprintf(ifs[nifs].name, sizeof(ifs[nifs].name), "%s", a);
			ifs[nifs++].role = role;
		} else {
			return usage();
		}
	}
	if (!plan_path || (host && nifs))
		return usage();
	err = rg_plan_load(plan_path, &plan, stderr);
	if (err) {
		if (err > 0)
			fprintf(stderr, "%s: %d error%s\n", plan_path, err, err == 1 ? "" : "s");
		return 2;
	}
	if (!nifs) {
		if (!host) {
			gethostname(hostname, sizeof(hostname));
			hostname[sizeof(hostname) - 1] = '\0';
			host = hostname;
		}
		h = rg_plan_host(&plan, host);
		if (!h) {
			fprintf(stderr, "%s: no host line for '%s'\n", plan_path, host);
			rg_plan_free(&plan);
			return 2;
		}
		/* the plan's own array: rg_cmd_verify names the host from it */
		use = h->ifs;
		nifs = h->nifs;
	}
	err = rg_cmd_verify(&plan, use, nifs, json, stdout, stderr);
	rg_plan_free(&plan);
	return err < 0 ? 2 : err;
}
