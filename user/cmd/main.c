// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - the ringguard command line: the global options (-j, -v,
 * --pin-dir), the list of commands, dispatch, help, and the -j error
 * wrapper. Each command lives in its own cmd/cmd_NAME.c (options, usage,
 * examples, handler); what they share is cli.h. Every message goes through
 * the log (lib/log.h), held until -j is known; under -j a failure's
 * messages become {"error": "...", "problems": [...]} on stdout. Exit
 * status: 0 ok, 1 a finding, 2 usage error or failure
 * (RG_EXIT_*).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cmd/cli.h"
#include "lib/json.h"
#include "lib/log.h"

static const struct rg_opt global_opts[] = {
	RG_OPT_FLAG("json", 'j', struct rg_cli, json, "JSON output (errors too)"),
	RG_OPT_FLAG("verbose", 'v', struct rg_cli, verbose,
		    "show the steps taken and libbpf's log (replay: a line per frame)"),
	RG_OPT_STR("pin-dir", 0, struct rg_cli, pin_root, "DIR",
		   "pin root (default " RG_DEFAULT_PIN_DIR ")",
		   .max = 200),
	RG_OPT_END
};

static int cmd_help(struct rg_cli *c);

static const struct rg_cmd help_cmd = {
	.run = cmd_help,
	.name = "help",
	.args = "[COMMAND [SUBCOMMAND]]",
	.max_args = 2,
	.summary = "this help, or a command's usage, options and examples",
	.examples =
"  ringguard help attach\n"
"  ringguard help plan diff\n",
};

/* The commands, in the order `ringguard help` lists them. */
static const struct rg_cmd *const top_cmds[] = {
	&rg_attach_cmd, &rg_daemon_cmd, &rg_sync_cmd, &rg_mode_cmd, &rg_status_cmd,
	&rg_events_cmd, &rg_replay_cmd, &rg_stats_cmd, &rg_plan_cmd, &rg_verify_cmd,
	&rg_explain_cmd, &rg_detach_cmd, &help_cmd, NULL
};

struct top_args {
	bool version;
};

static const struct rg_opt top_opts[] = {
	RG_OPT_FLAG("version", 'V', struct top_args, version, "the version"),
	RG_OPT_END
};

static const struct rg_cmd top_cmd = {
	.name = NULL,
	.summary =
"Enforce a semantic IPv6 address plan (fc00::/8 on mesh, fd00::/8 on egress)\n"
"with XDP (ingress) and tc (egress), and count traffic per prefix.",
	.description =
"'ringguard help COMMAND' (or COMMAND --help) gives a command's options and\n"
"examples. Commands and options may be shortened while unambiguous.\n",
	.examples =
"  ringguard plan check maps/sol.plan\n"
"  ringguard attach --plan maps/sol.plan --mesh eth0 --egress eth1\n"
"  ringguard stats -j\n"
"  ringguard mode enforce\n",
	.opts = top_opts,
	.subs = top_cmds,
};

/* Runs cmd with the words in c->argc/argv: a command with subcommands
 * picks one by its first word.
 */
/* rg_opts_find, its complaint (unknown, ambiguous) logged as an error */
static const struct rg_cmd *find(const struct rg_cmd *parent, const char *word)
{
	struct cli_msg msg;
	const struct rg_cmd *cmd = rg_opts_find(parent, word, cli_msg_open(&msg));

	cli_msg_close(&msg);
	return cmd;
}

static int run(struct rg_cli *c, const struct rg_cmd *cmd)
{
	const struct rg_cmd *sub;
	struct rg_args pos;
	int err;

	c->cmd = cmd;
	if (!cmd->subs)
		return cmd->run ? cmd->run(c) : -ENOENT;
	err = cli_parse(c, NULL, &pos);
	if (err)
		return err;
	if (!pos.n) {
		struct cli_msg msg;

		rg_opts_usage(cmd, cli_msg_open(&msg));
		cli_msg_close(&msg);
		return -EINVAL;
	}
	sub = find(cmd, pos.v[0]);
	if (!sub)
		return -EINVAL;
	c->argc = pos.nrest;
	c->argv = pos.rest;
	return run(c, sub);
}

