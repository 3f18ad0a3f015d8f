// SPDX-License-Identifier: GPL-2.0-only
/*
 * mode.c - the mode this host runs in, and the confirm window.
 * The plan's declaration for this host, unless a person's `ringguard mode`
 * overrides it or a revert holds (kernel/fleet.c). Every switch to enforce
 * opens a window (confirm.h) guarding the lifelines that answer at the
 * switch; one going silent reverts to monitor, all answering until the end
 * confirms. The in-kernel deadline is kept a few seconds ahead meanwhile.
 */
#include <signal.h>
#include "kernel/fleet.h"
#include "lib/json.h"
#include "daemon/daemon_int.h"

/* --- the mode ---------------------------------------------------------- */

static void lifeline_list(struct daemon *d, __u64 mask, bool in, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < d->probe.n; i++)
		if (!!(mask & (1ull << i)) == in)
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
				      d->probe.s[i].text);
}

/* The lifelines that answer now (lifeline.c), for the guarded set of a
 * switch: their state as the rounds left it, never a wait for probes.
 */
static __u64 answering(struct daemon *d)
{
	__u64 m;

	pthread_mutex_lock(&d->mu);
	rg_prober_expire(&d->probe);
	m = rg_prober_answering(&d->probe);
	pthread_mutex_unlock(&d->mu);
	return m;
}

/* The window as this daemon follows it, from now; a round goes out at
 * once, so the guarded lifelines' first answers after the switch come in
 * milliseconds.
 */
static void window_start(struct daemon *d, __u64 now, __u64 guarded)
{
	d->win = (struct rg_window){
		.switched_ns = now,
		.confirm_ns = now + (__u64)d->o->confirm_within * 1000000000ull,
		.guarded = guarded,
	};
	d->win_set = true;
	pthread_mutex_lock(&d->mu);
	if (d->probe.n)
		rg_prober_round(&d->probe);
	pthread_mutex_unlock(&d->mu);
	d->probe_due = now_ms() + PROBE_WINDOW_MS;
}

/* Arms the daemon's confirm window on an enforce that has none; before:
 * the lifelines that answered before the switch (they are guarded).
 */
static void arm_window(struct daemon *d, struct locked_state *p, __u64 before, const char *why)
{
	char guarded[1024], silent[1024];
	__u64 until = rg_monotonic_ns() + (__u64)d->o->confirm_within * 1000000000ull;

	p->cfg.mode = RG_MODE_ENFORCE;
	p->cfg.enforce_until = until;
	p->meta.armed_until = until;
	p->meta.lifelines_before = before;
	p->meta.confirm_within = d->o->confirm_within;
	if (state_commit(d, p, true, true))
		return;
	d->mode_seen = RG_MODE_ENFORCE;
	window_start(d, rg_monotonic_ns(), before);
	lifeline_list(d, before, true, guarded, sizeof(guarded));
	lifeline_list(d, before, false, silent, sizeof(silent));
	if (!d->probe.n)
		rg_info("enforce mode (%s): the plan names no lifeline, so it is confirmed "
		     "in %d s if this daemon is still running", why, d->o->confirm_within);
	else
		rg_info("enforce mode (%s): confirmed in %d s unless a lifeline stops "
		     "answering; guarding %s%s%s%s", why, d->o->confirm_within,
		     *guarded ? guarded : "none", *silent ? " (not answering before the switch, "
		     "so not guarded: " : "", silent, *silent ? ")" : "");
	notify("STATUS=enforce, confirm window %d s", d->o->confirm_within);
}

/* A new plan while enforcing: the window again, unless the mode moved. */
void rearm_window(struct daemon *d)
{
	struct locked_state p;

	d->rearm = false;
	if (state_begin(d, &p))
		return;
	if (p.cfg.mode != RG_MODE_ENFORCE || rg_deadline_passed(&p.cfg, rg_monotonic_ns()) ||
	    (p.cfg.enforce_until && p.meta.armed_until != p.cfg.enforce_until)) {
		close(p.lock);
		return;
	}
	arm_window(d, &p, d->rearm_before, "a new plan while enforcing");
}

/* Switches to enforce with the window armed, guarding the lifelines that
 * answer now. recheck: ask the rules again (a person may have spoken).
 */
static void switch_enforce(struct daemon *d, bool recheck)
{
	struct locked_state p;
	char note[512];
	__u64 before = answering(d);

	if (state_begin(d, &p))
		return;
	if (recheck &&
	    rg_fleet_want(&p.meta, &p.cfg, d->declared, note, sizeof(note)) != RG_MODE_ENFORCE) {
		state_commit(d, &p, false, true);
		return;
	}
	arm_window(d, &p, before, p.meta.fleet & RG_FLEET_OVERRIDE ? "an override holds" :
		   "the plan declares it for this host");
}

static void revert(struct daemon *d, struct locked_state *p, const char *why)
{
	p->cfg.mode = RG_MODE_MONITOR;
	p->cfg.enforce_until = 0;
	rg_fleet_revert(&p->meta, why);
	if (state_commit(d, p, true, true))
		return;
	d->mode_seen = RG_MODE_MONITOR;
	d->win_set = false;
	if (rg_log_is_json()) {
		struct rg_json j;

		if (rg_log_record(&j, RG_LOG_WARN, "reverted to monitor")) {
			rg_json_str(&j, "event", "revert");
			rg_json_str(&j, "reason", why);
			rg_json_end(&j);
			rg_json_finish(&j);
		}
	} else {
		rg_warn("reverted to monitor: %s", why);
	}
	notify("STATUS=reverted to monitor: %s", why);
}

