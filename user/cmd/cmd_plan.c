// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_plan.c - `ringguard plan check|import|diff`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "plan/import.h"
#include "plan/plandiff.h"
#include "report/planout.h"
#include "lib/json.h"

static int cmd_plan_check(struct rg_cli *c);

static const struct rg_cmd rg_plan_check_cmd = {
	.run = cmd_plan_check,
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

static int cmd_plan_import(struct rg_cli *c);

static const struct rg_cmd rg_plan_import_cmd = {
	.run = cmd_plan_import,
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

static int cmd_plan_diff(struct rg_cli *c);

static const struct rg_cmd rg_plan_diff_cmd = {
	.run = cmd_plan_diff,
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
	&rg_plan_check_cmd, &rg_plan_import_cmd, &rg_plan_diff_cmd, NULL
};

const struct rg_cmd rg_plan_cmd = {
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

	err = cli_parse(c, NULL, &pos);
	if (err)
		return err;
	file = pos.v[0];
	err = cli_load_plan(c, file, &plan);
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
		rg_log_at(RG_LOG_INFO, file, e->line, "%s '%s' %s covers IPv6 addresses only "
			  "(IPv4-mapped ones included); IPv4 traffic is judged by the plan's IPv4 "
			  "CIDRs alone", e->kind == RG_KIND_ZONE ? "zone" : "prefix", e->name, cidr);
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
		rg_json_str(&j, "unreadable", rg_unreadable_name(&plan));
		rg_json_end(&j);
	} else {
		printf("%s: valid: %d zone%s, %d prefix%s, %d host%s, %d lifeline%s, %d trie entries "
		       "(limit %d)\nencap: vxlan %s, geneve %s\nunreadable frames: %s in enforce mode"
		       "\nsha256 %s\n", file, plan.nzones,
		       plan.nzones == 1 ? "" : "s", plan.nprefixes, plan.nprefixes == 1 ? "" : "es",
		       plan.nhosts, plan.nhosts == 1 ? "" : "s", plan.nlifelines,
		       plan.nlifelines == 1 ? "" : "s", plan.nentries, RG_MAX_PLAN, vx, ge,
		       rg_unreadable_name(&plan), sha);
	}
	rg_plan_free(&plan);
	return 0;
}


static int cmd_plan_import(struct rg_cli *c)
{
	struct import_args a = {};
	struct rg_import r;
	struct rg_args pos;
	int err = cli_parse(c, &a, &pos);

	if (err)
		return err;
	err = rg_plan_import(pos.v[0], a.output, &r);
	if (err >= 0)
		rg_import_print(&r, pos.v[0], a.output, c->json, stdout);
	rg_import_free(&r);
	if (err >= 0 && fflush(stdout))
		err = cli_fail(c, -errno, "plan import: cannot write the plan: %s", strerror(errno));
	return cli_verdict(c, err);
}

static int cmd_plan_diff(struct rg_cli *c)
{
	struct rg_plandiff d;
	struct rg_args pos;
	int err = cli_parse(c, NULL, &pos), werr = 0;

	if (err)
		return err;
	err = rg_plan_diff(pos.v[0], pos.v[1], &d);
	if (err < 0)
		return err;
	if (c->json)
		rg_diff_print_json(&d, stdout);
	else if (err)
		werr = rg_diff_print_text(&d, pos.v[0], pos.v[1], stdout);
	rg_plandiff_free(&d);
	if (werr || fflush(stdout))
		return cli_fail(c, werr ? werr : -EIO, "plan diff: cannot write: %s",
				strerror(werr ? -werr : errno));
	return cli_verdict(c, err);
}
