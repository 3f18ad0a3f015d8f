// SPDX-License-Identifier: GPL-2.0-only
/*
 * confirm.c - the confirm window's rule (see confirm.h).
 */
#include "daemon/confirm.h"

enum rg_confirm_step rg_confirm_step(const struct rg_window *w, const struct rg_prober *p,
				     __u64 now, int *lost)
{
	bool all = true;

	*lost = -1;
	for (int i = 0; i < p->n && i < 64; i++) {
		const struct rg_lifeline_state *s = &p->s[i];

		if (!(w->guarded & (1ull << i)))
			continue;
		if (s->misses >= RG_LIFELINE_MISSES) {
			*lost = i;
			return RG_CONFIRM_REVERT;
		}
		/* answered since the switch, and nothing overdue since */
		if (s->answered_sent_ns < w->switched_ns || s->misses)
			all = false;
	}
	return now >= w->confirm_ns && all ? RG_CONFIRM_NOW : RG_CONFIRM_WAIT;
}

__u64 rg_confirm_lease(__u64 until, __u64 now)
{
	__u64 lease = now + RG_CONFIRM_LEASE_MS * 1000000ull;

	return lease > until ? lease : until;
}
