// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * testprogs.bpf.c - neighbours for ringguard in the netns tests.
 *
 * vlan_push: pushes an 802.1Q tag that the kernel keeps out of band
 *            (skb->vlan_tci), as a VLAN device with tx offload does.
 * count:     counts what it sees and passes it on, like a CNI program
 *            sitting after ringguard in the tcx chain.
 * pass:      counts and ends the chain with TC_ACT_OK: a tool that attaches
 *            before ringguard (BPF_F_BEFORE) and lets everything through.
 * xdp_count: the same on the XDP hook (frags-aware: veth at MTU 9000 wants
 *            it): another tool's program (Cilium's XDP
 *            acceleration, xdp-filter) that holds the hook before ringguard.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TC_NEXT		(-1)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

SEC("tc")
int vlan_push(struct __sk_buff *skb)
{
	bpf_skb_vlan_push(skb, bpf_htons(0x8100), 100);
	return TC_NEXT;
}

static __always_inline void count_seen(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&seen, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("tc")
int count(struct __sk_buff *skb)
{
	count_seen();
	return TC_NEXT;
}

SEC("tc")
int pass(struct __sk_buff *skb)
{
	count_seen();
	return 0;	/* TC_ACT_OK: the programs after it never run */
}

SEC("xdp.frags")
int xdp_count(struct xdp_md *ctx)
{
	count_seen();
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
