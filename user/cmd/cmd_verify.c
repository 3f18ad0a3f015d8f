// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_verify.c - `ringguard verify` (the checks: verify.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "cmd/verify.h"
#include "lib/json.h"

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

static int cmd_verify(struct rg_cli *c)
{
	const struct rg_host_if *use;
	struct attach_args a = {};
	struct rg_args pos;
	struct rg_plan plan;
	struct rg_meta meta;
	const char *plan_path;
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
	r = rg_cmd_verify(&plan, use, nifs, c->json, stdout, c->errs);
	rg_plan_free(&plan);
	return cli_verdict(c, r);
}
