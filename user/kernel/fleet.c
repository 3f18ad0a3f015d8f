// SPDX-License-Identifier: GPL-2.0-only
/*
 * fleet.c - the mode rules of a fleet (see fleet.h):
 *
 *   - the plan's `host ... mode X` is the host's declared mode (monitor when
 *     absent); the daemon applies it at start and whenever a sync changes it;
 *   - `ringguard mode X` is an override: it survives restarts, re-adoption
 *     and syncs that leave the declaration as it was; a sync that changes the
 *     declaration ends it;
 *   - a revert (a lifeline lost, a deadline passed) holds until the plan's
 *     content changes, so a bad enforce is not retried in a loop.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "kernel/fleet.h"

bool rg_deadline_passed(const struct rg_config *cfg, __u64 now_ns)
{
	return cfg->mode == RG_MODE_ENFORCE && cfg->enforce_until && now_ns >= cfg->enforce_until;
}

static bool revert_holds(const struct rg_meta *meta)
{
	return (meta->fleet & RG_FLEET_REVERTED) &&
	       !memcmp(meta->reverted_sha256, meta->sha256, sizeof(meta->sha256));
}

void rg_mode_view_of(const struct rg_meta *meta, const struct rg_config *cfg, __u64 now_ns,
		     struct rg_mode_view *v)
{
	memset(v, 0, sizeof(*v));
	v->effective = rg_deadline_passed(cfg, now_ns) ? RG_MODE_MONITOR : cfg->mode;
	v->known = meta->fleet & RG_FLEET_KNOWN;
	v->declared = v->known ? meta->declared_mode : RG_MODE_MONITOR;
	v->override = meta->fleet & RG_FLEET_OVERRIDE;
	v->reverted = revert_holds(meta);
	v->deadline_s = -1;
	if (v->effective == RG_MODE_ENFORCE && cfg->enforce_until) {
		v->deadline_s = (cfg->enforce_until - now_ns) / 1000000000ull;
		v->daemon_window = meta->armed_until == cfg->enforce_until;
	}
}

__u32 rg_fleet_fresh(struct rg_meta *meta, __u32 declared, bool declared_given, __u32 mode)
{
	meta->fleet = RG_FLEET_KNOWN;
	meta->declared_mode = declared;
	if (declared_given)
		return declared;
	if (mode != declared)
		meta->fleet |= RG_FLEET_OVERRIDE;
	return mode;
}

void rg_fleet_person(struct rg_meta *meta, __u32 mode)
{
	meta->fleet &= ~RG_FLEET_REVERTED;
	meta->armed_until = 0;
	if ((meta->fleet & RG_FLEET_KNOWN) && mode == meta->declared_mode)
		meta->fleet &= ~RG_FLEET_OVERRIDE;
	else
		meta->fleet |= RG_FLEET_OVERRIDE;
}

void rg_fleet_revert(struct rg_meta *meta, const char *why)
{
	meta->fleet &= ~RG_FLEET_OVERRIDE;
	if ((meta->fleet & RG_FLEET_KNOWN) && meta->declared_mode == RG_MODE_ENFORCE) {
		meta->fleet |= RG_FLEET_REVERTED;
		memcpy(meta->reverted_sha256, meta->sha256, sizeof(meta->sha256));
	}
	meta->armed_until = 0;
	meta->reverts++;
	meta->reverted_at = time(NULL);
	memset(meta->revert_reason, 0, sizeof(meta->revert_reason));
	snprintf(meta->revert_reason, sizeof(meta->revert_reason), "%s", why);
}

__u32 rg_fleet_want(struct rg_meta *meta, const struct rg_config *cfg, __u32 declared,
		    char *note, size_t len)
{
	note[0] = '\0';
	if (!(meta->fleet & RG_FLEET_KNOWN)) {
		/* pinned by a build that knew no declarations: whoever set the
		 * pinned mode meant it, so it stays, as an override
		 */
		meta->fleet = RG_FLEET_KNOWN;
		meta->declared_mode = declared;
		if (cfg->mode != declared) {
			meta->fleet |= RG_FLEET_OVERRIDE;
			snprintf(note, len, "keeping the pinned %s mode as an override (the plan "
				 "declares %s; 'ringguard mode %s' hands the mode back to the plan)",
				 rg_mode_name(cfg->mode), rg_mode_name(declared),
				 rg_mode_name(declared));
		}
	} else if (declared != meta->declared_mode) {
		snprintf(note, len, "the plan now declares %s for this host (was %s)%s",
			 rg_mode_name(declared), rg_mode_name(meta->declared_mode),
			 meta->fleet & RG_FLEET_OVERRIDE ? ": the override ends" :
			 meta->fleet & RG_FLEET_REVERTED ? ": the revert ends" : "");
		meta->fleet &= ~(RG_FLEET_OVERRIDE | RG_FLEET_REVERTED);
		meta->declared_mode = declared;
	} else if ((meta->fleet & RG_FLEET_REVERTED) && !revert_holds(meta)) {
		meta->fleet &= ~RG_FLEET_REVERTED;
		snprintf(note, len, "the plan changed since the revert to monitor: %s again "
			 "as it declares", rg_mode_name(declared));
	}
	if (meta->fleet & RG_FLEET_OVERRIDE)
		return cfg->mode;
	if (meta->fleet & RG_FLEET_REVERTED)
		return RG_MODE_MONITOR;
	return declared;
}
