// SPDX-License-Identifier: GPL-2.0-only
/*
 * quick.c - rg-bench-quick: per-packet cost of the real programs with
 * BPF_PROG_TEST_RUN on the users' plan, for a few traffic classes.
 * Median of 5 runs of 10^6 repetitions each; the kernel's own clock
 * (test_run duration), so it measures the program, not the syscall.
 *
 *   rg-bench-quick PLAN
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frames.h"
#include "kernel/install.h"
#include "kernel/instance.h"

#define RUNS	5
#define REPEAT	1000000

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *what, *src, *dst;
		__u32 role;
	} cls[] = {
		{ "mesh, Ceph traffic (pass)", "fc00:101::11", "fc00:20::1", RG_ROLE_MESH },
		{ "egress, fc00 leak (drop)", "fc00:101::11", "fd00:10::fffe", RG_ROLE_EGRESS },
		{ "mesh, pods (allowed fd00)", "fd00:101:44::5", "fd00:101:45::9", RG_ROLE_MESH },
		{ "egress, unplanned (pass)", "2001:db8::1", "2001:db8::2", RG_ROLE_EGRESS },
		{ "mesh, IPv4 pods (pass)", "10.244.0.5", "10.244.1.9", RG_ROLE_MESH },
		/* the same pods inside VXLAN between their nodes: the inner walk */
		{ "mesh, pods in VXLAN (64 inside)", "fd00:101:44::5", "fd00:101:45::9", RG_ROLE_MESH },
	};
	struct rg_instance in;
	struct rg_plan plan;
	uint8_t f[256];
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: rg-bench-quick PLAN\n");
		return 2;
	}
	if (rg_plan_load(argv[1], &plan))
		return 1;
	err = rg_instance_open(&in, plan.nentries);
	if (err || rg_install(&in.m, &plan, argv[1]) < 0) {
		fprintf(stderr, "cannot load or install (run as root)\n");
		return 1;
	}
	rg_instance_mode(&in, RG_MODE_ENFORCE);
	printf("%-30s %12s %12s\n", "class (64-byte frames)", "XDP ns/pkt", "tc ns/pkt");
	for (size_t c = 0; c < sizeof(cls) / sizeof(cls[0]); c++) {
		size_t len = rg_frame_ip(f, sizeof(f), cls[c].src, cls[c].dst, NULL, 0, 64);
		__u32 med[2];

		if (strstr(cls[c].what, "VXLAN")) {
			uint8_t pl[160];
			size_t plen = rg_frame_encap(pl, sizeof(pl), 1, 2, 0, 0x6558, f, len);

			len = rg_frame_udp(f, sizeof(f), "fc00:101::11", "fc00:101::12", NULL, 0,
					   RG_VXLAN_PORT_LINUX, pl, plen);
		}

		rg_instance_role(&in, cls[c].role);
		for (int dir = 0; dir < 2; dir++) {
			__u32 ns[RUNS];

			for (int r = 0; r < RUNS; r++)
				if (rg_instance_run(&in, dir, f, len, REPEAT, NULL, &ns[r]))
					return 1;
			qsort(ns, RUNS, sizeof(ns[0]), cmp_u32);
			med[dir] = ns[RUNS / 2];
		}
		printf("%-30s %12u %12u\n", cls[c].what, med[0], med[1]);
	}
	rg_instance_close(&in);
	rg_plan_free(&plan);
	return 0;
}
