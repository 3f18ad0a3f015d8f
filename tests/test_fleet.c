// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_fleet.c - whose word sets the mode (user/kernel/fleet.c): the plan's
 * declaration, a person's override, a revert that holds until the plan
 * changes, and state pinned by a build that knew none of it.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "kernel/fleet.h"

static struct rg_meta meta;
static struct rg_config cfg;
static char note[512];

static void fresh(__u32 declared, bool given, __u32 mode)
{
	memset(&meta, 0, sizeof(meta));
	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = rg_fleet_fresh(&meta, declared, given, mode);
	memset(meta.sha256, 1, sizeof(meta.sha256));
}

static __u32 want(__u32 declared)
{
	return rg_fleet_want(&meta, &cfg, declared, note, sizeof(note));
}

Test(fleet, the_declaration_wins_over_mode_on_a_fresh_attach)
{
	fresh(RG_MODE_MONITOR, true, RG_MODE_ENFORCE);
	cr_expect_eq(cfg.mode, RG_MODE_MONITOR);
	cr_expect_not(meta.fleet & RG_FLEET_OVERRIDE);
	fresh(RG_MODE_ENFORCE, true, RG_MODE_MONITOR);
	cr_expect_eq(cfg.mode, RG_MODE_ENFORCE);
}

Test(fleet, mode_applies_when_the_plan_declares_nothing)
{
	fresh(RG_MODE_MONITOR, false, RG_MODE_ENFORCE);
	cr_expect_eq(cfg.mode, RG_MODE_ENFORCE);
	cr_expect(meta.fleet & RG_FLEET_OVERRIDE, "enforce against an implicit monitor holds");
	cr_expect_eq(want(RG_MODE_MONITOR), RG_MODE_ENFORCE, "and survives the next sync");
}

Test(fleet, an_override_survives_syncs_that_keep_the_declaration)
{
	fresh(RG_MODE_MONITOR, true, RG_MODE_MONITOR);
	rg_fleet_person(&meta, RG_MODE_ENFORCE);
	cfg.mode = RG_MODE_ENFORCE;
	cr_expect(meta.fleet & RG_FLEET_OVERRIDE);
	cr_expect_eq(want(RG_MODE_MONITOR), RG_MODE_ENFORCE);
	memset(meta.sha256, 2, sizeof(meta.sha256));	/* another plan, same declaration */
	cr_expect_eq(want(RG_MODE_MONITOR), RG_MODE_ENFORCE);
	cr_expect_str_empty(note);
}

Test(fleet, a_changed_declaration_ends_the_override)
{
	fresh(RG_MODE_ENFORCE, true, RG_MODE_MONITOR);
	rg_fleet_person(&meta, RG_MODE_MONITOR);
	cfg.mode = RG_MODE_MONITOR;
	cr_expect_eq(want(RG_MODE_ENFORCE), RG_MODE_MONITOR, "the override holds");
	cr_expect_eq(want(RG_MODE_MONITOR), RG_MODE_MONITOR);
	cr_expect_not(meta.fleet & RG_FLEET_OVERRIDE, "the declaration changed: override ends");
	cr_expect_str_eq(note, "the plan now declares monitor for this host (was enforce): "
			 "the override ends");
	cr_expect_eq(want(RG_MODE_ENFORCE), RG_MODE_ENFORCE, "and the new one wins");
}

Test(fleet, the_declared_mode_is_not_an_override)
{
	fresh(RG_MODE_ENFORCE, true, RG_MODE_MONITOR);
	rg_fleet_person(&meta, RG_MODE_MONITOR);
	cr_expect(meta.fleet & RG_FLEET_OVERRIDE);
	rg_fleet_person(&meta, RG_MODE_ENFORCE);
	cr_expect_not(meta.fleet & RG_FLEET_OVERRIDE, "back to what the plan says");
}

