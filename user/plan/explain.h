/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * explain.h - why an address, and a frame, get their verdict: the chain of
 * plan lines that decide an address (its zone, each prefix that contains
 * it, the `allow` it inherits) and, per role, whether it breaks the plan
 * and which line makes it so; for a source and a destination, the frame's
 * verdict per role as the datapath gives it. `ringguard explain` prints it
 * (user/cmd/cmd_explain.c); the tests hold it against BPF_PROG_TEST_RUN.
 *
 * The rules are README.md's ("The rules, exactly"), read off the plan's
 * entries rather than the compiled trie values, so the chain can name its
 * lines; tests/test_explain.c checks both give the same verdicts.
 */
#ifndef RG_EXPLAIN_H
#define RG_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include "plan/plan.h"

#define RG_ROLES	2	/* mesh, egress: role - RG_ROLE_MESH indexes by role */

/* Why an address does or does not break the plan on a role. */
enum rg_why {
	RG_WHY_UNPLANNED,	/* in no zone: passes (link-local, multicast, stray IPv4) */
	RG_WHY_ZONE,		/* its zone belongs on the role: passes (line: the zone) */
	RG_WHY_ALLOW,		/* its zone does not, a prefix allows the role: passes
				 * (line: the widest prefix whose allow names it) */
	RG_WHY_BREAKS,		/* its zone does not, and nothing allows it: breaks
				 * (line: the zone) */
};

struct rg_explain_role {
	bool breaks;
	enum rg_why why;
	int entry;		/* the plan entry that decides, -1 for RG_WHY_UNPLANNED */
};

/* One address. */
struct rg_explain_addr {
	uint8_t addr[16];	/* IPv4 as ::ffff:a.b.c.d */
	bool v4;		/* judged as IPv4 (written a.b.c.d) */
	bool mapped;		/* an IPv6 address inside ::ffff:0:0/96: judged as IPv6 */
	int chain[129];		/* the entries that contain it, widest first */
	int nchain;
	int zone;		/* the zone's entry, -1 */
	int bucket;		/* the entry whose bucket counts it, -1: unplanned */
	uint32_t breaks;	/* RG_BREAKS() bits of the roles it breaks */
	struct rg_explain_role role[RG_ROLES];
};

/* A frame from src to dst on an interface of each role. */
struct rg_explain_frame {
	struct rg_explain_addr src, dst;
	struct {
		bool violation;
		/* which address broke it: bit 0 the source, bit 1 the destination */
		unsigned int by;
	} role[RG_ROLES];
};

/* Parses one address as `explain` takes it: IPv6 or IPv4, no /LENGTH, no
 * scope; 0, or -EINVAL with why filled.
 */
int rg_explain_parse(const char *s, uint8_t addr[16], bool *v4, char *why, size_t whylen);

/* Explains addr (of family v4) against a plan that parsed cleanly. */
void rg_explain_addr(const struct rg_plan *plan, const uint8_t addr[16], bool v4,
		     struct rg_explain_addr *out);

/* Explains the frame src -> dst; -EINVAL when the two are not of one
 * family (a frame is IPv4 or IPv6: write an IPv4 address inside an IPv6
 * frame as ::ffff:a.b.c.d).
 */
int rg_explain_frame(const struct rg_plan *plan, const uint8_t src[16], bool src_v4,
		     const uint8_t dst[16], bool dst_v4, struct rg_explain_frame *out);

static inline int rg_role_idx(uint32_t role)
{
	return (int)role - RG_ROLE_MESH;
}

#endif /* RG_EXPLAIN_H */
