/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * install.h - put a validated plan into the maps, atomically.
 */
#ifndef RG_INSTALL_H
#define RG_INSTALL_H

#include "plan.h"
#include "state.h"

/* Puts the plan in force at once for every packet (see install.c).
 * Buckets keep their id (and counters) when the new plan keeps their CIDR.
 * Returns the new generation (> 0) or -errno; on error the live plan stays.
 */
long long rg_install(const struct rg_maps *m, const struct rg_plan *plan,
		     const char *plan_path);

/* Plans from this many entries on are looked up by exact CIDR per prefix
 * length (RG_EXACT_MIN_ENTRIES; tests lower it to cover that path).
 */
extern int rg_exact_min_entries;

/* Bucket ids whose names were written in a generation in [lo, hi] (the
 * plan in force: 0 to rg_meta.generation; a name is rewritten only when it
 * changes, and dropped with its bucket): fills ids and infos
 * (RG_MAX_BUCKETS long); returns how many.
 */
int rg_active_buckets(const struct rg_maps *m, __u64 lo, __u64 hi, __u32 *ids,
		      struct rg_bucket_info *infos);

#endif /* RG_INSTALL_H */
