// SPDX-License-Identifier: GPL-2.0-only
/*
 * verify_report.c - the host checks (kernel/hostcheck.h) as `verify`
 * prints them: a table, or one JSON object.
 */
#include <stdio.h>
#include <string.h>
#include "lib/json.h"
#include "report/verify_report.h"

static const char *level_name(enum rg_check_level l)
{
	return l == RG_CHECK_OK ? "ok" : l == RG_CHECK_WARN ? "warn" : "FAIL";
}

void rg_checks_print_text(const struct rg_checks *r, const char *host, FILE *out)
{
	int wp = 0, wn = 0, nchecks = 0, nfail = 0, nwarn = 0;

	for (int i = 0; i < r->n; i++) {
		const struct rg_check *c = &r->v[i];

		if (!c->prefix[0])
			continue;
		if ((int)strlen(c->prefix) > wp)
			wp = strlen(c->prefix);
		if ((int)strlen(c->name) > wn)
			wn = strlen(c->name);
	}
	for (int i = 0; i < r->n; i++) {
		const struct rg_check *c = &r->v[i];

		/* the route summary repeats what the route lines counted */
		if (strcmp(c->check, "routes")) {
			nchecks++;
			nfail += c->level == RG_CHECK_FAIL;
			nwarn += c->level == RG_CHECK_WARN;
		}
		if (c->prefix[0])
			fprintf(out, "%-4s  %-7s  %-*s  %-*s  %s\n", level_name(c->level), c->check,
				wp, c->prefix, wn, c->name, c->detail);
		else
			fprintf(out, "%-4s  %-7s  %s\n", level_name(c->level), c->check, c->detail);
	}
	fprintf(out, "%-4s  %-7s  %s: %d checks, %d failed, %d warning%s\n",
		nfail ? "FAIL" : "ok", "verify", host, nchecks, nfail, nwarn, nwarn == 1 ? "" : "s");
}

void rg_checks_print_json(const struct rg_checks *r, const char *host, FILE *out)
{
	struct rg_json j;
	bool ok = true;

	for (int i = 0; i < r->n; i++)
		ok &= r->v[i].level != RG_CHECK_FAIL;
	rg_json_init(&j, out);
	rg_json_obj(&j, NULL);
	rg_json_str(&j, "host", host);
	rg_json_arr(&j, "checks");
	for (int i = 0; i < r->n; i++) {
		const struct rg_check *c = &r->v[i];
		char detail[sizeof(c->prefix) + sizeof(c->name) + sizeof(c->detail) + 8];

		rg_json_obj(&j, NULL);
		rg_json_str(&j, "check", c->check);
		rg_json_str(&j, "interface", c->ifname[0] ? c->ifname : NULL);
		rg_json_bool(&j, "ok", c->level != RG_CHECK_FAIL);
		rg_json_bool(&j, "warning", c->level == RG_CHECK_WARN);
		if (c->prefix[0]) {
			rg_json_str(&j, "prefix", c->prefix);
			rg_json_str(&j, "name", c->name);
			snprintf(detail, sizeof(detail), "%s %s: %s", c->prefix, c->name, c->detail);
		} else {
			snprintf(detail, sizeof(detail), "%s", c->detail);
		}
		rg_json_str(&j, "detail", detail);
		rg_json_end(&j);
	}
	rg_json_end(&j);
	rg_json_bool(&j, "ok", ok);
	rg_json_end(&j);
}