static int cmd_help(struct rg_cli *c)
{
	const struct rg_cmd *cmd = &top_cmd;
	struct rg_args pos;
	int err = cli_parse(c, NULL, &pos);

	if (err)
		return err;
	for (int i = 0; i < pos.n; i++) {
		if (!cmd->subs) {
			return cli_fail(c, -EINVAL, "help: '%s' has no subcommand '%s'", cmd->name,
				    pos.v[i]);
		}
		cmd = find(cmd, pos.v[i]);
		if (!cmd)
			return -EINVAL;
	}
	rg_opts_usage(cmd, stdout);
	return 0;
}

/* Under -j, the messages of a failing command become one object: those
 * about a line of a file (a plan's errors, `plan import`'s notes) are
 * "problems": [{"file", "line", "severity", "message"}]; the others, a line
 * each, make "error". The problems are shown on the terminal as well.
 */
static void json_error(const struct rg_log_capture *held)
{
	char *summary = NULL;
	size_t slen = 0;
	FILE *sf = open_memstream(&summary, &slen);
	struct rg_json j;
	int nproblems = 0;

	if (!sf) {
		rg_json_error(stdout, "out of memory");
		return;
	}
	for (int i = 0; i < held->n; i++) {
		const struct rg_log_rec *r = &held->recs[i];

		if (r->file && r->line > 0) {
			nproblems++;
			continue;
		}
		fprintf(sf, "%s", ftell(sf) ? "\n" : "");
		if (r->file)
			fprintf(sf, "%s: ", r->file);
		fprintf(sf, "%s", r->msg);
	}
	fclose(sf);
	if (nproblems)
		rg_log_replay(held);
	rg_json_init(&j, stdout);
	rg_json_obj(&j, NULL);
	rg_json_str(&j, "error", summary);
	free(summary);
	if (nproblems) {
		rg_json_arr(&j, "problems");
		for (int i = 0; i < held->n; i++) {
			const struct rg_log_rec *r = &held->recs[i];

			if (!r->file || r->line <= 0)
				continue;
			rg_json_obj(&j, NULL);
			rg_json_str(&j, "file", r->file);
			rg_json_int(&j, "line", r->line);
			rg_json_str(&j, "severity", rg_log_severity(r->level));
			rg_json_str(&j, "message", r->msg);
			rg_json_end(&j);
		}
		rg_json_end(&j);
	}
	rg_json_end(&j);
}

/* libbpf's log at debug level (-v), on the terminal even under -j (it is
 * not part of an error message); its lines carry their own newline.
 */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int saved = errno, n = 0;

	if (rg_log_enabled(RG_LOG_DEBUG))
		n = vfprintf(stderr, fmt, ap);
	errno = saved;
	return n;
}

int main(int argc, char **argv)
{
	struct rg_cli c = { .pin_root = RG_DEFAULT_PIN_DIR };
	const struct rg_cmd *cmd;
	struct top_args top = {};
	struct rg_args pos;
	int err;

	rg_opts_globals(global_opts, &c);
	c.cmd = &top_cmd;
	err = rg_opts_parse(&top_cmd, argc - 1, argv + 1, &top, &pos, stderr);
	if (err == RG_OPTS_HELP)
		return RG_EXIT_OK;
	if (err)
		return RG_EXIT_FAIL;
	if (top.version) {
		printf("ringguard %s (libbpf %s)\n", RG_VERSION, libbpf_version_string());
		return RG_EXIT_OK;
	}
	if (!pos.n) {
		rg_opts_usage(&top_cmd, stderr);
		return RG_EXIT_FAIL;
	}
	rg_log_capture_begin(&c.held);
	c.holding = true;
	cmd = find(&top_cmd, pos.v[0]);
	err = cmd ? 0 : -EINVAL;
	c.argc = pos.nrest;
	c.argv = pos.rest;
	libbpf_set_print(libbpf_log);
	cli_log_setup(&c);
	if (cmd)
		err = run(&c, cmd);
	rg_log_setup(RG_LOG_INFO, NULL);
	if (c.json && c.holding) {
		rg_log_capture_end(&c.held);
		if (err && err != RG_OPTS_HELP)
			json_error(&c.held);
		rg_log_capture_free(&c.held);
	} else {
		cli_release(&c);
	}
	if (err == RG_OPTS_HELP)
		return RG_EXIT_OK;
	if (fflush(stdout))
		return RG_EXIT_FAIL;
	return err ? RG_EXIT_FAIL : c.exit_code;
}
