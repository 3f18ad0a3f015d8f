// SPDX-License-Identifier: GPL-2.0-only
/*
 * show.c - `status` and `stats`: a table for people, -j JSON for programs.
 * Both only read maps (opened read-only).
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <unistd.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "kernel/attach.h"
#include "report/events.h"
#include "kernel/fleet.h"
#include "kernel/head.h"
#include "kernel/hook.h"
#include "kernel/install.h"
#include "kernel/owner.h"
#include "lib/json.h"
#include "report/show.h"

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

/* IPv6 before IPv4, then by address and length (parents before children);
 * the catch-all last.
 */
static int cmp_bucket(const void *a, const void *b)
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

/* What a snapshot holds: the state only, or counters too, read once or as
 * one of a series (watch, /metrics) in which they must never go back.
 */
enum snap_kind {
	SNAP_STATE,
	SNAP_ONCE,
	SNAP_SERIES,
};

static int snapshot_take(const struct rg_maps *m, struct snapshot *s, enum snap_kind kind)
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

static const char *kind_name(__u32 kind)
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

static void cidr_of(const struct rg_bucket_info *info, char *buf, size_t len)
{
	if (info->kind == RG_KIND_UNPLANNED)
		snprintf(buf, len, "-");
	else
		rg_key_format(&info->cidr, buf, len);
}

static void jdir(struct rg_json *j, const char *key, const struct rg_dir_counters *d)
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

static void jpc(struct rg_json *j, const char *key, const struct rg_pc *pc)
{
	rg_json_obj(j, key);
	rg_json_u64(j, "packets", pc->packets);
	rg_json_u64(j, "bytes", pc->bytes);
	rg_json_end(j);
}

static void jplan(struct rg_json *j, const struct rg_meta *meta)
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
static const char *human(__u64 v, char *buf, size_t len)
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

/* The length of the valid UTF-8 sequence at s (at most n bytes), 0 if
 * there is none: overlong forms, surrogates and values past U+10FFFF are
 * not UTF-8 either.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	unsigned int c;

	if (s[0] < 0xc2 || s[0] > 0xf4 || len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

void rg_prom_value(FILE *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, max);

	for (size_t i = 0; i < n;) {
		size_t len;

		if (p[i] == '\\' || p[i] == '"' || p[i] == '\n') {
			fputc('\\', out);
			fputc(p[i] == '\n' ? 'n' : p[i], out);
			i++;
		} else if (p[i] < 0x80) {
			fputc(p[i++], out);
		} else if ((len = utf8_len(p + i, n - i))) {
			fwrite(p + i, 1, len, out);
			i += len;
		} else {
			fputs("\xef\xbf\xbd", out);	/* U+FFFD for a byte that is not UTF-8 */
			i++;
		}
	}
}

/* NAME="VALUE" for a label, VALUE escaped */
static void prom_label(FILE *out, const char *sep, const char *name, const char *value,
		       size_t max)
{
	fprintf(out, "%s%s=\"", sep, name);
	rg_prom_value(out, value, max);
	fputc('"', out);
}

static void prom_labels(FILE *out, const struct rg_bucket_info *in)
{
	char cidr[64];

	cidr_of(in, cidr, sizeof(cidr));
	prom_label(out, "", "bucket", in->name, sizeof(in->name));
	prom_label(out, ",", "kind", kind_name(in->kind), 64);
	prom_label(out, ",", "cidr", cidr, sizeof(cidr));
	prom_label(out, ",", "zone", in->zone, sizeof(in->zone));
}

static void gauge(FILE *out, const char *name, const char *help, const char *type,
		  unsigned long long v)
{
	fprintf(out, "# HELP ringguard_%s %s\n# TYPE ringguard_%s %s\nringguard_%s %llu\n", name,
		help, name, type, name, v);
}

