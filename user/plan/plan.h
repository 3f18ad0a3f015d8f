/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * plan.h - the plan file: parse, validate, compile into trie entries.
 *
 * rg_plan_parse() reports every error as "FILE:LINE: message" and returns the
 * number of errors; a plan with errors must not be installed. After a clean
 * parse each entry carries its compiled trie value (bucket entry + breaks).
 */
#ifndef RG_PLAN_H
#define RG_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "ringguard.h"
#include "lib/addr.h"

/* What an entry inherits from the entries that contain it. Entries are
 * compiled in (address, length) order, each from its nearest ancestor of
 * the same family.
 */
struct rg_lineage {
	int zone;		/* the entry of the zone it lies in, -1 for none */
	int pfx;		/* the entry of the innermost prefix (itself included), -1 */
	uint32_t allow;		/* RG_BREAKS() bits of the roles allowed on the way */
};

struct rg_entry {
	char name[RG_NAME_LEN];
	char zone[RG_ZONE_LEN];	/* zone the entry lies in ("" if none) */
	struct rg_cidr cidr;
	uint32_t kind;		/* RG_KIND_PREFIX or RG_KIND_ZONE */
	uint32_t role;		/* zones: the role the zone belongs to */
	uint32_t allow;		/* prefixes: RG_BREAKS() bits of allowed roles */
	int line;
	/* compiled */
	int bucket_of;		/* index of the entry whose bucket counts it */
	uint32_t breaks;	/* RG_BREAKS() bits: roles the entry breaks */
	struct rg_lineage lin;
};

struct rg_host_if {
	char name[RG_IFNAME_LEN];
	uint32_t role;
};

struct rg_host {
	char name[RG_NAME_LEN];
	int line;
	int nifs;
	struct rg_host_if ifs[RG_MAX_HOST_IFS];
	bool mode_declared;	/* `mode monitor|enforce` at the end of the line */
	uint32_t mode;		/* enum rg_mode; monitor when not declared */
};

/* `lifeline ADDR [ADDR...]`: addresses every host must still reach once it
 * enforces (gateways, the API VIP, Ceph monitors); the daemon probes them
 * around a switch to enforce and reverts when one stops answering.
 */
#define RG_MAX_LIFELINES	64

struct rg_lifeline {
	uint8_t addr[16];	/* IPv4 as ::ffff:a.b.c.d */
	bool v4;
	int line;
};

/* UDP ports taken as VXLAN and Geneve, host order; 0 ends a list. */
struct rg_encap_ports {
	uint16_t vxlan[RG_ENCAP_PORTS];
	uint16_t geneve[RG_ENCAP_PORTS];
};

struct rg_plan {
	struct rg_encap_ports encap;	/* the defaults unless an encap line says */
	/* `unreadable pass`: enforce mode passes frames the datapath cannot
	 * read (more VLAN tags than it walks, a truncated header) instead of
	 * dropping them, the default (`unreadable drop`); RG_GEN_UNREADABLE_PASS
	 */
	bool unreadable_pass;
	struct rg_entry *entries;
	int nentries;
	struct rg_host *hosts;
	int nhosts;
	int nzones;
	int nprefixes;
	struct rg_lifeline lifelines[RG_MAX_LIFELINES];
	int nlifelines;
	uint8_t sha256[32];
};

/* Every error of the plan is logged (lib/log.h) as FNAME:LINE: message, in
 * line order; a caller that wants them held opens a capture first.
 * Returns the number of errors, or -errno.
 */
int rg_plan_parse(const char *text, size_t len, const char *fname, struct rg_plan *plan);
/* Reads and parses FILE; returns -errno if it cannot be read (logged as
 * FILE: why), else the number of plan errors.
 */
int rg_plan_load(const char *path, struct rg_plan *plan);
/* Reads FILE whole into *text (malloc'd, *len bytes, no NUL added): 0, 1
 * for a file too large, or -errno; each logged as FILE: why. A regular file
 * only (-EINVAL for a FIFO, a device, a socket), opened without blocking:
 * for the daemon, which must never wait on its plan.
 */
int rg_plan_read(const char *path, char **text, size_t *len);
void rg_plan_free(struct rg_plan *plan);

/* One zone or prefix line (len bytes, no newline) parsed on its own into
 * out's entries, not yet compiled; returns the number of errors (their text
 * is dropped: a full parse reports them) or -errno. For a daemon that
 * compiles only the lines a change touched (live.c).
 */
int rg_plan_parse_entries(const char *line, size_t len, int lineno, struct rg_plan *out);

/* e's lineage (e is entry idx) from its nearest ancestor's (NULL: none).
 * Returns the zone that e, itself a zone, lies in (an overlap: an error),
 * else -1.
 */
int rg_lineage_step(const struct rg_lineage *up, const struct rg_entry *e, int idx,
		    struct rg_lineage *out);
/* Fills e's compiled fields (bucket_of, breaks, zone) from its lineage;
 * zone is the entry l->zone names, or NULL.
 */
void rg_entry_compile(struct rg_entry *e, int idx, const struct rg_lineage *l,
		      const struct rg_entry *zone);

/* The entry whose bucket counts addr, -1 for unplanned: a scan of every
 * entry, for a one-off answer (the datapath's trie lookup is rg_plan_lookup
 * in bpf/classify.h; many addresses of one plan: plan/lpm.h).
 */
int rg_plan_scan(const struct rg_plan *plan, const uint8_t addr[16]);
/* The same for an address of a known family: v4 for IPv4 (::ffff:a.b.c.d),
 * else IPv6, which only IPv6 CIDRs cover, mapped or not.
 */
int rg_plan_scan_af(const struct rg_plan *plan, const uint8_t addr[16], bool v4);
const struct rg_host *rg_plan_host(const struct rg_plan *plan, const char *name);
/* The mode the plan declares for host name: monitor when the line says
 * nothing, or when there is no such line (*declared tells which).
 */
uint32_t rg_plan_host_mode(const struct rg_plan *plan, const char *name, bool *declared);

/* "pass" or "drop": what enforce mode does with unreadable frames. */
const char *rg_unreadable_name(const struct rg_plan *plan);

/* "4789,8472" (or "off") for an encapsulation's port list. */
void rg_ports_format(const uint16_t *ports, char *buf, size_t len);

const char *rg_role_name(uint32_t role);
int rg_role_parse(const char *s);	/* -1 if unknown */
void rg_sha256_hex(const uint8_t sha[32], char out[65]);

#endif /* RG_PLAN_H */
