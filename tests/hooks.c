// SPDX-License-Identifier: GPL-2.0-only
/*
 * hooks.c - the test hooks of user/lib/testhook.h, linked only into
 * $(OUTPUT)/ringguard-hooks (never into the installed binary).
 *
 *   RG_FAULT_SYNC_PAUSE_MS=N   every plan installation pauses N ms with the
 *                              new plan written but not in force, so that a
 *                              test can kill a sync halfway
 *   RG_TEST_MAX_IFACES=N       ringguard covers at most N interfaces (at
 *                              most RG_MAX_IFACES), so a lab of a few ports
 *                              reaches the limit
 *   RG_FAULT_LEASE_PAUSE_MS=N  every events lease renewal pauses N ms before
 *                              its write, so that a test can change the mode
 *                              in between
 */
#include <stdlib.h>
#include <unistd.h>
#define RG_TEST_HOOKS
#include "lib/testhook.h"

void rg_test_hook(enum rg_test_point at)
{
	const char *ms;

	switch (at) {
	case RG_TEST_SYNC_BEFORE_SWITCH:
		ms = getenv("RG_FAULT_SYNC_PAUSE_MS");
		if (ms)
			usleep(1000 * atoi(ms));
		break;
	case RG_TEST_LEASE_BEFORE_WRITE:
		ms = getenv("RG_FAULT_LEASE_PAUSE_MS");
		if (ms)
			usleep(1000 * atoi(ms));
		break;
	}
}

int rg_test_value(enum rg_test_value what, int dflt)
{
	const char *v = NULL;

	switch (what) {
	case RG_TEST_MAX_IFACES:
		v = getenv("RG_TEST_MAX_IFACES");
		break;
	}
	return v && atoi(v) > 0 ? atoi(v) : dflt;
}
