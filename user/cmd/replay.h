/* SPDX-License-Identifier: GPL-2.0-only */
/* replay.h - `ringguard replay`, see replay.c. */
#ifndef RG_REPLAY_H
#define RG_REPLAY_H

#include <stdbool.h>
#include <stdio.h>
#include "plan/plan.h"

/* Returns 1 if any frame would drop, else 2 if frames were not judged (the
 * capture's snaplen cut them inside their headers), else 0; -errno on an
 * error (logged). Under json, the report is one object on out.
 */
int rg_replay(const struct rg_plan *plan, __u32 role, int dir, const char *capture,
	      bool json, bool verbose, FILE *out);

#endif /* RG_REPLAY_H */
