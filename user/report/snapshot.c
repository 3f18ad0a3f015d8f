// SPDX-License-Identifier: GPL-2.0-only
/*
 * snapshot.c - what status, stats and metrics read: one snapshot of the
 * pinned maps (opened read-only), and the small formatters they share.
 * The commands' printers: status.c, stats.c, metrics.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/snapshot.h"

/* IPv6 before IPv4, then by address and length (parents before children);
 * the catch-all last.
 */
int cmp_bucket(const void *a, const void *b)
{
	const struct bucket_row *x = a, *y = b;
	int r;

	if ((x->info.kind == RG_KIND_UNPLANNED) != (y->info.kind == RG_KIND_UNPLANNED))
		return x->info.kind == RG_KIND_UNPLANNED ? 1 : -1;
	if (rg_key_is_v4(&x->info.cidr) != rg_key_is_v4(&y->info.cidr))
		return rg_key_is_v4(&x->info.cidr) ? 1 : -1;
	r = memcmp(x->info.cidr.addr, y->info.cidr.addr, 16);
	if (r)
		return r;
	return (int)x->info.cidr.prefixlen - (int)y->info.cidr.prefixlen;
}

/* Counters this process has shown, by bucket id. When a plan has more
 * buckets than half the counter slots, two can take turns in a per-CPU
 * counter slot, and a read that races with a turn change may see the
 * counts that move in both places for an instant. Within one series (the
 * daemon's /metrics, stats --watch) counters therefore never go back: each
 * shows the most it has shown for the same bucket (id, kind and CIDR).
 */
struct shown {
	struct rg_lpm_key cidr;
	__u32 kind;
	struct rg_bucket_counters c;
};

static void never_back(__u32 id, const struct rg_bucket_info *info,
		       struct rg_bucket_counters *c)
{
	static struct shown *shown;
	struct shown *w;
	__u64 *now = (__u64 *)c, *was;

	if (!shown)
		shown = calloc(RG_MAX_BUCKETS, sizeof(*shown));
	if (!shown || id >= RG_MAX_BUCKETS)
		return;
	w = &shown[id];
	was = (__u64 *)&w->c;
	if (w->kind == info->kind && !memcmp(&w->cidr, &info->cidr, sizeof(w->cidr))) {
		for (size_t f = 0; f < sizeof(*c) / sizeof(__u64); f++)
			if (was[f] > now[f])
				now[f] = was[f];
	}
	w->cidr = info->cidr;
	w->kind = info->kind;
	w->c = *c;
}

int snapshot_take(const struct rg_maps *m, struct snapshot *s, enum snap_kind kind)
{
	bool counters = kind != SNAP_STATE;
	__u32 *ids = NULL;
	struct rg_bucket_info *infos = NULL;
	int n, err;

	memset(s, 0, sizeof(*s));
	err = rg_meta_read(m, &s->meta);
	if (!err)
		err = rg_mode_read(m, &s->mode);
	if (!err)
		err = rg_config_read(m, &s->cfg);
	if (err)
		return err;
	rg_mode_view_of(&s->meta, &s->cfg, rg_monotonic_ns(), &s->view);

	{
		/* 128 KiB at RG_MAX_IFACES: not on the stack of the daemon's
		 * listener thread, which serves /metrics
		 */
		struct rg_attached *att = calloc(RG_MAX_IFACES, sizeof(*att));

		if (!att)
			return -ENOMEM;
		n = rg_attached_read(m, att, RG_MAX_IFACES);
		if (n < 0) {
			free(att);
			return n;
		}
		for (int i = 0; i < n; i++) {
			struct iface_row *r = &s->ifaces[s->nifaces];

			r->ifindex = att[i].ifindex;
			r->ifc = att[i].ifc;
			r->present = att[i].present;
			memcpy(r->bridge, att[i].bridge, sizeof(r->bridge));
			r->nports = att[i].nports;
			r->xdp_holder = att[i].xdp_holder;
			memcpy(r->head, att[i].head, sizeof(r->head));
			if (counters && rg_if_sum(m, r->ifc.slot, &r->c))
				continue;
			s->nifaces++;
		}
		free(att);
	}
	if (!counters)
		return 0;

	ids = calloc(RG_MAX_BUCKETS, sizeof(*ids));
	infos = calloc(RG_MAX_BUCKETS, sizeof(*infos));
	if (!ids || !infos) {
		err = -ENOMEM;
		goto out;
	}
	n = rg_active_buckets(m, 0, s->meta.generation, ids, infos);
	if (n < 0) {
		err = n;
		goto out;
	}
	s->buckets = calloc(n ? n : 1, sizeof(*s->buckets));
	if (!s->buckets) {
		err = -ENOMEM;
		goto out;
	}
	{
		struct rg_bucket_counters *c = calloc(n ? n : 1, sizeof(*c));

		err = c ? rg_bucket_read(m, ids, n, c) : -ENOMEM;
		for (int i = 0; !err && i < n; i++) {
			s->buckets[i].id = ids[i];
			s->buckets[i].info = infos[i];
			s->buckets[i].c = c[i];
			if (kind == SNAP_SERIES)
				never_back(ids[i], &infos[i], &s->buckets[i].c);
		}
		free(c);
		if (err)
			goto out;
		s->nbuckets = n;
	}
	qsort(s->buckets, s->nbuckets, sizeof(*s->buckets), cmp_bucket);
out:
	free(ids);
	free(infos);
	return err;
}

