// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - the ringguard command line: global options, the command table,
 * and one small function per command. Commands report their own errors on
 * `errs`; under -j those become {"error": "..."} on stdout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "daemon.h"
#include "events.h"
#include "replay.h"
#include "import.h"
#include "plandiff.h"
#include "verify.h"
#include "install.h"
#include "plan.h"
#include "show.h"
#include "state.h"

#ifndef RG_VERSION
#define RG_VERSION "0.1.0"
#endif

struct cli {
	bool json;
	bool verbose;
	const char *pin_root;
	char dir[PATH_MAX];
	FILE *errs;
	int argc;
	char **argv;
	int exit_code;		/* for a command that succeeds with a verdict */
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ringguard [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Enforce a semantic IPv6 address plan (fc00::/8 on mesh, fd00::/8 on egress)\n"
"with XDP (ingress) and tc (egress), and count traffic per prefix.\n"
"\n"
"Commands:\n"
"  attach --plan FILE [--host NAME | --mesh IF... --egress IF...]\n"
"         [--mode monitor|enforce] [--xdp auto|native|generic] [--tc auto|tcx|clsact]\n"
"                        load, install the plan, attach, pin (default mode: monitor)\n"
"  daemon --plan FILE [--host NAME | --mesh IF... --egress IF...] [--mode ...]\n"
"         [--detach-on-exit] [--metrics [ADDR:]PORT]\n"
"                        attach or adopt, then keep the plan and interfaces in\n"
"                        sync (inotify, netlink); SIGHUP syncs; systemd notify;\n"
"                        --metrics serves Prometheus /metrics (127.0.0.1 unless\n"
"                        an address is given)\n"
"  sync [--plan FILE]    re-read the plan, validate, swap it in atomically\n"
"  mode [monitor | enforce [--confirm-within SECONDS] | confirm]\n"
"                        show or switch the mode, no reload; with\n"
"                        --confirm-within, enforce reverts to monitor by itself\n"
"                        (in the datapath) unless 'mode confirm' comes in time\n"
"  events [--count N]    live violations (rate-limited per bucket)\n"
"  replay --plan FILE --role mesh|egress [--dir in|out] CAPTURE [-v]\n"
"                        run the real programs (privately) over a pcap/pcapng\n"
"                        capture: what would drop; exit 1 if anything would\n"
"  status                plan, mode, interfaces and how they are attached\n"
"  stats [--all] [--sort cidr|name|packets|bytes|violations] [--tree]\n"
"        [--watch SECONDS] [--prometheus]\n"
"                        per-bucket and per-interface counters (the table hides\n"
"                        buckets without traffic unless --all; -j has them all);\n"
"                        --tree rolls them up the prefix hierarchy, --watch shows\n"
"                        live rates, --prometheus the text exposition format\n"
"  plan check FILE       validate a plan and summarise it; touches nothing\n"
"  plan import DOC.md [-o FILE]\n"
"                        turn a markdown allocation plan into a plan (stdout, or\n"
"                        FILE replaced atomically); report the document's\n"
"                        inconsistencies as DOC.md:LINE: message (exit 1 if any)\n"
"  plan diff OLD NEW     prefixes, zones and hosts added, removed or changed, and\n"
"                        per role the addresses whose verdict changes, as CIDRs\n"
"                        (exit 0: same, 1: different, 2: error)\n"
"  verify [--plan FILE] [--host NAME | --mesh IF... --egress IF...]\n"
"                        check this host against the plan: role interfaces up,\n"
"                        their addresses and MTU, and the route of every planned\n"
"                        prefix; exit 1 on a mismatch (default plan: the attached one)\n"
"  detach                remove programs, links, pins and the qdiscs ringguard added\n"
"\n"
"Options:\n"
"  -j, --json            JSON output (errors too)\n"
"  -v, --verbose         show libbpf's log\n"
"      --pin-dir DIR     pin root (default %s); state is kept per\n"
"                        network namespace in DIR/netns-<inode>\n"
"  -h, --help            this help;  -V, --version  the version\n"
"\n"
"Examples:\n"
"  ringguard plan check maps/sol.plan\n"
"  ringguard attach --plan maps/sol.plan --mesh eth0 --egress eth1\n"
"  ringguard stats -j\n"
"  ringguard mode enforce\n", RG_DEFAULT_PIN_DIR);
}

