/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * install.h - put a validated plan into the maps, atomically.
 */
#ifndef RG_INSTALL_H
#define RG_INSTALL_H

#include "plan/plan.h"
#include "kernel/state.h"

/* One trie entry: the trie is keyed by CIDR, and the plan's CIDRs are unique. */
struct rg_trie_entry {
	struct rg_lpm_key key;
	struct rg_lpm_val val;
};

/* Puts the plan in force at once for every packet (see install.c).
 * Buckets keep their id (and counters) when the new plan keeps their CIDR.
 * Returns the new generation (> 0) or -errno; on error the live plan stays.
 */
long long rg_install(const struct rg_maps *m, const struct rg_plan *plan,
		     const char *plan_path);

/* The same into maps that no program runs with yet (attach, before the
 * programs are attached): both slots are put in place at once, without
 * waiting for programs in between.
 */
long long rg_install_unattached(const struct rg_maps *m, const struct rg_plan *plan,
				const char *plan_path);

/* The same, and the bucket id of each of the plan's entries into ids
 * (plan->nentries long) when it succeeds.
 */
long long rg_install_ids(const struct rg_maps *m, const struct rg_plan *plan,
			 const char *plan_path, __u32 *ids);

/* A plan change compiled by its caller (live.c): the edit of the tries and
 * exact tables, and of the bucket names. It goes in as rg_install's edit
 * of twin slots does (same steps from 2. on), and only onto the plan it
 * was made from.
 */
struct rg_delta {
	__u64 from;			/* the generation it edits */
	struct rg_trie_entry *set;	/* entries added or changed */
	int nset;
	struct rg_lpm_key *del;		/* CIDRs the plan no longer has */
	int ndel;
	__u32 *fresh_ids;		/* new buckets: names, counters zeroed */
	struct rg_bucket_info *fresh;
	int nfresh;
	__u32 *kept_ids;		/* kept buckets whose names changed */
	struct rg_bucket_info *kept;
	int nkept;
	__u32 *retired;			/* buckets whose names go */
	int nretired;
	struct rg_lengths ls;		/* rg_lengths_from() of the new plan */
	struct rg_encap enc;
	__u32 gen_flags;		/* RG_GEN_UNREADABLE_PASS of the new plan */
	int nentries;
	const uint8_t *sha256;		/* the new plan file's */
};

/* The new generation, or -ESTALE when the plan in force is not d->from in
 * both slots (another sync came between: install the whole plan), or
 * -errno; on error the live plan stays. Sets the names' generation.
 */
long long rg_install_delta(const struct rg_maps *m, const struct rg_delta *d,
			   const char *plan_path);

/* The lengths the exact tables are probed with, from how many of a plan's
 * n entries have each prefix length.
 */
void rg_lengths_from(const int count[129], int n, struct rg_lengths *ls);

/* Marks in used (RG_MAX_BUCKETS long) the bucket ids a per-CPU counter slot
 * still counts for: such an id is not free yet.
 */
int rg_counted_ids(const struct rg_maps *m, unsigned char *used);

/* The first id from *next on that used does not hold, marked used, with
 * *next moved past it; -E2BIG when every bucket id is taken.
 */
int rg_bucket_id_take(unsigned char *used, __u32 *next);

/* A bucket's name record: plan entry e, its trie key and value. */
void rg_bucket_info_of(const struct rg_entry *e, const struct rg_lpm_key *key,
		       struct rg_lpm_val val, struct rg_bucket_info *info);

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
