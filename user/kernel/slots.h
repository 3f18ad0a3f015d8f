/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * slots.h - inside kernel/ only: what install.c's steps do to the maps
 * (slots.c): bulk reads and writes, the two plan slots, the lengths.
 */
#ifndef RG_SLOTS_H
#define RG_SLOTS_H

#include <pthread.h>
#include "kernel/install.h"

/* An edit of a slot's trie: entries to add or change, entries to remove. */
struct edit {
	struct rg_trie_entry *set;	/* entries to add or change */
	int nset;
	struct rg_lpm_key *del;	/* entries to remove */
	int ndel;
};

/* A slot's maps, built off to the side, from keys and values both
 * slots share.
 */
struct slot_maps {
	int trie, exact, err;
	const struct rg_lpm_key *keys;
	const struct rg_lpm_val *vals;
	int n;
	const struct rg_maps *m;
	int put;		/* the slot each map goes into once built, or -1 */
};

/* Every name rg_buckets holds, in arrays (malloc'd) sized to them; about
 * expect of them (the last plan's size, plus what a stopped sync left).
 * Returns how many, or -errno.
 */
int read_buckets(const struct rg_maps *m, __u32 expect, __u32 **ids,
		 struct rg_bucket_info **infos);
/* Writes n values to consecutive keys in as few system calls as the kernel
 * allows.
 */
int update_many(int fd, const __u32 *keys, const void *vals, size_t vsize, __u32 n);
/* Both slots' maps at once, on two threads: build_begin starts them (the
 * caller is free meanwhile), build_end waits for them and returns the
 * first error. keys and vals (n each, rg_huge_calloc'd) are the build's
 * from then on, freed by build_end; s must stay until build_end. Slot put[i] of rg_plan and
 * rg_exact takes s[i]'s maps as soon as they are built (-1: none), which
 * only a slot no program reads may do.
 */
struct build {
	pthread_t thread[2];
	bool threaded[2];
	bool started;
	struct rg_lpm_key *keys;
	struct rg_lpm_val *vals;
};
int build_begin(struct rg_lpm_key *keys, struct rg_lpm_val *vals, int n, struct slot_maps s[2],
		struct build *b, const struct rg_maps *m, const int put[2]);
int build_end(struct slot_maps s[2], struct build *b);
void close_maps(struct slot_maps *s);
/* Puts maps into slots of maps of maps, n (at most 4) at once: their waits
 * for running programs overlap.
 */
struct put {
	int outer, inner, err;
	__u32 slot;
};
int put_maps(struct put *p, int n);
/* A slot's lengths and encapsulation ports. */
int slot_extras(const struct rg_maps *m, __u32 slot, const struct rg_lengths *ls,
		const struct rg_encap *enc);
/* Returns once no program runs with what it read before the call. */
int wait_for_programs(const struct rg_maps *m, __u32 slot);
/* Brings slot from the old plan to the new one: an edit of its maps when
 * they are known to hold the old plan (edit, ed; built unused), else the
 * maps built for it; then its lengths. Nothing may be reading the slot.
 */
int refresh(const struct rg_maps *m, __u32 slot, bool edit, const struct edit *ed,
	    const struct slot_maps *built, const struct rg_lengths *ls,
	    const struct rg_encap *enc);

#endif