static int fail(struct cli *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct cli *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(c->errs, fmt, ap);
	va_end(ap);
	fputc('\n', c->errs);
	return err ? err : -EINVAL;
}

static bool is_prefix(const char *arg, const char *word)
{
	return *arg && !strncmp(arg, word, strlen(arg));
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

static int need_root(struct cli *c)
{
	if (geteuid() != 0 && !has_caps())
		return fail(c, -EPERM, "ringguard needs root, or CAP_BPF and CAP_NET_ADMIN: "
			    "run it with sudo");
	return 0;
}

static int resolve_dir(struct cli *c, bool mount)
{
	int err = need_root(c);

	if (err)
		return err;
	err = rg_state_dir(c->pin_root, mount, c->dir, sizeof(c->dir));
	if (err == -ENOTSUP)
		return fail(c, err, "no bpffs at %s: mount it with 'mount -t bpf bpf /sys/fs/bpf' "
			    "or pass --pin-dir on a bpffs", c->pin_root);
	if (err)
		return fail(c, err, "cannot find the pin directory under %s: %s", c->pin_root,
			    strerror(-err));
	return 0;
}

static int open_state(struct cli *c, struct rg_maps *m, bool rdonly)
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

static int load_plan(struct cli *c, const char *path, struct rg_plan *plan)
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
 * `..data`, which the kubelet swaps on every update.
 */
static char *abs_path(const char *p)
{
	char cwd[PATH_MAX], *r;

	if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return strdup(p);
	if (asprintf(&r, "%s/%s", cwd, p) < 0)
		return NULL;
	return r;
}

static int add_iface(struct cli *c, struct rg_host_if *ifs, int *n, const char *name,
		     __u32 role)
{
	for (int i = 0; i < *n; i++) {
		if (strcmp(ifs[i].name, name))
			continue;
		if (ifs[i].role != role)
			return fail(c, -EINVAL, "interface %s given as both mesh and egress", name);
		return 0;
	}
	if (*n == RG_MAX_IFACES)
		return fail(c, -E2BIG, "more than %d interfaces", RG_MAX_IFACES);
	if (strlen(name) >= RG_IFNAME_LEN)
		return fail(c, -EINVAL, "interface name '%s' is too long", name);
	snprintf(ifs[*n].name, RG_IFNAME_LEN, "%s", name);
	ifs[*n].role = role;
	(*n)++;
	return 0;
}

/* Options shared by attach and daemon. */
struct attach_args {
	const char *plan_path;
	const char *host;
	struct rg_host_if ifs[RG_MAX_IFACES];
	int nifs;
	__u32 mode;
	int want_xdp;
	int want_tc;
	bool detach_on_exit;
	bool mode_given;
	const char *metrics;
};

static int parse_attach_args(struct cli *c, const char *cmd, bool daemon, struct attach_args *a)
{
	__u32 role = 0;
	int err;

	memset(a, 0, sizeof(*a));
	for (int i = 0; i < c->argc; i++) {
		const char *arg = c->argv[i];
		bool has_next = i + 1 < c->argc;

		if (!strcmp(arg, "--plan") && has_next) {
			a->plan_path = c->argv[++i];
		} else if (!strcmp(arg, "--host") && has_next) {
			a->host = c->argv[++i];
		} else if (!strcmp(arg, "--mode") && has_next) {
			int mode = rg_mode_parse(c->argv[++i]);

			if (mode < 0)
				return fail(c, -EINVAL, "unknown mode '%s': use monitor or enforce",
					    c->argv[i]);
			a->mode = mode;
			a->mode_given = true;
		} else if (!strcmp(arg, "--xdp") && has_next) {
			const char *v = c->argv[++i];

			a->want_xdp = !strcmp(v, "native") ? RG_WANT_XDP_NATIVE :
				      !strcmp(v, "generic") ? RG_WANT_XDP_GENERIC :
				      !strcmp(v, "auto") ? RG_WANT_XDP_AUTO : -1;
			if (a->want_xdp < 0)
				return fail(c, -EINVAL, "unknown --xdp '%s': use auto, native or generic", v);
		} else if (!strcmp(arg, "--tc") && has_next) {
			const char *v = c->argv[++i];

			a->want_tc = !strcmp(v, "tcx") ? RG_WANT_TC_TCX :
				     !strcmp(v, "clsact") ? RG_WANT_TC_CLSACT :
				     !strcmp(v, "auto") ? RG_WANT_TC_AUTO : -1;
			if (a->want_tc < 0)
				return fail(c, -EINVAL, "unknown --tc '%s': use auto, tcx or clsact", v);
		} else if (daemon && !strcmp(arg, "--detach-on-exit")) {
			a->detach_on_exit = true;
		} else if (daemon && !strcmp(arg, "--metrics") && has_next) {
			a->metrics = c->argv[++i];
		} else if (!strcmp(arg, "--mesh")) {
			role = RG_ROLE_MESH;
		} else if (!strcmp(arg, "--egress")) {
			role = RG_ROLE_EGRESS;
		} else if (arg[0] != '-' && role) {
			char *dup = strdup(arg), *save = NULL;

			for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				err = add_iface(c, a->ifs, &a->nifs, t, role);
				if (err) {
					free(dup);
					return err;
				}
			}
			free(dup);
		} else {
			return fail(c, -EINVAL, "%s: unexpected '%s' (see 'ringguard help')", cmd, arg);
		}
	}
	if (!a->plan_path)
		return fail(c, -EINVAL, "%s needs --plan FILE", cmd);
	if (a->host && a->nifs)
		return fail(c, -EINVAL, "give either --host or --mesh/--egress, not both");
	return 0;
}

