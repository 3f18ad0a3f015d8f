/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lookup.h - the plan in force's answer for one address, read from the
 * pinned (or an instance's) maps as the datapath looks it up: the trie of
 * the generation in force, the key an IPv4 address, an IPv6 one or an
 * IPv4-mapped IPv6 one gets, and an IPv6 CIDR wider than ::ffff:0:0/96
 * answering nothing for IPv4 (bpf/classify.h, rg_plan_lookup).
 */
#ifndef RG_LOOKUP_H
#define RG_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/state.h"

struct rg_inforce {
	bool found;			/* false: unplanned */
	struct rg_lpm_val val;		/* the trie's value (bucket id, breaks bits) */
	struct rg_bucket_info bucket;	/* rg_buckets[val.bucket], when found */
	__u32 gen;			/* the generation looked up in */
};

/* 0 or -errno. */
int rg_inforce_lookup(const struct rg_maps *m, const uint8_t addr[16], bool v4,
		      struct rg_inforce *out);

#endif /* RG_LOOKUP_H */
