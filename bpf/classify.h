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
	/* the hook's own context, for rg_inner_xdp() or rg_inner_tc(); an
	 * entry program sets tc to a constant, so each calls only its own
	 */
	bool tc;
	struct xdp_md *xdp;
	struct __sk_buff *skb;
};

/* One frame's answers: buckets of the outer and (encap) inner addresses,
 * and which of them break the plan (the bits of rg_event.breaks).
 */
struct rg_verdicts {
	__u32 sb, db, isb, idb;
	__u32 breaks;
};

/* In: where rg_inner() looks and with which plan; out: what it found. */
struct rg_inner_res {
	struct rg_gen g;	/* the packet's generation, read once */
	__u32 l4off, role_bit, len;
	__u32 ifkey;		/* the interface's line in rg_if_stats */
	__u32 isb, idb;
	__u32 breaks;		/* bits 2 and 3 of rg_verdicts.breaks */
	__u32 result;		/* enum rg_inner */
	__u32 encap;		/* enum rg_encap_kind */
	struct rg_pkt in;
};

static __always_inline __u32 rg_load32(const __u8 *p)
{
	__u32 w;

	__builtin_memcpy(&w, p, 4);
	return w;
}

/* Cache slot of an address: mixes all four words, so addresses that differ
 * only in the prefix (the plan's clusters) or only in the interface id
 * spread out alike.
 */
static __always_inline __u32 rg_cache_slot(const __u8 *a)
{
	__u32 h = (rg_load32(a) ^ rg_load32(a + 8)) * 0x9e3779b1u ^
		  (rg_load32(a + 4) ^ rg_load32(a + 12)) * 0x85ebca77u;

	return (h ^ (h >> 16)) & (RG_CACHE_SLOTS - 1);
}

/* The words of a cache slot's address: the slot is 4-byte aligned (a map
 * value), but through rg_load32() of its __u8 array clang loaded (and
 * stored) it a byte at a time: 16 loads, 12 shifts and 12 ors a compare.
 */
static __always_inline __u32 *rg_cache_words(struct rg_cache_entry *e)
{
	return (__u32 *)e->addr;
}

static __always_inline bool rg_cache_hit(struct rg_cache_entry *e,
					 const struct rg_lpm_key *key, __u32 tag)
{
	const __u32 *w = rg_cache_words(e);
	const __u8 *a = key->addr;

	return e->gen == tag && e->prefixlen == key->prefixlen &&
	       w[0] == rg_load32(a) && w[1] == rg_load32(a + 4) &&
	       w[2] == rg_load32(a + 8) && w[3] == rg_load32(a + 12);
}

static __always_inline void rg_pc_add(struct rg_pc *pc, __u32 len)
{
	pc->packets++;
	pc->bytes += len;
}

static __always_inline void rg_pc_flush(struct rg_pc *to, const struct rg_pc *from)
{
	if (!from->packets)
		return;
	__sync_fetch_and_add(&to->packets, from->packets);
	__sync_fetch_and_add(&to->bytes, from->bytes);
}

/* Counts the frame for bucket in this CPU's counter slot of the bucket;
 * a slot that counted for another bucket first moves its counts to that
 * bucket's shared counters. Plans of up to half the slots never share
 * one (ids are handed out from 1 up): their counters stay per-CPU.
 */
static __always_inline void rg_count(__u32 cpu, __u32 bucket, bool is_src, bool brk, __u32 len)
{
	__u32 k = (cpu << rg_count_shift) | (bucket & rg_count_mask), old;
	struct rg_bucket_counters *bc;
	struct rg_count_slot *cs;

	cs = bpf_map_lookup_elem(&rg_counts, &k);
	if (!cs)
		return;
	if (cs->bucket != bucket) {
		old = cs->bucket;
		if (cs->c.src.packets || cs->c.dst.packets) {
			bc = bpf_map_lookup_elem(&rg_bucket_stats, &old);
			if (bc) {
				rg_pc_flush(&bc->src, &cs->c.src);
				rg_pc_flush(&bc->dst, &cs->c.dst);
				rg_pc_flush(&bc->violations, &cs->c.violations);
			}
		}
		__builtin_memset(&cs->c, 0, sizeof(cs->c));
		cs->bucket = bucket;
	}
	rg_pc_add(is_src ? &cs->c.src : &cs->c.dst, len);
	if (brk)
		rg_pc_add(&cs->c.violations, len);
}

