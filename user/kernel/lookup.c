// SPDX-License-Identifier: GPL-2.0-only
/*
 * lookup.c - one address against the pinned tries, as the datapath does.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/lookup.h"

int rg_inforce_lookup(const struct rg_maps *m, const uint8_t addr[16], bool v4,
		      struct rg_inforce *out)
{
	static const uint8_t region[12] = { [10] = 0xff, [11] = 0xff };
	struct rg_lpm_key key = { .prefixlen = 128 };
	struct rg_gen g;
	__u32 zero = 0, slot, id;
	int trie, err = 0;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(m->plan_gen, &zero, &g))
		return -errno;
	out->gen = g.gen;
	slot = g.gen & 1;
	if (bpf_map_lookup_elem(m->plan, &slot, &id))
		return -errno;
	trie = bpf_map_get_fd_by_id(id);
	if (trie < 0)
		return -errno;
	memcpy(key.addr, addr, 16);
	/* an IPv6 address inside the IPv4 region: only IPv6 CIDRs that hold
	 * the whole region answer (RG_V6_MAPPED_PLEN)
	 */
	if (!v4 && !memcmp(addr, region, sizeof(region)))
		key.prefixlen = RG_V6_MAPPED_PLEN;
	if (bpf_map_lookup_elem(trie, &key, &out->val)) {
		if (errno != ENOENT)
			err = -errno;
		goto out;
	}
	if ((out->val.breaks & RG_LPM_V6_WIDE) && v4)
		goto out;
	out->found = true;
	if (bpf_map_lookup_elem(m->buckets, &out->val.bucket, &out->bucket))
		err = -errno;
out:
	close(trie);
	if (!out->found)
		memset(&out->val, 0, sizeof(out->val));
	return err;
}
