// SPDX-License-Identifier: GPL-2.0-only
/*
 * frame.c - the rules of bpf/parse.h, in plain C: Ethernet, at most two
 * VLAN tags (802.1Q, 802.1ad; out-of-band ones count), IPv6 or IPv4 with a
 * complete header. tests/test_diff.c holds the two to the same verdicts.
 */
#include <string.h>
#include "frame.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

int rg_frame_parse(const uint8_t *f, size_t len, int oob_tags, uint8_t src[16],
		   uint8_t dst[16], uint8_t *proto)
{
	size_t off = 14;
	int tags = oob_tags;
	uint16_t type;

	if (len < 14)
		return RG_FRAME_MALFORMED;
	type = be16(f + 12);
	while (type == 0x8100 || type == 0x88a8) {
		if (tags == 2 || len < off + 4)
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
		return RG_FRAME_IP;
	}
	return RG_FRAME_OTHER;
}
