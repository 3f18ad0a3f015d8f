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

/* At most RG_EVENTS_PER_SEC events per bucket and second; the next event
 * after a full second carries how many were suppressed.
 */
static __always_inline void rg_emit(struct rg_ctx *c, struct rg_pkt *p, __u32 role,
				    __u32 sb, __u32 db, bool sbrk, bool dbrk, bool dropped,
				    __u64 now)
{
	__u32 bucket = sbrk ? sb : db, suppressed;
	struct rg_event *ev;
	struct rg_rate *rl;
	__u64 window = now / 1000000000ull;

	rl = bpf_map_lookup_elem(&rg_event_rate, &bucket);
	if (!rl)
		return;
	if (rl->window != window) {
		rl->window = window;
		rl->sent = 0;
	}
	if (rl->sent >= RG_EVENTS_PER_SEC) {
		__sync_fetch_and_add(&rl->suppressed, 1);
		return;
	}
	ev = bpf_ringbuf_reserve(&rg_events, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&rl->suppressed, 1);
		return;
	}
	rl->sent++;
	suppressed = rl->suppressed;
	rl->suppressed = 0;
	ev->ts_ns = now;
	ev->ifindex = c->ifindex;
	ev->len = c->len;
	ev->src_bucket = sb;
	ev->dst_bucket = db;
	ev->suppressed = suppressed;
	ev->dir = c->dir;
	ev->role = role;
	ev->dropped = dropped;
	ev->proto = p->proto;
	ev->breaks = (sbrk ? 1 : 0) | (dbrk ? 2 : 0);
	__builtin_memset(ev->pad, 0, sizeof(ev->pad));
	__builtin_memcpy(ev->src, p->src.addr, 16);
	__builtin_memcpy(ev->dst, p->dst.addr, 16);
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline int rg_classify(struct rg_ctx *c)
{
	struct rg_dir_counters *dc;
	struct rg_if_counters *ic;
	struct rg_config *cfg;
	struct rg_iface *ifc;
	__u32 sb, db, zero = 0, role_bit;
	bool sbrk, dbrk, drop;
	__u64 now = 0;
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
	if (!cfg)
		return RG_VERDICT_PASS;
	/* the clock is read only for violations, and only when needed */
	if (cfg->enforce_until || cfg->events_until)
		now = bpf_ktime_get_ns();
	drop = cfg->mode == RG_MODE_ENFORCE && (!cfg->enforce_until || now < cfg->enforce_until);
	if (cfg->events_until && now < cfg->events_until)
		rg_emit(c, &p, ifc->role, sb, db, sbrk, dbrk, drop, now);
	if (!drop)
		return RG_VERDICT_PASS;
	dc->dropped++;
	return RG_VERDICT_DROP;
}

#endif /* RG_CLASSIFY_H */
