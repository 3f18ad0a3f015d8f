/* SPDX-License-Identifier: GPL-2.0-only */
/* show.h - `status` and `stats` output (table, or JSON with -j). */
#ifndef RG_SHOW_H
#define RG_SHOW_H

#include <stdbool.h>
#include <stdio.h>
#include "kernel/state.h"

enum rg_sort { RG_SORT_CIDR, RG_SORT_NAME, RG_SORT_PACKETS, RG_SORT_BYTES, RG_SORT_VIOLATIONS };

struct rg_stats_opts {
	bool json;
	bool all;		/* the table shows buckets without traffic too */
	bool tree;		/* roll counters up the prefix hierarchy */
	bool prometheus;	/* text exposition format */
	int sort;		/* enum rg_sort */
	int watch;		/* seconds between redraws, 0: once */
};

int rg_show_stats(const struct rg_maps *m, const struct rg_stats_opts *o);
/* Prometheus text exposition of every counter (stats --prometheus, and
 * the daemon's --metrics endpoint).
 */
int rg_metrics(const struct rg_maps *m, FILE *out);
/* A label value as the text format wants it, of at most max bytes of s:
 * '\\', '"' and newline escaped, a byte that is not UTF-8 as U+FFFD.
 */
void rg_prom_value(FILE *out, const char *s, size_t max);
/* dir: the state directory (rg_state_dir). 0, 1 when something is wrong (a
 * port of a bridge with a role not covered, another program before
 * ringguard in a tcx chain, an attached interface that lost a hook: its
 * link unpinned or detached), or -errno.
 */
int rg_show_status(const struct rg_maps *m, const char *dir, bool json);

#endif /* RG_SHOW_H */