static const char *default_host(void)
{
	static char hostname[256];

	gethostname(hostname, sizeof(hostname));
	hostname[sizeof(hostname) - 1] = '\0';
	return hostname;
}

static int cmd_attach(struct cli *c)
{
	struct rg_attach_opts o = {};
	struct attach_args a;
	struct rg_plan plan;
	char *abs = NULL;
	int err, lock;

	err = parse_attach_args(c, "attach", false, &a);
	if (!err)
		err = need_root(c);
	if (err)
		return err;
	err = load_plan(c, a.plan_path, &plan);
	if (err)
		return err;
	if (!a.nifs) {
		const char *host = a.host ? a.host : default_host();
		const struct rg_host *h = rg_plan_host(&plan, host);

		if (!h) {
			err = fail(c, -ENOENT, "the plan has no host line for '%s': add "
				   "'host %s mesh IF... egress IF...' or pass --mesh/--egress",
				   host, host);
			goto out;
		}
		for (int i = 0; i < h->nifs; i++)
			a.ifs[a.nifs++] = h->ifs[i];
	}
	err = resolve_dir(c, true);
	if (err)
		goto out;
	lock = rg_state_lock(c->dir);
	abs = abs_path(a.plan_path);
	o = (struct rg_attach_opts){
		.ifs = a.ifs, .nifs = a.nifs, .mode = a.mode, .want_xdp = a.want_xdp,
		.want_tc = a.want_tc, .plan_path = abs,
	};
	err = rg_attach(c->dir, &plan, &o, c->errs);
	if (lock >= 0)
		close(lock);
	if (!err && !c->json) {
		printf("attached to %d interface%s in %s mode, plan %s\n", a.nifs,
		       a.nifs == 1 ? "" : "s", rg_mode_name(a.mode), abs);
	} else if (!err) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "attached", json_object_new_int(a.nifs));
		json_object_object_add(j, "mode", json_object_new_string(rg_mode_name(a.mode)));
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
	}
out:
	free(abs);
	rg_plan_free(&plan);
	return err;
}

static int cmd_daemon(struct cli *c)
{
	struct attach_args a;
	struct rg_daemon_opts o;
	char *abs;
	int err;

	err = parse_attach_args(c, "daemon", true, &a);
	if (!err)
		err = resolve_dir(c, true);
	if (err)
		return err;
	abs = abs_path(a.plan_path);
	o = (struct rg_daemon_opts){
		.dir = c->dir, .plan_path = abs, .host = a.host ? a.host : default_host(),
		.ifs = a.ifs, .nifs = a.nifs, .mode = a.mode, .mode_given = a.mode_given,
		.want_xdp = a.want_xdp, .want_tc = a.want_tc, .detach_on_exit = a.detach_on_exit,
		.metrics = a.metrics,
	};
	err = rg_daemon(&o);
	free(abs);
	return err ? fail(c, err, "daemon stopped: %s", strerror(-err)) : 0;
}