/* CLOCK_REALTIME seconds of a CLOCK_MONOTONIC ns deadline, 0 for none. */
static unsigned long long real_of(__u64 mono_ns)
{
	__u64 now = rg_monotonic_ns();

	if (!mono_ns || mono_ns <= now)
		return 0;
	return time(NULL) + (mono_ns - now + 999999999ull) / 1000000000ull;
}

/* Whether ringguard is not first on a tcx chain of r (a problem). */
static bool displaced(const struct iface_row *r)
{
	for (int d = 0; d < RG_DIR_MAX; d++)
		if (r->head[d].state == RG_HEAD_DISPLACED || r->head[d].state == RG_HEAD_MISSING)
			return true;
	return false;
}

/* The ports of attached bridges that ringguard does not cover: *rows
 * calloc'd (free it), the count or -errno.
 */
static int uncovered(const struct rg_maps *m, struct rg_uncovered **rows)
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

/* NAME{interface="...",direction="in|out"}, the name escaped */
static void if_label(FILE *out, const char *name, const struct iface_row *r, int dir)
{
	fprintf(out, "%s{interface=\"", name);
	rg_prom_value(out, r->ifc.name, sizeof(r->ifc.name));
	fprintf(out, "\",direction=\"%s\"}", dir == RG_DIR_IN ? "in" : "out");
}

/* Coverage: ports left uncovered, tcx chains where ringguard is not first. */
static void cover_metrics(const struct rg_maps *m, const struct snapshot *s, FILE *out)
{
	struct rg_uncovered *u;
	int n = uncovered(m, &u);

	gauge(out, "uncovered_interfaces", "Ports of bridges with a role that ringguard does not "
	      "classify (left out at its interface limit, or joined with no daemon to attach "
	      "them)", "gauge", n > 0 ? n : 0);
	fprintf(out, "# HELP ringguard_uncovered_interface 1 for each such port\n"
		"# TYPE ringguard_uncovered_interface gauge\n");
	for (int i = 0; i < n; i++) {
		fputs("ringguard_uncovered_interface{interface=\"", out);
		rg_prom_value(out, u[i].name, sizeof(u[i].name));
		fputs("\",bridge=\"", out);
		rg_prom_value(out, u[i].bridge, sizeof(u[i].bridge));
		fputs("\"} 1\n", out);
	}
	free(u);
	fprintf(out, "# HELP ringguard_tcx_first 1 while ringguard runs first in the interface's "
		"tcx chain, 0 while another program runs before it\n"
		"# TYPE ringguard_tcx_first gauge\n");
	for (int i = 0; i < s->nifaces; i++)
		for (int d = 0; d < RG_DIR_MAX; d++)
			if (s->ifaces[i].head[d].state != RG_HEAD_NA) {
				if_label(out, "ringguard_tcx_first", &s->ifaces[i], d);
				fprintf(out, " %d\n", s->ifaces[i].head[d].state == RG_HEAD_FIRST);
			}
	fprintf(out, "# HELP ringguard_tcx_retakes_total Times the daemon took the head of the "
		"interface's tcx chain back from a program attached before ringguard\n"
		"# TYPE ringguard_tcx_retakes_total counter\n");
	for (int i = 0; i < s->nifaces; i++)
		for (int d = 0; d < RG_DIR_MAX; d++)
			if (s->ifaces[i].ifc.tc_kind == RG_TC_TCX &&
			    (d == RG_DIR_OUT || s->ifaces[i].ifc.xdp_kind == RG_XDP_TC)) {
				if_label(out, "ringguard_tcx_retakes_total", &s->ifaces[i], d);
				fprintf(out, " %u\n", s->ifaces[i].ifc.retakes[d]);
			}
}

