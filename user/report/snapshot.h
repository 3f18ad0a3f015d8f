/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * snapshot.h - inside report/ only: one read of the pinned maps that
 * status.c, stats.c and metrics.c print from, and their shared formatters.
 */
#ifndef RG_SNAPSHOT_H
#define RG_SNAPSHOT_H

#include "kernel/attach.h"
#include "kernel/fleet.h"
#include "kernel/install.h"
#include "kernel/state.h"
#include "lib/json.h"

struct bucket_row {
	__u32 id;
	struct rg_bucket_info info;
	struct rg_bucket_counters c;
};

struct iface_row {
	__u32 ifindex;
	struct rg_iface ifc;
	struct rg_if_counters c;
	bool present;
	char bridge[RG_IFNAME_LEN];	/* a port of this attached bridge */
	int nports;
	__u32 xdp_holder;
	struct rg_head head[RG_DIR_MAX];
};

struct snapshot {
	struct rg_meta meta;
	struct rg_config cfg;
	__u32 mode;
	struct rg_mode_view view;
	struct bucket_row *buckets;
	int nbuckets;
	struct iface_row ifaces[RG_MAX_IFACES];
	int nifaces;
};

/* What a snapshot holds: the state only, or counters too, read once or as
 * one of a series (watch, /metrics) in which they must never go back.
 */
enum snap_kind {
	SNAP_STATE,
	SNAP_ONCE,
	SNAP_SERIES,
};


/* Reads the maps into s (s->buckets allocated: free it). */
int snapshot_take(const struct rg_maps *m, struct snapshot *s, enum snap_kind kind);
/* "prefix", "zone" or "unplanned" */
const char *kind_name(__u32 kind);
/* the bucket's CIDR, "-" for the unplanned catch-all */
void cidr_of(const struct rg_bucket_info *info, char *buf, size_t len);
/* JSON objects: one direction's counters, packets and bytes, the plan */
void jdir(struct rg_json *j, const char *key, const struct rg_dir_counters *d);
void jpc(struct rg_json *j, const char *key, const struct rg_pc *pc);
void jplan(struct rg_json *j, const struct rg_meta *meta);
/* Human units keep the table narrow: 1234567 -> 1.2M. */
const char *human(__u64 v, char *buf, size_t len);

/* qsort order of bucket rows: IPv6 before IPv4, by address and length
 * (parents before children), the catch-all last
 */
int cmp_bucket(const void *a, const void *b);
/* Whether ringguard is not first on a tcx chain of r (a problem). */
bool displaced(const struct iface_row *r);
/* The ports of attached bridges that ringguard does not cover: *rows
 * calloc'd (free it), the count or -errno.
 */
int uncovered(const struct rg_maps *m, struct rg_uncovered **rows);

#endif
