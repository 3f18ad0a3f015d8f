/* SPDX-License-Identifier: GPL-2.0-only */
/* events.h - `ringguard events`, see events.c. */
#ifndef RG_EVENTS_H
#define RG_EVENTS_H

#include <stdbool.h>
#include <stdio.h>
#include "kernel/state.h"

/* Streams violations to out until SIGINT/SIGTERM, or max events (0: no
 * limit). Returns 0 or -errno.
 */
int rg_events(const struct rg_maps *m, bool json, long max, FILE *out);
const char *rg_rule_name(__u32 role);

/* One event, for the daemon's log too: its fields into the JSON object
 * open in j, or a line of text. mono_to_real: rg_mono_to_real().
 */
struct rg_json;
void rg_event_fields(struct rg_json *j, const struct rg_maps *m, const struct rg_event *ev,
		     __s64 mono_to_real, bool with_time);
void rg_event_text(const struct rg_maps *m, const struct rg_event *ev, __s64 mono_to_real,
		   bool with_time, FILE *out);
__s64 rg_mono_to_real(void);
/* Events flow while the lease, rg_config[RG_CONFIG_LEASE].events_until
 * (CLOCK_MONOTONIC ns), is ahead. Its writers write only that entry.
 */
int rg_events_lease(const struct rg_maps *m, __u64 until);
__u64 rg_events_lease_read(const struct rg_maps *m);
/* Ends the lease if it is still mine (the value this listener last wrote). */
void rg_events_lease_end(const struct rg_maps *m, __u64 mine);
#define RG_EVENTS_LEASE_S	3

#endif /* RG_EVENTS_H */
