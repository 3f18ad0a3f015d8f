// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_daemon.c - `ringguard daemon`: its options; the loop is daemon/daemon.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "daemon/daemon.h"
#include "kernel/attach.h"

static const struct rg_opt daemon_opts[] = {
	ROLE_OPTS(true),
	LOAD_OPTS,
	RG_OPT_FLAG("detach-on-exit", 0, struct attach_args, detach_on_exit,
		    "detach on SIGTERM (default: stay pinned)"),
	RG_OPT_STR("metrics", 0, struct attach_args, metrics, "[ADDR:]PORT",
		   "serve /metrics, /healthz, /readyz (default 127.0.0.1)"),
	RG_OPT_DURATION("confirm-within", 0, struct attach_args, confirm_within, "SECONDS",
			"an enforce reverts unless confirmed in time (default 120)",
			.min = 2, .max = 86400),
	RG_OPT_CHOICE("log-format", 0, struct attach_args, log_format, log_words,
		      "text or json lines (default: text)", .values = log_values),
	RG_OPT_FLAG("log-violations", 0, struct attach_args, log_violations,
		    "log violations, rate-limited like 'events'"),
	RG_OPT_FLAG("standby", 0, struct attach_args, standby,
		    "when another daemon owns the namespace, wait and take over"),
	RG_OPT_END
};

static int cmd_daemon(struct rg_cli *c);

const struct rg_cmd rg_daemon_cmd = {
	.run = cmd_daemon,
	.name = "daemon",
	.summary = "attach or adopt, then keep the plan and interfaces in sync",
	.description =
"Attaches, or adopts the pinned state (counters kept), then watches the plan\n"
"(inotify) and the interfaces (netlink) and syncs on every change; SIGHUP\n"
"syncs, SIGTERM exits leaving enforcement pinned. systemd Type=notify, with\n"
"WATCHDOG=1 pings when WatchdogSec= is set.\n"
"The mode is the plan's for this host ('host NAME ... mode enforce'); a\n"
"'ringguard mode X' overrides it until the declaration changes; --mode is\n"
"for a fresh attach whose plan declares none. Every switch to enforce arms\n"
"the confirm deadline: the daemon probes the plan's lifelines before and\n"
"after it, reverts to monitor when one stops answering, confirms otherwise.\n",
	.examples =
"  ringguard daemon --plan /etc/ringguard/sol.plan\n"
"  ringguard daemon --plan /etc/ringguard/sol.plan --metrics 9469\n"
"  ringguard daemon --plan /etc/ringguard/plan/ringguard.plan --metrics [::]:9469 \\\n"
"        --log-format json --log-violations --confirm-within 5m\n",
	.opts = daemon_opts,
};


static int cmd_daemon(struct rg_cli *c)
{
	struct attach_args a;
	struct rg_daemon_opts o;
	char *abs;
	int err;

	err = cli_attach_args(c, &a);
	if (!err)
		err = cli_abs_path(c, a.plan_path, &abs);
	if (err)
		return err;
	/* its log is a stream, even under -j (--log-format json makes it
	 * JSON lines): nothing is held until an exit that may never come
	 */
	cli_release(c);
	err = cli_resolve_dir(c, true);
	if (err) {
		free(abs);
		return err;
	}
	o = (struct rg_daemon_opts){
		.dir = c->dir, .plan_path = abs, .host = a.host ? a.host : cli_default_host(),
		.ifs = a.ifs.ifs, .nifs = a.ifs.n, .mode = a.mode < 0 ? RG_MODE_MONITOR : a.mode,
		.mode_given = a.mode >= 0, .want_xdp = a.want_xdp, .want_tc = a.want_tc,
		.detach_on_exit = a.detach_on_exit, .metrics = a.metrics,
		.confirm_within = a.confirm_within, .log_format = a.log_format,
		.log_violations = a.log_violations, .standby = a.standby,
	};
	err = rg_daemon(&o);
	free(abs);
	return err ? cli_fail(c, err, "daemon stopped: %s", strerror(-err)) : 0;
}