static int cmd_sync(struct cli *c)
{
	const char *plan_path = NULL;
	struct rg_plan plan;
	struct rg_meta meta;
	struct rg_maps m;
	long long gen;
	char *abs;
	int err, lock;

	for (int i = 0; i < c->argc; i++) {
		if (!strcmp(c->argv[i], "--plan") && i + 1 < c->argc)
			plan_path = c->argv[++i];
		else
			return fail(c, -EINVAL, "sync: unexpected '%s' (usage: sync [--plan FILE])",
				    c->argv[i]);
	}
	err = open_state(c, &m, false);
	if (err)
		return err;
	err = rg_meta_read(&m, &meta);
	if (err) {
		rg_maps_close(&m);
		return fail(c, err, "cannot read plan metadata: %s", strerror(-err));
	}
	if (!plan_path)
		plan_path = meta.plan_path;
	err = load_plan(c, plan_path, &plan);
	if (err) {
		rg_maps_close(&m);
		return err;
	}
	abs = abs_path(plan_path);
	lock = rg_state_lock(c->dir);
	gen = rg_install(&m, &plan, abs);
	if (lock >= 0)
		close(lock);
	if (gen < 0) {
		err = fail(c, gen, "cannot install plan %s: %s (the previous plan stays active)",
			   abs, strerror(-gen));
	} else if (c->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "generation", json_object_new_int64(gen));
		json_object_object_add(j, "entries", json_object_new_int(plan.nentries));
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
	} else {
		printf("plan %s installed: generation %lld, %d entries\n", abs, gen, plan.nentries);
	}
	free(abs);
	rg_plan_free(&plan);
	rg_maps_close(&m);
	return err;
}

static int cmd_mode(struct cli *c)
{
	struct rg_config cfg;
	struct rg_maps m;
	long within = -1;
	int err, want = -1;
	bool confirm = false;
	__u32 mode;

	for (int i = 0; i < c->argc; i++) {
		if (!strcmp(c->argv[i], "--confirm-within") && i + 1 < c->argc) {
			char *end;

			within = strtol(c->argv[++i], &end, 10);
			if (*end || within <= 0)
				return fail(c, -EINVAL, "--confirm-within needs a number of seconds");
		} else if (!strcmp(c->argv[i], "confirm")) {
			confirm = true;
		} else if (want < 0 && rg_mode_parse(c->argv[i]) >= 0) {
			want = rg_mode_parse(c->argv[i]);
		} else {
			return fail(c, -EINVAL, "usage: ringguard mode [monitor | enforce "
				    "[--confirm-within SECONDS] | confirm]");
		}
	}
	if (within > 0 && want != RG_MODE_ENFORCE)
		return fail(c, -EINVAL, "--confirm-within goes with 'mode enforce'");
	err = open_state(c, &m, want < 0 && !confirm);
	if (err)
		return err;
	err = rg_config_read(&m, &cfg);
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
		err = rg_config_write(&m, &cfg);
	} else if (!err && want >= 0) {
		cfg.mode = want;
		cfg.enforce_until = within > 0 ? rg_monotonic_ns() + within * 1000000000ull : 0;
		err = rg_config_write(&m, &cfg);
	}
	if (!err)
		err = rg_mode_read(&m, &mode);
	if (!err)
		err = rg_config_read(&m, &cfg);
	if (err) {
		err = fail(c, err, "cannot %s the mode: %s", want < 0 ? "read" : "set",
			   strerror(-err));
		goto out;
	}
	if (c->json) {
		printf("{\"mode\":\"%s\"", rg_mode_name(mode));
		if (mode == RG_MODE_ENFORCE && cfg.enforce_until)
			printf(",\"confirm_within\":%llu",
			       (unsigned long long)((cfg.enforce_until - rg_monotonic_ns()) / 1000000000ull));
		printf("}\n");
	} else if (mode == RG_MODE_ENFORCE && cfg.enforce_until) {
		printf("enforce, reverting to monitor in %llu s unless 'ringguard mode confirm'\n",
		       (unsigned long long)((cfg.enforce_until - rg_monotonic_ns()) / 1000000000ull));
	} else {
		printf("%s%s\n", rg_mode_name(mode), confirm ? " (confirmed)" :
		       cfg.mode == RG_MODE_ENFORCE && mode == RG_MODE_MONITOR ?
		       " (the enforce confirmation deadline passed)" : "");
	}
