/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lpm.h - the most specific plan entry covering an address, in one hash
 * probe per prefix length the plan uses (at most 129), as the datapath's
 * trie answers it: the families apart (an IPv4 address is judged by IPv4
 * CIDRs only). For code that asks many addresses of one plan (the host
 * checks, the drift watch); rg_plan_scan_af() scans.
 */
#ifndef RG_PLAN_LPM_H
#define RG_PLAN_LPM_H

#include "lib/hashidx.h"
#include "plan/plan.h"

struct rg_plan_lpm {
	const struct rg_plan *plan;
	struct rg_hidx by_cidr;
	int count[129];		/* entries of each prefix length */
};

int rg_plan_lpm_build(struct rg_plan_lpm *l, const struct rg_plan *p);
void rg_plan_lpm_free(struct rg_plan_lpm *l);
/* the index of the entry whose CIDR is addr/len exactly (addr masked), or -1 */
int rg_plan_lpm_exact(const struct rg_plan_lpm *l, const uint8_t addr[16], int len, bool v4);
/* the index of the most specific entry covering addr, or -1 */
int rg_plan_lpm_find(const struct rg_plan_lpm *l, const uint8_t addr[16], bool v4);

#endif /* RG_PLAN_LPM_H */
