// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats.c - `ringguard stats`: per-prefix counters as a table (with rates
 * and a roll-up of children into parents), -j JSON, or --watch.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report/show.h"
#include "report/snapshot.h"

static __u64 traffic(const struct bucket_row *r)
{
	return r->c.src.packets + r->c.dst.packets;
}

static __u64 traffic_bytes(const struct bucket_row *r)
{
	return r->c.src.bytes + r->c.dst.bytes;
}

static int sort_key;

static int cmp_sort(const void *a, const void *b)
{
	const struct bucket_row *x = a, *y = b;
	__u64 vx, vy;

	switch (sort_key) {
	case RG_SORT_NAME:
		return strcmp(x->info.name, y->info.name);
	case RG_SORT_PACKETS:
		vx = traffic(x), vy = traffic(y);
		break;
	case RG_SORT_BYTES:
		vx = traffic_bytes(x), vy = traffic_bytes(y);
		break;
	case RG_SORT_VIOLATIONS:
		vx = x->c.violations.packets, vy = y->c.violations.packets;
		break;
	default:
		return cmp_bucket(a, b);
	}
	return vx < vy ? 1 : vx > vy ? -1 : cmp_bucket(a, b);
}

static void pc_add(struct rg_pc *a, const struct rg_pc *b)
{
	a->packets += b->packets;
	a->bytes += b->bytes;
}

/* --tree: rows in address order; each row's counters become its own plus
 * its descendants' (node /64 -> aggregate -> zone). depth[] for indenting.
 */
static void roll_up(struct snapshot *s, int *depth)
{
	int stack[130], top = 0, *parent = calloc(s->nbuckets ? s->nbuckets : 1, sizeof(int));

	if (!parent)
		return;
	for (int i = 0; i < s->nbuckets; i++) {
		const struct rg_bucket_info *in = &s->buckets[i].info;

		parent[i] = -1;
		if (in->kind == RG_KIND_UNPLANNED) {
			depth[i] = 0;
			continue;
		}
		while (top && !rg_key_inside(&in->cidr, &s->buckets[stack[top - 1]].info.cidr))
			top--;
		parent[i] = top ? stack[top - 1] : -1;
		depth[i] = top;
		if (top < 130)
			stack[top++] = i;
	}
	for (int i = s->nbuckets - 1; i >= 0; i--) {
		if (parent[i] < 0)
			continue;
		pc_add(&s->buckets[parent[i]].c.src, &s->buckets[i].c.src);
		pc_add(&s->buckets[parent[i]].c.dst, &s->buckets[i].c.dst);
		pc_add(&s->buckets[parent[i]].c.violations, &s->buckets[i].c.violations);
	}
	free(parent);
}

static const char *rate(double v, const char *unit, char *buf, size_t len)
{
	static const char units[] = " kMGT";
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u)
		snprintf(buf, len, "%.1f%c%s", v, units[u], unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
	return buf;
}