out:
	rg_maps_close(&m);
	return err;
}

static int cmd_replay(struct cli *c)
{
	const char *plan_path = NULL, *capture = NULL;
	int role = -1, dir = RG_DIR_IN, r;
	bool verbose = c->verbose;
	struct rg_plan plan;

	for (int i = 0; i < c->argc; i++) {
		const char *a = c->argv[i];
		bool has_next = i + 1 < c->argc;

		if (!strcmp(a, "--plan") && has_next)
			plan_path = c->argv[++i];
		else if (!strcmp(a, "--role") && has_next)
			role = rg_role_parse(c->argv[++i]);
		else if (!strcmp(a, "--dir") && has_next)
			dir = !strcmp(c->argv[++i], "out") ? RG_DIR_OUT :
			      !strcmp(c->argv[i], "in") ? RG_DIR_IN : -1;
		else if (a[0] != '-' && !capture)
			capture = a;
		else
			return fail(c, -EINVAL, "usage: ringguard replay --plan FILE --role mesh|egress "
				    "[--dir in|out] CAPTURE [-j] [-v]");
	}
	if (!plan_path || role < 0 || dir < 0 || !capture)
		return fail(c, -EINVAL, "usage: ringguard replay --plan FILE --role mesh|egress "
			    "[--dir in|out] CAPTURE [-j] [-v]");
	r = need_root(c);
	if (!r)
		r = load_plan(c, plan_path, &plan);
	if (r)
		return r;
	/* the libbpf log is for attach; here -v means a line per frame */
	libbpf_set_print(NULL);
	r = rg_replay(&plan, role, dir, capture, c->json, verbose, stdout, c->errs);
	rg_plan_free(&plan);
	if (r < 0)
		return r;
	c->exit_code = r;	/* 1: something would drop */
	return 0;
}

static int cmd_events(struct cli *c)
{
	struct rg_maps m;
	long max = 0;
	int err;

	for (int i = 0; i < c->argc; i++) {
		if (!strcmp(c->argv[i], "--count") && i + 1 < c->argc)
			max = atol(c->argv[++i]);
		else
			return fail(c, -EINVAL, "usage: ringguard events [-j] [--count N]");
	}
	err = open_state(c, &m, false);
	if (err)
		return err;
	err = rg_events(&m, c->json, max, stdout, c->json ? c->errs : stderr);
	rg_maps_close(&m);
	return err;
}

static int cmd_show(struct cli *c, bool stats)
{
	struct rg_stats_opts o = { .json = c->json };
	struct rg_maps m;
	int err;

	for (int i = 0; i < c->argc; i++) {
		const char *a = c->argv[i], *v = i + 1 < c->argc ? c->argv[i + 1] : NULL;

		if (stats && !strcmp(a, "--all")) {
			o.all = true;
		} else if (stats && !strcmp(a, "--tree")) {
			o.tree = true;
		} else if (stats && !strcmp(a, "--prometheus")) {
			o.prometheus = true;
		} else if (stats && !strcmp(a, "--watch") && v) {
			o.watch = atoi(v);
			i++;
			if (o.watch <= 0)
				return fail(c, -EINVAL, "--watch needs a number of seconds");
		} else if (stats && !strcmp(a, "--sort") && v) {
			static const char *const keys[] = { "cidr", "name", "packets", "bytes",
							    "violations" };

			o.sort = -1;
			for (int k = 0; k < 5; k++)
				if (!strcmp(v, keys[k]))
					o.sort = k;
			i++;
			if (o.sort < 0)
				return fail(c, -EINVAL, "unknown --sort '%s': use cidr, name, packets, "
					    "bytes or violations", v);
		} else {
			return fail(c, -EINVAL, "%s: unexpected '%s'", stats ? "stats" : "status", a);
		}
	}
	err = open_state(c, &m, true);
	if (err)
		return err;
	err = stats ? rg_show_stats(&m, &o) : rg_show_status(&m, rg_state_display(c->dir), c->json);
	rg_maps_close(&m);
	if (err)
		return fail(c, err, "cannot read counters: %s", strerror(-err));
	return 0;
}

