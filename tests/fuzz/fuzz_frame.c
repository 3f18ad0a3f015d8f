// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_frame.c - the frame parsers: the BPF programs' rg_parse()
 * (bpf/parse.h, compiled here as plain C) and replay's rg_frame_parse()
 * (user/plan/frame.c) must read no byte past the frame and agree on every
 * frame: verdict, addresses, family and protocol, with 0 to RG_MAX_VLANS
 * VLAN tags held out of band (tc), and the same for the frame inside VXLAN
 * or Geneve (rg_parse_encap() and rg_frame_decode(), the default ports). ASan
 * catches a read past the end; a disagreement aborts.
 */
#include "bpf_shim.h"
#include "fuzz.h"
#include "plan/frame.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy that ends where the frame ends (ASan sees the first byte past
	 * it), 2 bytes into the buffer as drivers place frames (NET_IP_ALIGN):
	 * the IP header is then 4-byte aligned. The one inside VXLAN is not
	 * (70 bytes on); BPF loads have no alignment rule, so this target is
	 * built without UBSan's alignment check (fuzz.mk).
	 */
	uint8_t *buf = malloc(size + 2), *f = buf + 2;

	static const struct rg_encap_ports ports = {
		.vxlan = { RG_VXLAN_PORT, RG_VXLAN_PORT_LINUX }, .geneve = { RG_GENEVE_PORT } };
	struct rg_encap enc = {};

	for (int i = 0; i < RG_ENCAP_PORTS; i++) {
		enc.vxlan[i] = htons(ports.vxlan[i]);
		enc.geneve[i] = htons(ports.geneve[i]);
	}
	memcpy(f, data, size);
	for (int oob = 0; oob <= RG_MAX_VLANS; oob++) {
		uint8_t *src, *dst, proto;
		struct rg_pkt p = {}, in = {};
		struct rg_frame fr;
		int u = rg_frame_decode(f, size, oob, &ports, &fr);
		int b = rg_parse(f, f + size, oob, &p), ib = RG_INNER_NONE;
		__u8 kind = RG_ENCAP_NONE;

		fuzz_assert((u == RG_FRAME_IP && b == RG_PARSE_IP) ||
			    (u == RG_FRAME_OTHER && b == RG_PARSE_OTHER) ||
			    (u == RG_FRAME_MALFORMED && b == RG_PARSE_MALFORMED),
			    "%zu bytes, %d tags out of band: replay says %d, the datapath %d",
			    size, oob, u, b);
		if (u != RG_FRAME_IP)
			continue;
		src = fr.src;
		dst = fr.dst;
		proto = fr.proto;
		fuzz_assert(!memcmp(src, p.src.addr, 16) && !memcmp(dst, p.dst.addr, 16),
			    "%zu bytes: replay and the datapath read other addresses", size);
		fuzz_assert(proto == p.proto, "protocol %u vs %u", proto, p.proto);
		fuzz_assert(fr.v4 == p.v4, "family: IPv4 %d vs %d", fr.v4, p.v4);
		/* an IPv4-mapped IPv6 address is keyed where no IPv4 entry answers */
		fuzz_assert(p.src.prefixlen == (!fr.v4 && rg_addr_is_v4(src) ? RG_V6_MAPPED_PLEN : 128) &&
			    p.dst.prefixlen == (!fr.v4 && rg_addr_is_v4(dst) ? RG_V6_MAPPED_PLEN : 128),
			    "key lengths %u, %u", p.src.prefixlen, p.dst.prefixlen);
		if (p.l4off)
			kind = rg_encap_of(f, f + size, p.l4off, &enc);
		if (kind)
			ib = rg_parse_encap(f, f + size, p.l4off, kind, &in);
		fuzz_assert(ib == fr.inner, "%zu bytes: inside, replay says %d, the datapath %d",
			    size, fr.inner, ib);
		if (ib != RG_INNER_IP)
			continue;
		fuzz_assert(!memcmp(fr.isrc, in.src.addr, 16) && !memcmp(fr.idst, in.dst.addr, 16) &&
			    fr.iv4 == in.v4, "%zu bytes: other inner addresses", size);
	}
	free(buf);
	return 0;
}
