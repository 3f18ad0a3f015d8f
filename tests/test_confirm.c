// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_confirm.c - the confirm window's rule (user/daemon/confirm.c) over
 * the lifeline prober's state (user/daemon/lifeline.c): a late reply to an
 * earlier round still counts, a reply past RG_LIFELINE_REPLY_MS does not,
 * one count of misses decides both the revert and the confirm, and the
 * kernel deadline is kept a lease ahead. No sockets: rounds are sent to
 * nowhere (no lifeline family opened) and their send times set back to
 * stand for the time that passed.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "daemon/confirm.h"
#include "daemon/lifeline.h"
#include "kernel/state.h"

#define MS	1000000ull

static struct rg_prober p;
static const __u8 A[16] = { 0xfd, 0, 1, 1, [15] = 1 };
static const __u8 B[16] = { 0xfd, 0, 1, 1, [15] = 2 };

static void setup(void)
{
	rg_prober_init(&p);
	p.n = 2;
	memcpy(p.s[0].l.addr, A, 16);
	memcpy(p.s[1].l.addr, B, 16);
	p.s[0].added_ns = p.s[1].added_ns = 1;
}

/* A round sent ago_ms before now; returns its sequence. */
static __u16 round_ago(int ago_ms)
{
	rg_prober_round(&p);
	p.rounds[p.seq % RG_PROBE_RING].sent_ns = rg_monotonic_ns() - ago_ms * MS;
	return p.seq;
}

TestSuite(confirm, .init = setup);

Test(confirm, a_late_reply_to_an_earlier_round_counts)
{
	__u16 first = round_ago(600);

	round_ago(100);		/* the next round is out before the reply comes */
	rg_prober_reply(&p, A, p.ident, first);
	rg_prober_expire(&p);
	cr_expect_eq(p.s[0].answered_sent_ns, p.rounds[first % RG_PROBE_RING].sent_ns);
	cr_expect(p.s[0].up, "a 600 ms reply is an answer");
	cr_expect_eq(p.s[0].misses, 0);
	cr_expect_eq(rg_prober_answering(&p), 1, "A answers, B never did");
}

Test(confirm, a_reply_past_the_timeout_or_not_ours_does_not)
{
	__u16 old = round_ago(RG_LIFELINE_REPLY_MS + 100);

	rg_prober_expire(&p);
	cr_expect_eq(p.s[0].misses, 1, "overdue: a miss");
	rg_prober_reply(&p, A, p.ident, old);
	cr_expect_eq(p.s[0].answered_sent_ns, 0, "a reply to an overdue round is not an answer");
	old = round_ago(10);
	rg_prober_reply(&p, A, p.ident ^ 1, old);
	rg_prober_reply(&p, B, p.ident, old + 1);
	cr_expect_eq(p.s[0].answered_sent_ns, 0, "another identifier");
	cr_expect_eq(p.s[1].answered_sent_ns, 0, "a round never sent");
}

Test(confirm, a_guarded_lifeline_that_misses_three_reverts)
{
	struct rg_window w;
	int lost;
	__u16 s;

	s = round_ago(9000);
	rg_prober_reply(&p, A, p.ident, s);
	rg_prober_reply(&p, B, p.ident, s);
	w = (struct rg_window){ .switched_ns = rg_monotonic_ns() - 8000 * MS,
				.confirm_ns = rg_monotonic_ns() + 10000 * MS, .guarded = 1 };
	for (int i = 0; i < RG_LIFELINE_MISSES - 1; i++)
		round_ago(RG_LIFELINE_REPLY_MS + 1000 - i * 500);
	s = round_ago(100);
	rg_prober_reply(&p, B, p.ident, s);
	rg_prober_expire(&p);
	cr_expect_eq(rg_confirm_step(&w, &p, rg_monotonic_ns(), &lost), RG_CONFIRM_WAIT,
		     "%d misses: not yet", RG_LIFELINE_MISSES - 1);
	round_ago(RG_LIFELINE_REPLY_MS + 10);
	rg_prober_expire(&p);
	cr_expect_eq(p.s[0].misses, RG_LIFELINE_MISSES);
	cr_expect_eq(rg_confirm_step(&w, &p, rg_monotonic_ns(), &lost), RG_CONFIRM_REVERT);
	cr_expect_eq(lost, 0, "A, the guarded one");
	cr_expect_not(p.s[0].up);
	w.guarded = 2;
	cr_expect_neq(rg_confirm_step(&w, &p, rg_monotonic_ns(), &lost), RG_CONFIRM_REVERT,
		      "an unguarded lifeline's silence reverts nothing");
}

Test(confirm, confirmed_once_the_window_passed_and_the_guarded_answered_since)
{
	__u64 now = rg_monotonic_ns();
	struct rg_window w = { .switched_ns = now - 1000 * MS, .confirm_ns = now + 1000 * MS,
			       .guarded = 3 };
	int lost;
	__u16 s;

	s = round_ago(2000);	/* answered before the switch only */
	rg_prober_reply(&p, A, p.ident, s);
	rg_prober_reply(&p, B, p.ident, s);
	cr_expect_eq(rg_confirm_step(&w, &p, now + 2000 * MS, &lost), RG_CONFIRM_WAIT,
		     "no answer since the switch: wait");
	s = round_ago(500);
	rg_prober_reply(&p, A, p.ident, s);
	cr_expect_eq(rg_confirm_step(&w, &p, now + 2000 * MS, &lost), RG_CONFIRM_WAIT,
		     "B has not answered since the switch");
	rg_prober_reply(&p, B, p.ident, s);
	cr_expect_eq(rg_confirm_step(&w, &p, now, &lost), RG_CONFIRM_WAIT,
		     "both answered, but the window is not over");
	cr_expect_eq(rg_confirm_step(&w, &p, now + 1000 * MS, &lost), RG_CONFIRM_NOW);
	w.guarded = 0;
	cr_expect_eq(rg_confirm_step(&w, &p, now + 1000 * MS, &lost), RG_CONFIRM_NOW,
		     "no lifelines guarded: the window's end confirms");
}

Test(confirm, the_kernel_deadline_is_a_lease_ahead_and_never_earlier)
{
	__u64 now = rg_monotonic_ns();

	cr_expect_eq(rg_confirm_lease(now + 1000 * MS, now), now + RG_CONFIRM_LEASE_MS * MS);
	cr_expect_eq(rg_confirm_lease(now + 60000 * MS, now), now + 60000 * MS);
}
