/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * verify.h - `ringguard verify`: check the live host against the plan, the
 * way the plan's "Validation & Testing" section does by hand (ip link,
 * ip addr, ip -6 route get), over rtnetlink.
 *
 * Checks, one line (or one JSON object) each:
 *   link     each role interface exists, is up and has carrier
 *   address  it carries a global address of its role's zone and none that
 *            breaks the plan on its role (link-local ignored, IPv4 only if
 *            it lies in a zone)
 *   mtu      its MTU lies in its role's range (mesh 8950-9000, egress 1500)
 *   route    for each zone CIDR and each prefix inside a zone, the kernel's
 *            route to an address inside it leaves through an interface of a
 *            role on which the prefix does not break the plan
 *   routes   the route summary
 *   hook     with ringguard attached here, each role interface it attached:
 *            its links still pinned and attached (a pin removed, a link
 *            detached: not enforced, whatever status recorded)
 * Reads kernel state only; changes nothing. Needs no privileges but for
 * the hook checks (the pinned state).
 */
#ifndef RG_VERIFY_H
#define RG_VERIFY_H

#include <stdbool.h>
#include <stdio.h>
#include "plan/plan.h"

/* Checks the interfaces ifs[0..nifs) (name + role, resolved by the caller
 * from --mesh/--egress or the plan's host line) and the routes of this
 * network namespace against plan. The report goes to out (a table, or one
 * JSON object with json); errors go to errs. The report names the host
 * whose `host` line ifs points into (pass rg_plan_host(...)->ifs), else
 * this machine's hostname. state_dir: the pinned state to check the
 * hooks of (NULL: none).
 * Returns 0 when everything matches, 1 on a mismatch, -errno on error
 * (nothing is printed on out then).
 */
int rg_cmd_verify(const struct rg_plan *plan, const struct rg_host_if *ifs, int nifs,
		  const char *state_dir, bool json, FILE *out, FILE *errs);

#endif /* RG_VERIFY_H */
