/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * plandiff.h - `ringguard plan diff OLD NEW [-j]`: what changes between two
 * plans, entry by entry, and where the verdict changes.
 *
 * Entries: added, removed, changed (same name with another CIDR, allow or
 * role; or same CIDR under another name), hosts likewise. Verdicts: for each
 * role, the exact set of addresses that break the plan on an interface of
 * that role in one plan and not in the other, as a minimal list of CIDRs.
 * The printers are report/diff.c's.
 */
#ifndef RG_PLANDIFF_H
#define RG_PLANDIFF_H

#include <stdbool.h>
#include "plan/plan.h"

struct rg_diff_pair {
	const struct rg_entry *o, *n;	/* NULL o: added; NULL n: removed */
};

struct rg_diff_host {
	const struct rg_host *o, *n;
};

struct rg_plandiff {
	struct rg_plan *old, *new;
	struct rg_diff_pair *pairs;
	int npairs, cappairs;
	struct rg_diff_host *hosts;
	int nhosts, caphosts;
	/* lifelines only in the new plan [0] or only in the old [1] */
	const struct rg_lifeline *life[2][RG_MAX_LIFELINES];
	int nlife[2];
	struct rg_diff_range *ranges[2];	/* [role - 1] */
	int nranges[2];
	int caps[2];
};

struct rg_diff_range {
	struct rg_cidr cidr;
	bool old_breaks, new_breaks;
};

/* Reads both plans and compares them into d (free it with
 * rg_plandiff_free; nothing to free on an error). Returns 0 for no
 * differences, 1 for differences, -errno on an error (a plan that cannot
 * be read or is invalid: logged, lib/log.h).
 */
int rg_plan_diff(const char *old_path, const char *new_path, struct rg_plandiff *d);
void rg_plandiff_free(struct rg_plandiff *d);
bool rg_plandiff_any(const struct rg_plandiff *d);
/* whether the plans treat unreadable frames differently */
bool rg_plandiff_unreadable_changed(const struct rg_plandiff *d);

#endif /* RG_PLANDIFF_H */