/* What a fleet compares across nodes: build, plan, modes, syncs, reverts. */
static void fleet_metrics(const struct snapshot *s, FILE *out)
{
	char sha[65];

	rg_sha256_hex(s->meta.sha256, sha);
	fprintf(out, "# HELP ringguard_build_info The ringguard build serving these metrics\n"
		"# TYPE ringguard_build_info gauge\nringguard_build_info{version=\"%s\"} 1\n",
		RG_VERSION);
	fprintf(out, "# HELP ringguard_plan_info The plan in force, by sha256 of its file (nodes "
		"that differ run different plans)\n# TYPE ringguard_plan_info gauge\n"
		"ringguard_plan_info{sha256=\"%s\"} 1\n", sha);
	gauge(out, "declared_enforcing", "1 when the plan declares enforce for this host",
	      "gauge", s->view.declared == RG_MODE_ENFORCE);
	gauge(out, "mode_override", "1 while a person's 'ringguard mode' overrides the plan",
	      "gauge", s->view.override);
	gauge(out, "mode_reverted", "1 while a revert to monitor holds until the plan changes",
	      "gauge", s->view.reverted);
	gauge(out, "reverts_total", "Reverts to monitor: a lifeline lost, or a confirm deadline "
	      "passed", "counter", s->meta.reverts);
	gauge(out, "last_revert_timestamp_seconds", "When the last revert to monitor happened "
	      "(0: never)", "gauge", s->meta.reverted_at);
	gauge(out, "confirm_deadline_timestamp_seconds", "When an unconfirmed enforce reverts "
	      "to monitor by itself (0: none pending)", "gauge",
	      s->view.deadline_s >= 0 ? real_of(s->cfg.enforce_until) : 0);
	gauge(out, "last_sync_success", "1 if the last plan read was valid, 0 if it was "
	      "rejected", "gauge", s->meta.last_sync_at ? s->meta.last_sync_ok :
	      s->meta.rejected_at <= s->meta.installed_at);
	gauge(out, "last_sync_timestamp_seconds", "When the plan was last read", "gauge",
	      s->meta.last_sync_at ? s->meta.last_sync_at : s->meta.installed_at);
	gauge(out, "last_reject_timestamp_seconds", "When a plan was last rejected (0: never)",
	      "gauge", s->meta.rejected_at);
}

/* Prometheus text exposition (version 0.0.4). Every label value from
 * outside (a bucket's name and zone, an interface's name: the kernel
 * allows '"' and '\\' in one) goes through rg_prom_value().
 */
