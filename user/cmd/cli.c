// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli.c - what the commands share (cli.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "daemon/daemon.h"
#include "kernel/attach.h"
#include "kernel/install.h"
#include "kernel/owner.h"
#include "lib/log.h"

const char *const mode_words[] = { "monitor", "enforce", NULL };
const int mode_values[] = { RG_MODE_MONITOR, RG_MODE_ENFORCE };
const char *const xdp_words[] = { "auto", "native", "generic", "off", NULL };
const int xdp_values[] = { RG_WANT_XDP_AUTO, RG_WANT_XDP_NATIVE, RG_WANT_XDP_GENERIC,
				  RG_WANT_XDP_OFF };
const char *const tc_words[] = { "auto", "tcx", "clsact", NULL };
const char *const log_words[] = { "text", "json", NULL };
const int log_values[] = { RG_LOG_TEXT, RG_LOG_JSON };
const int tc_values[] = { RG_WANT_TC_AUTO, RG_WANT_TC_TCX, RG_WANT_TC_CLSACT };
const char *const role_words[] = { "mesh", "egress", NULL };
const int role_values[] = { RG_ROLE_MESH, RG_ROLE_EGRESS };
const char *const dir_words[] = { "in", "out", NULL };
const int dir_values[] = { RG_DIR_IN, RG_DIR_OUT };

int cli_fail(struct rg_cli *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rg_vlog(RG_LOG_ERROR, fmt, ap);
	va_end(ap);
	return err ? err : -EINVAL;
}

/* The state lock, or the command fails before it changes anything: every
 * write of the pinned mode, config and plan is made under it.
 */
int cli_lock_state(struct rg_cli *c)
{
	int lock = rg_state_lock(c->dir);

	if (lock < 0)
		return cli_fail(c, lock, "cannot lock %s: %s (nothing was changed; check that the "
				"pin directory is on bpffs and writable, then try again)",
				rg_state_display(c->dir), strerror(-lock));
	return lock;
}

/* Messages (log.h) go where the command's errors go; -v shows debug ones
 * and libbpf's log.
 */
void cli_log_setup(const struct rg_cli *c)
{
	rg_log_setup(c->verbose ? RG_LOG_DEBUG : RG_LOG_INFO, NULL);
}

void cli_release(struct rg_cli *c)
{
	if (!c->holding)
		return;
	rg_log_capture_end(&c->held);
	rg_log_replay(&c->held);
	rg_log_capture_free(&c->held);
	c->holding = false;
}

FILE *cli_msg_open(struct cli_msg *m)
{
	*m = (struct cli_msg){};
	m->f = open_memstream(&m->buf, &m->len);
	/* without memory the message goes straight to the terminal */
	return m->f ? m->f : stderr;
}

void cli_msg_close(struct cli_msg *m)
{
	if (!m->f)
		return;
	fclose(m->f);
	while (m->len && m->buf[m->len - 1] == '\n')
		m->buf[--m->len] = '\0';
	if (m->len)
		rg_err("%s", m->buf);
	free(m->buf);
	*m = (struct cli_msg){};
}

/* Parses the command's words into cfg; RG_OPTS_HELP: the usage was printed. */
int cli_parse(struct rg_cli *c, void *cfg, struct rg_args *pos)
{
	struct cli_msg msg;
	int err = rg_opts_parse(c->cmd, c->argc, c->argv, cfg, pos, cli_msg_open(&msg));

	cli_msg_close(&msg);
	/* -j and -v may come after the command: known from here on (a
	 * command with subcommands leaves it to the subcommand's words)
	 */
	if (!c->json && !c->cmd->subs)
		cli_release(c);
	cli_log_setup(c);
	return err;
}

/* Root, or the capabilities themselves (a systemd User= with ambient caps). */
bool cli_has_caps(void)
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

int cli_need_root(struct rg_cli *c)
{
	if (geteuid() != 0 && !cli_has_caps())
		return cli_fail(c, -EPERM, "ringguard needs root, or CAP_BPF and CAP_NET_ADMIN: "
			    "run it with sudo");
	return 0;
}

