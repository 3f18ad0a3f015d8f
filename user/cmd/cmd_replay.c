// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_replay.c - `ringguard replay`: a capture through the real programs (the replay itself: replay.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cmd/cli.h"
#include "cmd/replay.h"

struct replay_args {
	const char *plan_path;
	int role;
	int dir;
};

static const struct rg_opt replay_opts[] = {
	RG_OPT_STR("plan", 0, struct replay_args, plan_path, "FILE", "the plan",
		   .required = true),
	RG_OPT_CHOICE("role", 0, struct replay_args, role, role_words,
		      "the role of the captured interface",
		      .values = role_values, .required = true),
	RG_OPT_CHOICE("dir", 0, struct replay_args, dir, dir_words,
		      "in: XDP (default), out: tc",
		      .values = dir_values),
	RG_OPT_END
};

static int cmd_replay(struct rg_cli *c);

const struct rg_cmd rg_replay_cmd = {
	.run = cmd_replay,
	.name = "replay",
	.args = "CAPTURE",
	.min_args = 1,
	.max_args = 1,
	.summary = "what would the plan drop on this capture (pcap or pcapng)?",
	.description =
"Runs the real programs, in a private instance that touches no live state,\n"
"over every frame, in enforce mode. -v: a line per frame. Exit 1 if anything\n"
"would drop.\n",
	.examples =
"  ringguard replay --plan maps/sol.plan --role egress eth1.pcap\n"
"  ringguard replay --plan maps/sol.plan --role mesh --dir out -v eth0.pcapng\n",
	.opts = replay_opts,
};

static int cmd_replay(struct rg_cli *c)
{
	struct replay_args a = { .dir = RG_DIR_IN };
	struct rg_args pos;
	struct rg_plan plan;
	int r;

	r = cli_parse(c, &a, &pos);
	if (!r)
		r = cli_need_root(c);
	if (!r)
		r = cli_load_plan(c, a.plan_path, &plan);
	if (r)
		return r;
	/* the libbpf log is for attach; here -v means a line per frame */
	libbpf_set_print(NULL);
	r = rg_replay(&plan, a.role, a.dir, pos.v[0], c->json, c->verbose, stdout);
	rg_plan_free(&plan);
	if (r < 0)
		return r;
	c->exit_code = r;	/* 1: something would drop */
	return 0;
}
