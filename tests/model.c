// SPDX-License-Identifier: GPL-2.0-only
/*
 * model.c - the plan's rules, applied literally to one address or frame.
 */
#include <string.h>
#include "plan/frame.h"
#include "model.h"

int rg_model_parse(const uint8_t *f, size_t len, int oob_tags, uint8_t src[16],
		   uint8_t dst[16])
{
	uint8_t proto;

	return rg_frame_parse(f, len, oob_tags, src, dst, &proto);
}

bool rg_model_addr(const struct rg_plan *plan, const uint8_t a[16], bool v4, uint32_t role,
		   int *bucket)
{
	int best_prefix = -1, zone = -1;
	bool allowed = false;

	for (int i = 0; i < plan->nentries; i++) {
		const struct rg_entry *e = &plan->entries[i];

		/* IPv4 and IPv6 are two plans in one file */
		if (e->cidr.v4 != v4 || !rg_cidr_contains(&e->cidr, a))
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