int cli_resolve_dir(struct rg_cli *c, bool mount)
{
	char why[1024];
	int err = cli_need_root(c);

	if (err)
		return err;
	err = rg_state_dir(c->pin_root, mount, c->dir, sizeof(c->dir));
	if (err == -ENOTSUP)
		return cli_fail(c, err, "no bpffs at %s: mount it with 'mount -t bpf -o mode=0700 bpf "
			    "/sys/fs/bpf' or pass --pin-dir on a bpffs", c->pin_root);
	if (err)
		return cli_fail(c, err, "cannot find the pin directory under %s: %s", c->pin_root,
			    strerror(-err));
	/* root's alone (kernel/owner.h); attach and daemon create it */
	err = rg_state_trust(c->dir, mount, why, sizeof(why));
	if (err == -EPERM && !strcmp(c->cmd->name, "detach")) {
		/* what detach removes is the problem: let it */
		rg_warn("%s", why);
		return 0;
	}
	if (err)
		return cli_fail(c, err, "%s: nothing was changed", why);
	return 0;
}

int cli_daemon_owns(struct rg_cli *c, bool force, const char *doing)
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
	return cli_fail(c, -EBUSY, "a ringguard daemon owns this network namespace (%s): %s "
			"would leave it reporting enforcement that is not there; stop it first "
			"(%s), or pass --force (the daemon then exits with an error, and its "
			"service manager may start it again)", who, doing, hint);
}

int cli_open_state(struct rg_cli *c, struct rg_maps *m, bool rdonly)
{
	int err = cli_resolve_dir(c, false);

	if (err)
		return err;
	err = rg_state_open(c->dir, m, rdonly);
	if (err == -ENOENT && rg_state_exists(c->dir))
		return cli_fail(c, err, "the state pinned in %s is from an older ringguard (maps are "
			    "missing): restart 'ringguard daemon' (the service) with this build to "
			    "migrate it in place, or use the build that attached it",
			    rg_state_display(c->dir));
	if (err == -ENOENT)
		return cli_fail(c, err, "ringguard is not attached in this network namespace "
			    "(nothing in %s): run 'ringguard attach --plan FILE' first",
			    rg_state_display(c->dir));
	if (err)
		return cli_fail(c, err, "cannot open pinned maps in %s: %s", c->dir, strerror(-err));
	return 0;
}

int cli_load_plan(struct rg_cli *c, const char *path, struct rg_plan *plan)
{
	int n = rg_plan_load(path, plan);

	if (n < 0)
		return n;
	if (n > 0) {
		rg_plan_free(plan);
		return cli_fail(c, -EINVAL, "%s: plan invalid (%d error%s): nothing was changed",
			    path, n, n == 1 ? "" : "s");
	}
	return 0;
}

/* Absolute, but symlinks kept: a ConfigMap's file is a symlink through
 * `..data`, which the kubelet swaps on every update. The pinned metadata
 * keeps the path for sync and status: one that does not fit is refused,
 * not cut.
 */
int cli_abs_path(struct rg_cli *c, const char *p, char **out)
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
		int err = cli_fail(c, -ENAMETOOLONG, "plan path %.40s... is %zu characters long as an "
			       "absolute path, the limit is %d: move the plan to a shorter path",
			       *out, strlen(*out), RG_PATH_LEN - 1);

		free(*out);
		*out = NULL;
		return err;
	}
	return 0;
}

const char * cli_default_host(void)
{
	static char hostname[256];

	gethostname(hostname, sizeof(hostname));
	hostname[sizeof(hostname) - 1] = '\0';
	return hostname;
}

/* attach and daemon: the arguments, checked; RG_OPTS_HELP passes through. */
int cli_attach_args(struct rg_cli *c, struct attach_args *a)
{
	struct rg_args pos;
	int err;

	memset(a, 0, sizeof(*a));
	a->mode = -1;
	a->confirm_within = RG_CONFIRM_WITHIN_DEFAULT;
	err = cli_parse(c, a, &pos);
	if (err)
		return err;
	if (a->host && a->ifs.n)
		return cli_fail(c, -EINVAL, "%s: give either --host or --mesh/--egress, not both",
			    c->cmd->name);
	return 0;
}

/* A command that answers with a verdict (0 or 1) or -errno. */
int cli_verdict(struct rg_cli *c, int r)
{
	if (r < 0)
		return r;
	c->exit_code = r;
	return 0;
}
