// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * floors.bpf.c - what ringguard's programs are measured against, for XDP
 * and for tc:
 *   F0  returns at once: the cost of the hook itself
 *   F1  parses like ringguard (bpf/parse.h), looks nothing up
 *   N   the naive design: parse, two LPM lookups, two per-CPU counters,
 *       decide on a bit in the trie value
 * and the mix drivers: BPF_PROG_TEST_RUN repeats one frame, so a driver
 * writes the next (source, destination) pair of a traffic mix into the
 * frame, then tail-calls the program measured. Every program of a mix row
 * goes through the same driver, so its cost is in every column (it is
 * what F0 shows there).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "parse.h"

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define MIX_PAIRS	65536	/* a power of two */

struct naive_val {
	__u32 bucket;
	__u32 breaks;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct rg_lpm_key);
	__type(value, struct naive_val);
	__uint(max_entries, RG_MAX_PLAN);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} naive_trie SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RG_MAX_PLAN + 1);
	__type(key, __u32);
	__type(value, struct rg_pc);
} naive_counters SEC(".maps");

const volatile __u32 role_bit = RG_BREAKS(RG_ROLE_MESH);

static __always_inline int f1(void *data, void *end)
{
	struct rg_pkt p;

	if (rg_parse(data, end, 0, &p) != RG_PARSE_IP)
		return 0;
	/* use the keys, so the compiler keeps the copies N and ringguard make */
	return p.src.addr[15] == 0xab && p.dst.addr[15] == 0xcd;
}

static __always_inline bool naive_addr(struct rg_lpm_key *k, __u32 len)
{
	struct naive_val *v = bpf_map_lookup_elem(&naive_trie, k);
	__u32 bucket = v ? v->bucket : RG_MAX_PLAN;
	struct rg_pc *c = bpf_map_lookup_elem(&naive_counters, &bucket);

	if (c) {
		c->packets++;
		c->bytes += len;
	}
	return v && (v->breaks & role_bit);
}

static __always_inline int naive(void *data, void *end, __u32 len)
{
	struct rg_pkt p;
	bool s, d;

	if (rg_parse(data, end, 0, &p) != RG_PARSE_IP)
		return 0;
	s = naive_addr(&p.src, len);
	d = naive_addr(&p.dst, len);
	return s || d;
}

#define XDP_DATA(ctx)	(void *)(long)(ctx)->data, (void *)(long)(ctx)->data_end
#define TC_DATA(skb)	(void *)(long)(skb)->data, (void *)(long)(skb)->data_end

SEC("xdp.frags")
int f0_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp.frags")
int f1_xdp(struct xdp_md *ctx)
{
	return f1(XDP_DATA(ctx)) ? XDP_DROP : XDP_PASS;
}

SEC("xdp.frags")
int naive_xdp(struct xdp_md *ctx)
{
	return naive(XDP_DATA(ctx), bpf_xdp_get_buff_len(ctx)) ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int f0_tc(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("tc")
int f1_tc(struct __sk_buff *skb)
{
	return f1(TC_DATA(skb)) ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int naive_tc(struct __sk_buff *skb)
{
	return naive(TC_DATA(skb), skb->len) ? TC_ACT_SHOT : TC_ACT_OK;
}

/* --- mix drivers ---------------------------------------------------------- */

struct pair {
	__u8 src[16];
	__u8 dst[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MIX_PAIRS);
	__type(key, __u32);
	__type(value, struct pair);
} mix_pairs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} mix_next SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} mix_xdp_target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} mix_tc_target SEC(".maps");

/* IPv6 source at offset 22 of an untagged frame, destination at 38 */
#define MIX_ADDRS_OFF	22

static __always_inline struct pair *next_pair(void)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&mix_next, &zero), k;

	if (!n)
		return NULL;
	k = (*n)++ & (MIX_PAIRS - 1);
	return bpf_map_lookup_elem(&mix_pairs, &k);
}

SEC("xdp.frags")
int mix_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct pair *p = next_pair();

	if (!p || data + MIX_ADDRS_OFF + sizeof(*p) > end)
		return XDP_ABORTED;
	__builtin_memcpy(data + MIX_ADDRS_OFF, p, sizeof(*p));
	bpf_tail_call(ctx, &mix_xdp_target, 0);
	return XDP_ABORTED;
}

SEC("tc")
int mix_tc(struct __sk_buff *skb)
{
	struct pair *p = next_pair();

	if (!p || bpf_skb_store_bytes(skb, MIX_ADDRS_OFF, p, sizeof(*p), 0))
		return TC_ACT_SHOT;
	bpf_tail_call(skb, &mix_tc_target, 0);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