int rg_metrics(const struct rg_maps *m, FILE *out)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} ifm[] = {
		{ "packets", "Frames the hook saw", offsetof(struct rg_dir_counters, packets) },
		{ "bytes", "Bytes of those frames, L2 header included", offsetof(struct rg_dir_counters, bytes) },
		{ "violations", "Frames whose source or destination broke the plan", offsetof(struct rg_dir_counters, violations) },
		{ "dropped", "Violations and unreadable frames dropped in enforce mode", offsetof(struct rg_dir_counters, dropped) },
		{ "malformed", "Unreadable frames (more than 4 VLAN tags, a truncated or invalid header): dropped in enforce mode unless the plan says 'unreadable pass'", offsetof(struct rg_dir_counters, malformed) },
		{ "other", "Frames that are not IP", offsetof(struct rg_dir_counters, other) },
	};
	/* per bucket: by side (src, dst), or the violations pair */
	static const struct {
		const char *name, *help;
		int sides;
		bool bytes;
	} bm[] = {
		{ "packets", "Packets per plan bucket, by the side (src, dst) the bucket's address was on", 2, false },
		{ "bytes", "Bytes per plan bucket, by side", 2, true },
		{ "violation_packets", "Packets in which an address of the bucket broke the plan", 1, false },
		{ "violation_bytes", "Bytes of those packets", 1, true },
	};
	struct snapshot s;
	int err = snapshot_take(m, &s, SNAP_SERIES);

	if (err)
		return err;
	for (size_t k = 0; k < sizeof(bm) / sizeof(bm[0]); k++) {
		fprintf(out, "# HELP ringguard_bucket_%s_total %s\n# TYPE ringguard_bucket_%s_total counter\n",
			bm[k].name, bm[k].help, bm[k].name);
		for (int i = 0; i < s.nbuckets; i++) {
			for (int side = 0; side < bm[k].sides; side++) {
				const struct rg_pc *pc = bm[k].sides == 1 ? &s.buckets[i].c.violations :
							 side ? &s.buckets[i].c.dst : &s.buckets[i].c.src;

				fprintf(out, "ringguard_bucket_%s_total{", bm[k].name);
				prom_labels(out, &s.buckets[i].info);
				if (bm[k].sides == 2)
					fprintf(out, ",side=\"%s\"", side ? "dst" : "src");
				fprintf(out, "} %llu\n", (unsigned long long)(bm[k].bytes ? pc->bytes :
									     pc->packets));
			}
		}
	}
	for (size_t k = 0; k < sizeof(ifm) / sizeof(ifm[0]); k++) {
		fprintf(out, "# HELP ringguard_interface_%s_total %s\n# TYPE ringguard_interface_%s_total counter\n",
			ifm[k].name, ifm[k].help, ifm[k].name);
		for (int i = 0; i < s.nifaces; i++)
			for (int d = 0; d < RG_DIR_MAX; d++) {
				fprintf(out, "ringguard_interface_%s_total{", ifm[k].name);
				prom_label(out, "", "interface", s.ifaces[i].ifc.name,
					   sizeof(s.ifaces[i].ifc.name));
				fprintf(out, ",role=\"%s\",direction=\"%s\"} %llu\n",
					rg_role_name(s.ifaces[i].ifc.role), d == RG_DIR_IN ? "in" : "out",
					(unsigned long long)*(const __u64 *)((const char *)&s.ifaces[i].c.dir[d] + ifm[k].off));
			}
	}
	fprintf(out, "# HELP ringguard_plan_generation Generation of the plan in force\n"
		"# TYPE ringguard_plan_generation gauge\nringguard_plan_generation %llu\n",
		(unsigned long long)s.meta.generation);
	fprintf(out, "# HELP ringguard_plan_rejects_total Plans rejected by validation\n"
		"# TYPE ringguard_plan_rejects_total counter\nringguard_plan_rejects_total %u\n",
		s.meta.rejects);
	fprintf(out, "# HELP ringguard_enforcing 1 in enforce mode, 0 in monitor mode\n"
		"# TYPE ringguard_enforcing gauge\nringguard_enforcing %d\n",
		s.mode == RG_MODE_ENFORCE);
	fprintf(out, "# HELP ringguard_rule_violations_total Frames that broke a rule of the plan "
		"(fc00-leak-on-egress: on an egress interface; fd00-transit-on-mesh: on a mesh one)\n"
		"# TYPE ringguard_rule_violations_total counter\n");
	for (__u32 role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++) {
		for (int d = 0; d < RG_DIR_MAX; d++) {
			unsigned long long v = 0;

			for (int i = 0; i < s.nifaces; i++)
				if (s.ifaces[i].ifc.role == role)
					v += s.ifaces[i].c.dir[d].violations;
			fprintf(out, "ringguard_rule_violations_total{rule=\"%s\",direction=\"%s\"} %llu\n",
				rg_rule_name(role), d == RG_DIR_IN ? "in" : "out", v);
		}
	}
	fleet_metrics(&s, out);
	cover_metrics(m, &s, out);
	free(s.buckets);
	return 0;
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


static const char *mode_note(const struct rg_mode_view *v)
{
	if (v->override)
		return "an override by 'ringguard mode' holds";
	if (v->reverted)
		return "reverted to monitor until the plan changes";
	if (!v->known)
		return "no declaration applied yet";
	return v->effective == v->declared ? "as the plan declares" : "switching";
}

/* The daemon's drift watch, as it last published it (rg_drift). */
static struct rg_drift_rec drift_recs[RG_DRIFT_MAX];

