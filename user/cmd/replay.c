// SPDX-License-Identifier: GPL-2.0-only
/*
 * replay.c - `ringguard replay`: what would a plan drop on this capture?
 *
 * Every frame of a pcap or pcapng file (libpcap) goes through the real XDP
 * (--dir in) or tc (--dir out) program in a private instance that touches
 * no live state, in enforce mode; the instance's own counters give the
 * totals, exactly as the live programs would count them. Where the test
 * run cannot take a frame as the datapath would, replay says so and makes
 * up the difference in userspace:
 *   - a frame under 14 bytes (BPF_PROG_TEST_RUN takes none) is what the
 *     datapath counts as malformed (unreadable), so it is counted malformed
 *     here, and dropped unless the plan says 'unreadable pass';
 *   - a frame the capture's snaplen cut inside its headers was never seen
 *     whole: it is reported as not judged, and the replay cannot end in
 *     "nothing would drop";
 *   - a frame over the test run's size limit (GRO and BIG TCP captures hold
 *     64 kB and more) is judged on its first RG_REPLAY_HEADERS bytes, which
 *     hold every header the verdict reads, and its full length is added to
 *     the byte totals.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include "lib/addr.h"
#include "report/events.h"
#include "plan/frame.h"
#include "kernel/install.h"
#include "kernel/instance.h"
#include "lib/json.h"
#include "cmd/replay.h"
#include "lib/log.h"

/* Ethernet, RG_MAX_VLANS tags and the longest IPv4 header (60) or IPv6 (40). */
#define RG_REPLAY_HEADERS 256

/* The plan's entries by prefix length, for the most specific match of -v
 * in O(lengths * log n) instead of a scan of every entry per address.
 */
struct addr_index {
	struct idx_entry {
		u128 first;
		int len;
		int bucket;	/* the entry whose bucket counts it */
		bool v4;
	} *e;
	int n;
	int lens[129], nlens;	/* the lengths present, longest first */
	int start[129];		/* first entry of each length in e[] */
	int count[129];
};

struct frame_note {
	long n;
	size_t len;
	const char *kind;	/* NULL: from the parse */
	bool dropped;
	bool via_xdp;
	bool headers_only;
};

struct replay {
	/* what to do */
	const struct rg_plan *plan;
	__u32 role;
	int dir;
	const char *capture;
	bool json, verbose;
	FILE *out;
	/* what it holds */
	pcap_t *p;
	struct rg_instance in;
	bool in_open;
	struct addr_index idx;
	struct rg_json j;	/* -j: into buf, written out when complete */
	FILE *jf;
	char *buf;
	size_t buflen;
	/* what the test runs could not count */
	long frames, cut, short_frames, short_bytes, unjudged, big, via_xdp;
	long long big_bytes[2];	/* bytes of big frames not fed in, per direction */
	size_t largest;
};

static int cmp_idx(const void *a, const void *b)
{
	const struct idx_entry *x = a, *y = b;

	if (x->len != y->len)
		return y->len - x->len;
	return x->first < y->first ? -1 : x->first > y->first;
}

static int index_build(struct addr_index *x, const struct rg_plan *plan)
{
	memset(x, 0, sizeof(*x));
	x->e = calloc(plan->nentries ? plan->nentries : 1, sizeof(*x->e));
	if (!x->e)
		return -ENOMEM;
	for (int i = 0; i < plan->nentries; i++) {
		const struct rg_cidr *c = &plan->entries[i].cidr;

		x->e[i] = (struct idx_entry){ cidr_first(c), c->len, plan->entries[i].bucket_of,
					      c->v4 };
	}
	x->n = plan->nentries;
	qsort(x->e, x->n, sizeof(*x->e), cmp_idx);
	for (int i = 0; i < x->n; i++) {
		int len = x->e[i].len;

		if (!x->nlens || x->lens[x->nlens - 1] != len) {
			x->lens[x->nlens++] = len;
			x->start[len] = i;
		}
		x->count[len]++;
	}
	return 0;
}

/* The bucket entry of addr, as rg_plan_scan_af() finds it, -1:
 * unplanned. Only a CIDR of the address's family counts.
 */
