/* SPDX-License-Identifier: GPL-2.0-only */
/* events.h - `ringguard events`, see events.c. */
#ifndef RG_EVENTS_H
#define RG_EVENTS_H

#include <stdbool.h>
#include <stdio.h>
#include "state.h"

/* Streams violations to out until SIGINT/SIGTERM, or max events (0: no
 * limit). Returns 0 or -errno.
 */
int rg_events(const struct rg_maps *m, bool json, long max, FILE *out, FILE *errs);
const char *rg_rule_name(__u32 role);

#endif /* RG_EVENTS_H */
