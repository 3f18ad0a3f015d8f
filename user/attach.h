/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach.h - load the programs, pin them, attach them to interfaces, and
 * take all of it down again.
 */
#ifndef RG_ATTACH_H
#define RG_ATTACH_H

#include <stdio.h>
#include "plan.h"
#include "state.h"

enum rg_want_xdp { RG_WANT_XDP_AUTO, RG_WANT_XDP_NATIVE, RG_WANT_XDP_GENERIC };
enum rg_want_tc { RG_WANT_TC_AUTO, RG_WANT_TC_TCX, RG_WANT_TC_CLSACT };

struct rg_attach_opts {
	const struct rg_host_if *ifs;
	int nifs;
	__u32 mode;
	int want_xdp;
	int want_tc;
	const char *plan_path;	/* as given; stored absolute */
};

/* Loads, pins and attaches everything under dir, installing plan first.
 * On failure nothing is left behind. Errors are reported on errs.
 */
int rg_attach(const char *dir, const struct rg_plan *plan,
	      const struct rg_attach_opts *o, FILE *errs);

/* Removes links, filters, qdiscs ringguard created, pins and dir. */
int rg_detach(const char *dir, FILE *errs);

bool rg_state_exists(const char *dir);

const char *rg_xdp_kind_name(__u32 kind);
const char *rg_tc_kind_name(__u32 kind);

#endif /* RG_ATTACH_H */
