// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_frame.c - the frame parsers: the BPF programs' rg_parse()
 * (bpf/parse.h, compiled here as plain C) and replay's rg_frame_parse()
 * (user/frame.c) must read no byte past the frame and agree on every
 * frame: verdict, addresses and protocol, with 0, 1 or 2 VLAN tags held out
 * of band (tc). ASan catches a read past the end; a disagreement aborts.
 */
#include "bpf_shim.h"
#include "fuzz.h"
#include "frame.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy that ends where the frame ends (ASan sees the first byte past
	 * it), 2 bytes into the buffer as drivers place frames (NET_IP_ALIGN):
	 * the IP header is then 4-byte aligned, as parse.h's structs want in C
	 * (BPF loads have no such rule).
	 */
	uint8_t *buf = malloc(size + 2), *f = buf + 2;

	memcpy(f, data, size);
	for (int oob = 0; oob <= RG_MAX_VLANS; oob++) {
		uint8_t src[16], dst[16], proto = 0;
		struct rg_pkt p = {};
		int u = rg_frame_parse(f, size, oob, src, dst, &proto);
		int b = rg_parse(f, f + size, oob, &p);

		fuzz_assert((u == RG_FRAME_IP && b == RG_PARSE_IP) ||
			    (u == RG_FRAME_OTHER && b == RG_PARSE_OTHER) ||
			    (u == RG_FRAME_MALFORMED && b == RG_PARSE_MALFORMED),
			    "%zu bytes, %d tags out of band: replay says %d, the datapath %d",
			    size, oob, u, b);
		if (u != RG_FRAME_IP)
			continue;
		fuzz_assert(!memcmp(src, p.src.addr, 16) && !memcmp(dst, p.dst.addr, 16),
			    "%zu bytes: replay and the datapath read other addresses", size);
		fuzz_assert(proto == p.proto, "protocol %u vs %u", proto, p.proto);
	}
	free(buf);
	return 0;
}