Test(fleet, a_revert_of_a_declared_enforce_holds_until_the_plan_changes)
{
	fresh(RG_MODE_ENFORCE, true, RG_MODE_MONITOR);
	rg_fleet_revert(&meta, "lifeline fd00::1 stopped answering");
	cfg.mode = RG_MODE_MONITOR;
	cr_expect_eq(meta.reverts, 1);
	cr_expect_str_eq(meta.revert_reason, "lifeline fd00::1 stopped answering");
	cr_expect_eq(want(RG_MODE_ENFORCE), RG_MODE_MONITOR, "same plan: the revert holds");
	cr_expect_eq(want(RG_MODE_ENFORCE), RG_MODE_MONITOR);
	memset(meta.sha256, 3, sizeof(meta.sha256));	/* the plan was fixed */
	cr_expect_eq(want(RG_MODE_ENFORCE), RG_MODE_ENFORCE, "a new plan: enforce again");
	cr_expect_not(meta.fleet & RG_FLEET_REVERTED);
}

Test(fleet, a_revert_ends_a_persons_enforce_without_holding)
{
	fresh(RG_MODE_MONITOR, true, RG_MODE_MONITOR);
	rg_fleet_person(&meta, RG_MODE_ENFORCE);
	rg_fleet_revert(&meta, "deadline");
	cfg.mode = RG_MODE_MONITOR;
	cr_expect_not(meta.fleet & (RG_FLEET_OVERRIDE | RG_FLEET_REVERTED));
	cr_expect_eq(want(RG_MODE_MONITOR), RG_MODE_MONITOR);
}

Test(fleet, a_person_can_retry_after_a_revert)
{
	fresh(RG_MODE_ENFORCE, true, RG_MODE_MONITOR);
	rg_fleet_revert(&meta, "lost");
	rg_fleet_person(&meta, RG_MODE_ENFORCE);
	cfg.mode = RG_MODE_ENFORCE;
	cr_expect_not(meta.fleet & RG_FLEET_REVERTED);
	cr_expect_eq(want(RG_MODE_ENFORCE), RG_MODE_ENFORCE);
}

Test(fleet, state_of_an_older_build_keeps_its_mode_as_an_override)
{
	memset(&meta, 0, sizeof(meta));	/* migrated from layout 2: no fleet fields */
	cfg.mode = RG_MODE_ENFORCE;
	cr_expect_eq(want(RG_MODE_MONITOR), RG_MODE_ENFORCE);
	cr_expect(meta.fleet & RG_FLEET_OVERRIDE);
	cr_expect_str_eq(note, "keeping the pinned enforce mode as an override (the plan "
			 "declares monitor; 'ringguard mode monitor' hands the mode back to the plan)");
	memset(&meta, 0, sizeof(meta));
	cfg.mode = RG_MODE_MONITOR;
	cr_expect_eq(want(RG_MODE_ENFORCE), RG_MODE_MONITOR);
	cr_expect(meta.fleet & RG_FLEET_OVERRIDE, "monitor against a declared enforce too");
}

Test(fleet, the_view_tells_a_passed_deadline_and_whose_window)
{
	struct rg_mode_view v;

	fresh(RG_MODE_ENFORCE, true, RG_MODE_MONITOR);
	cfg.mode = RG_MODE_ENFORCE;
	cfg.enforce_until = 10000000000ull;
	meta.armed_until = cfg.enforce_until;
	rg_mode_view_of(&meta, &cfg, 5000000000ull, &v);
	cr_expect_eq(v.effective, RG_MODE_ENFORCE);
	cr_expect_eq(v.deadline_s, 5);
	cr_expect(v.daemon_window);
	rg_mode_view_of(&meta, &cfg, 10000000000ull, &v);
	cr_expect_eq(v.effective, RG_MODE_MONITOR, "the datapath reverted at the deadline");
	cr_expect_eq(v.deadline_s, -1);
	cr_expect(rg_deadline_passed(&cfg, 10000000000ull));
}
