/* SPDX-License-Identifier: GPL-2.0-only */
/* replay.h - `ringguard replay`, see replay.c. */
#ifndef RG_REPLAY_H
#define RG_REPLAY_H

#include <stdbool.h>
#include <stdio.h>
#include "plan.h"

/* Returns 1 if any frame would drop, 0 if none, -errno on error. */
int rg_replay(const struct rg_plan *plan, __u32 role, int dir, const char *capture,
	      bool json, bool verbose, FILE *out, FILE *errs);

#endif /* RG_REPLAY_H */
