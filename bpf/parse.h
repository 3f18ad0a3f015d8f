/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parse.h - frame parsing shared by the XDP and tc programs.
 *
 * rg_parse() walks Ethernet, up to RG_MAX_VLANS VLAN tags (802.1Q, 802.1ad,
 * and the pre-standard 0x9100 of older QinQ gear) and an IPv6 or IPv4
 * header, and fills the two LPM keys. A frame it cannot read (more tags,
 * a truncated or invalid header) is RG_PARSE_MALFORMED: the classifier
 * calls it unreadable, and enforce mode drops it unless the plan says
 * 'unreadable pass'. So is a frame whose EtherType carries IP (or a whole
 * frame) inside an encapsulation rg_parse() does not walk: MPLS, a PPPoE
 * session, 802.1ah: a device past the interface may unwrap it, so its
 * addresses count, and they cannot be judged here. Other EtherTypes (ARP,
 * LLDP, PPPoE discovery, ...) carry no IP: RG_PARSE_OTHER, passed. user/plan/frame.c mirrors these rules exactly (the
 * fuzzer and tests/test_diff.c hold them together); change both together.
 */
#ifndef RG_PARSE_H
#define RG_PARSE_H

#include "ringguard.h"

#define RG_ETH_P_IP	0x0800
#define RG_ETH_P_IPV6	0x86DD
#define RG_ETH_P_8021Q	0x8100
#define RG_ETH_P_8021AD	0x88A8
#define RG_ETH_P_QINQ	0x9100	/* pre-802.1ad QinQ, still sent by some switches */
#define RG_ETH_P_MPLS_UC	0x8847
#define RG_ETH_P_MPLS_MC	0x8848
#define RG_ETH_P_PPP_SES	0x8864	/* PPPoE session: PPP, IP among what it carries */
#define RG_ETH_P_8021AH	0x88E7	/* provider backbone bridging: a whole frame inside */

/* Longest header span rg_parse() may read: Ethernet, RG_MAX_VLANS tags
 * (include/ringguard.h), IPv4 with options (IPv6's fixed header is shorter).
 */
#define RG_HDR_SPAN	(14 + RG_MAX_VLANS * 4 + 60)
/* ... and rg_parse_encap(): UDP, the VXLAN or Geneve header with the
 * longest options Geneve allows (63 words), then the inner frame's headers.
 */
#define RG_ENCAP_HDR	(8 + 8 + 63 * 4)
#define RG_ENCAP_SPAN	(RG_HDR_SPAN + RG_ENCAP_HDR + RG_HDR_SPAN)
#define RG_IPPROTO_UDP	17
#define RG_GENEVE_ETH	0x6558	/* Transparent Ethernet Bridging */

enum rg_parse_result {
	RG_PARSE_IP		= 0,
	RG_PARSE_OTHER		= 1,	/* not IP: passes, counted as other */
	RG_PARSE_MALFORMED	= 2,	/* unreadable: counted malformed, dropped in enforce
					 * mode unless the plan says 'unreadable pass' */
};


struct rg_udp {
	__be16 source;
	__be16 dest;
	__be16 len;
	__be16 check;
};

/* VXLAN (RFC 7348) and Geneve (RFC 8926) share the size of their fixed
 * header; Geneve's first byte holds its options' length in words.
 */
struct rg_encap_hdr {
	__u8 opt_len;		/* Geneve: version (2 bits), options length (6) */
	__u8 flags;
	__be16 proto;		/* Geneve: ethertype of the payload */
	__u8 vni[3];
	__u8 reserved;
};

struct rg_eth {
	__u8 dst[6];
	__u8 src[6];
	__be16 proto;
};

struct rg_vlan {
	__be16 tci;
	__be16 proto;
};

struct rg_ip6 {
	__be32 vtcfl;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__be32 saddr[4];	/* words: copied a word at a time */
	__be32 daddr[4];
};

struct rg_ip4 {
	__u8 vihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__be16 check;
	__u8 saddr[4];
	__u8 daddr[4];
};

struct rg_pkt {
	struct rg_lpm_key src;
	struct rg_lpm_key dst;
	__u8 proto;
	__u8 v4;
	__u16 l4off;		/* offset of the UDP header from the frame's start, 0: none */
};

/* An IPv6 address in ::ffff:0:0/96 is keyed at RG_V6_MAPPED_PLEN: the
 * IPv4 entries of the plan, which live there, must not answer for it.
 */
