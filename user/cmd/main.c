// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - the ringguard command line: the commands, each described once
 * (struct rg_cmd: options, usage, examples; see opts.h) next to the small
 * function that runs it. Commands report their own errors on `errs`; under
 * -j those become {"error": "..."} on stdout. Exit status: 0 ok, 1 a
 * finding, 2 usage error or failure (RG_EXIT_*).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "kernel/attach.h"
#include "daemon/daemon.h"
#include "report/events.h"
#include "kernel/fleet.h"
#include "cmd/replay.h"
#include "plan/import.h"
#include "plan/plandiff.h"
#include "cmd/verify.h"
#include "kernel/install.h"
#include "kernel/owner.h"
#include "lib/json.h"
#include "lib/log.h"
#include "cmd/opts.h"
#include "plan/plan.h"
#include "report/show.h"
#include "kernel/state.h"


struct rg_cli {
	bool json;
	bool verbose;
	bool version;
	const char *pin_root;
	char dir[PATH_MAX];
	/* errors: held in errbuf until the command's options say whether -j
	 * is on (it may come after the command), then stderr unless it is
	 */
	FILE *errs;
	char *errbuf;
	size_t errlen;
	int argc;		/* the words after the command's name */
	char **argv;
	const struct rg_cmd *cmd;
	int exit_code;		/* for a command that succeeds with a verdict */
};

static const struct rg_opt global_opts[] = {
	RG_OPT_FLAG("json", 'j', struct rg_cli, json, "JSON output (errors too)"),
	RG_OPT_FLAG("verbose", 'v', struct rg_cli, verbose,
		    "show the steps taken and libbpf's log (replay: a line per frame)"),
	RG_OPT_STR("pin-dir", 0, struct rg_cli, pin_root, "DIR",
		   "pin root (default " RG_DEFAULT_PIN_DIR ")",
		   .max = 200),
	RG_OPT_END
};

static int fail(struct rg_cli *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct rg_cli *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(c->errs, fmt, ap);
	va_end(ap);
	fputc('\n', c->errs);
	return err ? err : -EINVAL;
}

/* Messages (log.h) go where the command's errors go; -v shows debug ones
 * and libbpf's log.
 */
static void log_setup(const struct rg_cli *c)
{
	rg_log_setup(c->verbose ? RG_LOG_DEBUG : RG_LOG_INFO, c->errs);
}

/* Without -j, what errs held so far goes to stderr, and errs is stderr
 * from then on (a daemon's log must not wait for its exit).
 */
static void errs_to_stderr(struct rg_cli *c)
{
	if (c->errs == stderr)
		return;
	fclose(c->errs);
	fwrite(c->errbuf, 1, c->errlen, stderr);
	free(c->errbuf);
	c->errbuf = NULL;
	c->errs = stderr;
}

/* Parses the command's words into cfg; RG_OPTS_HELP: the usage was printed. */
static int parse(struct rg_cli *c, void *cfg, struct rg_args *pos)
{
	int err = rg_opts_parse(c->cmd, c->argc, c->argv, cfg, pos, c->errs);

	/* -j and -v may come after the command: known from here on (a
	 * command with subcommands leaves it to the subcommand's words)
	 */
	if (!c->json && !c->cmd->subs)
		errs_to_stderr(c);
	log_setup(c);
	return err;
}

/* Root, or the capabilities themselves (a systemd User= with ambient caps). */
static bool has_caps(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	/* CAP_NET_ADMIN (12), and CAP_BPF (39) or CAP_SYS_ADMIN (21) */
	return (eff & (1ull << 12)) && (eff & ((1ull << 39) | (1ull << 21)));
}

static int need_root(struct rg_cli *c)
{
	if (geteuid() != 0 && !has_caps())
		return fail(c, -EPERM, "ringguard needs root, or CAP_BPF and CAP_NET_ADMIN: "
			    "run it with sudo");
	return 0;
}

/* The state directory of this namespace, checked to be root's alone
 * (owner.h); mount: attach and daemon, which also create it.
 */
static int resolve_dir(struct rg_cli *c, bool mount)
{
	char why[1024];
	int err = need_root(c);

	if (err)
		return err;
	err = rg_state_dir(c->pin_root, mount, c->dir, sizeof(c->dir));
	if (err == -ENOTSUP)
		return fail(c, err, "no bpffs at %s: mount it with 'mount -t bpf -o mode=0700 bpf "
			    "/sys/fs/bpf' or pass --pin-dir on a bpffs", c->pin_root);
	if (err)
		return fail(c, err, "cannot find the pin directory under %s: %s", c->pin_root,
			    strerror(-err));
	err = rg_state_trust(c->dir, mount, why, sizeof(why));
	if (err == -EPERM && !strcmp(c->cmd->name, "detach")) {
		/* what detach removes is the problem: let it */
		rg_warn("%s", why);
		return 0;
	}
	if (err)
		return fail(c, err, "%s: nothing was changed", why);
	return 0;
}

/* attach and detach under a running daemon: refused without --force,
 * since the daemon would undo it (attach) or report enforcement that is
 * not there (detach). doing: what the command does, for the message.
 */