/* The mode the rules want (fleet.c), applied; after every plan read. */
void apply_mode(struct daemon *d, bool at_start)
{
	struct locked_state p;
	char note[512];
	__u32 want;

	if (state_begin(d, &p))
		return;
	if (rg_deadline_passed(&p.cfg, rg_monotonic_ns())) {
		/* the kernel's deadline is the dead man's switch: a daemon
		 * that is alive keeps it ahead (confirm.h), so it passed
		 * while none ran, or while this one was stuck
		 */
		const char *why = at_start ?
			"the confirm deadline passed while no daemon was running; the kernel "
			"went back to monitor by itself" :
			p.meta.armed_until == p.cfg.enforce_until ?
			"the confirm deadline passed before the daemon could confirm (its loop "
			"was stuck longer than the deadline's lease)" :
			"the deadline of 'mode enforce --confirm-within' passed without "
			"'ringguard mode confirm'";

		revert(d, &p, why);
		if (state_begin(d, &p))
			return;
	}
	want = rg_fleet_want(&p.meta, &p.cfg, d->declared, note, sizeof(note));
	if (*note)
		rg_info("%s", note);
	if (at_start && d->start_override)
		want = d->start_mode;	/* the override --mode set, not yet applied */
	if (want == RG_MODE_MONITOR && p.cfg.mode != RG_MODE_MONITOR) {
		p.cfg.mode = RG_MODE_MONITOR;
		p.cfg.enforce_until = 0;
		p.meta.armed_until = 0;
		if (!state_commit(d, &p, true, true))
			rg_info("monitor mode (%s)", p.meta.fleet & RG_FLEET_OVERRIDE ?
			     "an override holds" : p.meta.fleet & RG_FLEET_REVERTED ?
			     "a revert holds until the plan changes" :
			     "the plan declares it for this host");
		d->mode_seen = RG_MODE_MONITOR;
		d->win_set = false;
		return;
	}
	state_commit(d, &p, false, true);
	d->mode_seen = p.cfg.mode;
	if (want == RG_MODE_ENFORCE && p.cfg.mode != RG_MODE_ENFORCE)
		switch_enforce(d, !(at_start && d->start_override));
}

/* The window's step, at every probe round and tick (confirm.h): revert
 * when a guarded lifeline went silent; confirm (the daemon's own window
 * only) when the rule says so; else keep the kernel's deadline ahead.
 */
static void confirm_step(struct daemon *d, struct locked_state *p, bool ours, __u64 now)
{
	enum rg_confirm_step step;
	__u64 until;
	int lost;

	pthread_mutex_lock(&d->mu);
	rg_prober_expire(&d->probe);
	step = rg_confirm_step(&d->win, &d->probe, now, &lost);
	pthread_mutex_unlock(&d->mu);
	if (step == RG_CONFIRM_REVERT) {
		char why[RG_PATH_LEN];

		snprintf(why, sizeof(why), "lifeline %s stopped answering %.1f s after the switch "
			 "to enforce (it answered before)%s", d->probe.s[lost].text,
			 (now - d->win.switched_ns) / 1e9,
			 p->meta.declared_mode == RG_MODE_ENFORCE &&
			 !(p->meta.fleet & RG_FLEET_OVERRIDE) ? "; monitor until the plan changes" : "");
		revert(d, p, why);
		return;
	}
	if (!ours) {
		close(p->lock);	/* a person's --confirm-within: theirs to confirm */
		return;
	}
	if (step == RG_CONFIRM_NOW) {
		p->cfg.enforce_until = 0;
		p->meta.armed_until = 0;
		if (!state_commit(d, p, true, true))
			rg_info("enforce confirmed: %s", d->probe.n ?
			     "every guarded lifeline still answers" :
			     "no lifelines, and the daemon is alive at the deadline");
		notify("STATUS=enforce, confirmed");
		d->win_set = false;
		return;
	}
	/* waiting, alive: the deadline stays a lease ahead of this daemon */
	until = rg_confirm_lease(p->cfg.enforce_until, now);
	if (until < p->cfg.enforce_until + 250000000ull) {
		close(p->lock);
		return;
	}
	p->cfg.enforce_until = until;
	p->meta.armed_until = until;
	state_commit(d, p, true, true);
}

/* In a confirm window: the window's step. Also notices an enforce that a
 * person switched on, and arms the window for it.
 */
void watch_mode(struct daemon *d)
{
	struct locked_state p;
	__u64 now;

	if (state_begin(d, &p))
		return;
	now = rg_monotonic_ns();
	if (rg_deadline_passed(&p.cfg, now)) {
		close(p.lock);
		d->win_set = false;
		apply_mode(d, false);
		return;
	}
	if (p.cfg.mode == RG_MODE_ENFORCE && d->mode_seen != RG_MODE_ENFORCE) {
		__u64 before = answering(d);

		d->mode_seen = RG_MODE_ENFORCE;
		if (!p.cfg.enforce_until) {
			arm_window(d, &p, before, "switched by 'ringguard mode'");
			return;
		}
		/* a person's own --confirm-within: guard it, leave the confirming to them */
		p.meta.lifelines_before = before;
		state_commit(d, &p, false, true);
		window_start(d, now, before);
		return;
	}
	d->mode_seen = p.cfg.mode;
	if (p.cfg.mode != RG_MODE_ENFORCE || !p.cfg.enforce_until) {
		d->win_set = false;
		close(p.lock);
		return;
	}
	if (!d->win_set)	/* adopted in the window (a restart): it starts again now */
		window_start(d, now, p.meta.lifelines_before);
	confirm_step(d, &p, p.meta.armed_until == p.cfg.enforce_until, now);
}
