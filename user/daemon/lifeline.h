/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lifeline.h - ICMPv6/ICMP echo probes of the plan's lifelines, from the
 * network namespace the daemon runs in (raw sockets: CAP_NET_RAW).
 *
 * The daemon sends a round (one echo per lifeline) every interval and never
 * waits for it: replies are matched to their round by identifier and
 * sequence, whichever round is the latest. A lifeline is up while its
 * replies come back, and down after RG_LIFELINE_MISSES probes in a row went
 * RG_LIFELINE_REPLY_MS without one.
 */
#ifndef RG_LIFELINE_H
#define RG_LIFELINE_H

#include <stdbool.h>
#include "plan/plan.h"

#define RG_LIFELINE_MISSES	3
/* A reply counts when it comes within this of its request, whichever round
 * is the latest by then: a slow link (600 ms) still answers. A probe is
 * missed only once this passed without its reply.
 */
#define RG_LIFELINE_REPLY_MS	2500
/* Rounds remembered for their replies: 8 s at the window's pace (500 ms),
 * well past RG_LIFELINE_REPLY_MS.
 */
#define RG_PROBE_RING		16

struct rg_lifeline_state {
	struct rg_lifeline l;
	char text[48];		/* the address as the plan shows it */
	bool up;		/* answered, and fewer than RG_LIFELINE_MISSES probes missed since */
	bool known;		/* answered, or missed RG_LIFELINE_MISSES probes */
	int misses;		/* probes missed in a row since its latest answer */
	__u64 added_ns;		/* taken from the plan then: earlier rounds were not its own */
	__u64 answered_sent_ns;	/* when the latest probe it answered was sent (0: none yet) */
	__u64 last_reply_ns;	/* CLOCK_MONOTONIC */
};

struct rg_probe_round {
	__u16 seq;
	bool expired;		/* its misses are counted */
	__u64 sent_ns;		/* 0: the slot was never used */
};

struct rg_prober {
	int fd6, fd4;		/* -1 until a lifeline of that family needs one */
	__u16 ident;
	__u16 seq;		/* of the latest round */
	int n;
	struct rg_lifeline_state s[RG_MAX_LIFELINES];
	struct rg_probe_round rounds[RG_PROBE_RING];	/* round seq in slot seq % RG_PROBE_RING */
};

void rg_prober_init(struct rg_prober *p);
/* Takes the plan's lifelines; a lifeline kept from before keeps its state.
 * Opens the sockets needed; -errno (EPERM: no CAP_NET_RAW) if it cannot.
 */
int rg_prober_set(struct rg_prober *p, const struct rg_plan *plan);
/* Sends the next round (one echo request per lifeline), never waiting. */
void rg_prober_round(struct rg_prober *p);
/* Reads every reply waiting on the sockets (non-blocking): a reply to any
 * round still within RG_LIFELINE_REPLY_MS counts.
 */
void rg_prober_recv(struct rg_prober *p);
/* One echo reply from addr (IPv4 mapped), as rg_prober_recv reads it. */
void rg_prober_reply(struct rg_prober *p, const __u8 addr[16], __u16 id, __u16 seq);
/* Counts the misses of the rounds whose replies are overdue (the replies
 * waiting on the sockets are read first: a loop that was slow to come round
 * does not turn an answer into a miss).
 */
void rg_prober_expire(struct rg_prober *p);
/* The lifelines that answer now: their latest probe that is overdue was
 * answered (misses 0), and they answered one at all. Never waits.
 */
__u64 rg_prober_answering(const struct rg_prober *p);
/* Rounds every 500 ms for up to timeout_ms, until every lifeline answered
 * one; for the daemon's start only (it waits). Returns the mask of those
 * that answered.
 */
__u64 rg_prober_probe_now(struct rg_prober *p, int timeout_ms);
void rg_prober_close(struct rg_prober *p);

#endif /* RG_LIFELINE_H */
