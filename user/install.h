/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * install.h - put a validated plan into the maps, atomically.
 */
#ifndef RG_INSTALL_H
#define RG_INSTALL_H

#include "plan.h"
#include "state.h"

/* Builds a new trie beside the live one and swaps it in with one update.
 * Buckets keep their id (and counters) when the new plan keeps their CIDR.
 * Returns the new generation (> 0) or -errno; on error the live plan stays.
 */
long long rg_install(const struct rg_maps *m, const struct rg_plan *plan,
		     const char *plan_path);

/* Bucket ids of the active plan: fills ids (RG_MAX_BUCKETS long) with the
 * ids whose info belongs to generation gen (or gen + 1, with_next: an
 * install that stopped half-way); returns how many.
 */
int rg_active_buckets(const struct rg_maps *m, __u64 gen, bool with_next, __u32 *ids,
		      struct rg_bucket_info *infos);

#endif /* RG_INSTALL_H */
