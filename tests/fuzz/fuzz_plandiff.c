// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_plandiff.c - `plan diff OLD NEW` on two plans made of any bytes (cut
 * at the first NUL, or in the middle when there is none): no crash, no
 * undefined behaviour, no leak; the answer is 0, 1 or an error for an
 * invalid plan, and a valid plan compared with itself shows no difference,
 * in text and in JSON.
 */
#include "fuzz.h"
#include "plan/plan.h"
#include "plan/plandiff.h"
#include "../logto.h"
#include "report/planout.h"

/* as `ringguard plan diff` runs it (cmd/cmd_plan.c) */
static int diff(const char *a, const char *b, bool json)
{
	struct rg_plandiff d;
	int rc;

	rg_log_setup(RG_LOG_INFO, fuzz_sink());
	rc = rg_plan_diff(a, b, &d);
	if (rc >= 0) {
		if (json)
			rg_diff_print_json(&d, fuzz_sink());
		else if (rc)
			rg_diff_print_text(&d, a, b, fuzz_sink());
		rg_plandiff_free(&d);
	}
	rg_log_setup(RG_LOG_INFO, NULL);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t cut = nul ? (size_t)(nul - data) : size / 2, rest = nul ? cut + 1 : cut;
	char pa[64], pb[64];
	struct rg_plan plan;
	int fa, fb, rc, valid;

	fuzz_file(data, cut, &fa, pa, sizeof(pa));
	fuzz_file(data + rest, size - rest, &fb, pb, sizeof(pb));
	rc = diff(pa, pb, size && (data[0] & 1));
	valid = LOG_TO(fuzz_sink(), rg_plan_parse((const char *)data, cut, "old.plan", &plan));
	rg_plan_free(&plan);
	fuzz_assert(rc == 0 || rc == 1 || rc < 0, "plan diff returned %d", rc);
	if (valid == 0) {
		fuzz_assert(diff(pa, pa, false) == 0, "a valid plan differs from itself");
		fuzz_assert(diff(pa, pa, true) == 0, "a valid plan differs from itself (-j)");
	}
	close(fa);
	close(fb);
	return 0;
}
