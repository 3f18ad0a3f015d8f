// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_show.c - `ringguard status` and `ringguard stats` (the output: report/status.c and report/stats.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "report/show.h"

static int cmd_status(struct rg_cli *c);

const struct rg_cmd rg_status_cmd = {
	.run = cmd_status,
	.name = "status",
	.summary = "plan, mode, interfaces and how they are attached",
	.examples =
"  ringguard status\n"
"  ringguard -j status\n",
};

struct stats_args {
	bool all, tree, prometheus;
	long watch;
	int sort;
};

static const char *const sort_words[] = { "cidr", "name", "packets", "bytes", "violations",
					  NULL };

static const struct rg_opt stats_opts[] = {
	RG_OPT_FLAG("all", 0, struct stats_args, all,
		    "buckets without traffic too (-j has all)"),
	RG_OPT_CHOICE("sort", 0, struct stats_args, sort, sort_words, "the order of the buckets"),
	RG_OPT_FLAG("tree", 0, struct stats_args, tree,
		    "roll counters up the prefix hierarchy"),
	RG_OPT_DURATION("watch", 0, struct stats_args, watch, "SECONDS",
			"live rates, redrawn every SECONDS", .min = 1, .max = 86400),
	RG_OPT_FLAG("prometheus", 0, struct stats_args, prometheus,
		    "Prometheus text exposition format"),
	RG_OPT_END
};

static int cmd_stats(struct rg_cli *c);

const struct rg_cmd rg_stats_cmd = {
	.run = cmd_stats,
	.name = "stats",
	.summary = "per-bucket and per-interface counters",
	.examples =
"  ringguard stats\n"
"  ringguard stats --tree --sort bytes\n"
"  ringguard stats --watch 2\n"
"  ringguard -j stats\n",
	.opts = stats_opts,
};

static int cmd_show(struct rg_cli *c, bool stats)
{
	struct stats_args a = {};
	struct rg_stats_opts o;
	struct rg_args pos;
	struct rg_maps m;
	int err;

	err = cli_parse(c, &a, &pos);
	if (err)
		return err;
	o = (struct rg_stats_opts){ .json = c->json, .all = a.all, .tree = a.tree,
				    .prometheus = a.prometheus, .sort = a.sort, .watch = a.watch };
	err = cli_open_state(c, &m, true);
	if (err)
		return err;
	err = stats ? rg_show_stats(&m, &o) : rg_show_status(&m, c->dir, c->json);
	rg_maps_close(&m);
	if (err > 0) {
		/* a port not covered, a hook where ringguard is not first */
		c->exit_code = RG_EXIT_FINDING;
		return 0;
	}
	if (err)
		return cli_fail(c, err, "cannot read counters: %s", strerror(-err));
	return 0;
}

static int cmd_status(struct rg_cli *c)
{
	return cmd_show(c, false);
}

static int cmd_stats(struct rg_cli *c)
{
	return cmd_show(c, true);
}