/* The longest CIDR of the plan holding key: the first hit probing the
 * plan's prefix lengths from the longest, the address masked to each. A
 * subprogram, not inlined for each address: code a cold packet does not
 * run is code it does not fetch.
 */
static __noinline struct rg_lpm_val *rg_exact_lookup(void *exact,
							  const struct rg_lengths *ls,
							  const struct rg_lpm_key *key)
{
	struct rg_lpm_key k;
	struct rg_lpm_val *v;

	for (int i = 0; i < RG_MAX_LENGTHS; i++) {
		__u32 len;

		if (i >= ls->n)
			break;
		len = ls->len[i];
		/* longer than an IPv4-mapped IPv6 address's key: a length no
		 * entry has, so the probe misses (a branch here would have the
		 * verifier walk every probe twice)
		 */
		k.prefixlen = len | ((key->prefixlen - len) >> 31) << 31;
		for (int w = 0; w < 4; w++) {
			int bits = (int)len - 32 * w;
			__u32 mask = bits <= 0 ? 0 : bits >= 32 ? ~0u :
				     bpf_htonl(~0u << (32 - bits));

			*(__u32 *)(k.addr + 4 * w) = rg_load32(key->addr + 4 * w) & mask;
		}
		v = bpf_map_lookup_elem(exact, &k);
		if (v)
			return v;
	}
	return NULL;
}

/* The plan's answer for an address, from generation g's slot: the exact
 * tables when the switch said so (and the slot has lengths), else the trie.
 * An IPv6 CIDR wide enough to cover the IPv4 region answers nothing for
 * IPv4: v4 is 1 for an IPv4 address (rg_pkt.v4 of the header it came from;
 * its key is ::ffff:a.b.c.d at 128, which no IPv6 header's key is, see
 * rg_key_v6()), else 0. Taken from the parse, not from the key's words:
 * 13 instructions less for each address.
 */
static __always_inline struct rg_lpm_val *rg_plan_lookup(const struct rg_lpm_key *key, __u32 v4,
							 const struct rg_gen *g)
{
	__u32 slot = g->gen & 1;
	struct rg_lengths *ls = NULL;
	struct rg_lpm_val *v;
	void *m = NULL;

	if (rg_exact_ok && (g->flags & RG_GEN_EXACT)) {
		ls = bpf_map_lookup_elem(&rg_lengths, &slot);
		m = bpf_map_lookup_elem(&rg_exact, &slot);
	}
	if (ls && ls->n && m) {
		v = rg_exact_lookup(m, ls, key);
	} else {
		m = bpf_map_lookup_elem(&rg_plan, &slot);
		v = m ? bpf_map_lookup_elem(m, key) : NULL;
	}
	if (v && ((v->breaks >> 31) & v4))	/* RG_LPM_V6_WIDE */
		return NULL;
	return v;
}

/* Bucket of one address, and whether it breaks the plan on this role. The
 * answer comes from this CPU's cache when the slot holds the address from
 * this plan generation, else from the plan in force for the generation
 * (userspace has folded zones, nesting and inherited allows into each
 * entry, so the longest match decides; no match is "unplanned"), and the
 * slot learns it.
 */
static __always_inline __u32 rg_addr(const struct rg_lpm_key *key, __u32 v4, const struct rg_gen *g,
				     __u32 cpu, __u32 role_bit, struct rg_cache_ctl *ctl, bool *brk)
{
	__u32 slot, tag = g->gen + 1;
	struct rg_cache_entry *e;
	struct rg_lpm_val *v;

	if (ctl->bypass && (++ctl->skipped & (RG_CACHE_SAMPLE - 1))) {
		v = rg_plan_lookup(key, v4, g);
		*brk = v && (v->breaks & role_bit);
		return v ? v->bucket : RG_BUCKET_UNPLANNED;
	}
	/* the slot's hash only here: a bypassed address does not need it */
	slot = cpu * RG_CACHE_SLOTS + rg_cache_slot(key->addr);
	e = bpf_map_lookup_elem(&rg_cache, &slot);
	if (!e) {		/* a CPU beyond the possible ones: cannot happen */
		*brk = false;
		return RG_BUCKET_UNPLANNED;
	}
	if (rg_cache_hit(e, key, tag)) {
		ctl->hits++;
	} else {
		v = rg_plan_lookup(key, v4, g);
		/* untagged while half-written: nothing else on this CPU can
		 * take the slot for a hit in between
		 */
		e->gen = 0;
#pragma unroll
		for (int i = 0; i < 4; i++)
			rg_cache_words(e)[i] = rg_load32(key->addr + 4 * i);
		e->prefixlen = key->prefixlen;
		e->bucket = v ? v->bucket : RG_BUCKET_UNPLANNED;
		e->breaks = v ? v->breaks : 0;
		e->gen = tag;
	}
	if (++ctl->lookups >= RG_CACHE_WINDOW) {
		ctl->bypass = ctl->hits * RG_CACHE_MIN_HIT < ctl->lookups;
		ctl->lookups = ctl->hits = 0;
	}
	*brk = !!(e->breaks & role_bit);
	return e->bucket;
}