static int drift_take(const struct rg_maps *m, struct rg_drift_head *h)
{
	return rg_drift_read(m, h, drift_recs, RG_DRIFT_MAX);
}

static void drift_json(struct rg_json *j, const struct rg_maps *m)
{
	struct rg_drift_head h;
	char at[64];
	time_t t;

	if (drift_take(m, &h) || !h.updated_at) {
		rg_json_null(j, "drift");
		return;
	}
	rg_json_obj(j, "drift");
	rg_json_bool(j, "watched", h.watcher != 0);
	t = h.updated_at;
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	rg_json_str(j, "checked_at", at);
	rg_json_int(j, "failing", h.failing);
	rg_json_arr(j, "checks");
	for (__u32 i = 0; i < h.listed; i++) {
		const struct rg_drift_rec *r = &drift_recs[i];

		rg_json_obj(j, NULL);
		rg_json_strn(j, "check", r->check, sizeof(r->check));
		rg_json_strn(j, "interface", r->ifname, sizeof(r->ifname));
		rg_json_str(j, "role", rg_role_name(r->role));
		if (r->prefix[0]) {
			rg_json_strn(j, "prefix", r->prefix, sizeof(r->prefix));
			rg_json_strn(j, "name", r->name, sizeof(r->name));
		}
		rg_json_strn(j, "detail", r->detail, sizeof(r->detail));
		t = r->since;
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		rg_json_str(j, "since", at);
		rg_json_end(j);
	}
	rg_json_end(j);
	rg_json_end(j);
}

static void drift_text(const struct rg_maps *m)
{
	struct rg_drift_head h;
	char at[64];
	time_t t;

	if (drift_take(m, &h) || !h.updated_at)
		return;
	t = h.updated_at;
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (!h.watcher)
		printf("drift       not watched (no daemon); at %s %u check%s failed\n", at,
		       h.failing, h.failing == 1 ? "" : "s");
	else if (!h.failing)
		printf("drift       none: routes, addresses and MTUs match the plan (checked %s)\n",
		       at);
	else
		printf("drift       %u check%s failing (checked %s):\n", h.failing,
		       h.failing == 1 ? "" : "s", at);
	for (__u32 i = 0; i < h.listed && h.watcher; i++) {
		const struct rg_drift_rec *r = &drift_recs[i];

		if (r->prefix[0])
			printf("              %s %s %s: %s\n", r->check, r->prefix, r->name, r->detail);
		else
			printf("              %s: %s\n", r->check, r->detail);
	}
	if (h.listed < h.failing && h.watcher)
		printf("              ... and %u more (the daemon's /metrics lists them all)\n",
		       h.failing - h.listed);
}

/* "tcx", or what keeps ringguard from running first there */
static const char *tc_name(const struct iface_row *r)
{
	if (r->ifc.tc_kind != RG_TC_TCX || !displaced(r))
		return rg_tc_kind_name(r->ifc.tc_kind);
	for (int d = 0; d < RG_DIR_MAX; d++)
		if (r->head[d].state == RG_HEAD_MISSING)
			return "tcx-MISSING";
	return "tcx-DISPLACED";
}

static void head_note(const struct iface_row *r, char *note, size_t len)
{
	for (int d = 0; d < RG_DIR_MAX; d++) {
		const struct rg_head *h = &r->head[d];
		size_t at = strlen(note);

		if (h->state == RG_HEAD_DISPLACED)
			snprintf(note + at, len - at, "%sprogram %u (%s) runs before ringguard in "
				 "the tcx %s chain", at ? "; " : "", h->first_id, h->first_name,
				 d == RG_DIR_IN ? "ingress" : "egress");
		else if (h->state == RG_HEAD_MISSING)
			snprintf(note + at, len - at, "%sringguard is not in the tcx %s chain",
				 at ? "; " : "", d == RG_DIR_IN ? "ingress" : "egress");
	}
}

