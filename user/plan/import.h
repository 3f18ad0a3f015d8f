/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * import.h - `ringguard plan import DOC.md [-o FILE]`: turn a markdown
 * allocation plan (headings, tables, "Range:" lines) into a plan file.
 *
 * rg_plan_import reads doc and makes the best plan it can: with output set,
 * written to that file (atomically, by rename); always handed back in res
 * with the problems found in the document, sorted by line (a note marks a
 * lossy but consistent encoding, such as a range written as its covering
 * prefix). cmd/cmd_plan.c prints them. Returns 0 when the document is
 * consistent, 1 when it has inconsistencies, -errno on an I/O error
 * (logged, lib/log.h; res is then empty).
 */
#ifndef RG_IMPORT_H
#define RG_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

struct rg_import_problem {
	int line;		/* in the document; 0: the document as a whole */
	bool note;		/* lossy but consistent, not an inconsistency */
	const char *msg;
};

struct rg_import {
	char *plan;		/* the plan's text */
	size_t plan_len;
	int entries, hosts;	/* zone CIDRs and prefixes; hosts */
	int nerrors, nnotes;
	struct rg_import_problem *problems;
	int nproblems;
	void *msgs;		/* what problems[].msg point into */
};

int rg_plan_import(const char *doc, const char *output, struct rg_import *res);
void rg_import_free(struct rg_import *res);

#endif /* RG_IMPORT_H */