static __always_inline void rg_key_v6(struct rg_lpm_key *k, const __u32 *a)
{
	/* word by word, as the header's own layout allows: through a byte
	 * pointer clang would copy (and compare) a byte at a time
	 */
	__u32 *w = (__u32 *)k->addr;

	__u32 m;

	w[0] = a[0];
	w[1] = a[1];
	w[2] = a[2];
	w[3] = a[3];
	/* m == 0: inside ::ffff:0:0/96. Without a branch: the verifier then
	 * walks the rest of the program once for both lengths, not twice
	 */
	m = (w[2] ^ bpf_htonl(0xffff)) | w[0] | w[1];
	k->prefixlen = RG_V6_MAPPED_PLEN + (128 - RG_V6_MAPPED_PLEN) * ((m | (0u - m)) >> 31);
}

static __always_inline void rg_key_v4(struct rg_lpm_key *k, const __u8 *a)
{
	__builtin_memset(k->addr, 0, 10);
	k->addr[10] = 0xff;
	k->addr[11] = 0xff;
	k->addr[12] = a[0];
	k->addr[13] = a[1];
	k->addr[14] = a[2];
	k->addr[15] = a[3];
	k->prefixlen = 128;
}

/* IP (or a frame) inside, unwalked: see the top of this file */
static __always_inline bool rg_is_wrapped(__be16 proto)
{
	return proto == bpf_htons(RG_ETH_P_MPLS_UC) || proto == bpf_htons(RG_ETH_P_MPLS_MC) ||
	       proto == bpf_htons(RG_ETH_P_PPP_SES) || proto == bpf_htons(RG_ETH_P_8021AH);
}

static __always_inline bool rg_is_vlan(__be16 proto)
{
	return proto == bpf_htons(RG_ETH_P_8021Q) || proto == bpf_htons(RG_ETH_P_8021AD) ||
	       proto == bpf_htons(RG_ETH_P_QINQ);
}

/* oob_tags: VLAN tags the kernel holds out of band (tc only: the outer tag
 * may sit in skb->vlan_tci instead of the frame). They count toward the
 * RG_MAX_VLANS limit so a frame classifies the same at XDP and at tc.
 */
static __always_inline int rg_parse(void *data, void *data_end, __u32 oob_tags,
				    struct rg_pkt *p)
{
	struct rg_eth *eth = data;
	void *cur = eth + 1;
	__u32 tags = oob_tags, hdr = sizeof(*eth);
	__be16 proto;

	if (cur > data_end)
		return RG_PARSE_MALFORMED;
	proto = eth->proto;

#pragma unroll
	for (int i = 0; i <= RG_MAX_VLANS; i++) {
		struct rg_vlan *vh = cur;

		if (!rg_is_vlan(proto))
			break;
		if (tags >= RG_MAX_VLANS)
			return RG_PARSE_MALFORMED;
		if ((void *)(vh + 1) > data_end)
			return RG_PARSE_MALFORMED;
		proto = vh->proto;
		cur = vh + 1;
		hdr += sizeof(*vh);
		tags++;
	}

	if (proto == bpf_htons(RG_ETH_P_IPV6)) {
		struct rg_ip6 *ip6 = cur;

		if ((void *)(ip6 + 1) > data_end)
			return RG_PARSE_MALFORMED;
		if ((*(__u8 *)ip6 >> 4) != 6)
			return RG_PARSE_MALFORMED;
		rg_key_v6(&p->src, ip6->saddr);
		rg_key_v6(&p->dst, ip6->daddr);
		p->proto = ip6->nexthdr;
		p->v4 = 0;
		/* no extension headers are walked: UDP right after the header */
		p->l4off = p->proto == RG_IPPROTO_UDP ? hdr + sizeof(*ip6) : 0;
		return RG_PARSE_IP;
	}
	if (proto == bpf_htons(RG_ETH_P_IP)) {
		struct rg_ip4 *ip4 = cur;
		__u32 ihl;

		if ((void *)(ip4 + 1) > data_end)
			return RG_PARSE_MALFORMED;
		if ((ip4->vihl >> 4) != 4)
			return RG_PARSE_MALFORMED;
		ihl = ip4->vihl & 0x0f;
		if (ihl < 5 || cur + ihl * 4 > data_end)
			return RG_PARSE_MALFORMED;
		rg_key_v4(&p->src, ip4->saddr);
		rg_key_v4(&p->dst, ip4->daddr);
		p->proto = ip4->protocol;
		p->v4 = 1;
		/* only a datagram's first fragment holds its UDP header */
		p->l4off = p->proto == RG_IPPROTO_UDP && !(ip4->frag_off & bpf_htons(0x1fff)) ?
			   hdr + ihl * 4 : 0;
		return RG_PARSE_IP;
	}
	return rg_is_wrapped(proto) ? RG_PARSE_MALFORMED : RG_PARSE_OTHER;
}

