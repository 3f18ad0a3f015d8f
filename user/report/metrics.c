// SPDX-License-Identifier: GPL-2.0-only
/*
 * metrics.c - Prometheus metrics (`stats --prometheus` and the daemon's
 * /metrics): the per-prefix counters, the fleet's mode and the coverage of
 * interfaces, every label value escaped (rg_prom_value).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report/events.h"
#include "report/snapshot.h"

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