static int daemon_owns(struct rg_cli *c, bool force, const char *doing)
{
	char who[256], hint[320];
	int r = rg_owner_of(c->dir, who, sizeof(who));

	if (r <= 0)
		return 0;	/* no daemon (a failed look is no reason to refuse) */
	rg_owner_stop_hint(who, hint, sizeof(hint));
	if (force) {
		rg_warn("--force: %s under the ringguard daemon that owns this network "
			"namespace (%s); it exits with an error when it sees its state go",
			doing, who);
		return 0;
	}
	return fail(c, -EBUSY, "a ringguard daemon owns this network namespace (%s): %s would "
		    "leave it reporting enforcement that is not there; stop it first (%s), or "
		    "pass --force (the daemon then exits with an error, and its service "
		    "manager may start it again)", who, doing, hint);
}

static int open_state(struct rg_cli *c, struct rg_maps *m, bool rdonly)
{
	int err = resolve_dir(c, false);

	if (err)
		return err;
	err = rg_state_open(c->dir, m, rdonly);
	if (err == -ENOENT && rg_state_exists(c->dir))
		return fail(c, err, "the state pinned in %s is from an older ringguard (maps are "
			    "missing): restart 'ringguard daemon' (the service) with this build to "
			    "migrate it in place, or use the build that attached it",
			    rg_state_display(c->dir));
	if (err == -ENOENT)
		return fail(c, err, "ringguard is not attached in this network namespace "
			    "(nothing in %s): run 'ringguard attach --plan FILE' first",
			    rg_state_display(c->dir));
	if (err)
		return fail(c, err, "cannot open pinned maps in %s: %s", c->dir, strerror(-err));
	return 0;
}

static int load_plan(struct rg_cli *c, const char *path, struct rg_plan *plan)
{
	int n = rg_plan_load(path, plan, c->errs);

	if (n < 0)
		return n;
	if (n > 0) {
		rg_plan_free(plan);
		return fail(c, -EINVAL, "%s: plan invalid (%d error%s): nothing was changed",
			    path, n, n == 1 ? "" : "s");
	}
	return 0;
}

/* Absolute, but symlinks kept: a ConfigMap's file is a symlink through
 * `..data`, which the kubelet swaps on every update. The pinned metadata
 * keeps the path for sync and status: one that does not fit is refused,
 * not cut.
 */
static int abs_path(struct rg_cli *c, const char *p, char **out)
{
	char cwd[PATH_MAX];

	*out = NULL;
	if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		*out = strdup(p);
	else if (asprintf(out, "%s/%s", cwd, p) < 0)
		*out = NULL;
	if (!*out)
		return -ENOMEM;
	if (strlen(*out) >= RG_PATH_LEN) {
		int err = fail(c, -ENAMETOOLONG, "plan path %.40s... is %zu characters long as an "
			       "absolute path, the limit is %d: move the plan to a shorter path",
			       *out, strlen(*out), RG_PATH_LEN - 1);

		free(*out);
		*out = NULL;
		return err;
	}
	return 0;
}

static const char *default_host(void)
{
	static char hostname[256];

	gethostname(hostname, sizeof(hostname));
	hostname[sizeof(hostname) - 1] = '\0';
	return hostname;
}

/* ---- attach, daemon ------------------------------------------------------ */

/* Options shared by attach and daemon (and verify: plan, host, ifs). */
struct attach_args {
	const char *plan_path;
	const char *host;
	struct rg_iflist ifs;
	int mode;
	int want_xdp;
	int want_tc;
	bool detach_on_exit;
	bool force;
	bool standby;
	const char *metrics;
	long confirm_within;
	int log_format;
	bool log_violations;
};

static const char *const mode_words[] = { "monitor", "enforce", NULL };
static const int mode_values[] = { RG_MODE_MONITOR, RG_MODE_ENFORCE };
static const char *const xdp_words[] = { "auto", "native", "generic", "off", NULL };
static const int xdp_values[] = { RG_WANT_XDP_AUTO, RG_WANT_XDP_NATIVE, RG_WANT_XDP_GENERIC,
				  RG_WANT_XDP_OFF };
static const char *const tc_words[] = { "auto", "tcx", "clsact", NULL };
static const char *const log_words[] = { "text", "json", NULL };
static const int log_values[] = { RG_LOG_TEXT, RG_LOG_JSON };
static const int tc_values[] = { RG_WANT_TC_AUTO, RG_WANT_TC_TCX, RG_WANT_TC_CLSACT };

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
		      "XDP attach mode; auto: tc ingress where XDP is taken", \
		      .values = xdp_values),					\
	RG_OPT_CHOICE("tc", 0, struct attach_args, want_tc, tc_words,		\
		      "tc attach point (default: auto)", \
		      .values = tc_values)

static const struct rg_opt attach_opts[] = {
	ROLE_OPTS(true),
	LOAD_OPTS,
	RG_OPT_FLAG("force", 0, struct attach_args, force,
		    "even when a ringguard daemon owns this network namespace"),
	RG_OPT_END
};

