// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * floors.bpf.c - what ringguard's XDP program is measured against:
 *   F0  returns at once: the cost of the hook itself
 *   F1  parses like ringguard (bpf/parse.h), looks nothing up
 *   N   the naive design: parse, two LPM lookups, two per-CPU counters,
 *       decide on a bit in the trie value
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "parse.h"

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

SEC("xdp")
int f0(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int f1(struct xdp_md *ctx)
{
	struct rg_pkt p;

	if (rg_parse((void *)(long)ctx->data, (void *)(long)ctx->data_end, 0, &p) != RG_PARSE_IP)
		return XDP_PASS;
	/* use the keys, so the compiler keeps the copies N and ringguard make */
	return p.src.addr[15] == 0xab && p.dst.addr[15] == 0xcd ? XDP_DROP : XDP_PASS;
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

SEC("xdp")
int naive(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct rg_pkt p;
	bool s, d;

	if (rg_parse(data, end, 0, &p) != RG_PARSE_IP)
		return XDP_PASS;
	s = naive_addr(&p.src, end - data);
	d = naive_addr(&p.dst, end - data);
	return s || d ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
