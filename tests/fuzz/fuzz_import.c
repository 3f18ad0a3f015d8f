// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_import.c - `plan import` on any document: no crash, no undefined
 * behaviour, no leak; it answers 0 or 1 (or refuses a file with NUL bytes),
 * and a plan it calls consistent (0) passes the plan parser, as
 * `plan check` would run it.
 */
#include <errno.h>
#include "fuzz.h"
#include "plan/import.h"
#include "plan/plan.h"
#include "../logto.h"
#include "report/planout.h"

/* as `ringguard plan import` runs it (cmd/cmd_plan.c) */
static int import(const char *path, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	struct rg_import res;
	int rc;

	rg_log_setup(RG_LOG_INFO, fuzz_sink());
	rc = rg_plan_import(path, NULL, &res);
	if (rc >= 0)
		rg_import_print(&res, path, NULL, false, f);
	rg_import_free(&res);
	rg_log_setup(RG_LOG_INFO, NULL);
	fclose(f);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *plan = NULL;
	size_t len = 0;
	int fd, rc;

	rc = import(fuzz_file(data, size, &fd, path, sizeof(path)), &plan, &len);
	close(fd);
	fuzz_assert(rc == 0 || rc == 1 || (rc == -EINVAL && memchr(data, 0, size)),
		    "plan import returned %d", rc);
	if (rc == 0) {
		struct rg_plan p;
		int n = LOG_TO(fuzz_sink(), rg_plan_parse(plan, len, "imported.plan", &p));

		fuzz_assert(n == 0, "exit 0, but plan check finds %d errors in:\n%s", n, plan);
		rg_plan_free(&p);
	}
	free(plan);
	return 0;
}
