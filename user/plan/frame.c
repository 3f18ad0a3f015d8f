// SPDX-License-Identifier: GPL-2.0-only
/*
 * frame.c - the rules of bpf/parse.h, in plain C: Ethernet, at most
 * RG_MAX_VLANS VLAN tags (0x8100, 0x88a8, 0x9100; out-of-band ones count),
 * IPv6 or IPv4 with a complete header, and IP inside MPLS, a PPPoE session
 * or 802.1ah unreadable; then, for UDP to a VXLAN or Geneve port, the same
 * once more inside. tests/test_diff.c and the frame fuzzer
 * hold the two to the same verdicts.
 */
#include <string.h>
#include "plan/frame.h"

#define GENEVE_ETH	0x6558	/* Transparent Ethernet Bridging */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

/* One Ethernet frame at f[0..len): its addresses, and where its UDP header
 * would start (0: none, not UDP or not the first fragment).
 */
static int parse_l2l3(const uint8_t *f, size_t len, int oob_tags, uint8_t src[16],
		      uint8_t dst[16], bool *v4, uint8_t *proto, size_t *udp)
{
	size_t off = 14;
	int tags = oob_tags;
	uint16_t type;

	*udp = 0;
	if (len < 14)
		return RG_FRAME_MALFORMED;
	type = be16(f + 12);
	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (tags >= RG_MAX_VLANS || len < off + 4)
			return RG_FRAME_MALFORMED;
		type = be16(f + off + 2);
		off += 4;
		tags++;
	}
	if (type == 0x86dd) {
		if (len < off + 40 || f[off] >> 4 != 6)
			return RG_FRAME_MALFORMED;
		memcpy(src, f + off + 8, 16);
		memcpy(dst, f + off + 24, 16);
		*proto = f[off + 6];
		*v4 = false;
		if (*proto == 17)
			*udp = off + 40;
		return RG_FRAME_IP;
	}
	if (type == 0x0800) {
		size_t ihl;

		if (len < off + 20 || f[off] >> 4 != 4)
			return RG_FRAME_MALFORMED;
		ihl = f[off] & 0xf;
		if (ihl < 5 || len < off + ihl * 4)
			return RG_FRAME_MALFORMED;
		memset(src, 0, 16);
		memset(dst, 0, 16);
		src[10] = src[11] = dst[10] = dst[11] = 0xff;
		memcpy(src + 12, f + off + 12, 4);
		memcpy(dst + 12, f + off + 16, 4);
		*proto = f[off + 9];
		*v4 = true;
		if (*proto == 17 && !(be16(f + off + 6) & 0x1fff))
			*udp = off + ihl * 4;
		return RG_FRAME_IP;
	}
	/* MPLS, a PPPoE session, 802.1ah: IP inside, unwalked */
	if (type == 0x8847 || type == 0x8848 || type == 0x8864 || type == 0x88e7)
		return RG_FRAME_MALFORMED;
	return RG_FRAME_OTHER;
}

static bool listed(const uint16_t *ports, uint16_t port)
{
	for (int i = 0; i < RG_ENCAP_PORTS; i++)
		if (ports[i] == port)
			return true;
	return false;
}

/* The inner frame of a UDP datagram at f[udp..len) to an encapsulation
 * port: RG_INNER_NONE when it is not one (or carries no Ethernet/IP).
 */
static int parse_inner(const uint8_t *f, size_t len, size_t udp,
		       const struct rg_encap_ports *ports, struct rg_frame *out)
{
	size_t hdr = udp + 8, in;
	uint16_t port;
	size_t inner_udp;
	int r;

	if (len < udp + 8)
		return RG_INNER_NONE;
	port = be16(f + udp + 2);
	if (!port)
		return RG_INNER_NONE;
	if (listed(ports->vxlan, port)) {
		out->encap = "vxlan";
		if (len < hdr + 8)
			return RG_INNER_MALFORMED;
		in = hdr + 8;
	} else if (listed(ports->geneve, port)) {
		out->encap = "geneve";
		if (len < hdr + 8)
			return RG_INNER_MALFORMED;
		if (be16(f + hdr + 2) != GENEVE_ETH)
			return RG_INNER_NONE;
		in = hdr + 8 + (f[hdr] & 0x3f) * 4;
	} else {
		return RG_INNER_NONE;
	}
	if (len < in)
		return RG_INNER_MALFORMED;
	r = parse_l2l3(f + in, len - in, 0, out->isrc, out->idst, &out->iv4, &out->iproto,
		       &inner_udp);
	return r == RG_FRAME_IP ? RG_INNER_IP : r == RG_FRAME_MALFORMED ? RG_INNER_MALFORMED
								   : RG_INNER_NONE;
}

int rg_frame_decode(const uint8_t *f, size_t len, int oob_tags,
		    const struct rg_encap_ports *ports, struct rg_frame *out)
{
	size_t udp;

	memset(out, 0, sizeof(*out));
	out->kind = parse_l2l3(f, len, oob_tags, out->src, out->dst, &out->v4, &out->proto, &udp);
	if (out->kind == RG_FRAME_IP && udp && ports)
		out->inner = parse_inner(f, len, udp, ports, out);
	return out->kind;
}

int rg_frame_parse(const uint8_t *f, size_t len, int oob_tags, uint8_t src[16],
		   uint8_t dst[16], uint8_t *proto)
{
	struct rg_frame fr;

	rg_frame_decode(f, len, oob_tags, NULL, &fr);
	memcpy(src, fr.src, 16);
	memcpy(dst, fr.dst, 16);
	*proto = fr.proto;
	return fr.kind;
}