static int index_lookup(const struct addr_index *x, const uint8_t addr[16], bool v4)
{
	u128 a = to_u128(addr);

	for (int l = 0; l < x->nlens; l++) {
		int len = x->lens[l], lo = x->start[len], hi = lo + x->count[len];
		u128 key = a & ~host_mask(len);

		while (lo < hi) {
			int mid = lo + (hi - lo) / 2;

			if (x->e[mid].first == key) {
				if (x->e[mid].v4 != v4)
					break;	/* an IPv6 CIDR over IPv4 space */
				return x->e[mid].bucket;
			}
			if (x->e[mid].first < key)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return -1;
}

static const char *bucket_of(const struct replay *r, const uint8_t a[16], bool v4)
{
	int e = index_lookup(&r->idx, a, v4);

	return e < 0 ? "unplanned" : r->plan->entries[e].name;
}

/* One line (or JSON object) per frame for -v. */
static void describe(struct replay *r, const uint8_t *data, size_t caplen,
		     const struct frame_note *fn)
{
	char ss[INET6_ADDRSTRLEN] = "-", ds[INET6_ADDRSTRLEN] = "-";
	const char *sb = "-", *db = "-", *kind = fn->kind, *verdict;
	struct rg_frame fr;
	int k = rg_frame_decode(data, caplen, 0, &r->plan->encap, &fr);
	char is[INET6_ADDRSTRLEN] = "", id[INET6_ADDRSTRLEN] = "", inner[160] = "";
	const char *isb = "", *idb = "";

	if (!kind && k == RG_FRAME_IP) {
		kind = "ip";
		rg_addr_format_af(fr.src, fr.v4, ss, sizeof(ss));
		rg_addr_format_af(fr.dst, fr.v4, ds, sizeof(ds));
		sb = bucket_of(r, fr.src, fr.v4);
		db = bucket_of(r, fr.dst, fr.v4);
	} else if (!kind) {
		kind = k == RG_FRAME_OTHER ? "other" : "malformed";
	}
	/* VXLAN or Geneve: the inner addresses, judged as well */
	if (k == RG_FRAME_IP && fr.inner == RG_INNER_IP) {
		rg_addr_format_af(fr.isrc, fr.iv4, is, sizeof(is));
		rg_addr_format_af(fr.idst, fr.iv4, id, sizeof(id));
		isb = bucket_of(r, fr.isrc, fr.iv4);
		idb = bucket_of(r, fr.idst, fr.iv4);
		snprintf(inner, sizeof(inner), "  inner (%s) %s (%s) -> %s (%s)", fr.encap, is, isb,
			 id, idb);
	} else if (k == RG_FRAME_IP && fr.inner == RG_INNER_MALFORMED) {
		snprintf(inner, sizeof(inner), "  inner (%s) malformed", fr.encap);
	}
	verdict = !strcmp(kind, "not judged") ? "not judged" : fn->dropped ? "would drop" : "pass";
	if (r->json) {
		rg_json_obj(&r->j, NULL);
		rg_json_int(&r->j, "frame", fn->n);
		rg_json_u64(&r->j, "length", fn->len);
		rg_json_str(&r->j, "kind", kind);
		rg_json_str(&r->j, "src", ss);
		rg_json_str(&r->j, "src_bucket", sb);
		rg_json_str(&r->j, "dst", ds);
		rg_json_str(&r->j, "dst_bucket", db);
		if (k == RG_FRAME_IP && fr.inner != RG_INNER_NONE) {
			rg_json_obj(&r->j, "inner");
			rg_json_str(&r->j, "encap", fr.encap);
			rg_json_str(&r->j, "kind", fr.inner == RG_INNER_IP ? "ip" : "malformed");
			if (fr.inner == RG_INNER_IP) {
				rg_json_str(&r->j, "src", is);
				rg_json_str(&r->j, "src_bucket", isb);
				rg_json_str(&r->j, "dst", id);
				rg_json_str(&r->j, "dst_bucket", idb);
			}
			rg_json_end(&r->j);
		}
		rg_json_str(&r->j, "verdict", verdict);
		rg_json_bool(&r->j, "headers_only", fn->headers_only);
		rg_json_end(&r->j);
		return;
	}
	if (!strcmp(kind, "ip"))
		fprintf(r->out, "#%-6ld %5zu  %s (%s) -> %s (%s)%s  %s%s%s\n", fn->n, fn->len, ss,
			sb, ds, db, inner, fn->dropped ? "WOULD DROP" : "pass",
			fn->via_xdp ? " [xdp]" : "", fn->headers_only ? " [headers only]" : "");
	else
		fprintf(r->out, "#%-6ld %5zu  %s  %s\n", fn->n, fn->len, kind,
			!strcmp(verdict, "not judged") ? verdict : fn->dropped ? "WOULD DROP" : "pass");
}

static int open_capture(struct replay *r)
{
	char errbuf[PCAP_ERRBUF_SIZE];

	r->p = pcap_open_offline(r->capture, errbuf);
	if (!r->p) {
		rg_err("cannot read capture %s: %s", r->capture, errbuf);
		return -EINVAL;
	}
	if (pcap_datalink(r->p) != DLT_EN10MB) {
		rg_err("%s: link type %s, not Ethernet: capture on one interface "
			"(tcpdump -i eth0 -w FILE), not on 'any'", r->capture,
			pcap_datalink_val_to_name(pcap_datalink(r->p)));
		return -EINVAL;
	}
	return 0;
}

static int open_instance(struct replay *r)
{
	int err = rg_instance_open(&r->in, r->plan->nentries);

	if (err) {
		rg_err("cannot load the BPF programs: %s", strerror(-err));
		return err;
	}
	r->in_open = true;
	err = rg_install(&r->in.m, r->plan, "replay");
	if (err > 0)
		err = rg_instance_role(&r->in, r->role);
	if (!err)
		err = rg_instance_mode(&r->in, RG_MODE_ENFORCE);
	if (err)
		rg_err("cannot set up the replay instance: %s", strerror(-err));
	return err;
}

/* A test run of the frame's first feed bytes through the replayed
 * direction's program, or through XDP where the kernel builds no test skb
 * (above a page before 6.x, or with a truncated IP header): the XDP program
 * decides the same.
 */
static int run_dir(struct replay *r, const u_char *data, size_t feed, struct frame_note *fn,
		   int *dir)
{
	int e;

	*dir = r->dir;
	fn->via_xdp = false;
	e = rg_instance_run(&r->in, *dir, data, feed, 1, &fn->dropped, NULL);
	if (e == -EINVAL && *dir == RG_DIR_OUT) {
		*dir = RG_DIR_IN;
		fn->via_xdp = true;
		e = rg_instance_run(&r->in, *dir, data, feed, 1, &fn->dropped, NULL);
	}
	return e;
}

/* The test run of one frame, as the datapath would judge it. */
static int run_frame(struct replay *r, const u_char *data, size_t caplen, struct frame_note *fn)
{
	size_t feed = caplen;
	int dir, e;

	e = run_dir(r, data, feed, fn, &dir);
	if (e && caplen > RG_REPLAY_HEADERS) {
		/* over the test run's size limit: the verdict reads headers only */
		feed = RG_REPLAY_HEADERS;
		e = run_dir(r, data, feed, fn, &dir);
		fn->headers_only = !e;
	}
	if (e) {
		rg_err("frame %ld (%zu bytes): BPF_PROG_TEST_RUN: %s", fn->n, caplen,
			strerror(-e));
		return e;
	}
	r->via_xdp += fn->via_xdp;
	if (fn->headers_only) {
		r->big++;
		r->big_bytes[dir] += caplen - feed;
		if (caplen > r->largest)
			r->largest = caplen;
	}
	return 0;
}

static int replay_frames(struct replay *r)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int res, err;

	while ((res = pcap_next_ex(r->p, &h, &data)) == 1) {
		struct frame_note fn = { .n = ++r->frames, .len = h->caplen };
		uint8_t s[16], d[16], proto;
		bool cut = h->caplen < h->len;

		r->cut += cut;
		if (cut && rg_frame_parse(data, h->caplen, 0, s, d, &proto) == RG_FRAME_MALFORMED) {
			/* the snaplen cut it inside its headers: the datapath
			 * saw it whole, and nobody knows what it would say
			 */
			r->unjudged++;
			fn.kind = "not judged";
		} else if (h->caplen < 14) {
			/* no test run takes it; the datapath counts it malformed,
			 * and drops it unless the plan passes unreadable frames
			 */
			r->short_frames++;
			r->short_bytes += h->caplen;
			fn.kind = "malformed";
			fn.dropped = !r->plan->unreadable_pass;
		} else {
			err = run_frame(r, data, h->caplen, &fn);
			if (err)
				return err;
		}
		if (r->verbose)
			describe(r, data, h->caplen, &fn);
	}
	if (res == -1) {
		rg_err("%s: %s", r->capture, pcap_geterr(r->p));
		return -EIO;
	}
	return 0;
}

/* The counters of the direction replayed, with what the test runs could
 * not count.
 */
static void totals(struct replay *r, struct rg_dir_counters *d)
{
	struct rg_if_counters ic = {};

	rg_if_sum(&r->in.m, 0, &ic);
	*d = ic.dir[r->dir];
	/* frames that fell back to XDP were counted on the in side */
	if (r->dir == RG_DIR_OUT && r->via_xdp) {
		const struct rg_dir_counters *x = &ic.dir[RG_DIR_IN];

		d->packets += x->packets;
		d->bytes += x->bytes;
		d->violations += x->violations;
		d->dropped += x->dropped;
		d->malformed += x->malformed;
		d->other += x->other;
	}
	d->bytes += r->big_bytes[RG_DIR_IN] + r->big_bytes[RG_DIR_OUT];
	d->packets += r->short_frames;
	d->bytes += r->short_bytes;
	d->malformed += r->short_frames;
	/* unreadable: enforce drops them unless the plan passes them */
	if (!r->plan->unreadable_pass)
		d->dropped += r->short_frames;
}

/* Per bucket: which addresses broke the plan (the rule is the role's: fc00
 * on egress, fd00 on mesh). Returns how many buckets had violations.
 */
static int report_buckets(struct replay *r)
{
	__u32 *ids = calloc(RG_MAX_BUCKETS, sizeof(*ids));
	struct rg_bucket_info *infos = calloc(RG_MAX_BUCKETS, sizeof(*infos));
	struct rg_bucket_counters *all = calloc(RG_MAX_BUCKETS, sizeof(*all));
	struct rg_meta meta;
	int n = -ENOMEM, any = 0;

	if (ids && infos && all && !rg_meta_read(&r->in.m, &meta))
		n = rg_active_buckets(&r->in.m, 0, meta.generation, ids, infos);
	if (n > 0 && rg_bucket_read(&r->in.m, ids, n, all))
		n = -ENOMEM;
	if (r->json)
		rg_json_arr(&r->j, "buckets");
	for (int i = 0; i < n; i++) {
		const struct rg_bucket_counters *bc = &all[i];
		char cidr[64] = "-";

		if (!bc->violations.packets)
			continue;
		if (infos[i].kind != RG_KIND_UNPLANNED)
			rg_key_format(&infos[i].cidr, cidr, sizeof(cidr));
		any++;
		if (r->json) {
			rg_json_obj(&r->j, NULL);
			rg_json_strn(&r->j, "name", infos[i].name, sizeof(infos[i].name));
			rg_json_str(&r->j, "cidr", cidr);
			rg_json_str(&r->j, "rule", rg_rule_name(r->role));
			rg_json_u64(&r->j, "packets", bc->violations.packets);
			rg_json_u64(&r->j, "bytes", bc->violations.bytes);
			rg_json_end(&r->j);
		} else {
			fprintf(r->out, "  %-24s %-22s %s: %llu packets, %llu bytes would drop\n",
				infos[i].name, cidr, rg_rule_name(r->role),
				(unsigned long long)bc->violations.packets,
				(unsigned long long)bc->violations.bytes);
		}
	}
	if (r->json)
		rg_json_end(&r->j);
	free(ids);
	free(infos);
	free(all);
	if (n < 0) {
		rg_err("cannot read the replay's bucket counters: %s", strerror(-n));
		return n;
	}
	return any;
}

static void report_notes(struct replay *r)
{
	if (r->cut)
		fprintf(r->out, "note: %ld frame%s cut short by the capture's snaplen; those with "
			"their headers whole count with their captured length\n", r->cut,
			r->cut == 1 ? " was" : "s were");
	if (r->big)
		fprintf(r->out, "note: %ld frame%s over BPF_PROG_TEST_RUN's size limit (the largest "
			"%zu bytes) judged on the first %d bytes, which hold the headers; the "
			"totals count the full length, the per-bucket bytes only those %d\n",
			r->big, r->big == 1 ? "" : "s", r->largest, RG_REPLAY_HEADERS,
			RG_REPLAY_HEADERS);
}

static const char *unjudged_msg = "frames cut by the capture's snaplen inside their headers "
				  "were not judged: capture again with the whole frame "
				  "(tcpdump -s 0)";

static int report(struct replay *r)
{
	struct rg_dir_counters d;
	int any;

	totals(r, &d);
	if (r->json) {
		rg_json_str(&r->j, "capture", r->capture);
		rg_json_str(&r->j, "role", rg_role_name(r->role));
		rg_json_str(&r->j, "direction", r->dir == RG_DIR_IN ? "in" : "out");
		rg_json_u64(&r->j, "frames", d.packets);
		rg_json_u64(&r->j, "bytes", d.bytes);
		rg_json_u64(&r->j, "would_drop", d.dropped);
		rg_json_u64(&r->j, "malformed", d.malformed);
		rg_json_u64(&r->j, "other", d.other);
		rg_json_int(&r->j, "truncated_in_capture", r->cut);
		rg_json_int(&r->j, "not_judged", r->unjudged);
		rg_json_int(&r->j, "headers_only", r->big);
		if (r->unjudged)
			rg_json_str(&r->j, "error", unjudged_msg);
	} else {
		fprintf(r->out, "%s: %llu frames (%llu bytes) through the %s program as %s; "
			"%llu would drop, %llu malformed, %llu not IP\n", r->capture,
			(unsigned long long)d.packets, (unsigned long long)d.bytes,
			r->dir == RG_DIR_IN ? "XDP" : "tc", rg_role_name(r->role),
			(unsigned long long)d.dropped, (unsigned long long)d.malformed,
			(unsigned long long)d.other);
		report_notes(r);
	}
	any = report_buckets(r);
	if (any < 0)
		return any;
	if (!r->json && r->unjudged)
		fprintf(r->out, "%ld frame%s not judged: %s\n", r->unjudged,
			r->unjudged == 1 ? "" : "s", unjudged_msg);
	else if (!r->json && !any && !d.dropped)
		fprintf(r->out, "nothing would drop\n");
	/* the drops no bucket shows: frames the datapath cannot read */
	if (!r->json && d.dropped > d.violations)
		fprintf(r->out, "%llu unreadable frame%s would drop (more than %d VLAN tags, a cut "
			"or invalid header): 'unreadable pass' in the plan lets them through\n",
			(unsigned long long)(d.dropped - d.violations),
			d.dropped - d.violations == 1 ? "" : "s", RG_MAX_VLANS);
	/* a drop is a finding; frames not judged leave the question open */
	return d.dropped ? 1 : r->unjudged ? 2 : 0;
}

static void replay_close(struct replay *r)
{
	if (r->jf)
		fclose(r->jf);
	free(r->buf);
	free(r->idx.e);
	if (r->in_open)
		rg_instance_close(&r->in);
	if (r->p)
		pcap_close(r->p);
}

int rg_replay(const struct rg_plan *plan, __u32 role, int dir, const char *capture,
	      bool json, bool verbose, FILE *out)
{
	struct replay r = {
		.plan = plan, .role = role, .dir = dir, .capture = capture, .json = json,
		.verbose = verbose, .out = out,
	};
	int err;

	err = open_capture(&r);
	if (!err && verbose)
		err = index_build(&r.idx, plan);
	if (!err)
		err = open_instance(&r);
	if (err)
		goto out;
	if (json) {
		/* the object goes out whole or not at all: an error after the
		 * first frames must leave stdout to the {"error"} object
		 */
		r.jf = open_memstream(&r.buf, &r.buflen);
		if (!r.jf) {
			err = -ENOMEM;
			goto out;
		}
		r.out = r.jf;
		rg_json_init(&r.j, r.jf);
		rg_json_obj(&r.j, NULL);
		if (verbose)
			rg_json_arr(&r.j, "frames_detail");
	}
	err = replay_frames(&r);
	if (err)
		goto out;
	if (json && verbose)
		rg_json_end(&r.j);
	err = report(&r);
	if (err < 0 || !json)
		goto out;
	rg_json_end(&r.j);
	if (fflush(r.jf)) {
		err = -ENOMEM;
		goto out;
	}
	fwrite(r.buf, 1, r.buflen, out);
out:
	replay_close(&r);
	return err;
}
