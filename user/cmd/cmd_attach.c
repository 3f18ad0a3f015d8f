// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_attach.c - `ringguard attach`: validate, load, install, attach, pin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "kernel/attach.h"
#include "kernel/fleet.h"
#include "kernel/install.h"
#include "lib/json.h"
#include "lib/log.h"

static const struct rg_opt attach_opts[] = {
	ROLE_OPTS(true),
	LOAD_OPTS,
	RG_OPT_FLAG("force", 0, struct attach_args, force,
		    "even when a ringguard daemon owns this network namespace"),
	RG_OPT_END
};

static int cmd_attach(struct rg_cli *c);

const struct rg_cmd rg_attach_cmd = {
	.run = cmd_attach,
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

static int cmd_attach(struct rg_cli *c)
{
	struct rg_attach_opts o = {};
	struct attach_args a;
	struct rg_attached rows[RG_MAX_IFACES];
	struct rg_plan plan;
	struct rg_maps m;
	char *abs = NULL;
	struct rg_log_capture info = {};
	int err, lock, nrows = 0, nports = 0, nunc = 0;
	struct rg_uncovered *unc = NULL;
	const char *host;
	bool declared_given;
	__u32 declared;

	err = cli_attach_args(c, &a);
	if (!err)
		err = cli_need_root(c);
	if (err)
		return err;
	err = cli_abs_path(c, a.plan_path, &abs);
	if (err)
		return err;
	err = cli_load_plan(c, a.plan_path, &plan);
	if (err) {
		free(abs);
		return err;
	}
	host = a.host ? a.host : cli_default_host();
	declared = rg_plan_host_mode(&plan, host, &declared_given);
	if (declared_given && a.mode >= 0 && (__u32)a.mode != declared) {
		err = cli_fail(c, -EINVAL, "--mode %s contradicts the plan, which declares %s for %s: "
			   "drop --mode, or attach and then run 'ringguard mode %s' (an override)",
			   rg_mode_name(a.mode), rg_mode_name(declared), host, rg_mode_name(a.mode));
		goto out;
	}
	if (a.mode < 0)
		a.mode = RG_MODE_MONITOR;
	if (!a.ifs.n) {
		const struct rg_host *h = rg_plan_host(&plan, host);

		if (!h) {
			err = cli_fail(c, -ENOENT, "the plan has no host line for '%s': add "
				   "'host %s mesh IF... egress IF...' or pass --mesh/--egress",
				   host, host);
			goto out;
		}
		for (int i = 0; i < h->nifs; i++)
			a.ifs.ifs[a.ifs.n++] = h->ifs[i];
	}
	err = cli_resolve_dir(c, true);
	if (!err)
		err = cli_daemon_owns(c, a.force, "an attach");
	if (err)
		goto out;
	lock = cli_lock_state(c);
	if (lock < 0) {
		err = lock;
		goto out;
	}
	o = (struct rg_attach_opts){
		.ifs = a.ifs.ifs, .nifs = a.ifs.n, .mode = a.mode, .want_xdp = a.want_xdp,
		.want_tc = a.want_tc, .plan_path = abs, .declared = declared,
		.declared_given = declared_given,
	};
	/* what it attached, a line per interface, goes into the report */
	rg_log_capture_begin(&info);
	err = rg_attach(c->dir, &plan, &o);
	rg_log_capture_end(&info);
	close(lock);
	if (err < 0) {
		/* what went wrong on an interface is in there too */
		rg_log_replay(&info);
		goto out;
	}
	/* what it covers: the interfaces given, and the bridges' ports as they
	 * are now (the daemon follows ports that come and go)
	 */
	if (!rg_state_open(c->dir, &m, true)) {
		nrows = rg_attached_read(&m, rows, RG_MAX_IFACES);
		nunc = rg_uncovered_read(&m, NULL, 0);
		unc = nunc > 0 ? calloc(nunc, sizeof(*unc)) : NULL;
		if (unc)
			nunc = rg_uncovered_read(&m, unc, nunc);
		else
			nunc = nunc > 0 ? nunc : 0;
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
		for (int i = 0; i < info.n; i++)
			printf("  %s\n", info.recs[i].msg);
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
		rg_json_arr(&j, "uncovered");
		for (int i = 0; unc && i < nunc; i++) {
			rg_json_obj(&j, NULL);
			rg_json_str(&j, "name", unc[i].name);
			rg_json_str(&j, "bridge", unc[i].bridge);
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_end(&j);
	}
	if (err > 0)
		err = 0;
	if (nunc) {
		/* attached, and enforcing where it could: a failure all the same */
		struct cli_msg msg;
		FILE *f = cli_msg_open(&msg);

		fprintf(f, "attach: %d port%s of bridges with a role NOT covered:", nunc,
			nunc == 1 ? "" : "s");
		for (int i = 0; unc && i < nunc; i++)
			fprintf(f, " %s", unc[i].name);
		fprintf(f, "; see 'ringguard status'");
		cli_msg_close(&msg);
		c->exit_code = RG_EXIT_FAIL;
	}
out:
	free(unc);
	rg_log_capture_free(&info);
	free(abs);
	rg_plan_free(&plan);
	return err;
}
