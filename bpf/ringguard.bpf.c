// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ringguard.bpf.c - the entry programs: XDP ingress, tc egress, and tc
 * ingress for interfaces whose XDP hook another program holds. Each only
 * describes its hook (where the frame is, how long it is, which interface)
 * and maps the shared verdict to its hook's return codes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "classify.h"

#define RG_TC_ACT_UNSPEC	(-1)	/* == TCX_NEXT: hand on to the next program */
#define RG_TC_ACT_SHOT		2

/* xdp.frags: the mesh runs MTU 9000, and veth (like most drivers) refuses
 * such an MTU for a program that cannot take multi-buffer frames.
 */
SEC("xdp.frags")
int rg_xdp(struct xdp_md *ctx)
{
	struct rg_ctx c = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
		.len = bpf_xdp_get_buff_len(ctx),
		.ifindex = ctx->ingress_ifindex,
		.oob_tags = 0,
		.dir = RG_DIR_IN,
		.tc = false,
		.xdp = ctx,
		.skb = NULL,
	};

	return rg_classify(&c) == RG_VERDICT_DROP ? XDP_DROP : XDP_PASS;
}

/* tc, either direction: the frame at skb->data starts at the Ethernet
 * header at ingress as at egress (the kernel pushes it back for tc), and
 * skb->len counts it.
 */
static __always_inline int rg_skb(struct __sk_buff *skb, __u32 dir)
{
	__u32 want = rg_hdr_need((void *)(long)skb->data, (void *)(long)skb->data_end);
	struct rg_ctx c;

	/* Headers of a GSO or fragmented skb may sit outside the linear area:
	 * pulled in, as far as the parse reads (rg_hdr_need()), no further.
	 */
	if (want > skb->len)
		want = skb->len;
	if ((long)skb->data + want > (long)skb->data_end)
		bpf_skb_pull_data(skb, want);
	/* Without this clang 14 may reach skb->data through a ctx pointer it
	 * offset before the call, which the verifier rejects.
	 */
	barrier_var(skb);

	c.data = (void *)(long)skb->data;
	c.data_end = (void *)(long)skb->data_end;
	c.oob_tags = skb->vlan_present ? 1 : 0;
	c.len = skb->len + c.oob_tags * 4;
	c.ifindex = skb->ifindex;
	c.dir = dir;
	c.tc = true;
	c.xdp = NULL;
	c.skb = skb;

	return rg_classify(&c) == RG_VERDICT_DROP ? RG_TC_ACT_SHOT : RG_TC_ACT_UNSPEC;
}

SEC("tc")
int rg_tc(struct __sk_buff *skb)
{
	return rg_skb(skb, RG_DIR_OUT);
}

/* Ingress where another program holds the XDP hook (or --xdp off): the same
 * classification, after that program has had its say. At ingress the
 * kernel has already taken an outer VLAN tag out of the frame
 * (skb->vlan_tci), as a VLAN device does at egress: oob_tags covers both.
 */
SEC("tc")
int rg_tc_in(struct __sk_buff *skb)
{
	return rg_skb(skb, RG_DIR_IN);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
