/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fleet.h - whose word sets the mode: the plan's declaration for this host,
 * a person's override (`ringguard mode`), or a revert that holds until the
 * plan changes. The rules live here, as functions of the pinned rg_meta and
 * rg_config, so the daemon, the CLI and the tests apply the same ones.
 */
#ifndef RG_FLEET_H
#define RG_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include "kernel/state.h"

/* What status, stats and the metrics show about the mode. */
struct rg_mode_view {
	__u32 effective;	/* as the datapath applies it now */
	__u32 declared;		/* the plan's, for this host (monitor if unknown) */
	bool known;		/* a plan's declaration was applied */
	bool override;		/* a person's `ringguard mode` holds */
	bool reverted;		/* a revert to monitor holds until the plan changes */
	long long deadline_s;	/* seconds left before the kernel reverts, -1: none */
	bool daemon_window;	/* the daemon armed that deadline and confirms it */
};

void rg_mode_view_of(const struct rg_meta *meta, const struct rg_config *cfg, __u64 now_ns,
		     struct rg_mode_view *v);

/* True when an enforce deadline passed: the datapath already behaves as
 * monitor, by itself.
 */
bool rg_deadline_passed(const struct rg_config *cfg, __u64 now_ns);

/* A fresh attach: the plan's declaration wins; without one, mode (the
 * --mode option, monitor if not given) is an override of "monitor". Sets
 * meta's fleet fields and returns the mode to apply.
 */
__u32 rg_fleet_fresh(struct rg_meta *meta, __u32 declared, bool declared_given, __u32 mode);

/* `ringguard mode MODE` by a person: an override, unless MODE is what the
 * plan declares (then the plan is back in charge). Either way a held revert
 * ends: the person asked for this mode.
 */
void rg_fleet_person(struct rg_meta *meta, __u32 mode);

/* Records a revert to monitor and why. It holds (RG_FLEET_REVERTED) when the
 * plan declares enforce, until the plan's content changes; a person's
 * override ends with it.
 */
void rg_fleet_revert(struct rg_meta *meta, const char *why);

/* The daemon's step after every plan read (and every tick): given the
 * declaration of the plan last read valid, updates meta and returns the mode
 * the host should be in. note gets a line for the log when a rule fired
 * ("" otherwise). An expired deadline must be handled first (rg_fleet_revert).
 */
__u32 rg_fleet_want(struct rg_meta *meta, const struct rg_config *cfg, __u32 declared,
		    char *note, size_t len);

#endif /* RG_FLEET_H */
