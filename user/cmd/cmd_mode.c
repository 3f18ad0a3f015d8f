// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_mode.c - `ringguard mode`: show or switch the mode, with a confirm window.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "kernel/attach.h"
#include "kernel/fleet.h"
#include "lib/json.h"

struct mode_args {
	long within;
};

static const struct rg_opt mode_opts[] = {
	RG_OPT_DURATION("confirm-within", 0, struct mode_args, within, "SECONDS",
			"enforce reverts to monitor unless 'mode confirm'", .min = 1, .max = 86400 * 365),
	RG_OPT_END
};

static int cmd_mode(struct rg_cli *c);

const struct rg_cmd rg_mode_cmd = {
	.run = cmd_mode,
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

	err = cli_parse(c, &a, &pos);
	if (err)
		return err;
	if (pos.n && !strcmp(pos.v[0], "confirm"))
		confirm = true;
	else if (pos.n && (want = rg_mode_parse(pos.v[0])) < 0)
		return cli_fail(c, -EINVAL, "mode: unknown mode '%s': use monitor, enforce or confirm",
			    pos.v[0]);
	if (a.within > 0 && want != RG_MODE_ENFORCE)
		return cli_fail(c, -EINVAL, "--confirm-within goes with 'mode enforce'");
	err = cli_open_state(c, &m, want < 0 && !confirm);
	if (err)
		return err;
	if (want >= 0 || confirm) {
		lock = cli_lock_state(c);	/* the daemon writes the same entries */
		if (lock < 0) {
			rg_maps_close(&m);
			return lock;
		}
	}
	err = rg_config_read(&m, &cfg);
	if (!err)
		err = rg_meta_read(&m, &meta);
	if (!err && confirm) {
		if (cfg.mode != RG_MODE_ENFORCE || !cfg.enforce_until) {
			err = cli_fail(c, -EINVAL, "nothing to confirm: no 'mode enforce "
				   "--confirm-within' is pending");
			goto out;
		}
		if (rg_monotonic_ns() >= cfg.enforce_until) {
			err = cli_fail(c, -ETIME, "too late: the confirmation deadline passed and "
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
		err = cli_fail(c, err, "cannot %s the mode: %s", want < 0 ? "read" : "set",
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