/* The inner frame of a UDP datagram at l4off, when the plan in force for
 * gen takes its port for VXLAN or Geneve: parsed, its addresses looked up
 * and counted like the outer ones. skb (tc): headers outside the linear
 * area are pulled in, only for UDP to an encapsulation port.
 */
static __always_inline int rg_inner(void *data, void *data_end, struct __sk_buff *skb,
				    struct rg_inner_res *res)
{
	__u32 l4off, role_bit, len, eslot, want, cpu, ifkey;
	struct rg_if_line *line;
	struct rg_lpm_key key;	/* see below */
	struct rg_encap *enc;
	bool brk;

	if (!res)
		return 0;
	l4off = res->l4off;
	cpu = bpf_get_smp_processor_id();
	ifkey = res->ifkey;
	role_bit = res->role_bit;
	len = res->len;
	eslot = res->g.gen & 1;
	res->result = RG_INNER_NONE;
	enc = bpf_map_lookup_elem(&rg_encap, &eslot);
	if (!l4off || !enc || !(enc->vxlan[0] | enc->geneve[0]) || l4off > RG_HDR_SPAN)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		/* first the UDP header, then (an encapsulation port) the span
		 * of every header rg_parse_encap() may read
		 */
		want = pass ? RG_ENCAP_SPAN : l4off + sizeof(struct rg_udp);
		if (skb) {
			if (want > skb->len)
				want = skb->len;
			if (data + want > data_end) {
				bpf_skb_pull_data(skb, RG_ENCAP_SPAN < skb->len ? RG_ENCAP_SPAN
										 : skb->len);
				barrier_var(skb);
				data = (void *)(long)skb->data;
				data_end = (void *)(long)skb->data_end;
			}
		}
		if (pass)
			break;
		res->encap = rg_encap_of(data, data_end, l4off, enc);
		if (!res->encap)
			return 0;
	}
	res->result = rg_parse_encap(data, data_end, l4off, res->encap, &res->in);
	if (res->result != RG_INNER_IP)
		return 0;
	line = bpf_map_lookup_elem(&rg_if_stats, &ifkey);
	if (!line)
		return 0;
	/* res is the caller's memory, typed "mem" in this global function:
	 * kernels before 6.3 (Debian 12's 6.1) take a map key only from the
	 * stack, a packet or a map value, so each key is copied here first
	 */
	__builtin_memcpy(&key, &res->in.src, sizeof(key));
	res->isb = rg_addr(&key, res->in.v4 & 1, &res->g, cpu, role_bit, &line->ctl, &brk);
	res->breaks = brk ? 4 : 0;
	rg_count(cpu, res->isb, true, brk, len);
	__builtin_memcpy(&key, &res->in.dst, sizeof(key));
	res->idb = rg_addr(&key, res->in.v4 & 1, &res->g, cpu, role_bit, &line->ctl, &brk);
	res->breaks |= brk ? 8 : 0;
	rg_count(cpu, res->idb, false, brk, len);
	return 0;
}

/* rg_inner() as one subprogram per hook, which the verifier checks once:
 * inlined, the inner parse and lookups would be walked again for each way
 * the outer frame can be parsed, more than the verifier allows. Only
 * frames to UDP pay for the call.
 */
__noinline int rg_inner_xdp(struct xdp_md *ctx, struct rg_inner_res *res)
{
	return rg_inner((void *)(long)ctx->data, (void *)(long)ctx->data_end, NULL, res);
}

__noinline int rg_inner_tc(struct __sk_buff *skb, struct rg_inner_res *res)
{
	return rg_inner((void *)(long)skb->data, (void *)(long)skb->data_end, skb, res);
}

/* At most RG_EVENTS_PER_SEC events per bucket and second; the next event
 * after a full second carries how many were suppressed.
 */
