/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * genplan.h - plans shaped like the users' (maps/sol.plan), of any size:
 * per cluster a mesh, an egress and a loopback /64 with a /128 per node, a
 * pod /60 with a /64 per node, a service /108, an LB /112 and an IPv4 pod
 * pool: 31 entries a cluster, plus the two zones.
 */
#ifndef RG_GENPLAN_H
#define RG_GENPLAN_H

#include <stdio.h>
#include <stdlib.h>

#define RG_GEN_PER_CLUSTER	31

/* The plan text (malloc'd) with about `entries` entries. */
static inline char *rg_gen_plan(int entries)
{
	int clusters = (entries - 2 + RG_GEN_PER_CLUSTER - 1) / RG_GEN_PER_CLUSTER;
	size_t cap = 4096 + (size_t)clusters * 2048, n = 0;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	n += sprintf(t + n, "zone internal mesh fc00::/8\nzone external egress fd00::/8\n");
	for (int c = 1; c <= clusters; c++) {
		n += sprintf(t + n, "prefix c%d-mesh fc00:%x::/64\n", c, c);
		n += sprintf(t + n, "prefix c%d-egress fd00:%x::/64\n", c, c);
		n += sprintf(t + n, "prefix c%d-lo fd00:255:%x::/64 allow mesh\n", c, c);
		n += sprintf(t + n, "prefix c%d-pods fd00:%x:44::/60 allow mesh\n", c, c);
		n += sprintf(t + n, "prefix c%d-svc fd00:%x:96::/108\n", c, c);
		n += sprintf(t + n, "prefix c%d-lb fd00:%x:cafe::/112\n", c, c);
		n += sprintf(t + n, "prefix c%d-pods-v4 10.%d.%d.0/24\n", c, c >> 8, c & 255);
		for (int node = 1; node <= 6; node++) {
			n += sprintf(t + n, "prefix c%d-n%d-mesh fc00:%x::%x/128\n", c, node, c, node);
			n += sprintf(t + n, "prefix c%d-n%d-egress fd00:%x::%x/128\n", c, node, c, node);
			n += sprintf(t + n, "prefix c%d-n%d-lo fd00:255:%x::%x/128\n", c, node, c, node);
			n += sprintf(t + n, "prefix c%d-n%d-pods fd00:%x:44:%x::/64\n", c, node, c, node);
		}
	}
	return t;
}

#endif /* RG_GENPLAN_H */
