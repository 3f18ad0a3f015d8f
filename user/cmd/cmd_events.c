// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_events.c - `ringguard events`: live violations.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "report/events.h"

struct events_args {
	long count;
};

static const struct rg_opt events_opts[] = {
	RG_OPT_NUM("count", 0, struct events_args, count, "N",
		   "stop after N events (default: run until ^C)", .min = 1,
		   .max = 1000000000),
	RG_OPT_END
};

static int cmd_events(struct rg_cli *c);

const struct rg_cmd rg_events_cmd = {
	.run = cmd_events,
	.name = "events",
	.summary = "live violations, rate-limited per bucket",
	.examples =
"  ringguard events\n"
"  ringguard -j events --count 10\n",
	.opts = events_opts,
};

static int cmd_events(struct rg_cli *c)
{
	struct events_args a = {};
	struct rg_args pos;
	struct rg_maps m;
	int err;

	err = cli_parse(c, &a, &pos);
	if (!err)
		err = cli_open_state(c, &m, false);
	if (err)
		return err;
	err = rg_events(&m, c->json, a.count, stdout);
	rg_maps_close(&m);
	return err;
}