/* How much of the frame at data rg_parse() will read, from what the first
 * bytes already show: Ethernet and an IPv6 header 54 bytes, Ethernet and
 * an IPv4 header its length (14 + 20..60), another type 14 (only the type
 * is read); RG_HDR_SPAN when a VLAN tag follows or the bytes to tell are
 * not there. The tc programs make that much linear, not RG_HDR_SPAN: an
 * IPv4 TCP skb has 66 bytes of headers in its linear part, so a pull of
 * the whole span ran on each such skb, and on an egress clone (what TCP
 * sends) it copied the skb's head.
 */
static __always_inline __u32 rg_hdr_need(void *data, void *data_end)
{
	struct rg_eth *eth = data;
	struct rg_ip4 *ip4 = (void *)(eth + 1);
	__u32 ihl;

	if ((void *)(eth + 1) > data_end)
		return RG_HDR_SPAN;
	if (eth->proto == bpf_htons(RG_ETH_P_IPV6))
		return sizeof(*eth) + sizeof(struct rg_ip6);
	if (eth->proto == bpf_htons(RG_ETH_P_IP)) {
		if ((void *)&ip4->tos > data_end)
			return RG_HDR_SPAN;
		/* under 5 words rg_parse() reads the fixed header, then stops */
		ihl = ip4->vihl & 0x0f;
		return sizeof(*eth) + (ihl > 5 ? ihl * 4 : sizeof(*ip4));
	}
	return rg_is_vlan(eth->proto) ? RG_HDR_SPAN : sizeof(*eth);
}

static __always_inline bool rg_port_in(const __u16 *ports, __be16 port)
{
	bool hit = false;

#pragma unroll
	for (int i = 0; i < RG_ENCAP_PORTS; i++)
		hit |= ports[i] == port;
	return hit;
}

/* The encapsulation a UDP datagram whose header starts l4off bytes into
 * [data, data_end) is sent with: its destination port among enc's VXLAN
 * or Geneve ports (port 0 never is).
 */
static __always_inline __u8 rg_encap_of(void *data, void *data_end, __u32 l4off,
					const struct rg_encap *enc)
{
	struct rg_udp *udp;

	if (l4off > RG_HDR_SPAN)	/* cannot be: bounds it for the verifier */
		return RG_ENCAP_NONE;
	udp = data + l4off;
	if ((void *)(udp + 1) > data_end || !udp->dest)
		return RG_ENCAP_NONE;
	if (rg_port_in(enc->vxlan, udp->dest))
		return RG_ENCAP_VXLAN;
	if (rg_port_in(enc->geneve, udp->dest))
		return RG_ENCAP_GENEVE;
	return RG_ENCAP_NONE;
}

/* The inner frame of that datagram: Ethernet right after the VXLAN header,
 * or after the Geneve header and its options when Geneve says its payload
 * is Ethernet; parsed by rg_parse()'s rules into in.
 */
static __always_inline int rg_parse_encap(void *data, void *data_end, __u32 l4off, __u8 kind,
					  struct rg_pkt *in)
{
	struct rg_encap_hdr *eh;
	__u32 off;

	if (l4off > RG_HDR_SPAN)
		return RG_INNER_NONE;
	off = l4off + sizeof(struct rg_udp);
	eh = data + off;
	if ((void *)(eh + 1) > data_end)
		return RG_INNER_MALFORMED;
	off += sizeof(*eh);
	if (kind == RG_ENCAP_GENEVE) {
		if (eh->proto != bpf_htons(RG_GENEVE_ETH))
			return RG_INNER_NONE;
		off += (eh->opt_len & 0x3f) * 4;
	}
	if (data + off > data_end)
		return RG_INNER_MALFORMED;
	switch (rg_parse(data + off, data_end, 0, in)) {
	case RG_PARSE_IP:
		return RG_INNER_IP;
	case RG_PARSE_MALFORMED:
		return RG_INNER_MALFORMED;
	default:
		return RG_INNER_NONE;
	}
}

#endif /* RG_PARSE_H */
