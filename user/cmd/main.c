// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - the ringguard command line: the global options (-j, -v,
 * --pin-dir), the list of commands, dispatch, help, and the -j error
 * wrapper. Each command lives in its own cmd/cmd_NAME.c (options, usage,
 * examples, handler); what they share is cli.h. Commands report their
 * errors on c->errs (cli_fail); under -j those become {"error": "..."} on
 * stdout. Exit status: 0 ok, 1 a finding, 2 usage error or failure
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
		rg_opts_usage(cmd, c->errs);
		return -EINVAL;
	}
	sub = rg_opts_find(cmd, pos.v[0], c->errs);
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
		cmd = rg_opts_find(cmd, pos.v[i], c->errs);
		if (!cmd)
			return -EINVAL;
	}
	rg_opts_usage(cmd, stdout);
	return 0;
}

/* "FILE:LINE: message": the line number and where the message starts. */
static bool problem_line(const char *l, long *line, const char **msg)
{
	for (const char *c = strchr(l, ':'); c; c = strchr(c + 1, ':')) {
		char *end;

		if (c[1] < '0' || c[1] > '9')
			continue;
		*line = strtol(c + 1, &end, 10);
		if (end[0] == ':' && end[1] == ' ') {
			*msg = end + 2;
			return true;
		}
	}
	return false;
}

/* Under -j, what a failing command wrote to errs becomes one object:
 * {"error": the message} and, when lines of the form FILE:LINE: message
 * (a plan's errors) are among it, "problems": [{"line", "severity",
 * "message"}] as `plan import` reports them.
 */
static void json_error(char *text)
{
	char *end = text + strlen(text), *save = NULL, *l, *summary = NULL;
	size_t slen = 0;
	FILE *sf = open_memstream(&summary, &slen);
	struct rg_json j;
	const char *msg;
	int nproblems = 0;
	long line;

	while (end > text && end[-1] == '\n')
		*--end = '\0';
	/* plan errors are worth seeing on a terminal as well */
	if (strchr(text, '\n'))
		fprintf(stderr, "%s\n", text);
	if (!sf) {
		rg_json_error(stdout, text);
		return;
	}
	/* the lines that are not FILE:LINE: problems make the error */
	for (l = text; *l; l = end + !!*end) {
		end = l + strcspn(l, "\n");
		if (problem_line(l, &line, &msg) && msg < end)
			nproblems++;
		else
			fprintf(sf, "%s%.*s", ftell(sf) ? "\n" : "", (int)(end - l), l);
	}
	fclose(sf);
	rg_json_init(&j, stdout);
	rg_json_obj(&j, NULL);
	rg_json_str(&j, "error", summary);
	free(summary);
	if (nproblems) {
		rg_json_arr(&j, "problems");
		for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			if (!problem_line(l, &line, &msg))
				continue;
			rg_json_obj(&j, NULL);
			rg_json_int(&j, "line", line);
			if (!strncmp(msg, "note: ", 6)) {
				rg_json_str(&j, "severity", "note");
				msg += 6;
			} else {
				rg_json_str(&j, "severity", "error");
			}
			rg_json_str(&j, "message", msg);
			rg_json_end(&j);
		}
		rg_json_end(&j);
	}
	rg_json_end(&j);
}

int main(int argc, char **argv)
{
	struct rg_cli c = { .pin_root = RG_DEFAULT_PIN_DIR, .errs = stderr };
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
	c.errs = open_memstream(&c.errbuf, &c.errlen);
	if (!c.errs)
		return RG_EXIT_FAIL;
	cmd = rg_opts_find(&top_cmd, pos.v[0], c.errs);
	err = cmd ? 0 : -EINVAL;
	c.argc = pos.nrest;
	c.argv = pos.rest;
	libbpf_set_print(rg_log_libbpf);
	cli_log_setup(&c);
	if (cmd)
		err = run(&c, cmd);
	rg_log_setup(RG_LOG_INFO, NULL);
	if (c.json && c.errs != stderr) {
		fclose(c.errs);
		if (err && err != RG_OPTS_HELP)
			json_error(c.errbuf);
		free(c.errbuf);
	} else {
		cli_errs_to_stderr(&c);
	}
	if (err == RG_OPTS_HELP)
		return RG_EXIT_OK;
	if (fflush(stdout))
		return RG_EXIT_FAIL;
	return err ? RG_EXIT_FAIL : c.exit_code;
}
