// SPDX-License-Identifier: GPL-2.0-only
/*
 * explain.c - the chain of plan lines behind an address's verdict.
 *
 * Zones never overlap and CIDRs nest or are disjoint, so the entries that
 * contain an address, widest first, are one line of ancestors: at most one
 * zone among them, and every prefix on the way. The rules (README.md, "The
 * rules, exactly") read off that line directly:
 *   bucket: the most specific prefix, else the zone, else unplanned;
 *   breaks on R: the zone's role is not R and no prefix on the line allows R.
 * This is what plan.c's compile folds into each trie value; explaining
 * from the entries keeps the lines that decide, which the values lose.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "plan/explain.h"

/* ::ffff:0:0/96, where IPv4 is keyed and a mapped IPv6 address lies */
static const struct rg_cidr v4_region = { .addr = { [10] = 0xff, [11] = 0xff }, .len = 96 };

int rg_explain_parse(const char *s, uint8_t addr[16], bool *v4, char *why, size_t whylen)
{
	struct rg_cidr c;
	bool has_len;
	char msg[160];

	if (strchr(s, '%')) {
		snprintf(why, whylen, "'%s': give the address without a scope (%%IF): the plan "
			 "judges addresses, not interfaces", s);
		return -EINVAL;
	}
	if (rg_cidr_parse_loose(s, &c, &has_len, msg, sizeof(msg))) {
		snprintf(why, whylen, "bad address '%s': not an IPv6 or IPv4 address", s);
		return -EINVAL;
	}
	if (has_len) {
		snprintf(why, whylen, "'%s' is a prefix: give one address (drop the /LENGTH)", s);
		return -EINVAL;
	}
	memcpy(addr, c.addr, 16);
	*v4 = c.v4;
	return 0;
}

static int cmp_len(const struct rg_plan *plan, int a, int b)
{
	return (int)plan->entries[a].cidr.len - (int)plan->entries[b].cidr.len;
}

void rg_explain_addr(const struct rg_plan *plan, const uint8_t addr[16], bool v4,
		     struct rg_explain_addr *out)
{
	int pfx = -1;

	memset(out, 0, sizeof(*out));
	memcpy(out->addr, addr, 16);
	out->v4 = v4;
	out->mapped = !v4 && rg_cidr_contains(&v4_region, addr);
	out->zone = out->bucket = -1;

	/* the entries that cover it, kept in order of length as they come:
	 * lengths are unique along the line (the plan has no duplicate CIDR)
	 */
	for (int i = 0; i < plan->nentries; i++) {
		int k;

		if (!rg_cidr_covers(&plan->entries[i].cidr, addr, v4))
			continue;
		if (out->nchain == (int)(sizeof(out->chain) / sizeof(out->chain[0])))
			break;	/* cannot happen: one entry per length at most */
		for (k = out->nchain; k > 0 && cmp_len(plan, out->chain[k - 1], i) > 0; k--)
			out->chain[k] = out->chain[k - 1];
		out->chain[k] = i;
		out->nchain++;
	}
	for (int k = 0; k < out->nchain; k++) {
		const struct rg_entry *e = &plan->entries[out->chain[k]];

		if (e->kind == RG_KIND_ZONE)
			out->zone = out->chain[k];
		else
			pfx = out->chain[k];
	}
	out->bucket = pfx >= 0 ? pfx : out->zone;

	for (uint32_t role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++) {
		struct rg_explain_role *r = &out->role[rg_role_idx(role)];
		const struct rg_entry *z = out->zone >= 0 ? &plan->entries[out->zone] : NULL;

		r->entry = out->zone;
		if (!z) {
			r->why = RG_WHY_UNPLANNED;
			continue;
		}
		if (z->role == role) {
			r->why = RG_WHY_ZONE;
			continue;
		}
		/* the widest allow: where the exception comes from */
		r->why = RG_WHY_BREAKS;
		for (int k = 0; k < out->nchain; k++) {
			if (plan->entries[out->chain[k]].allow & RG_BREAKS(role)) {
				r->why = RG_WHY_ALLOW;
				r->entry = out->chain[k];
				break;
			}
		}
		r->breaks = r->why == RG_WHY_BREAKS;
		if (r->breaks)
			out->breaks |= RG_BREAKS(role);
	}
}

int rg_explain_frame(const struct rg_plan *plan, const uint8_t src[16], bool src_v4,
		     const uint8_t dst[16], bool dst_v4, struct rg_explain_frame *out)
{
	memset(out, 0, sizeof(*out));
	if (src_v4 != dst_v4)
		return -EINVAL;
	rg_explain_addr(plan, src, src_v4, &out->src);
	rg_explain_addr(plan, dst, dst_v4, &out->dst);
	for (uint32_t role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++) {
		int i = rg_role_idx(role);

		out->role[i].by = (out->src.role[i].breaks ? 1u : 0) |
				  (out->dst.role[i].breaks ? 2u : 0);
		out->role[i].violation = out->role[i].by != 0;
	}
	return 0;
}
