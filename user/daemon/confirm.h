/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * confirm.h - the confirm window of a switch to enforce: one rule decides
 * both ways, from the lifelines' answers (lifeline.h) and the clock.
 *
 *   revert   a guarded lifeline (one that answered just before the switch)
 *            missed RG_LIFELINE_MISSES probes in a row, each given
 *            RG_LIFELINE_REPLY_MS to answer
 *   confirm  the window's length has passed and every guarded lifeline
 *            answered a probe sent after the switch and has missed none
 *            since its latest answer
 *   wait     anything else (a probe of a guarded lifeline is still out)
 *
 * The kernel's deadline (rg_config.enforce_until) is not the daemon's
 * decision but its dead man's switch: while the daemon waits it keeps the
 * deadline RG_CONFIRM_LEASE_MS ahead, so the kernel reverts by itself only
 * when the daemon is gone or stuck that long, never because a live
 * daemon's loop came round a moment late.
 */
#ifndef RG_CONFIRM_H
#define RG_CONFIRM_H

#include <stdbool.h>
#include "daemon/lifeline.h"

/* The kernel's deadline is kept this far ahead while the daemon waits. */
#define RG_CONFIRM_LEASE_MS	4000

struct rg_window {
	__u64 switched_ns;	/* the switch (or the new plan) it guards: CLOCK_MONOTONIC */
	__u64 confirm_ns;	/* switched_ns + the window's length: the earliest confirm */
	__u64 guarded;		/* bit i: lifeline i answered just before the switch */
};

enum rg_confirm_step {
	RG_CONFIRM_WAIT,
	RG_CONFIRM_NOW,
	RG_CONFIRM_REVERT,
};

/* The step at now; *lost: the guarded lifeline that went silent (REVERT). */
enum rg_confirm_step rg_confirm_step(const struct rg_window *w, const struct rg_prober *p,
				     __u64 now, int *lost);

/* The kernel deadline to pin while waiting: never earlier than the one
 * pinned (until), RG_CONFIRM_LEASE_MS ahead of now.
 */
__u64 rg_confirm_lease(__u64 until, __u64 now);

#endif /* RG_CONFIRM_H */