static __always_inline void rg_emit(struct rg_ctx *c, struct rg_pkt *p, struct rg_pkt *in,
				    __u8 encap, __u32 role, const struct rg_verdicts *v,
				    bool dropped, __u64 now)
{
	__u32 bucket = v->breaks & 1 ? v->sb : v->breaks & 2 ? v->db :
		       v->breaks & 4 ? v->isb : v->idb, suppressed;
	struct rg_event *ev;
	struct rg_rate *rl;
	__u64 window = now / 1000000000ull;

	rl = bpf_map_lookup_elem(&rg_event_rate, &bucket);
	if (!rl) {
		struct rg_rate fresh = {};

		bpf_map_update_elem(&rg_event_rate, &bucket, &fresh, BPF_NOEXIST);
		rl = bpf_map_lookup_elem(&rg_event_rate, &bucket);
		if (!rl)
			return;
	}
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
	ev->src_bucket = v->sb;
	ev->dst_bucket = v->db;
	ev->suppressed = suppressed;
	ev->dir = c->dir;
	ev->role = role;
	ev->dropped = dropped;
	ev->proto = p->proto;
	ev->breaks = v->breaks;
	ev->family = p->v4 ? 4 : 6;
	ev->encap = encap;
	ev->inner_family = encap ? (in->v4 ? 4 : 6) : 0;
	__builtin_memset(ev->pad, 0, sizeof(ev->pad));
	__builtin_memcpy(ev->src, p->src.addr, 16);
	__builtin_memcpy(ev->dst, p->dst.addr, 16);
	ev->inner_src_bucket = v->isb;
	ev->inner_dst_bucket = v->idb;
	if (encap) {
		__builtin_memcpy(ev->inner_src, in->src.addr, 16);
		__builtin_memcpy(ev->inner_dst, in->dst.addr, 16);
	} else {
		__builtin_memset(ev->inner_src, 0, 16);
		__builtin_memset(ev->inner_dst, 0, 16);
	}
	bpf_ringbuf_submit(ev, 0);
}

/* Whether enforce mode is in force now (its deadline, if any, not passed). */
static __always_inline bool rg_enforcing(__u64 *now)
{
	struct rg_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&rg_config, &zero);
	if (!cfg || cfg->mode != RG_MODE_ENFORCE)
		return false;
	if (!cfg->enforce_until)
		return true;
	*now = bpf_ktime_get_ns();
	return *now < cfg->enforce_until;
}

/* A frame the parser cannot read (more VLAN tags than it walks, a
 * truncated or invalid header), already counted malformed. The bridge
 * would forward it all the same, and whatever it carries (an fc00 source
 * behind a fifth tag) is then out of our sight: in enforce mode it goes,
 * unless the plan in force says 'unreadable pass'. Monitor mode passes it.
 */
static __always_inline int rg_unreadable(struct rg_dir_counters *dc)
{
	struct rg_gen *gp;
	__u32 zero = 0;
	__u64 now = 0;

	gp = bpf_map_lookup_elem(&rg_plan_gen, &zero);
	if (gp && (*(volatile __u32 *)&gp->flags & RG_GEN_UNREADABLE_PASS))
		return RG_VERDICT_PASS;
	if (!rg_enforcing(&now))
		return RG_VERDICT_PASS;
	dc->dropped++;
	return RG_VERDICT_DROP;
}

/* Role and counter slot of the interface, if it is one of ours. */
static __always_inline bool rg_iface(__u32 ifindex, __u32 *role, __u32 *slot)
{
	struct rg_if_fast *f;
	struct rg_iface *ifc;

	if (ifindex < RG_IFINDEX_DIRECT) {
		f = bpf_map_lookup_elem(&rg_if_index, &ifindex);
		if (!f || f->role == RG_ROLE_NONE)
			return false;
		*role = f->role;
		*slot = f->slot;
		return true;
	}
	ifc = bpf_map_lookup_elem(&rg_ifaces, &ifindex);
	if (!ifc)
		return false;
	*role = ifc->role;
	*slot = ifc->slot;
	return true;
}

