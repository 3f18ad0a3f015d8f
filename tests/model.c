// SPDX-License-Identifier: GPL-2.0-only
/*
 * model.c - the plan's rules, applied literally to one address or frame.
 */
#include <string.h>
#include "model.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

int rg_model_parse(const uint8_t *f, size_t len, int oob_tags, uint8_t src[16],
		   uint8_t dst[16])
{
	size_t off = 14;
	int tags = oob_tags;
	uint16_t proto;

	if (len < 14)
		return RG_M_MALFORMED;
	proto = be16(f + 12);
	while (proto == 0x8100 || proto == 0x88a8) {
		if (tags == 2 || len < off + 4)
			return RG_M_MALFORMED;
		proto = be16(f + off + 2);
		off += 4;
		tags++;
	}
	if (proto == 0x86dd) {
		if (len < off + 40 || f[off] >> 4 != 6)
			return RG_M_MALFORMED;
		memcpy(src, f + off + 8, 16);
		memcpy(dst, f + off + 24, 16);
		return RG_M_IP;
	}
	if (proto == 0x0800) {
		size_t ihl;

		if (len < off + 20 || f[off] >> 4 != 4)
			return RG_M_MALFORMED;
		ihl = f[off] & 0xf;
		if (ihl < 5 || len < off + ihl * 4)
			return RG_M_MALFORMED;
		memset(src, 0, 16);
		memset(dst, 0, 16);
		src[10] = src[11] = dst[10] = dst[11] = 0xff;
		memcpy(src + 12, f + off + 12, 4);
		memcpy(dst + 12, f + off + 16, 4);
		return RG_M_IP;
	}
	return RG_M_OTHER;
}

bool rg_model_addr(const struct rg_plan *plan, const uint8_t a[16], uint32_t role,
		   int *bucket)
{
	int best_prefix = -1, zone = -1;
	bool allowed = false;

	for (int i = 0; i < plan->nentries; i++) {
		const struct rg_entry *e = &plan->entries[i];

		if (!rg_cidr_contains(&e->cidr, a))
			continue;
		if (e->kind == RG_KIND_ZONE) {
			zone = i;
			continue;
		}
		if (e->allow & RG_BREAKS(role))
			allowed = true;
		if (best_prefix < 0 || e->cidr.len > plan->entries[best_prefix].cidr.len)
			best_prefix = i;
	}
	*bucket = best_prefix >= 0 ? best_prefix : zone;
	return zone >= 0 && plan->entries[zone].role != role && !allowed;
}
