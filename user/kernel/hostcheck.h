/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hostcheck.h - the live host against the plan, the way the plan's
 * "Validation & Testing" section checks it by hand (ip link, ip addr,
 * ip -6 route get), over rtnetlink. `ringguard verify` runs every check
 * once; the daemon's drift watch (daemon/drift.c) runs the ones a route,
 * address or link event touches.
 *
 * Checks, one record each:
 *   link     a role interface exists, is up and has carrier
 *   ports    a role bridge has ports; port: each is up, its MTU not below
 *            the bridge's, no address of its own
 *   address  it carries a global address of its role's zone and none that
 *            breaks the plan on its role (link-local ignored, IPv4 only if
 *            it lies in a zone)
 *   mtu      its MTU lies in its role's range (mesh 8950-9000, egress 1500)
 *   route    for a zone CIDR or a prefix inside a zone, the kernel's route
 *            to an address inside it leaves through an interface of a role
 *            on which it does not break the plan, from a source that does
 *            not break it either
 *   routes   the route summary (verify)
 *   hook     with ringguard attached here, each role interface it attached:
 *            its links still pinned and attached (a pin removed, a link
 *            detached: not enforced, whatever status recorded)
 * Reads kernel state only; changes nothing. Needs no privileges.
 */
#ifndef RG_HOSTCHECK_H
#define RG_HOSTCHECK_H

#include <net/if.h>
#include <stdbool.h>
#include "kernel/links.h"
#include "kernel/netlink.h"
#include "plan/lpm.h"
#include "plan/plan.h"

enum rg_check_level { RG_CHECK_OK, RG_CHECK_WARN, RG_CHECK_FAIL };

struct rg_check {
	enum rg_check_level level;
	const char *check;	/* "link", "ports", "port", "address", "mtu", "route", "routes" */
	char ifname[IF_NAMESIZE];	/* "" if none */
	uint32_t role;		/* the role the check holds the interface or prefix to */
	char prefix[64];	/* route checks: the planned CIDR */
	char name[RG_NAME_LEN + 8];	/* route checks: prefix name or "zone NAME" */
	char detail[768];
	uint64_t since;		/* the drift watch: CLOCK_REALTIME s it fails since */
};

struct rg_checks {
	struct rg_check *v;
	int n, cap;
};

/* What the checks read of the kernel: links, addresses, a socket for
 * route lookups. Fill it with rg_netstate_read(); read it again after a change.
 */
struct rg_net_addr {
	unsigned int index;
	uint8_t scope;
	struct rg_cidr a;	/* the address with its prefix length; IPv4 mapped */
};

struct rg_netstate {
	struct rg_nl nl;
	struct rg_link *links;
	int nlinks;
	struct rg_net_addr *addrs;
	int naddrs, capaddrs;
	/* the plan the checks last looked addresses up in, indexed */
	struct rg_plan_lpm *lpm;
	const struct rg_entry *lpm_entries;
};

/* The route the kernel would use to send to an address (`ip route get`). */
struct rg_route {
	bool found;
	uint8_t type;		/* RTN_* */
	unsigned int oif;
	bool has_gw, has_src;
	struct rg_cidr gw, src;	/* len unused */
};

int rg_route_get(struct rg_nl *nl, const struct rg_cidr *addr, struct rg_route *r);

/* Opens the socket if needed, then dumps links and addresses: 0 or -errno. */
int rg_netstate_read(struct rg_netstate *h);
void rg_netstate_free(struct rg_netstate *h);
/* The plan passed to the checks from now on is another one (its index is
 * built again at the next check).
 */
void rg_netstate_new_plan(struct rg_netstate *h);

/* The role frames leaving through the link of ifindex get under ifs: its
 * own, else its bridge's; RG_ROLE_NONE if neither has one.
 */
uint32_t rg_netstate_link_role(const struct rg_netstate *h, const struct rg_host_if *ifs, int nifs,
			       unsigned int ifindex);

/* The interface checks of ifs[i] (link, ports, address, mtu), appended to r. */
int rg_check_iface(struct rg_checks *r, struct rg_netstate *h, const struct rg_plan *p,
		   const struct rg_host_if *ifs, int nifs, int i);
/* The route check of plan entry e (a zone or a prefix inside one); the
 * lookup's out interface goes to *oif (0: none), for the caller's index.
 */
int rg_check_route(struct rg_checks *r, struct rg_netstate *h, const struct rg_plan *p,
		   const struct rg_host_if *ifs, int nifs, const struct rg_entry *e,
		   unsigned int *oif);
/* Whether plan entry e gets a route check: zone CIDRs and prefixes inside a
 * zone (prefixes outside the zones break the plan nowhere).
 */
bool rg_check_route_wanted(const struct rg_entry *e);
/* verify: every check, and the route summary; with state_dir (ringguard
 * attached there) also a hook check per role interface it attached: its
 * links still pinned and attached. *what names the step that failed on an
 * error (for the message)
 */
int rg_check_all(struct rg_checks *r, struct rg_netstate *h, const struct rg_plan *p,
		 const struct rg_host_if *ifs, int nifs, const char *state_dir, char *what,
		 size_t whatlen);
/* 1 if any check failed, else 0 */
int rg_checks_failed(const struct rg_checks *r);
void rg_checks_free(struct rg_checks *r);

#endif /* RG_HOSTCHECK_H */
