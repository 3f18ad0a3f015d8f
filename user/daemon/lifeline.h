/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lifeline.h - ICMPv6/ICMP echo probes of the plan's lifelines, from the
 * network namespace the daemon runs in (raw sockets: CAP_NET_RAW).
 *
 * The daemon sends a round (one echo per lifeline) every interval; a
 * lifeline is up while its replies come back, and down after
 * RG_LIFELINE_MISSES rounds in a row without one.
 */
#ifndef RG_LIFELINE_H
#define RG_LIFELINE_H

#include <stdbool.h>
#include "plan/plan.h"

#define RG_LIFELINE_MISSES	3

struct rg_lifeline_state {
	struct rg_lifeline l;
	char text[48];		/* the address as the plan shows it */
	bool up;		/* answered within the last RG_LIFELINE_MISSES rounds */
	bool known;		/* probed at least RG_LIFELINE_MISSES rounds, or answered */
	bool replied;		/* to the round in flight */
	int misses;		/* rounds in a row without a reply */
	int rounds;
	__u64 last_reply_ns;	/* CLOCK_MONOTONIC */
};

struct rg_prober {
	int fd6, fd4;		/* -1 until a lifeline of that family needs one */
	__u16 ident;
	__u16 seq;		/* of the round in flight */
	int n;
	struct rg_lifeline_state s[RG_MAX_LIFELINES];
};

void rg_prober_init(struct rg_prober *p);
/* Takes the plan's lifelines; a lifeline kept from before keeps its state.
 * Opens the sockets needed; -errno (EPERM: no CAP_NET_RAW) if it cannot.
 */
int rg_prober_set(struct rg_prober *p, const struct rg_plan *plan);
/* Closes the round in flight (counts the misses) and sends the next. */
void rg_prober_round(struct rg_prober *p);
/* Reads every reply waiting on the sockets (non-blocking). */
void rg_prober_recv(struct rg_prober *p);
/* One round, waiting up to timeout_ms for every reply; tries 3 rounds for
 * the silent ones. Returns the mask of lifelines that answered.
 */
__u64 rg_prober_probe_now(struct rg_prober *p, int timeout_ms);
void rg_prober_close(struct rg_prober *p);

#endif /* RG_LIFELINE_H */