/* The people's table. With prev (--watch) it shows rates over dt seconds. */
static void print_table(struct snapshot *s, const struct rg_stats_opts *o,
			const struct snapshot *prev, double dt)
{
	int wn = 6, wc = 4, wz = 4, hidden = 0, *depth;
	char sha[65], cidr[64], a[6][16];

	rg_sha256_hex(s->meta.sha256, sha);
	printf("mode %s, plan %s (generation %llu, sha256 %.12s)\n\n", rg_mode_name(s->mode),
	       s->meta.plan_path, (unsigned long long)s->meta.generation, sha);
	depth = calloc(s->nbuckets ? s->nbuckets : 1, sizeof(int));
	if (!depth)
		return;
	if (o->tree)
		roll_up(s, depth);
	else if (o->sort) {
		sort_key = o->sort;
		qsort(s->buckets, s->nbuckets, sizeof(*s->buckets), cmp_sort);
	}
	for (int i = 0; i < s->nbuckets; i++) {
		int l;

		cidr_of(&s->buckets[i].info, cidr, sizeof(cidr));
		l = strlen(s->buckets[i].info.name) + 2 * depth[i];
		wn = l > wn ? l : wn;
		l = strlen(cidr);
		wc = l > wc ? l : wc;
		l = strlen(s->buckets[i].info.zone);
		wz = l > wz ? l : wz;
	}
	if (prev)
		printf("%-*s  %-9s  %-*s  %-*s  %10s %12s %10s\n", wn, "BUCKET", "KIND", wc, "CIDR",
		       wz, "ZONE", "PPS", "BIT/S", "VIOL/S");
	else
		printf("%-*s  %-9s  %-*s  %-*s  %8s %8s  %8s %8s  %8s %8s\n", wn, "BUCKET", "KIND",
		       wc, "CIDR", wz, "ZONE", "SRC-PKT", "SRC-B", "DST-PKT", "DST-B", "VIOL-PKT",
		       "VIOL-B");
	for (int i = 0; i < s->nbuckets; i++) {
		const struct bucket_row *r = &s->buckets[i];
		char name[RG_NAME_LEN + 140];

		if (!o->all && !traffic(r)) {
			hidden++;
			continue;
		}
		cidr_of(&r->info, cidr, sizeof(cidr));
		snprintf(name, sizeof(name), "%*s%s", 2 * depth[i], "", r->info.name);
		if (prev) {
			const struct bucket_row *p = NULL;

			for (int j = 0; j < prev->nbuckets && !p; j++)
				if (prev->buckets[j].id == r->id)
					p = &prev->buckets[j];
			printf("%-*s  %-9s  %-*s  %-*s  %10s %12s %10s\n", wn, name,
			       kind_name(r->info.kind), wc, cidr, wz, r->info.zone[0] ? r->info.zone : "-",
			       rate(p ? (traffic(r) - traffic(p)) / dt : 0, "", a[0], 16),
			       rate(p ? (traffic_bytes(r) - traffic_bytes(p)) * 8 / dt : 0, "b", a[1], 16),
			       rate(p ? (r->c.violations.packets - p->c.violations.packets) / dt : 0, "",
				    a[2], 16));
			continue;
		}
		printf("%-*s  %-9s  %-*s  %-*s  %8s %8s  %8s %8s  %8s %8s\n", wn, name,
		       kind_name(r->info.kind), wc, cidr, wz, r->info.zone[0] ? r->info.zone : "-",
		       human(r->c.src.packets, a[0], 16), human(r->c.src.bytes, a[1], 16),
		       human(r->c.dst.packets, a[2], 16), human(r->c.dst.bytes, a[3], 16),
		       human(r->c.violations.packets, a[4], 16),
		       human(r->c.violations.bytes, a[5], 16));
	}
	if (hidden)
		printf("(%d bucket%s without traffic hidden: 'stats --all' shows them)\n",
		       hidden, hidden == 1 ? "" : "s");
	free(depth);

	if (prev)
		printf("\n%-16s %-7s %-4s %10s %12s %10s %10s\n", "INTERFACE", "ROLE", "DIR", "PPS",
		       "BIT/S", "VIOL/S", "DROP/S");
	else
		printf("\n%-16s %-7s %-4s %10s %10s %10s %10s %10s %10s\n", "INTERFACE", "ROLE", "DIR",
		       "PACKETS", "BYTES", "VIOLATIONS", "DROPPED", "MALFORMED", "OTHER");
	for (int i = 0; i < s->nifaces; i++) {
		for (int d = 0; d < RG_DIR_MAX; d++) {
			const struct rg_dir_counters *c = &s->ifaces[i].c.dir[d], *pc = NULL;

			if (prev) {
				for (int j = 0; j < prev->nifaces && !pc; j++)
					if (prev->ifaces[j].ifindex == s->ifaces[i].ifindex)
						pc = &prev->ifaces[j].c.dir[d];
				printf("%-16s %-7s %-4s %10s %12s %10s %10s\n", s->ifaces[i].ifc.name,
				       rg_role_name(s->ifaces[i].ifc.role), d == RG_DIR_IN ? "in" : "out",
				       rate(pc ? (c->packets - pc->packets) / dt : 0, "", a[0], 16),
				       rate(pc ? (c->bytes - pc->bytes) * 8 / dt : 0, "b", a[1], 16),
				       rate(pc ? (c->violations - pc->violations) / dt : 0, "", a[2], 16),
				       rate(pc ? (c->dropped - pc->dropped) / dt : 0, "", a[3], 16));
				continue;
			}
			printf("%-16s %-7s %-4s %10s %10s %10s %10s %10s %10s\n", s->ifaces[i].ifc.name,
			       rg_role_name(s->ifaces[i].ifc.role), d == RG_DIR_IN ? "in" : "out",
			       human(c->packets, a[0], 16), human(c->bytes, a[1], 16),
			       human(c->violations, a[2], 16), human(c->dropped, a[3], 16),
			       human(c->malformed, a[4], 16), human(c->other, a[5], 16));
		}
	}
}

