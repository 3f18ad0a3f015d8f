/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * links.h - the links of this network namespace as rtnetlink reports them:
 * which are bridges and which ports each bridge has (IFLA_MASTER), and their
 * state (flags, operstate, MTU) for `verify`. sysfs would not do: under
 * `nsenter --net` /sys still shows the host's links.
 */
#ifndef RG_LINKS_H
#define RG_LINKS_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

struct rg_link {
	unsigned int ifindex;
	unsigned int master;	/* bridge or bond it is enslaved to, 0 if none */
	bool bridge;		/* IFLA_INFO_KIND "bridge" */
	char kind[16];		/* IFLA_INFO_KIND ("veth", "tun", "bond"), "" if none */
	unsigned int flags;	/* ifi_flags: IFF_UP, IFF_LOWER_UP, ... */
	uint8_t operstate;	/* IF_OPER_*, IF_OPER_UNKNOWN (0) if not reported */
	uint32_t mtu;		/* 0 if not reported */
	char name[IF_NAMESIZE];
};

/* One link dump; *out is malloc'd (free it), returns the count or -errno. */
int rg_links_dump(struct rg_link **out);
const struct rg_link *rg_link_find(const struct rg_link *ls, int n, const char *name,
				   unsigned int ifindex);

#endif /* RG_LINKS_H */
