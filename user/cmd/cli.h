/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli.h - what the commands of cmd/ share: the command line's state
 * (struct rg_cli), the way a command reports an error (cli_fail: once,
 * through the log, lib/log.h, which main.c turns into {"error": ...,
 * "problems": [...]} under -j), and the checks
 * most commands start with (root, the pin directory, the plan).
 *
 * A command lives in one file, cmd/cmd_NAME.c: its option table, its
 * struct rg_cmd (options, usage, examples, .run) and its handler. main.c
 * lists the commands and dispatches.
 */
#ifndef RG_CLI_H
#define RG_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include "cmd/opts.h"
#include "kernel/state.h"
#include "lib/log.h"
#include "plan/plan.h"

struct rg_cli {
	bool json;
	bool verbose;
	bool version;
	const char *pin_root;
	char dir[PATH_MAX];
	/* every message is held here until the command's options say whether
	 * -j is on (it may come after the command); then written to stderr
	 * unless it is
	 */
	struct rg_log_capture held;
	bool holding;
	int argc;		/* the words after the command's name */
	char **argv;
	const struct rg_cmd *cmd;
	int exit_code;		/* for a command that succeeds with a verdict */
};

/* Options shared by attach and daemon (and verify: plan, host, ifs). */
struct attach_args {
	const char *plan_path;
	const char *host;
	struct rg_iflist ifs;
	int mode;
	int want_xdp;
	int want_tc;
	bool detach_on_exit;
	bool force;		/* attach: even under a daemon */
	bool standby;		/* daemon: wait for the owner to go */
	const char *metrics;
	long confirm_within;
	int log_format;
	bool log_violations;
};

extern const char *const mode_words[];
extern const int mode_values[];
extern const char *const xdp_words[];
extern const int xdp_values[];
extern const char *const tc_words[];
extern const int tc_values[];
extern const char *const log_words[];
extern const int log_values[];
extern const char *const role_words[];
extern const int role_values[];
extern const char *const dir_words[];
extern const int dir_values[];

#define ROLE_OPTS(req)								\
	RG_OPT_STR("plan", 0, struct attach_args, plan_path, "FILE",		\
		   "the plan file", .required = (req)),				\
	RG_OPT_STR("host", 0, struct attach_args, host, "NAME",			\
		   "roles from the plan's host NAME (default: hostname)", \
		   .max = RG_NAME_LEN - 1),					\
	RG_OPT_IFLIST("mesh", 0, struct attach_args, ifs, RG_ROLE_MESH,		\
		      "mesh interfaces (comma list, repeatable)"),		\
	RG_OPT_IFLIST("egress", 0, struct attach_args, ifs, RG_ROLE_EGRESS,	\
		      "egress interfaces (comma list, repeatable)")

#define LOAD_OPTS								\
	RG_OPT_CHOICE("mode", 0, struct attach_args, mode, mode_words,		\
		      "when the plan declares no mode for the host (default: monitor)", \
		      .values = mode_values),					\
	RG_OPT_CHOICE("xdp", 0, struct attach_args, want_xdp, xdp_words,	\
		      "ingress hook; auto: native XDP on NICs, tc ingress on veth, tap, virtio_net and where XDP is taken", \
		      .values = xdp_values),					\
	RG_OPT_CHOICE("tc", 0, struct attach_args, want_tc, tc_words,		\
		      "tc attach point (default: auto)", \
		      .values = tc_values)

/* Logs the message as an error; returns err, or -EINVAL for 0. */
int cli_fail(struct rg_cli *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cli_log_setup(const struct rg_cli *c);
/* Without -j: what was held goes to stderr, and messages go there from
 * now on (a daemon's log must not wait for its exit).
 */
void cli_release(struct rg_cli *c);

/* opts.c reports to a stream: what it writes there while one of these is
 * open becomes one error in the log when it closes.
 */
struct cli_msg {
	FILE *f;
	char *buf;
	size_t len;
};
FILE *cli_msg_open(struct cli_msg *m);
void cli_msg_close(struct cli_msg *m);
/* Parses the command's words into cfg; RG_OPTS_HELP: the usage was printed. */
int cli_parse(struct rg_cli *c, void *cfg, struct rg_args *pos);
int cli_need_root(struct rg_cli *c);
/* root, or CAP_NET_ADMIN and CAP_BPF (or CAP_SYS_ADMIN) */
bool cli_has_caps(void);
/* attach and detach under a running daemon: refused without --force, since
 * the daemon would undo it (attach) or report enforcement that is not there
 * (detach). doing: what the command does, for the message.
 */
int cli_daemon_owns(struct rg_cli *c, bool force, const char *doing);
/* the state lock (an fd to close), or the error said and returned */
int cli_lock_state(struct rg_cli *c);
/* c->dir: this namespace's pin directory (mount: a bpffs if none) */
int cli_resolve_dir(struct rg_cli *c, bool mount);
int cli_open_state(struct rg_cli *c, struct rg_maps *m, bool rdonly);
int cli_load_plan(struct rg_cli *c, const char *path, struct rg_plan *plan);
int cli_abs_path(struct rg_cli *c, const char *p, char **out);
const char *cli_default_host(void);
/* attach, daemon, verify: the arguments, checked; RG_OPTS_HELP passes through */
int cli_attach_args(struct rg_cli *c, struct attach_args *a);
/* A command that answers with a verdict (0 or 1) or -errno. */
int cli_verdict(struct rg_cli *c, int r);

/* the commands (cmd_*.c) */
extern const struct rg_cmd rg_attach_cmd, rg_daemon_cmd, rg_sync_cmd, rg_mode_cmd,
	rg_status_cmd, rg_stats_cmd, rg_events_cmd, rg_replay_cmd, rg_plan_cmd,
	rg_verify_cmd, rg_explain_cmd, rg_detach_cmd;

#endif /* RG_CLI_H */