static const struct rg_cmd attach_cmd = {
	.name = "attach",
	.summary = "validate, load and install the plan, attach XDP and tc, pin it all",
	.description =
"Validates the plan first and changes nothing if it is invalid. The roles of\n"
"the interfaces come from --mesh/--egress, or else from the plan's host line\n"
"for --host NAME or this machine's hostname. Default mode: monitor.\n"
"A bridge covers its segment: the bridge and every port it has now, with its\n"
"role (the daemon follows ports that join and leave later). Where another\n"
"program holds an interface's XDP hook, ingress is classified at tc ingress\n"
"(--xdp auto); --xdp off does that everywhere.\n",
	.examples =
"  ringguard attach --plan maps/sol.plan --mesh eth0 --egress eth1\n"
"  ringguard attach --plan maps/sol.plan --host pve01 --mode enforce\n"
"  ringguard attach --plan maps/sol.plan --mesh eth0,eth2 --egress eth1\n",
	.opts = attach_opts,
};

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

static const struct rg_cmd daemon_cmd = {
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

/* attach and daemon: the arguments, checked; RG_OPTS_HELP passes through. */
static int attach_parse(struct rg_cli *c, struct attach_args *a)
{
	struct rg_args pos;
	int err;

	memset(a, 0, sizeof(*a));
	a->mode = -1;
	a->confirm_within = RG_CONFIRM_WITHIN_DEFAULT;
	err = parse(c, a, &pos);
	if (err)
		return err;
	if (a->host && a->ifs.n)
		return fail(c, -EINVAL, "%s: give either --host or --mesh/--egress, not both",
			    c->cmd->name);
	return 0;
}

static int cmd_attach(struct rg_cli *c)
{
	struct rg_attach_opts o = {};
	struct attach_args a;
	struct rg_attached rows[RG_MAX_IFACES];
	struct rg_plan plan;
	struct rg_maps m;
	char *abs = NULL, *infobuf = NULL, *save = NULL;
	size_t infolen = 0;
	int err, lock, nrows = 0, nports = 0;
	FILE *info;
	const char *host;
	bool declared_given;
	__u32 declared;

	err = attach_parse(c, &a);
	if (!err)
		err = need_root(c);
	if (err)
		return err;
	err = abs_path(c, a.plan_path, &abs);
	if (err)
		return err;
	err = load_plan(c, a.plan_path, &plan);
	if (err) {
		free(abs);
		return err;
	}
	host = a.host ? a.host : default_host();
	declared = rg_plan_host_mode(&plan, host, &declared_given);
	if (declared_given && a.mode >= 0 && (__u32)a.mode != declared) {
		err = fail(c, -EINVAL, "--mode %s contradicts the plan, which declares %s for %s: "
			   "drop --mode, or attach and then run 'ringguard mode %s' (an override)",
			   rg_mode_name(a.mode), rg_mode_name(declared), host, rg_mode_name(a.mode));
		goto out;
	}
	if (a.mode < 0)
		a.mode = RG_MODE_MONITOR;
	if (!a.ifs.n) {
		const struct rg_host *h = rg_plan_host(&plan, host);

		if (!h) {
			err = fail(c, -ENOENT, "the plan has no host line for '%s': add "
				   "'host %s mesh IF... egress IF...' or pass --mesh/--egress",
				   host, host);
			goto out;
		}
		for (int i = 0; i < h->nifs; i++)
			a.ifs.ifs[a.ifs.n++] = h->ifs[i];
	}
	err = resolve_dir(c, true);
	if (!err)
		err = daemon_owns(c, a.force, "an attach");
	if (err)
		goto out;
	lock = rg_state_lock(c->dir);
	info = open_memstream(&infobuf, &infolen);
	if (!info) {
		err = fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	o = (struct rg_attach_opts){
		.ifs = a.ifs.ifs, .nifs = a.ifs.n, .mode = a.mode, .want_xdp = a.want_xdp,
		.want_tc = a.want_tc, .plan_path = abs, .declared = declared,
		.declared_given = declared_given,
	};
	/* what it attached, a line per interface, goes into the report */
	rg_log_setup(c->verbose ? RG_LOG_DEBUG : RG_LOG_INFO, info);
	err = rg_attach(c->dir, &plan, &o);
	log_setup(c);
	if (lock >= 0)
		close(lock);
	fclose(info);
	if (err < 0) {
		/* what went wrong on an interface is in there too */
		fputs(infobuf, c->errs);
		goto out;
	}
	/* what it covers: the interfaces given, and the bridges' ports as they
	 * are now (the daemon follows ports that come and go)
	 */
	if (!rg_state_open(c->dir, &m, true)) {
		nrows = rg_attached_read(&m, rows, RG_MAX_IFACES);
		rg_maps_close(&m);
	}
	a.mode = err;	/* what it attached in: the plan's declaration, or --mode */
	err = 0;
	for (int i = 0; i < nrows; i++)
		nports += rows[i].bridge[0] != '\0';
	if (!c->json) {
		printf("attached to %d interface%s", a.ifs.n, a.ifs.n == 1 ? "" : "s");
		if (nports)
			printf(" and %d bridge port%s", nports, nports == 1 ? "" : "s");
		printf(" in %s mode%s, plan %s\n", rg_mode_name(a.mode),
		       declared_given ? " (as the plan declares)" : "", abs);
		for (char *line = strtok_r(infobuf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("  %s\n", line);
		if (nports)
			printf("ports that join a bridge later are covered by 'ringguard daemon', "
			       "not by this attach\n");
	} else {
		struct rg_json j;

		rg_json_init(&j, stdout);
		rg_json_obj(&j, NULL);
		rg_json_int(&j, "attached", a.ifs.n);
		rg_json_int(&j, "ports", nports);
		rg_json_str(&j, "mode", rg_mode_name(a.mode));
		rg_json_arr(&j, "interfaces");
		for (int i = 0; i < nrows; i++) {
			bool tc_in = rows[i].ifc.xdp_kind == RG_XDP_TC;

			rg_json_obj(&j, NULL);
			rg_json_str(&j, "name", rows[i].ifc.name);
			rg_json_str(&j, "role", rg_role_name(rows[i].ifc.role));
			rg_json_str(&j, "bridge", rows[i].bridge[0] ? rows[i].bridge : NULL);
			rg_json_str(&j, "ingress", tc_in ? "tc" : "xdp");
			if (tc_in && rows[i].xdp_holder)
				rg_json_u64(&j, "xdp_held_by", rows[i].xdp_holder);
			else
				rg_json_null(&j, "xdp_held_by");
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_end(&j);
	}
	if (err > 0)
		err = 0;
out:
	free(infobuf);
	free(abs);
	rg_plan_free(&plan);
	return err;
}

static int cmd_daemon(struct rg_cli *c)
{
	struct attach_args a;
	struct rg_daemon_opts o;
	char *abs;
	int err;

	err = attach_parse(c, &a);
	if (!err)
		err = abs_path(c, a.plan_path, &abs);
	if (err)
		return err;
	err = resolve_dir(c, true);
	if (err) {
		free(abs);
		return err;
	}
	o = (struct rg_daemon_opts){
		.dir = c->dir, .plan_path = abs, .host = a.host ? a.host : default_host(),
		.ifs = a.ifs.ifs, .nifs = a.ifs.n, .mode = a.mode < 0 ? RG_MODE_MONITOR : a.mode,
		.mode_given = a.mode >= 0, .want_xdp = a.want_xdp, .want_tc = a.want_tc,
		.detach_on_exit = a.detach_on_exit, .metrics = a.metrics,
		.confirm_within = a.confirm_within, .log_format = a.log_format,
		.log_violations = a.log_violations, .standby = a.standby,
	};
	err = rg_daemon(&o);
	free(abs);
	return err ? fail(c, err, "daemon stopped: %s", strerror(-err)) : 0;
}

/* ---- sync, mode ---------------------------------------------------------- */

struct sync_args {
	const char *plan_path;
};

static const struct rg_opt sync_opts[] = {
	RG_OPT_STR("plan", 0, struct sync_args, plan_path, "FILE",
		   "the plan (default: the attached plan's file)"),
	RG_OPT_END
};

static const struct rg_cmd sync_cmd = {
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

	err = parse(c, &a, &pos);
	if (err)
		return err;
	err = open_state(c, &m, false);
	if (err)
		return err;
	err = rg_meta_read(&m, &meta);
	if (err) {
		rg_maps_close(&m);
		return fail(c, err, "cannot read plan metadata: %s", strerror(-err));
	}
	plan_path = a.plan_path ? a.plan_path : meta.plan_path;
	err = abs_path(c, plan_path, &abs);
	if (err) {
		rg_maps_close(&m);
		return err;
	}
	err = load_plan(c, plan_path, &plan);
	if (err) {
		free(abs);
		rg_maps_close(&m);
		return err;
	}
	lock = rg_state_lock(c->dir);
	gen = rg_install(&m, &plan, abs);
	if (lock >= 0)
		close(lock);
	if (gen < 0) {
		err = fail(c, gen, "cannot install plan %s: %s (the previous plan stays active)",
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

struct mode_args {
	long within;
};

static const struct rg_opt mode_opts[] = {
	RG_OPT_DURATION("confirm-within", 0, struct mode_args, within, "SECONDS",
			"enforce reverts to monitor unless 'mode confirm'", .min = 1, .max = 86400 * 365),
	RG_OPT_END
};

static const struct rg_cmd mode_cmd = {
	.name = "mode",
	.args = "[monitor | enforce | confirm]",
	.max_args = 1,
	.summary = "show or switch the mode, without a reload",
	.description =
"With no argument, shows the mode. 'enforce --confirm-within SECONDS' arms a\n"
"dead man's switch: unless 'mode confirm' comes in time, the datapath goes\n"
"back to monitor by itself. A mode other than the plan's declaration for\n"
"this host is an override: it survives daemon restarts and syncs until the\n"
"declaration changes; switching to the declared mode ends it. With a daemon\n"
"running, an enforce without --confirm-within gets the daemon's window and\n"
"its lifeline probes. How the mode came to be goes to stderr.\n",
	.examples =
"  ringguard mode\n"
"  ringguard mode enforce --confirm-within 5m\n"
"  ringguard mode confirm\n",
	.opts = mode_opts,
};

/* How the mode came to be, for `mode -j`. */
static const char *mode_source(const struct rg_mode_view *v)
{
	if (v->override)
		return "override";
	if (v->reverted)
		return "reverted";
	return v->known ? "plan" : "pinned";
}

static int cmd_mode(struct rg_cli *c)
{
	struct mode_args a = {};
	struct rg_mode_view v;
	struct rg_config cfg;
	struct rg_meta meta;
	struct rg_args pos;
	struct rg_maps m;
	int err, want = -1, lock = -1;
	bool confirm = false;

	err = parse(c, &a, &pos);
	if (err)
		return err;
	if (pos.n && !strcmp(pos.v[0], "confirm"))
		confirm = true;
	else if (pos.n && (want = rg_mode_parse(pos.v[0])) < 0)
		return fail(c, -EINVAL, "mode: unknown mode '%s': use monitor, enforce or confirm",
			    pos.v[0]);
	if (a.within > 0 && want != RG_MODE_ENFORCE)
		return fail(c, -EINVAL, "--confirm-within goes with 'mode enforce'");
	err = open_state(c, &m, want < 0 && !confirm);
	if (err)
		return err;
	if (want >= 0 || confirm)
		lock = rg_state_lock(c->dir);	/* the daemon writes the same entries */
	err = rg_config_read(&m, &cfg);
	if (!err)
		err = rg_meta_read(&m, &meta);
	if (!err && confirm) {
		if (cfg.mode != RG_MODE_ENFORCE || !cfg.enforce_until) {
			err = fail(c, -EINVAL, "nothing to confirm: no 'mode enforce "
				   "--confirm-within' is pending");
			goto out;
		}
		if (rg_monotonic_ns() >= cfg.enforce_until) {
			err = fail(c, -ETIME, "too late: the confirmation deadline passed and "
				   "ringguard is back in monitor mode; run 'ringguard mode enforce "
				   "--confirm-within SECONDS' again");
			goto out;
		}
		cfg.enforce_until = 0;
		meta.armed_until = 0;
		err = rg_config_write(&m, &cfg);
		if (!err)
			err = rg_meta_write(&m, &meta);
	} else if (!err && want >= 0) {
		cfg.mode = want;
		cfg.enforce_until = a.within > 0 ? rg_monotonic_ns() + a.within * 1000000000ull : 0;
		rg_fleet_person(&meta, want);
		err = rg_config_write(&m, &cfg);
		if (!err)
			err = rg_meta_write(&m, &meta);
	}
	if (!err)
		err = rg_config_read(&m, &cfg);
	if (err) {
		err = fail(c, err, "cannot %s the mode: %s", want < 0 ? "read" : "set",
			   strerror(-err));
		goto out;
	}
	rg_mode_view_of(&meta, &cfg, rg_monotonic_ns(), &v);
	if (c->json) {
		struct rg_json j;

		rg_json_init(&j, stdout);
		rg_json_obj(&j, NULL);
		rg_json_str(&j, "mode", rg_mode_name(v.effective));
		rg_json_str(&j, "declared_mode", rg_mode_name(v.declared));
		rg_json_bool(&j, "override", v.override);
		rg_json_bool(&j, "reverted", v.reverted);
		rg_json_str(&j, "source", mode_source(&v));
		if (v.deadline_s >= 0)
			rg_json_int(&j, "confirm_within", v.deadline_s);
		rg_json_end(&j);
		goto out;
	}
	if (v.deadline_s >= 0)
		printf("enforce, reverting to monitor in %lld s unless %s\n", v.deadline_s,
		       v.daemon_window ? "a lifeline stays silent (the daemon confirms)" :
		       "'ringguard mode confirm'");
	else
		printf("%s%s\n", rg_mode_name(v.effective), confirm ? " (confirmed)" :
		       cfg.mode == RG_MODE_ENFORCE && v.effective == RG_MODE_MONITOR ?
		       " (the enforce confirmation deadline passed)" : "");
	/* how it came to be goes to stderr: stdout stays the mode alone */
	if (v.override)
		fprintf(stderr, "an override: the plan declares %s for this host; it holds across "
			"restarts until the plan's declaration changes ('ringguard mode %s' hands "
			"the mode back to the plan)\n", rg_mode_name(v.declared),
			rg_mode_name(v.declared));
	else if (v.reverted)
		fprintf(stderr, "reverted: %s\n", meta.revert_reason);
	else if (want >= 0 && v.known)
		fprintf(stderr, "as the plan declares for this host\n");
out:
	if (lock >= 0)
		close(lock);
	rg_maps_close(&m);
	return err;
}

/* ---- replay, events ------------------------------------------------------ */

struct replay_args {
	const char *plan_path;
	int role;
	int dir;
};

static const char *const role_words[] = { "mesh", "egress", NULL };
static const int role_values[] = { RG_ROLE_MESH, RG_ROLE_EGRESS };
static const char *const dir_words[] = { "in", "out", NULL };
static const int dir_values[] = { RG_DIR_IN, RG_DIR_OUT };

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

static const struct rg_cmd replay_cmd = {
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

	r = parse(c, &a, &pos);
	if (!r)
		r = need_root(c);
	if (!r)
		r = load_plan(c, a.plan_path, &plan);
	if (r)
		return r;
	/* the libbpf log is for attach; here -v means a line per frame */
	libbpf_set_print(NULL);
	r = rg_replay(&plan, a.role, a.dir, pos.v[0], c->json, c->verbose, stdout, c->errs);
	rg_plan_free(&plan);
	if (r < 0)
		return r;
	c->exit_code = r;	/* 1: something would drop */
	return 0;
}

struct events_args {
	long count;
};

static const struct rg_opt events_opts[] = {
	RG_OPT_NUM("count", 0, struct events_args, count, "N",
		   "stop after N events (default: run until ^C)", .min = 1,
		   .max = 1000000000),
	RG_OPT_END
};

static const struct rg_cmd events_cmd = {
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

	err = parse(c, &a, &pos);
	if (!err)
		err = open_state(c, &m, false);
	if (err)
		return err;
	err = rg_events(&m, c->json, a.count, stdout, c->json ? c->errs : stderr);
	rg_maps_close(&m);
	return err;
}

/* ---- status, stats ------------------------------------------------------- */

static const struct rg_cmd status_cmd = {
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

static const struct rg_cmd stats_cmd = {
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

	err = parse(c, &a, &pos);
	if (err)
		return err;
	o = (struct rg_stats_opts){ .json = c->json, .all = a.all, .tree = a.tree,
				    .prometheus = a.prometheus, .sort = a.sort, .watch = a.watch };
	err = open_state(c, &m, true);
	if (err)
		return err;
	err = stats ? rg_show_stats(&m, &o) : rg_show_status(&m, c->dir, c->json);
	rg_maps_close(&m);
	if (err < 0)
		return fail(c, err, "cannot read counters: %s", strerror(-err));
	if (err > 0)
		c->exit_code = RG_EXIT_FINDING;	/* status: a hook is lost */
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

/* ---- plan check, import, diff ------------------------------------------- */

static const struct rg_cmd plan_check_cmd = {
	.name = "plan check",
	.args = "FILE",
	.min_args = 1,
	.max_args = 1,
	.summary = "validate a plan and summarise it; touches nothing",
	.examples =
"  ringguard plan check maps/sol.plan\n",
};

struct import_args {
	const char *output;
};

static const struct rg_opt import_opts[] = {
	RG_OPT_STR("output", 'o', struct import_args, output, "FILE",
		   "write the plan to FILE (atomically)"),
	RG_OPT_END
};

static const struct rg_cmd plan_import_cmd = {
	.name = "plan import",
	.args = "DOC.md",
	.min_args = 1,
	.max_args = 1,
	.summary = "turn a markdown allocation plan into a plan",
	.description =
"The document's inconsistencies are reported as DOC.md:LINE: message; exit 1\n"
"if there are any (the best plan it can make is written all the same).\n",
	.examples =
"  ringguard plan import ipv6-prefix-allocation-plan.md -o sol.plan\n",
	.opts = import_opts,
};

static const struct rg_cmd plan_diff_cmd = {
	.name = "plan diff",
	.args = "OLD NEW",
	.min_args = 2,
	.max_args = 2,
	.summary = "what changes between two plans, and which verdicts",
	.description =
"Prefixes, zones and hosts added, removed or changed, and per role the\n"
"addresses whose verdict changes, as CIDRs. Exit 0: same, 1: different.\n",
	.examples =
"  ringguard plan diff /etc/ringguard/sol.plan maps/sol.plan\n",
};

static const struct rg_cmd *const plan_subs[] = {
	&plan_check_cmd, &plan_import_cmd, &plan_diff_cmd, NULL
};

static const struct rg_cmd plan_cmd = {
	.name = "plan",
	.summary = "check, import and compare plan files (no root needed)",
	.examples =
"  ringguard plan check maps/sol.plan\n"
"  ringguard plan diff old.plan new.plan\n",
	.subs = plan_subs,
};

static int cmd_plan_check(struct rg_cli *c)
{
	struct rg_args pos;
	struct rg_plan plan;
	const char *file;
	char sha[65], vx[32], ge[32];
	int err;

	err = parse(c, NULL, &pos);
	if (err)
		return err;
	file = pos.v[0];
	err = load_plan(c, file, &plan);
	if (err)
		return err;
	rg_sha256_hex(plan.sha256, sha);
	rg_ports_format(plan.encap.vxlan, vx, sizeof(vx));
	rg_ports_format(plan.encap.geneve, ge, sizeof(ge));
	/* builds before layout 3 let an IPv6 CIDR this wide match IPv4 too */
	for (int i = 0; i < plan.nentries; i++) {
		const struct rg_entry *e = &plan.entries[i];
		char cidr[64];

		if (!(e->breaks & RG_LPM_V6_WIDE) || (e->kind == RG_KIND_PREFIX && !e->allow))
			continue;
		rg_cidr_format(&e->cidr, cidr, sizeof(cidr));
		fprintf(c->errs, "%s:%d: note: %s '%s' %s covers IPv6 addresses only (IPv4-mapped "
			"ones included); IPv4 traffic is judged by the plan's IPv4 CIDRs alone\n",
			file, e->line, e->kind == RG_KIND_ZONE ? "zone" : "prefix", e->name, cidr);
	}
	if (c->json) {
		struct rg_json j;

		rg_json_init(&j, stdout);
		rg_json_obj(&j, NULL);
		rg_json_str(&j, "file", file);
		rg_json_bool(&j, "valid", true);
		rg_json_str(&j, "sha256", sha);
		rg_json_int(&j, "zones", plan.nzones);
		rg_json_int(&j, "prefixes", plan.nprefixes);
		rg_json_int(&j, "hosts", plan.nhosts);
		rg_json_int(&j, "lifelines", plan.nlifelines);
		rg_json_int(&j, "entries", plan.nentries);
		rg_json_obj(&j, "encap");
		for (int k = 0; k < 2; k++) {
			const uint16_t *ports = k ? plan.encap.geneve : plan.encap.vxlan;

			rg_json_arr(&j, k ? "geneve" : "vxlan");
			for (int i = 0; i < RG_ENCAP_PORTS && ports[i]; i++)
				rg_json_int(&j, NULL, ports[i]);
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_end(&j);
	} else {
		printf("%s: valid: %d zone%s, %d prefix%s, %d host%s, %d lifeline%s, %d trie entries "
		       "(limit %d)\nencap: vxlan %s, geneve %s\nsha256 %s\n", file, plan.nzones,
		       plan.nzones == 1 ? "" : "s", plan.nprefixes, plan.nprefixes == 1 ? "" : "es",
		       plan.nhosts, plan.nhosts == 1 ? "" : "s", plan.nlifelines,
		       plan.nlifelines == 1 ? "" : "s", plan.nentries, RG_MAX_PLAN, vx, ge, sha);
	}
	rg_plan_free(&plan);
	return 0;
}

/* A command that answers with a verdict (0 or 1) or -errno. */
static int verdict_code(struct rg_cli *c, int r)
{
	if (r < 0)
		return r;
	c->exit_code = r;
	return 0;
}

static int cmd_plan_import(struct rg_cli *c)
{
	struct import_args a = {};
	struct rg_args pos;
	int err = parse(c, &a, &pos);

	if (err)
		return err;
	return verdict_code(c, rg_cmd_plan_import(pos.v[0], a.output, c->json, stdout, c->errs));
}

static int cmd_plan_diff(struct rg_cli *c)
{
	struct rg_args pos;
	int err = parse(c, NULL, &pos);

	if (err)
		return err;
	return verdict_code(c, rg_cmd_plan_diff(pos.v[0], pos.v[1], c->json, stdout, c->errs));
}

/* ---- verify, detach ------------------------------------------------------ */

static const struct rg_opt verify_opts[] = {
	ROLE_OPTS(false),
	RG_OPT_END
};

static const struct rg_cmd verify_cmd = {
	.name = "verify",
	.summary = "check this host against the plan: links, addresses, MTU, routes",
	.description =
"Role interfaces up, carrying addresses of their zone, their MTU, and the\n"
"route of every planned prefix leaving through an interface of the right\n"
"role. Exit 1 on a mismatch. Default plan: the attached one.\n",
	.examples =
"  ringguard verify\n"
"  ringguard verify --plan maps/sol.plan --mesh eth0 --egress eth1\n",
	.opts = verify_opts,
};

static int cmd_verify(struct rg_cli *c)
{
	const struct rg_host_if *use;
	struct attach_args a = {};
	struct rg_args pos;
	struct rg_plan plan;
	struct rg_meta meta;
	const char *plan_path, *state_dir = NULL;
	int nifs, err, r;

	err = parse(c, &a, &pos);
	if (err)
		return err;
	if (a.host && a.ifs.n)
		return fail(c, -EINVAL, "verify: give either --host or --mesh/--egress, not both");
	plan_path = a.plan_path;
	if (!plan_path) {
		/* the attached plan */
		struct rg_maps m;

		err = open_state(c, &m, true);
		if (err)
			return err;
		err = rg_meta_read(&m, &meta);
		rg_maps_close(&m);
		if (err)
			return fail(c, err, "cannot read the attached plan's path: %s", strerror(-err));
		plan_path = meta.plan_path;
	}
	err = load_plan(c, plan_path, &plan);
	if (err)
		return err;
	use = a.ifs.ifs;
	nifs = a.ifs.n;
	if (!nifs) {
		const char *host = a.host ? a.host : default_host();
		const struct rg_host *h = rg_plan_host(&plan, host);

		if (!h) {
			rg_plan_free(&plan);
			return fail(c, -ENOENT, "the plan has no host line for '%s': pass --host or "
				    "--mesh/--egress", host);
		}
		/* the host's own list: verify names the host from it */
		use = h->ifs;
		nifs = h->nifs;
	}
	/* ringguard's hooks too, where it is attached and the pins can be read */
	if (!a.plan_path ||	/* the attached plan: c->dir is resolved */
	    ((geteuid() == 0 || has_caps()) &&
	     !rg_state_dir(c->pin_root, false, c->dir, sizeof(c->dir)))) {
		char why[1024];

		if (rg_state_trust(c->dir, false, why, sizeof(why)))
			rg_warn("%s: ringguard's hooks are not checked", why);
		else if (rg_state_exists(c->dir))
			state_dir = c->dir;
	}
	r = rg_cmd_verify(&plan, use, nifs, state_dir, c->json, stdout, c->errs);
	rg_plan_free(&plan);
	return verdict_code(c, r);
}

struct detach_args {
	bool force;
};

static const struct rg_opt detach_opts[] = {
	RG_OPT_FLAG("force", 0, struct detach_args, force,
		    "even when a ringguard daemon owns this network namespace"),
	RG_OPT_END
};

static const struct rg_cmd detach_cmd = {
	.name = "detach",
	.summary = "remove programs, links, pins and the qdiscs ringguard added",
	.description =
"Refused while a ringguard daemon owns this network namespace: stop the\n"
"daemon first (enforcement stays pinned when it stops), then detach; with\n"
"--force the daemon exits with an error when its state goes.\n",
	.examples = "  ringguard detach\n"
"  systemctl stop ringguard && ringguard detach\n",
	.opts = detach_opts,
};

static int cmd_detach(struct rg_cli *c)
{
	struct detach_args a = {};
	struct rg_args pos;
	int err, lock;

	err = parse(c, &a, &pos);
	if (!err)
		err = resolve_dir(c, false);
	if (err)
		return err;
	if (!rg_state_exists(c->dir))
		return fail(c, -ENOENT, "ringguard is not attached in this network namespace "
			    "(nothing in %s)", rg_state_display(c->dir));
	err = daemon_owns(c, a.force, "a detach");
	if (err)
		return err;
	lock = rg_state_lock(c->dir);
	err = rg_detach(c->dir);
	if (lock >= 0)
		close(lock);
	if (err)
		return err;
	if (c->json) {
		struct rg_json j;

		rg_json_init(&j, stdout);
		rg_json_obj(&j, NULL);
		rg_json_bool(&j, "detached", true);
		rg_json_end(&j);
	}
	else
		printf("detached: programs, links, pins and ringguard's qdiscs removed\n");
	return 0;
}

/* ---- the command table, help --------------------------------------------- */

static const struct rg_cmd help_cmd = {
	.name = "help",
	.args = "[COMMAND [SUBCOMMAND]]",
	.max_args = 2,
	.summary = "this help, or a command's usage, options and examples",
	.examples =
"  ringguard help attach\n"
"  ringguard help plan diff\n",
};

static int cmd_help(struct rg_cli *c);

static const struct command {
	const struct rg_cmd *cmd;
	int (*fn)(struct rg_cli *c);
} commands[] = {
	{ &attach_cmd, cmd_attach },
	{ &daemon_cmd, cmd_daemon },
	{ &sync_cmd, cmd_sync },
	{ &mode_cmd, cmd_mode },
	{ &status_cmd, cmd_status },
	{ &events_cmd, cmd_events },
	{ &replay_cmd, cmd_replay },
	{ &stats_cmd, cmd_stats },
	{ &plan_check_cmd, cmd_plan_check },
	{ &plan_import_cmd, cmd_plan_import },
	{ &plan_diff_cmd, cmd_plan_diff },
	{ &verify_cmd, cmd_verify },
	{ &detach_cmd, cmd_detach },
	{ &help_cmd, cmd_help },
};

static const struct rg_cmd *const top_cmds[] = {
	&attach_cmd, &daemon_cmd, &sync_cmd, &mode_cmd, &status_cmd, &events_cmd, &replay_cmd,
	&stats_cmd, &plan_cmd, &verify_cmd, &detach_cmd, &help_cmd, NULL
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
	if (!cmd->subs) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (commands[i].cmd == cmd)
				return commands[i].fn(c);
		return -ENOENT;
	}
	err = parse(c, NULL, &pos);
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
	int err = parse(c, NULL, &pos);

	if (err)
		return err;
	for (int i = 0; i < pos.n; i++) {
		if (!cmd->subs) {
			return fail(c, -EINVAL, "help: '%s' has no subcommand '%s'", cmd->name,
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
	log_setup(&c);
	if (cmd)
		err = run(&c, cmd);
	rg_log_setup(RG_LOG_INFO, NULL);
	if (c.json && c.errs != stderr) {
		fclose(c.errs);
		if (err && err != RG_OPTS_HELP)
			json_error(c.errbuf);
		free(c.errbuf);
	} else {
		errs_to_stderr(&c);
	}
	if (err == RG_OPTS_HELP)
		return RG_EXIT_OK;
	if (fflush(stdout))
		return RG_EXIT_FAIL;
	return err ? RG_EXIT_FAIL : c.exit_code;
}