int rg_show_status(const struct rg_maps *m, const char *state_dir, bool json)
{
	/* why an interface's hook is lost ("" if it is not) */
	static char lost[RG_MAX_IFACES][256];
	const char *dir = rg_state_display(state_dir);
	struct snapshot s;
	char sha[65], when[64];
	long long deadline;
	bool in_ports = false;
	struct rg_uncovered *unc = NULL;
	int err, nunc, problems = 0, nlost = 0;
	time_t t;

	err = snapshot_take(m, &s, SNAP_STATE);
	if (err)
		return err;
	nunc = uncovered(m, &unc);
	problems = nunc > 0 ? nunc : 0;
	for (int i = 0; i < s.nifaces; i++)
		problems += s.ifaces[i].present && displaced(&s.ifaces[i]);
	for (int i = 0; i < s.nifaces; i++) {
		lost[i][0] = '\0';
		if (s.ifaces[i].present &&
		    rg_hooks_check(state_dir, s.ifaces[i].ifindex, &s.ifaces[i].ifc, lost[i],
				   sizeof(lost[i])))
			nlost++;
	}
	problems += nlost;
	/* seconds left on a pending --confirm-within, -1 if none */
	deadline = s.view.deadline_s;
	rg_sha256_hex(s.meta.sha256, sha);
	t = s.meta.installed_at;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));

	if (json) {
		struct rg_json j;
		char at[64];

		rg_json_init(&j, stdout);
		rg_json_obj(&j, NULL);
		rg_json_str(&j, "pin_dir", dir);
		rg_json_str(&j, "mode", rg_mode_name(s.mode));
		rg_json_str(&j, "declared_mode", rg_mode_name(s.view.declared));
		rg_json_bool(&j, "override", s.view.override);
		rg_json_bool(&j, "reverted", s.view.reverted);
		if (deadline < 0) {
			rg_json_null(&j, "confirm_deadline");
			rg_json_null(&j, "confirmed_by");
		} else {
			rg_json_int(&j, "confirm_deadline", deadline);
			rg_json_str(&j, "confirmed_by", s.view.daemon_window ? "daemon" : "person");
		}
		if (s.meta.reverts) {
			t = s.meta.reverted_at;
			strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
			rg_json_obj(&j, "last_revert");
			rg_json_int(&j, "count", s.meta.reverts);
			rg_json_str(&j, "at", at);
			rg_json_strn(&j, "reason", s.meta.revert_reason, sizeof(s.meta.revert_reason));
			rg_json_end(&j);
		} else {
			rg_json_null(&j, "last_revert");
		}
		t = s.meta.last_sync_at;
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		rg_json_obj(&j, "last_sync");
		rg_json_str(&j, "at", s.meta.last_sync_at ? at : NULL);
		rg_json_bool(&j, "ok", s.meta.last_sync_at ? s.meta.last_sync_ok : 1);
		rg_json_end(&j);
		rg_json_bool(&j, "events_listener", rg_events_lease_read(m) > rg_monotonic_ns());
		jplan(&j, &s.meta);
		rg_json_str(&j, "installed_at", when);
		rg_json_int(&j, "entries", s.meta.nentries);
		rg_json_int(&j, "layout_version", s.meta.layout_version);
		rg_json_int(&j, "rejects", s.meta.rejects);
		if (s.meta.rejects)
			rg_json_strn(&j, "last_error", s.meta.last_error, sizeof(s.meta.last_error));
		else
			rg_json_null(&j, "last_error");
		drift_json(&j, m);
		rg_json_arr(&j, "interfaces");
		for (int i = 0; i < s.nifaces; i++) {
			const struct iface_row *r = &s.ifaces[i];
			bool tc_in = r->ifc.xdp_kind == RG_XDP_TC, port = r->bridge[0] && in_ports;

			if (!port && in_ports) {
				rg_json_end(&j);	/* the bridge's ports */
				rg_json_end(&j);	/* the bridge */
				in_ports = false;
			}
			rg_json_obj(&j, NULL);
			rg_json_strn(&j, "name", r->ifc.name, sizeof(r->ifc.name));
			rg_json_int(&j, "ifindex", r->ifindex);
			rg_json_str(&j, "role", rg_role_name(r->ifc.role));
			rg_json_bool(&j, "present", r->present);
			rg_json_int(&j, "mtu", r->ifc.mtu);
			rg_json_str(&j, "ingress", tc_in ? "tc" : "xdp");
			rg_json_str(&j, "xdp", tc_in ? "none" : rg_xdp_kind_name(r->ifc.xdp_kind));
			if (tc_in && r->xdp_holder)
				rg_json_u64(&j, "xdp_held_by", r->xdp_holder);
			else
				rg_json_null(&j, "xdp_held_by");
			rg_json_str(&j, "tc", rg_tc_kind_name(r->ifc.tc_kind));
			if (r->ifc.tc_kind == RG_TC_TCX) {
				rg_json_obj(&j, "tcx_head");
				for (int d = RG_DIR_MAX - 1; d >= 0; d--) {
					const struct rg_head *h = &r->head[d];
					const char *k = d == RG_DIR_IN ? "in" : "out";

					if (h->state == RG_HEAD_NA) {
						rg_json_null(&j, k);
						continue;
					}
					rg_json_obj(&j, k);
					rg_json_str(&j, "state", rg_head_state_name(h->state));
					if (h->first_id) {
						rg_json_u64(&j, "first_id", h->first_id);
						rg_json_str(&j, "first_name", h->first_name);
					}
					rg_json_int(&j, "retakes", r->ifc.retakes[d]);
					rg_json_end(&j);
				}
				rg_json_end(&j);
			} else {
				rg_json_null(&j, "tcx_head");
			}
			if (r->present) {
				char why[256];

				rg_hook_note(r->ifc.name, r->ifc.xdp_kind, r->xdp_holder,
					     r->nports > 0, -1, 0, why, sizeof(why));
				rg_json_str(&j, "hook_reason", why);
			} else {
				rg_json_null(&j, "hook_reason");
			}
			rg_json_int(&j, "reattaches", r->ifc.reattaches);
			rg_json_bool(&j, "hooked", !lost[i][0]);
			rg_json_str(&j, "lost", lost[i][0] ? lost[i] : NULL);
			/* a bridge's ports sit under it, in "ports" */
			if (!port && r->nports) {
				rg_json_arr(&j, "ports");
				in_ports = true;
				continue;
			}
			rg_json_end(&j);
		}
		if (in_ports) {
			rg_json_end(&j);
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_arr(&j, "uncovered");
		for (int i = 0; i < nunc; i++) {
			rg_json_obj(&j, NULL);
			rg_json_str(&j, "name", unc[i].name);
			rg_json_str(&j, "bridge", unc[i].bridge);
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_int(&j, "problems", problems);
		rg_json_end(&j);
		free(unc);
		err = rg_json_finish(&j);
		return err ? err : problems > 0;
	}

	printf("pin dir     %s\n", dir);
	printf("mode        %s%s\n", rg_mode_name(s.mode),
	       s.mode == RG_MODE_MONITOR ? " (violations are counted, not dropped)" : "");
	printf("            declared %s in the plan for this host: %s\n",
	       rg_mode_name(s.view.declared), mode_note(&s.view));
	if (deadline >= 0)
		printf("            reverts to monitor in %lld s unless %s\n", (long long)deadline,
		       s.view.daemon_window ? "confirmed by the daemon (every lifeline that "
		       "answered before the switch still answers)" : "'ringguard mode confirm'");
	if (s.meta.reverts) {
		t = s.meta.reverted_at;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		printf("reverted    %u time%s, last at %s: %s\n", s.meta.reverts,
		       s.meta.reverts == 1 ? "" : "s", when, s.meta.revert_reason);
		t = s.meta.installed_at;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	}
	if (rg_events_lease_read(m) > rg_monotonic_ns())
		printf("events      a listener is attached ('ringguard events')\n");
	printf("plan        %s\n", s.meta.plan_path);
	printf("sha256      %s\n", sha);
	printf("generation  %llu, installed %s, %u entries\n",
	       (unsigned long long)s.meta.generation, when, s.meta.nentries);
	if (s.meta.rejects) {
		t = s.meta.rejected_at;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		printf("rejected    %u plan%s, last at %s: %s\n", s.meta.rejects,
		       s.meta.rejects == 1 ? "" : "s", when, s.meta.last_error);
	}
	drift_text(m);
	printf("\n%-16s %7s %-7s %6s %-12s %-14s %9s %s\n", "INTERFACE", "IFINDEX", "ROLE", "MTU",
	       "XDP", "TC", "REATTACH", "NOTE");
	for (int i = 0; i < s.nifaces; i++) {
		const struct iface_row *r = &s.ifaces[i];
		char note[320] = "", name[RG_IFNAME_LEN + 8];

		if (!r->present)
			snprintf(note, sizeof(note), "interface is gone: re-attach when it is back");
		else if (lost[i][0] || displaced(r)) {
			if (lost[i][0])
				snprintf(note, sizeof(note), "NOT ENFORCED: a hook is lost (below)");
			if (displaced(r)) {
				size_t at = strlen(note);

				if (at)
					snprintf(note + at, sizeof(note) - at, "; ");
				head_note(r, note + strlen(note), sizeof(note) - strlen(note));
			}
		} else
			rg_hook_note(r->ifc.name, r->ifc.xdp_kind, r->xdp_holder, r->nports > 0,
				     -1, 0, note, sizeof(note));
		if (r->nports)
			snprintf(note + strlen(note), sizeof(note) - strlen(note), "%sbridge: %d port%s",
				 note[0] ? "; " : "", r->nports, r->nports == 1 ? "" : "s");
		/* a bridge's ports are indented under it */
		snprintf(name, sizeof(name), "%s%s", r->bridge[0] ? "  " : "", r->ifc.name);
		printf("%-16s %7u %-7s %6u %-12s %-14s %9u %s\n", name, r->ifindex,
		       rg_role_name(r->ifc.role), r->ifc.mtu,
		       /* the hook lost, in its column (egress: TC; ingress: XDP) */
		       lost[i][0] && !strstr(lost[i], "egress") ? "LOST" :
		       r->ifc.xdp_kind == RG_XDP_TC ? "tc-ingress" : rg_xdp_kind_name(r->ifc.xdp_kind),
		       !displaced(r) && strstr(lost[i], "egress") ? "LOST" : tc_name(r),
		       r->ifc.reattaches, note);
	}
	if (nlost) {
		printf("\n");
		for (int i = 0; i < s.nifaces; i++)
			if (lost[i][0])
				printf("lost        %s\n", lost[i]);
		printf("            restart 'ringguard daemon' (it re-attaches), or 'ringguard "
		       "detach' and 'attach' again\n");
	}
	if (nunc > 0) {
		printf("\nNOT COVERED: %d port%s of bridges with a role (their frames are not "
		       "classified):\n", nunc, nunc == 1 ? "" : "s");
		for (int i = 0; i < nunc; i++)
			printf("  %-16s port of %s\n", unc[i].name, unc[i].bridge);
		printf("run 'ringguard daemon' to follow ports that join later; at the interface "
		       "limit (%d), move guests to another bridge\n", RG_MAX_IFACES);
	}
	if (problems)
		printf("\n%d problem%s: see %s above\n", problems, problems == 1 ? "" : "s",
		       nlost ? "lost, NOT COVERED and the TC column" : "NOT COVERED and the TC column");
	free(unc);
	return problems > 0;
}