static __always_inline int rg_classify(struct rg_ctx *c)
{
	struct rg_dir_counters *dc;
	struct rg_if_line *line;
	struct rg_config *cfg, *lease;
	struct rg_inner_res ir;
	__u32 zero = 0, role, slot, role_bit, cpu, k, sb, db, isb = 0, idb = 0, breaks;
	__u32 lease_key = RG_CONFIG_LEASE;
	struct rg_gen *gp;
	bool brk, drop, unreadable = false;
	__u64 now = 0, events_until;
	__u8 encap = RG_ENCAP_NONE;
	struct rg_pkt p;
	int r;

	if (!rg_iface(c->ifindex, &role, &slot))
		return RG_VERDICT_PASS;	/* not one of ours (yet, or any more) */
	cpu = bpf_get_smp_processor_id();
	k = (cpu * RG_MAX_IFACES + (slot & (RG_MAX_IFACES - 1))) * RG_DIR_MAX + (c->dir & 1);
	line = bpf_map_lookup_elem(&rg_if_stats, &k);
	if (!line)
		return RG_VERDICT_PASS;
	dc = &line->c;
	dc->packets++;
	dc->bytes += c->len;

	r = rg_parse(c->data, c->data_end, c->oob_tags, &p);
	if (r == RG_PARSE_OTHER) {
		dc->other++;
		return RG_VERDICT_PASS;
	}
	if (r != RG_PARSE_IP) {
		dc->malformed++;
		return rg_unreadable(dc);
	}

	role_bit = RG_BREAKS(role);
	/* one read of the generation per packet: both addresses resolve in
	 * the same plan
	 */
	gp = bpf_map_lookup_elem(&rg_plan_gen, &zero);
	if (!gp)
		return RG_VERDICT_PASS;
	/* the inner addresses, if any, resolve in it too */
	ir.g.gen = *(volatile __u32 *)&gp->gen;
	ir.g.flags = *(volatile __u32 *)&gp->flags;
	sb = rg_addr(&p.src, p.v4 & 1, &ir.g, cpu, role_bit, &line->ctl, &brk);
	breaks = brk;
	rg_count(cpu, sb, true, brk, c->len);
	db = rg_addr(&p.dst, p.v4 & 1, &ir.g, cpu, role_bit, &line->ctl, &brk);
	breaks |= brk << 1;
	rg_count(cpu, db, false, brk, c->len);

	/* VXLAN or Geneve: the inner addresses count and are judged too;
	 * nothing of it is touched for frames that are not UDP. (The test is
	 * on the protocol, which the verifier does not know, not on l4off,
	 * which it knows for each way of parsing: the program after it is
	 * then walked once, not once per header layout.)
	 */
	if (p.proto == RG_IPPROTO_UDP) {
		ir.breaks = 0;
		ir.result = RG_INNER_NONE;
		ir.encap = RG_ENCAP_NONE;
		ir.l4off = p.l4off;
		ir.ifkey = k;
		ir.role_bit = role_bit;
		ir.len = c->len;
		if (c->tc)
			rg_inner_tc(c->skb, &ir);
		else
			rg_inner_xdp(c->xdp, &ir);
		if (ir.result == RG_INNER_MALFORMED) {
			/* the outer frame is read and judged, but a VTEP
			 * would deliver an inner frame nobody here read
			 */
			dc->malformed++;
			unreadable = !(ir.g.flags & RG_GEN_UNREADABLE_PASS);
		} else if (ir.result == RG_INNER_IP) {
			isb = ir.isb;
			idb = ir.idb;
			breaks |= ir.breaks;
			encap = ir.encap;
		}
	}

	if (!breaks) {
		if (unreadable && rg_enforcing(&now)) {
			dc->dropped++;
			return RG_VERDICT_DROP;
		}
		return RG_VERDICT_PASS;
	}
	dc->violations++;
	cfg = bpf_map_lookup_elem(&rg_config, &zero);
	if (!cfg)
		return RG_VERDICT_PASS;
	/* the events lease has its own entry (its own writer: see rg_config) */
	lease = bpf_map_lookup_elem(&rg_config, &lease_key);
	events_until = lease ? lease->events_until : 0;
	/* the clock is read only for violations, and only when needed */
	if (cfg->enforce_until || events_until)
		now = bpf_ktime_get_ns();
	drop = cfg->mode == RG_MODE_ENFORCE && (!cfg->enforce_until || now < cfg->enforce_until);
	if (events_until && now < events_until) {
		struct rg_verdicts v = { sb, db, isb, idb, breaks };

		rg_emit(c, &p, encap ? &ir.in : &p, encap, role, &v, drop, now);
	}
	if (!drop)
		return RG_VERDICT_PASS;
	dc->dropped++;
	return RG_VERDICT_DROP;
}

#endif /* RG_CLASSIFY_H */
