/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * drift.h - the daemon's drift watch: the host checks of `verify`
 * (kernel/hostcheck.h) kept true continuously, so a wrong route, a source
 * address of the wrong zone or an MTU that came back wrong shows before
 * the first packet crosses a hook.
 *
 * The daemon feeds it the rtnetlink messages it reads (routes, addresses,
 * links); each marks what it touches: a route for CIDR C the planned
 * prefixes inside C and those C lies in, an address or link event the role
 * interfaces and the routes that leave through that link. rg_drift_run()
 * checks what is marked (one route lookup per prefix, as `ip route get`)
 * and reports each check that starts or stops failing. A full pass (every
 * check) runs at start, after each new plan, every few minutes, and after
 * a netlink overrun, which may have lost events.
 *
 * Only failures count as drift: a warning (no route at all, a blackhole
 * for a named prefix) is verify's to show. A route for an address the plan
 * does not name is never a failure.
 */
#ifndef RG_DRIFT_H
#define RG_DRIFT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/netlink.h>
#include "kernel/hostcheck.h"
#include "plan/plan.h"

struct rg_drift;

struct rg_drift_stats {
	uint64_t checks;	/* checks run */
	uint64_t full_passes;
	uint64_t overruns;	/* netlink overruns (ENOBUFS), each followed by a full pass */
	uint64_t errors;	/* passes that could not read the kernel's state */
	uint64_t events;	/* netlink messages that marked something */
	uint64_t lookup_errors;	/* route lookups the kernel answered with an error */
	int last_lookup_error;	/* -errno of the last one */
	int failing;		/* checks failing now */
	long long last_full_ms;	/* CLOCK_MONOTONIC of the last full pass, 0: none */
	long long last_run_us;	/* how long the last run took */
};

/* Called for each check that starts (failing) or stops (!failing) failing. */
typedef void (*rg_drift_fn)(void *arg, const struct rg_check *c, bool failing);

struct rg_drift *rg_drift_new(void);
void rg_drift_free(struct rg_drift *d);

/* The plan in force and this host's role interfaces. The drift watch takes
 * plan over (it frees it; *plan is left empty); everything is checked at
 * the next run. Checks that failed under the old plan and are gone under
 * the new one are reported cleared.
 */
int rg_drift_set(struct rg_drift *d, struct rg_plan *plan, const struct rg_host_if *ifs,
		 int nifs);
/* One rtnetlink message (RTM_NEWROUTE, RTM_DELROUTE, RTM_NEWADDR,
 * RTM_DELADDR, RTM_NEWLINK, RTM_DELLINK; others are ignored).
 */
void rg_drift_on_msg(struct rg_drift *d, const struct nlmsghdr *nlh);
/* Everything at the next run (overrun: count it as one). */
void rg_drift_full(struct rg_drift *d, bool overrun);
/* Whether a run has something to check. */
bool rg_drift_pending(const struct rg_drift *d);
/* Runs the marked checks; 0, or -errno when the kernel's state could not
 * be read (counted; everything stays marked for the next run).
 */
int rg_drift_run(struct rg_drift *d, rg_drift_fn fn, void *arg);
/* The checks failing now: *v points into the watch's own memory, valid
 * until the next call of rg_drift_run or rg_drift_set.
 */
int rg_drift_failing(const struct rg_drift *d, const struct rg_check ***v);
void rg_drift_stats(const struct rg_drift *d, struct rg_drift_stats *s);

/* The failing checks (a series each) and the watch's counters, in the
 * Prometheus text format.
 */
void rg_drift_metrics(const struct rg_drift *d, FILE *f);
/* The list `status` and `events` read (rg_drift): recs holds RG_DRIFT_MAX. */
void rg_drift_pinned(const struct rg_drift *d, struct rg_drift_head *head,
		     struct rg_drift_rec *recs);

#endif /* RG_DRIFT_H */