const char *kind_name(__u32 kind)
{
	switch (kind) {
	case RG_KIND_PREFIX:
		return "prefix";
	case RG_KIND_ZONE:
		return "zone";
	default:
		return "unplanned";
	}
}

void cidr_of(const struct rg_bucket_info *info, char *buf, size_t len)
{
	if (info->kind == RG_KIND_UNPLANNED)
		snprintf(buf, len, "-");
	else
		rg_key_format(&info->cidr, buf, len);
}

void jdir(struct rg_json *j, const char *key, const struct rg_dir_counters *d)
{
	rg_json_obj(j, key);
	rg_json_u64(j, "packets", d->packets);
	rg_json_u64(j, "bytes", d->bytes);
	rg_json_u64(j, "violations", d->violations);
	rg_json_u64(j, "dropped", d->dropped);
	rg_json_u64(j, "malformed", d->malformed);
	rg_json_u64(j, "other", d->other);
	rg_json_end(j);
}

void jpc(struct rg_json *j, const char *key, const struct rg_pc *pc)
{
	rg_json_obj(j, key);
	rg_json_u64(j, "packets", pc->packets);
	rg_json_u64(j, "bytes", pc->bytes);
	rg_json_end(j);
}

void jplan(struct rg_json *j, const struct rg_meta *meta)
{
	char sha[65];

	rg_sha256_hex(meta->sha256, sha);
	rg_json_obj(j, "plan");
	rg_json_strn(j, "path", meta->plan_path, sizeof(meta->plan_path));
	rg_json_str(j, "sha256", sha);
	rg_json_u64(j, "generation", meta->generation);
	rg_json_end(j);
}

/* Human units keep the table narrow: 1234567 -> 1.2M. */
const char *human(__u64 v, char *buf, size_t len)
{
	static const char units[] = "kMGTPE";
	double d = v;
	int u = -1;

	if (v < 10000) {
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return buf;
	}
	while (d >= 1000 && u < 5) {
		d /= 1000;
		u++;
	}
	snprintf(buf, len, d < 10 ? "%.1f%c" : "%.0f%c", d, units[u]);
	return buf;
}

/* Whether ringguard is not first on a tcx chain of r (a problem). */
bool displaced(const struct iface_row *r)
{
	for (int d = 0; d < RG_DIR_MAX; d++)
		if (r->head[d].state == RG_HEAD_DISPLACED || r->head[d].state == RG_HEAD_MISSING)
			return true;
	return false;
}

/* The ports of attached bridges that ringguard does not cover: *rows
 * calloc'd (free it), the count or -errno.
 */
int uncovered(const struct rg_maps *m, struct rg_uncovered **rows)
{
	int n = rg_uncovered_read(m, NULL, 0);

	*rows = NULL;
	if (n <= 0)
		return n;
	*rows = calloc(n, sizeof(**rows));
	if (!*rows)
		return -ENOMEM;
	n = rg_uncovered_read(m, *rows, n);
	return n;
}
