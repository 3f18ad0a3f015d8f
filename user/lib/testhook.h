/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * testhook.h - points where a test suite may step into the CLI.
 *
 * The production build compiles every hook away: it neither calls out nor
 * reads the environment. `make test` links a second binary,
 * $(OUTPUT)/ringguard-hooks, with RG_TEST_HOOKS defined and tests/hooks.c,
 * whose rg_test_hook() acts at these points (tests/faults.sh pauses a sync
 * there to kill the daemon halfway).
 */
#ifndef RG_TESTHOOK_H
#define RG_TESTHOOK_H

enum rg_test_point {
	/* plan install: the new plan is complete in the idle slot, not yet in
	 * force (install.c, between steps 3 and 4)
	 */
	RG_TEST_SYNC_BEFORE_SWITCH,
	/* the events lease: about to write its renewal (events.c) */
	RG_TEST_LEASE_BEFORE_WRITE,
};

/* Values a test may lower to reach a limit with a small lab. */
enum rg_test_value {
	/* the interfaces ringguard covers (RG_MAX_IFACES; reconcile.c) */
	RG_TEST_MAX_IFACES,
};

#ifdef RG_TEST_HOOKS
void rg_test_hook(enum rg_test_point at);
int rg_test_value(enum rg_test_value what, int dflt);
#else
static inline void rg_test_hook(enum rg_test_point at)
{
	(void)at;
}

static inline int rg_test_value(enum rg_test_value what, int dflt)
{
	(void)what;
	return dflt;
}
#endif

#endif /* RG_TESTHOOK_H */
