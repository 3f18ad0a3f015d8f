// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_verify.c - `ringguard verify`: every host check once (kernel/hostcheck.c),
 * printed by report/verify_report.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "kernel/hostcheck.h"
#include "kernel/owner.h"
#include "lib/log.h"
#include "report/verify_report.h"

static const struct rg_opt verify_opts[] = {
	ROLE_OPTS(false),
	RG_OPT_END
};

static int cmd_verify(struct rg_cli *c);

const struct rg_cmd rg_verify_cmd = {
	.run = cmd_verify,
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

/* The host whose `host` line ifs points into, else our hostname. */
static const char *host_name(const struct rg_plan *p, const struct rg_host_if *ifs)
{
	for (int i = 0; i < p->nhosts; i++)
		if (ifs == p->hosts[i].ifs)
			return p->hosts[i].name;
	return cli_default_host();
}

/* 0 when everything matches, 1 on a mismatch, -errno (nothing printed) */
static int verify(struct rg_cli *c, const struct rg_plan *plan, const struct rg_host_if *ifs,
		  int nifs, const char *state_dir)
{
	const char *host = host_name(plan, ifs);
	struct rg_netstate ns = {};
	struct rg_checks r = {};
	char what[128];
	int err;

	if (nifs <= 0)
		return cli_fail(c, -EINVAL, "verify: no interfaces to check: give --host NAME or "
				"--mesh IF... --egress IF...");
	err = rg_check_all(&r, &ns, plan, ifs, nifs, state_dir, what, sizeof(what));
	if (err) {
		cli_fail(c, err, "verify: %s: %s", what, strerror(-err));
	} else {
		if (c->json)
			rg_checks_print_json(&r, host, stdout);
		else
			rg_checks_print_text(&r, host, stdout);
		err = rg_checks_failed(&r);
	}
	rg_netstate_free(&ns);
	rg_checks_free(&r);
	return err;
}

static int cmd_verify(struct rg_cli *c)
{
	const struct rg_host_if *use;
	struct attach_args a = {};
	struct rg_args pos;
	struct rg_plan plan;
	struct rg_meta meta;
	const char *plan_path, *state_dir = NULL;
	int nifs, err, r;

	err = cli_parse(c, &a, &pos);
	if (err)
		return err;
	if (a.host && a.ifs.n)
		return cli_fail(c, -EINVAL, "verify: give either --host or --mesh/--egress, not both");
	plan_path = a.plan_path;
	if (!plan_path) {
		/* the attached plan */
		struct rg_maps m;

		err = cli_open_state(c, &m, true);
		if (err)
			return err;
		err = rg_meta_read(&m, &meta);
		rg_maps_close(&m);
		if (err)
			return cli_fail(c, err, "cannot read the attached plan's path: %s", strerror(-err));
		plan_path = meta.plan_path;
	}
	err = cli_load_plan(c, plan_path, &plan);
	if (err)
		return err;
	use = a.ifs.ifs;
	nifs = a.ifs.n;
	if (!nifs) {
		const char *host = a.host ? a.host : cli_default_host();
		const struct rg_host *h = rg_plan_host(&plan, host);

		if (!h) {
			rg_plan_free(&plan);
			return cli_fail(c, -ENOENT, "the plan has no host line for '%s': pass --host or "
				    "--mesh/--egress", host);
		}
		/* the host's own list: verify names the host from it */
		use = h->ifs;
		nifs = h->nifs;
	}
	/* ringguard's hooks too, where it is attached and the pins can be read */
	if (!a.plan_path ||	/* the attached plan: c->dir is resolved */
	    ((geteuid() == 0 || cli_has_caps()) &&
	     !rg_state_dir(c->pin_root, false, c->dir, sizeof(c->dir)))) {
		char why[1024];

		if (rg_state_trust(c->dir, false, why, sizeof(why)))
			rg_warn("%s: ringguard's hooks are not checked", why);
		else if (rg_state_exists(c->dir))
			state_dir = c->dir;
	}
	r = verify(c, &plan, use, nifs, state_dir);
	rg_plan_free(&plan);
	return cli_verdict(c, r);
}
