/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * plandiff.h - `ringguard plan diff OLD NEW [-j]`: what changes between two
 * plans, entry by entry, and where the verdict changes.
 *
 * Entries: added, removed, changed (same name with another CIDR, allow or
 * role; or same CIDR under another name), hosts likewise. Verdicts: for each
 * role, the exact set of addresses that break the plan on an interface of
 * that role in one plan and not in the other, as a minimal list of CIDRs.
 *
 * Returns 0 for no differences, 1 for differences, -errno on an error (a
 * plan that cannot be read or is invalid; reported on errs).
 */
#ifndef RG_PLANDIFF_H
#define RG_PLANDIFF_H

#include <stdbool.h>
#include <stdio.h>

int rg_cmd_plan_diff(const char *old_path, const char *new_path, bool json, FILE *out,
		     FILE *errs);

#endif /* RG_PLANDIFF_H */