static int cmd_status(struct cli *c)
{
	return cmd_show(c, false);
}

static int cmd_stats(struct cli *c)
{
	return cmd_show(c, true);
}

static int cmd_plan_check(struct cli *c, const char *file)
{
	struct rg_plan plan;
	char sha[65];
	int err;

	err = load_plan(c, file, &plan);
	if (err)
		return err;
	rg_sha256_hex(plan.sha256, sha);
	if (c->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "file", json_object_new_string(file));
		json_object_object_add(j, "valid", json_object_new_boolean(1));
		json_object_object_add(j, "sha256", json_object_new_string(sha));
		json_object_object_add(j, "zones", json_object_new_int(plan.nzones));
		json_object_object_add(j, "prefixes", json_object_new_int(plan.nprefixes));
		json_object_object_add(j, "hosts", json_object_new_int(plan.nhosts));
		json_object_object_add(j, "entries", json_object_new_int(plan.nentries));
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		printf("%s: valid: %d zone%s, %d prefix%s, %d host%s, %d trie entries (limit %d)\n"
		       "sha256 %s\n", file, plan.nzones, plan.nzones == 1 ? "" : "s",
		       plan.nprefixes, plan.nprefixes == 1 ? "" : "es", plan.nhosts,
		       plan.nhosts == 1 ? "" : "s", plan.nentries, RG_MAX_PLAN, sha);
	}
	rg_plan_free(&plan);
	return 0;
}

/* plan import / plan diff answer with an exit code (1: inconsistencies,
 * differences) and report errors themselves; pass that through.
 */
static int verdict_code(struct cli *c, int r)
{
	if (r < 0)
		return r;
	c->exit_code = r;
	return 0;
}

static int cmd_plan(struct cli *c)
{
	const char *sub = c->argc ? c->argv[0] : "";

	if (c->argc == 2 && is_prefix(sub, "check"))
		return cmd_plan_check(c, c->argv[1]);
	if (c->argc >= 2 && is_prefix(sub, "import"))
		return verdict_code(c, rg_cmd_plan_import(c->argc - 1, c->argv + 1, c->json, stdout,
							  c->errs));
	if (c->argc >= 3 && is_prefix(sub, "diff")) {
		int r = rg_cmd_plan_diff(c->argc - 1, c->argv + 1, c->json, stdout, c->errs);

		return r == 2 ? -EINVAL : verdict_code(c, r);
	}
	return fail(c, -EINVAL, "usage: ringguard plan check FILE | plan import DOC.md [-o FILE] "
		    "| plan diff OLD NEW");
}

static int cmd_verify(struct cli *c)
{
	const char *plan_path = NULL, *host = NULL;
	struct rg_host_if ifs[RG_MAX_IFACES];
	const struct rg_host_if *use = ifs;
	struct rg_plan plan;
	struct rg_meta meta;
	__u32 role = 0;
	int nifs = 0, err, r;

	for (int i = 0; i < c->argc; i++) {
		const char *a = c->argv[i];

		if (!strcmp(a, "--plan") && i + 1 < c->argc) {
			plan_path = c->argv[++i];
		} else if (!strcmp(a, "--host") && i + 1 < c->argc) {
			host = c->argv[++i];
		} else if (!strcmp(a, "--mesh") || !strcmp(a, "--egress")) {
			role = !strcmp(a, "--mesh") ? RG_ROLE_MESH : RG_ROLE_EGRESS;
		} else if (a[0] != '-' && role) {
			err = add_iface(c, ifs, &nifs, a, role);
			if (err)
				return err;
		} else {
			return fail(c, -EINVAL, "usage: ringguard verify [--plan FILE] "
				    "[--host NAME | --mesh IF... --egress IF...]");
		}
	}
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
	if (!nifs) {
		const struct rg_host *h = rg_plan_host(&plan, host ? host : default_host());

		if (!h) {
			rg_plan_free(&plan);
			return fail(c, -ENOENT, "the plan has no host line for '%s': pass --host or "
				    "--mesh/--egress", host ? host : default_host());
		}
		/* the host's own list: verify names the host from it */
		use = h->ifs;
		nifs = h->nifs;
	}
	r = rg_cmd_verify(&plan, use, nifs, c->json, stdout, c->errs);
	rg_plan_free(&plan);
	return verdict_code(c, r);
}

