/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * live.h - the plan in force, kept by the daemon, so that a change of a few
 * lines is compiled and installed as an edit of those lines (live.c).
 */
#ifndef RG_LIVE_H
#define RG_LIVE_H

#include "kernel/install.h"
#include "plan/plan.h"

struct rg_live;

struct rg_live *rg_live_new(void);
void rg_live_free(struct rg_live *lv);

/* Takes plan (compiled from text, len bytes, at path) as the plan in force,
 * installed as generation gen with bucket ids ids (rg_install_ids). On
 * error the live plan is empty: the next change is installed whole.
 */
int rg_live_reset(struct rg_live *lv, const struct rg_plan *plan, const char *path,
		  const char *text, size_t len, const __u32 *ids, __u64 gen);

/* Forgets the plan in force (the next change is installed whole). */
void rg_live_drop(struct rg_live *lv);

/* The change from the plan in force to text (the file at path now):
 *  0: *d is the edit that installs it (rg_install_delta), valid until the
 *     next call; then rg_live_commit() or rg_live_drop();
 *  1: the same bytes: nothing to do;
 *  -EAGAIN: not an edit of zone and prefix lines that compile on their
 *     own (another kind of line changed, an error, a large change, no
 *     plan in force): parse and install the whole file;
 *  -ENOMEM.
 * The text is the caller's until commit, which takes it (freed later).
 */
int rg_live_change(struct rg_live *lv, const struct rg_maps *m, const char *path,
		   char *text, size_t len, struct rg_delta *d);

/* The edit went in as generation gen: text becomes the plan in force. */
void rg_live_commit(struct rg_live *lv, __u64 gen);

/* The generation the plan in force went in as. */
__u64 rg_live_generation(const struct rg_live *lv);

#endif /* RG_LIVE_H */
