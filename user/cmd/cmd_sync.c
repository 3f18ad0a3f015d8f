// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_sync.c - `ringguard sync`: a new plan in, atomically.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "kernel/attach.h"
#include "kernel/fleet.h"
#include "kernel/install.h"
#include "lib/json.h"

struct sync_args {
	const char *plan_path;
};

static const struct rg_opt sync_opts[] = {
	RG_OPT_STR("plan", 0, struct sync_args, plan_path, "FILE",
		   "the plan (default: the attached plan's file)"),
	RG_OPT_END
};

static int cmd_sync(struct rg_cli *c);

const struct rg_cmd rg_sync_cmd = {
	.run = cmd_sync,
	.name = "sync",
	.summary = "re-read the plan, validate it, swap it in atomically",
	.description =
"An invalid plan is refused with FILE:LINE messages; the active plan stays.\n",
	.examples =
"  ringguard sync\n"
"  ringguard sync --plan maps/sol.plan\n",
	.opts = sync_opts,
};

static int cmd_sync(struct rg_cli *c)
{
	struct sync_args a = {};
	struct rg_args pos;
	struct rg_plan plan;
	struct rg_meta meta;
	struct rg_maps m;
	const char *plan_path;
	long long gen;
	char *abs;
	int err, lock;

	err = cli_parse(c, &a, &pos);
	if (err)
		return err;
	err = cli_open_state(c, &m, false);
	if (err)
		return err;
	err = rg_meta_read(&m, &meta);
	if (err) {
		rg_maps_close(&m);
		return cli_fail(c, err, "cannot read plan metadata: %s", strerror(-err));
	}
	plan_path = a.plan_path ? a.plan_path : meta.plan_path;
	err = cli_abs_path(c, plan_path, &abs);
	if (err) {
		rg_maps_close(&m);
		return err;
	}
	err = cli_load_plan(c, plan_path, &plan);
	if (err) {
		free(abs);
		rg_maps_close(&m);
		return err;
	}
	lock = cli_lock_state(c);
	if (lock < 0) {
		free(abs);
		rg_plan_free(&plan);
		rg_maps_close(&m);
		return lock;
	}
	gen = rg_install(&m, &plan, abs);
	close(lock);
	if (gen < 0) {
		err = cli_fail(c, gen, "cannot install plan %s: %s (the previous plan stays active)",
			   abs, strerror(-gen));
	} else if (c->json) {
		struct rg_json j;

		rg_json_init(&j, stdout);
		rg_json_obj(&j, NULL);
		rg_json_int(&j, "generation", gen);
		rg_json_int(&j, "entries", plan.nentries);
		rg_json_end(&j);
	} else {
		printf("plan %s installed: generation %lld, %d entries\n", abs, gen, plan.nentries);
	}
	free(abs);
	rg_plan_free(&plan);
	rg_maps_close(&m);
	return err;
}