static int cmd_detach(struct cli *c)
{
	int err, lock;

	if (c->argc)
		return fail(c, -EINVAL, "detach: unexpected '%s'", c->argv[0]);
	err = resolve_dir(c, false);
	if (err)
		return err;
	if (!rg_state_exists(c->dir))
		return fail(c, -ENOENT, "ringguard is not attached in this network namespace "
			    "(nothing in %s)", rg_state_display(c->dir));
	lock = rg_state_lock(c->dir);
	err = rg_detach(c->dir, c->errs);
	if (lock >= 0)
		close(lock);
	if (err)
		return err;
	if (c->json)
		printf("{\"detached\":true}\n");
	else
		printf("detached: programs, links, pins and ringguard's qdiscs removed\n");
	return 0;
}

static int cmd_help(struct cli *c)
{
	usage(stdout);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct cli *c);
} commands[] = {
	{ "attach", cmd_attach },
	{ "daemon", cmd_daemon },
	{ "sync", cmd_sync },
	{ "mode", cmd_mode },
	{ "status", cmd_status },
	{ "events", cmd_events },
	{ "replay", cmd_replay },
	{ "stats", cmd_stats },
	{ "plan", cmd_plan },
	{ "verify", cmd_verify },
	{ "detach", cmd_detach },
	{ "help", cmd_help },
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int main(int argc, char **argv)
{
	struct cli c = { .pin_root = RG_DEFAULT_PIN_DIR, .errs = stderr };
	char **rest = calloc(argc + 1, sizeof(*rest)), *errbuf = NULL;
	const char *cmd = NULL;
	int nrest = 0, err = 0, match = -1;
	size_t errlen = 0;

	if (!rest)
		return 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			c.json = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			c.verbose = true;
		} else if (!strcmp(a, "--pin-dir")) {
			if (i + 1 == argc || strlen(argv[i + 1]) > 200) {
				fprintf(stderr, "ringguard: --pin-dir needs a directory (at most 200 characters)\n");
				return 2;
			}
			c.pin_root = argv[++i];
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("ringguard %s (libbpf %s)\n", RG_VERSION, libbpf_version_string());
			return 0;
		} else if (!cmd) {
			cmd = a;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	libbpf_set_print(c.verbose ? libbpf_print : libbpf_quiet);
	if (!cmd) {
		usage(stderr);
		free(rest);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!is_prefix(cmd, commands[i].name))
			continue;
		if (match >= 0) {
			fprintf(stderr, "ringguard: '%s' is ambiguous: say more\n", cmd);
			free(rest);
			return 2;
		}
		match = i;
	}
	if (match < 0) {
		fprintf(stderr, "ringguard: unknown command '%s' (see 'ringguard help')\n", cmd);
		free(rest);
		return 2;
	}
	if (c.json)
		c.errs = open_memstream(&errbuf, &errlen);
	c.argc = nrest;
	c.argv = rest;
	err = commands[match].fn(&c);
	if (c.json) {
		fclose(c.errs);
		if (err) {
			json_object *j = json_object_new_object();
			char *end = errbuf + strlen(errbuf);

			while (end > errbuf && end[-1] == '\n')
				*--end = '\0';
			/* plan errors are worth seeing on a terminal as well */
			if (strchr(errbuf, '\n'))
				fprintf(stderr, "%s\n", errbuf);
			json_object_object_add(j, "error", json_object_new_string(errbuf));
			printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(j);
		}
		free(errbuf);
	}
	free(rest);
	return err ? (c.exit_code > 1 ? c.exit_code : 1) : c.exit_code;
}