static volatile sig_atomic_t watch_stop;

static void on_sigint(int sig)
{
	watch_stop = 1;
}

/* --watch: redraw in place every interval, with rates since the last draw. */
static int watch(const struct rg_maps *m, const struct rg_stats_opts *o)
{
	struct snapshot prev, cur;
	struct sigaction sa = { .sa_handler = on_sigint };
	struct timespec t0, t1;
	int err;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = snapshot_take(m, &prev, SNAP_SERIES);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!watch_stop) {
		double dt;

		sleep(o->watch);
		err = snapshot_take(m, &cur, SNAP_SERIES);
		if (err)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		dt = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (isatty(STDOUT_FILENO))
			printf("\033[H\033[2J");
		printf("every %ds, rates over the last %.1fs; Ctrl-C to stop\n", o->watch, dt);
		print_table(&cur, o, &prev, dt > 0 ? dt : 1);
		fflush(stdout);
		free(prev.buckets);
		prev = cur;
		t0 = t1;
	}
	free(prev.buckets);
	return err;
}

int rg_show_stats(const struct rg_maps *m, const struct rg_stats_opts *o)
{
	bool json = o->json;

	if (o->prometheus)
		return rg_metrics(m, stdout);
	if (o->watch > 0)
		return watch(m, o);
	struct snapshot s;
	char sha[65];
	int err;

	err = snapshot_take(m, &s, SNAP_ONCE);
	if (err)
		return err;
	rg_sha256_hex(s.meta.sha256, sha);

	if (json) {
		struct rg_json j;

		/* streamed: a tree of objects for 100k buckets costs seconds in
		 * malloc alone
		 */
		rg_json_init(&j, stdout);
		rg_json_obj(&j, NULL);
		rg_json_str(&j, "mode", rg_mode_name(s.mode));
		rg_json_str(&j, "declared_mode", rg_mode_name(s.view.declared));
		rg_json_bool(&j, "override", s.view.override);
		rg_json_bool(&j, "reverted", s.view.reverted);
		jplan(&j, &s.meta);
		rg_json_arr(&j, "buckets");
		for (int i = 0; i < s.nbuckets; i++) {
			const struct bucket_row *r = &s.buckets[i];
			char cidr[64];

			cidr_of(&r->info, cidr, sizeof(cidr));
			rg_json_obj(&j, NULL);
			rg_json_strn(&j, "name", r->info.name, sizeof(r->info.name));
			rg_json_str(&j, "kind", kind_name(r->info.kind));
			rg_json_str(&j, "cidr", r->info.kind == RG_KIND_UNPLANNED ? NULL : cidr);
			if (r->info.zone[0])
				rg_json_strn(&j, "zone", r->info.zone, sizeof(r->info.zone));
			else
				rg_json_null(&j, "zone");
			jpc(&j, "src", &r->c.src);
			jpc(&j, "dst", &r->c.dst);
			jpc(&j, "violations", &r->c.violations);
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_arr(&j, "interfaces");
		for (int i = 0; i < s.nifaces; i++) {
			const struct iface_row *r = &s.ifaces[i];

			rg_json_obj(&j, NULL);
			rg_json_strn(&j, "name", r->ifc.name, sizeof(r->ifc.name));
			rg_json_str(&j, "role", rg_role_name(r->ifc.role));
			rg_json_str(&j, "bridge", r->bridge[0] ? r->bridge : NULL);
			jdir(&j, "in", &r->c.dir[RG_DIR_IN]);
			jdir(&j, "out", &r->c.dir[RG_DIR_OUT]);
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_end(&j);
		free(s.buckets);
		return rg_json_finish(&j);
	}

	print_table(&s, o, NULL, 0);
	free(s.buckets);
	return 0;
}
