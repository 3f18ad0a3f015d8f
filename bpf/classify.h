/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * classify.h - the verdict and the counters, the same for XDP and tc.
 *
 * The entry programs fill a struct rg_ctx (the only hook-specific part) and
 * call rg_classify(), which returns RG_VERDICT_PASS or RG_VERDICT_DROP.
 */
#ifndef RG_CLASSIFY_H
#define RG_CLASSIFY_H

#include "ringguard.h"
#include "parse.h"
#include "maps.h"

enum rg_verdict {
	RG_VERDICT_PASS = 0,
	RG_VERDICT_DROP = 1,
};

struct rg_ctx {
	void *data;
	void *data_end;
	__u32 len;		/* full frame length, tags included */
	__u32 ifindex;
	__u32 oob_tags;
	__u32 dir;
};

/* Bucket and "breaks the plan on this role" of one address. Userspace has
 * already folded zones, prefix nesting and inherited allows into each trie
 * entry, so the longest match alone decides; no match is "unplanned".
 */
static __always_inline void rg_lookup(void *trie, struct rg_lpm_key *key,
				      __u32 role_bit, __u32 *bucket, bool *brk)
{
	struct rg_lpm_val *v = NULL;

	if (trie)
		v = bpf_map_lookup_elem(trie, key);
	*bucket = v ? v->bucket : RG_BUCKET_UNPLANNED;
	*brk = v ? !!(v->breaks & role_bit) : false;
}

static __always_inline void rg_pc_add(struct rg_pc *pc, __u32 len)
{
	pc->packets++;
	pc->bytes += len;
}

static __always_inline void rg_count_addr(__u32 bucket, bool is_src, bool brk,
					  __u32 len)
{
	struct rg_bucket_counters *bc;

	bc = bpf_map_lookup_elem(&rg_bucket_stats, &bucket);
	if (!bc)
		return;
	rg_pc_add(is_src ? &bc->src : &bc->dst, len);
	if (brk)
		rg_pc_add(&bc->violations, len);
}

static __always_inline int rg_classify(struct rg_ctx *c)
{
	struct rg_dir_counters *dc;
	struct rg_if_counters *ic;
	struct rg_config *cfg;
	struct rg_iface *ifc;
	__u32 sb, db, zero = 0, role_bit;
	bool sbrk, dbrk;
	struct rg_pkt p;
	void *trie;
	int r;

	ifc = bpf_map_lookup_elem(&rg_ifaces, &c->ifindex);
	if (!ifc)
		return RG_VERDICT_PASS;	/* not one of ours (yet, or any more) */
	ic = bpf_map_lookup_elem(&rg_if_stats, &ifc->slot);
	if (!ic)
		return RG_VERDICT_PASS;
	dc = &ic->dir[c->dir & 1];
	dc->packets++;
	dc->bytes += c->len;

	r = rg_parse(c->data, c->data_end, c->oob_tags, &p);
	if (r == RG_PARSE_OTHER) {
		dc->other++;
		return RG_VERDICT_PASS;
	}
	if (r != RG_PARSE_IP) {
		dc->malformed++;
		return RG_VERDICT_PASS;
	}

	role_bit = RG_BREAKS(ifc->role);
	trie = bpf_map_lookup_elem(&rg_plan, &zero);
	rg_lookup(trie, &p.src, role_bit, &sb, &sbrk);
	rg_lookup(trie, &p.dst, role_bit, &db, &dbrk);
	rg_count_addr(sb, true, sbrk, c->len);
	rg_count_addr(db, false, dbrk, c->len);

	if (!sbrk && !dbrk)
		return RG_VERDICT_PASS;
	dc->violations++;
	cfg = bpf_map_lookup_elem(&rg_config, &zero);
	if (!cfg || cfg->mode != RG_MODE_ENFORCE)
		return RG_VERDICT_PASS;
	dc->dropped++;
	return RG_VERDICT_DROP;
}

#endif /* RG_CLASSIFY_H */
