// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_plan.c - the plan parser (rg_plan_parse): any bytes, no crash, no
 * undefined behaviour, no leak. A plan it accepts must hold together: every
 * CIDR prints and parses back to itself, every entry's bucket is an entry,
 * and the first address of every entry looks up to a bucket.
 */
#include "fuzz.h"
#include "plan/plan.h"
#include "../logto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rg_plan plan;
	int n = LOG_TO(fuzz_sink(), rg_plan_parse((const char *)data, size, "fuzz.plan", &plan));

	fuzz_assert(n >= 0, "rg_plan_parse returned %d", n);
	if (n == 0) {
		fuzz_assert(plan.nentries > 0 && plan.nentries <= RG_MAX_PLAN, "%d entries",
			    plan.nentries);
		for (int i = 0; i < plan.nentries; i++) {
			const struct rg_entry *e = &plan.entries[i];
			struct rg_cidr back;
			char cs[64], why[128];

			rg_cidr_format(&e->cidr, cs, sizeof(cs));
			fuzz_assert(!rg_cidr_parse(cs, &back, why, sizeof(why)) &&
				    !rg_cidr_cmp(&back, &e->cidr) && back.v4 == e->cidr.v4,
				    "'%s' does not parse back (%s)", cs, why);
			fuzz_assert(e->bucket_of >= 0 && e->bucket_of < plan.nentries,
				    "entry %d: bucket %d", i, e->bucket_of);
			fuzz_assert(rg_plan_scan(&plan, e->cidr.addr) >= 0,
				    "'%s': its own address is unplanned", cs);
		}
	}
	rg_plan_free(&plan);
	return 0;
}
