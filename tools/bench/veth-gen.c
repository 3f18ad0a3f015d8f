// SPDX-License-Identifier: GPL-2.0-only
/*
 * veth-gen.c - rg-veth-gen, the helper of tools/bench/veth.sh: the nftables
 * ruleset a user would write for a plan, the frames, the traffic generator
 * and the counters the end-to-end veth bench needs.
 *
 *   rg-veth-gen plan CLUSTERS            a plan shaped like the users'
 *                                        (rg_gen_plan() of genplan.h)
 *   rg-veth-gen nft PLAN IFNAME TABLE [--vmap]
 *                                        the nftables ruleset (stdout)
 *   rg-veth-gen flows PLAN               pass and drop flows to measure, and
 *                                        their source buckets, as shell
 *                                        assignments
 *   rg-veth-gen probes PLAN MAX NEUTRAL6 NEUTRAL4
 *                                        validation frames "SRC DST pass|drop":
 *                                        ends and middle of every flattened
 *                                        range (at most MAX ranges), against
 *                                        a neutral peer address
 *   rg-veth-gen send IFNAME SRC DST [-n COUNT] [-w WARMUP] [-l LEN] [-b BATCH]
 *                    [--bypass] [--dmac MAC] [--cpu N]
 *                                        AF_PACKET frames, with their CPU cost
 *   rg-veth-gen live IFNAME SRC DST [-n COUNT] [-w WARMUP] [-l LEN] [--dmac MAC]
 *                    [--cpu N]           XDP frames redirected into IFNAME
 *                                        (BPF_F_TEST_XDP_LIVE_FRAMES), same
 *   rg-veth-gen sendlist IFNAME FILE [--dmac MAC]
 *                                        each frame of a probe list once
 *   rg-veth-gen ifstats IFNAME           rtnl_link_stats64, otherhost included
 *   rg-veth-gen gro IFNAME on|off        GRO (on a veth: NAPI without XDP)
 *   rg-veth-gen xdp-floor IFNAME         attach an XDP program that only
 *                                        returns XDP_PASS (frags-aware, like
 *                                        ringguard's); `ip link set dev IF
 *                                        xdp off` removes it
 *
 * send and live print sent=, failed=, thread_ns= (the generator thread's
 * CPU time: the veth receive path runs in its softirqs), kthreads_ns=
 * (ksoftirqd/napi threads, from schedstat), stat_ns= and statcpu_ns=
 * (/proc/stat non-idle time of all CPUs and of --cpu) for the measured
 * frames, after WARMUP unmeasured ones.
 *
 * The ruleset comes from ringguard's own compiler (rg_plan_parse): every
 * compiled trie entry already carries its bucket and its "breaks on role"
 * bits, so the longest match decides. nftables interval sets reject
 * overlapping elements, so the trie is flattened into disjoint address
 * ranges, each labelled by its longest match: one element per range in the
 * counting sets (src6/dst6, src4/dst4: per-element counters = per-bucket
 * source and destination counters), and the union of the ranges that break
 * the plan on a mesh interface in mesh_break6/mesh_break4 (the drop rules;
 * per-element counters = violations). A prefix with `allow mesh` inside the
 * external zone is then simply a hole in the break set: the exception and
 * the zone drop rule are one lookup, which is the cheapest correct way to
 * write it (an exception set matched before the zone rule needs two lookups
 * per address, since a frame breaks the plan when its source OR its
 * destination does). That makes four lookups per IPv6 frame: source and
 * destination counting, source and destination drop rule.
 *
 * --vmap writes what a user who optimises would: verdict maps whose
 * elements carry the counter and the verdict (drop, or continue), so one
 * lookup per address does both, two per frame. The only difference in the
 * job: a frame whose source breaks the plan is dropped before its
 * destination is counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include "frames.h"
#include "genplan.h"
#include "plan/plan.h"

#define MESH		RG_BREAKS(RG_ROLE_MESH)

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "rg-veth-gen: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

/* an address of the 128-bit space as text: IPv4 for ::ffff:a.b.c.d */
static const char *fmt_addr(u128 a, char *buf, size_t len)
{
	rg_u128_format(a, u128_is_v4(a), buf, len);
	return buf;
}

static void load_plan(const char *path, struct rg_plan *plan)
{
	int r = rg_plan_load(path, plan);

	if (r < 0)
		exit(1);
	if (r > 0)
		die("%s: the plan has errors", path);
}

/* The longest match by a linear scan: independent of the flattening below,
 * so the expected verdicts do not share its bugs.
 */
static int lpm(const struct rg_plan *plan, u128 a)
{
	int best = -1;

	for (int i = 0; i < plan->nentries; i++) {
		const struct rg_cidr *c = &plan->entries[i].cidr;

		if (a >= cidr_first(c) && a <= cidr_last(c) &&
		    (best < 0 || c->len > plan->entries[best].cidr.len))
			best = i;
	}
	return best;
}

static bool breaks_mesh(const struct rg_plan *plan, u128 a)
{
	int e = lpm(plan, a);

	return e >= 0 && (plan->entries[e].breaks & MESH);
}

/* ---- flattening ----------------------------------------------------------- */

struct iv {
	u128 lo, hi;
	int e;		/* the longest match of every address in [lo, hi] */
};

struct ivs {
	struct iv *v;
	int n, cap;
};

static void iv_add(struct ivs *s, u128 lo, u128 hi, int e)
{
	/* the IPv4 space goes to its own sets: split a range that straddles it */
	if (lo < U128_V4_FIRST && hi >= U128_V4_FIRST) {
		iv_add(s, lo, U128_V4_FIRST - 1, e);
		iv_add(s, U128_V4_FIRST, hi, e);
		return;
	}
	if (lo <= U128_V4_LAST && hi > U128_V4_LAST) {
		iv_add(s, lo, U128_V4_LAST, e);
		iv_add(s, U128_V4_LAST + 1, hi, e);
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			die("%s", "out of memory");
	}
	s->v[s->n++] = (struct iv){ lo, hi, e };
}

static const struct rg_plan *sort_plan;

static int cmp_entry(const void *a, const void *b)
{
	const struct rg_cidr *x = &sort_plan->entries[*(const int *)a].cidr;
	const struct rg_cidr *y = &sort_plan->entries[*(const int *)b].cidr;
	u128 lx = cidr_first(x), ly = cidr_first(y);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return (int)x->len - (int)y->len;
}

/* Disjoint ranges covering the planned space, in address order. Prefixes
 * nest or are disjoint, so a stack of open entries is enough.
 */
static struct ivs flatten(const struct rg_plan *plan)
{
	struct ivs s = { 0 };
	int *order = calloc(plan->nentries + 1, sizeof(int));
	int *stack = calloc(plan->nentries + 1, sizeof(int));
	int sp = 0;
	u128 cur = 0;
	bool done = false;	/* cur wrapped past the end of the space */

	if (!order || !stack)
		die("%s", "out of memory");
	for (int i = 0; i < plan->nentries; i++)
		order[i] = i;
	sort_plan = plan;
	qsort(order, plan->nentries, sizeof(int), cmp_entry);
	for (int k = 0; k < plan->nentries; k++) {
		int e = order[k];
		u128 lo = cidr_first(&plan->entries[e].cidr);

		while (sp && cidr_last(&plan->entries[stack[sp - 1]].cidr) < lo) {
			u128 hi = cidr_last(&plan->entries[stack[sp - 1]].cidr);

			if (cur <= hi)
				iv_add(&s, cur, hi, stack[sp - 1]);
			cur = hi + 1;
			sp--;
		}
		if (sp && cur < lo)
			iv_add(&s, cur, lo - 1, stack[sp - 1]);
		cur = lo;
		stack[sp++] = e;
	}
	while (sp && !done) {
		u128 hi = cidr_last(&plan->entries[stack[sp - 1]].cidr);

		if (cur <= hi)
			iv_add(&s, cur, hi, stack[sp - 1]);
		if (hi == U128_MAX)
			done = true;
		cur = hi + 1;
		sp--;
	}
	free(order);
	free(stack);
	return s;
}

/* ---- the nftables ruleset -------------------------------------------------- */

/* [lo, hi] as nftables writes it: an address, a CIDR or a range */
static void fmt_range(u128 lo, u128 hi, char *buf, size_t len)
{
	int plen = u128_block_len(lo, hi);
	char a[64], b[64];

	if (lo == hi) {
		fmt_addr(lo, buf, len);
	} else if ((lo | host_mask(plen)) == hi) {
		struct rg_cidr c;

		rg_cidr_from_u128(lo, plen, &c);
		rg_cidr_format(&c, buf, len);
	} else {
		snprintf(buf, len, "%s-%s", fmt_addr(lo, a, sizeof(a)),
			 fmt_addr(hi, b, sizeof(b)));
	}
}

enum set_kind {
	COUNT,		/* one element per bucket range */
	BREAKS,		/* the ranges that break the plan on mesh, merged */
	VMAP,		/* one element per bucket range, verdict drop if it breaks */
};

static bool same_elem(const struct rg_plan *plan, enum set_kind k, int a, int b)
{
	const struct rg_entry *x = &plan->entries[a], *y = &plan->entries[b];

	switch (k) {
	case BREAKS:
		return !!(x->breaks & MESH) == !!(y->breaks & MESH);
	case VMAP:
		return x->bucket_of == y->bucket_of && !!(x->breaks & MESH) == !!(y->breaks & MESH);
	default:
		return x->bucket_of == y->bucket_of;
	}
}

/* The elements of one set or map, IPv4 or IPv6 ranges, adjacent ranges
 * merged when they count as one element.
 */
static int emit_elems(FILE *o, const struct rg_plan *plan, const struct ivs *s, bool v4,
		      enum set_kind k)
{
	int n = 0;

	for (int i = 0; i < s->n; i++) {
		const struct rg_entry *e = &plan->entries[s->v[i].e];
		u128 lo = s->v[i].lo, hi = s->v[i].hi;
		char r[128];

		if (u128_is_v4(lo) != v4 || (k == BREAKS && !(e->breaks & MESH)))
			continue;
		while (i + 1 < s->n && s->v[i + 1].lo == hi + 1 && u128_is_v4(s->v[i + 1].lo) == v4 &&
		       same_elem(plan, k, s->v[i].e, s->v[i + 1].e))
			hi = s->v[++i].hi;
		fmt_range(lo, hi, r, sizeof(r));
		fprintf(o, "%s\t\t\t%s", n ? ",\n" : "", r);
		if (k != BREAKS)
			fprintf(o, " comment \"%s\"", plan->entries[e->bucket_of].name);
		if (k == VMAP)
			fprintf(o, " : %s", e->breaks & MESH ? "drop" : "continue");
		n++;
	}
	return n;
}

static int emit_set(FILE *o, const struct rg_plan *plan, const struct ivs *s, const char *name,
		    bool v4, enum set_kind k, const char *what)
{
	char *body = NULL;
	size_t blen = 0;
	FILE *b = open_memstream(&body, &blen);
	int n = emit_elems(b, plan, s, v4, k);

	fclose(b);
	if (n) {
		fprintf(o, "\t# %s: %d elements\n", what, n);
		fprintf(o, "\t%s %s {\n\t\ttype %s%s\n\t\tflags interval\n\t\tcounter\n"
			   "\t\telements = {\n%s\n\t\t}\n\t}\n\n",
			k == VMAP ? "map" : "set", name, v4 ? "ipv4_addr" : "ipv6_addr",
			k == VMAP ? " : verdict" : "", body);
	}
	free(body);
	return n;
}

static int cmd_nft(int argc, char **argv)
{
	struct rg_plan plan;
	struct ivs s;
	bool vmap = argc == 6 && !strcmp(argv[5], "--vmap");
	int n6, n4, b6 = 0, b4 = 0;

	if (argc != 5 && !vmap)
		die("%s", "usage: nft PLAN IFNAME TABLE [--vmap]");
	load_plan(argv[2], &plan);
	s = flatten(&plan);

	printf("# nftables for a mesh interface %s, generated from %s (%d plan entries,\n"
	       "# %d flattened ranges) by rg-veth-gen: the job ringguard does there.\n"
	       "# Per-bucket source and destination counters, violations counted and\n"
	       "# dropped, ingress and egress, per-interface counters.\n",
	       argv[3], argv[2], plan.nentries, s.n);
	if (vmap)
		printf("# Verdict maps: one lookup per address both counts its bucket and drops\n"
		       "# it if it breaks the plan (a frame whose source breaks is dropped before\n"
		       "# its destination is counted).\n");
	printf("table netdev %s {\n", argv[4]);
	if (vmap) {
		n6 = emit_set(stdout, &plan, &s, "src6", false, VMAP,
			      "per-bucket source counters and verdicts (buckets flattened into\n"
			      "\t# disjoint ranges; drop: breaks the plan on mesh)");
		emit_set(stdout, &plan, &s, "dst6", false, VMAP,
			 "per-bucket destination counters and verdicts");
		n4 = emit_set(stdout, &plan, &s, "src4", true, VMAP, "IPv4 source counters and verdicts");
		emit_set(stdout, &plan, &s, "dst4", true, VMAP, "IPv4 destination counters and verdicts");
	} else {
		n6 = emit_set(stdout, &plan, &s, "src6", false, COUNT,
			      "per-bucket source counters (buckets flattened into disjoint ranges)");
		emit_set(stdout, &plan, &s, "dst6", false, COUNT, "per-bucket destination counters");
		n4 = emit_set(stdout, &plan, &s, "src4", true, COUNT, "IPv4 source counters");
		emit_set(stdout, &plan, &s, "dst4", true, COUNT, "IPv4 destination counters");
		b6 = emit_set(stdout, &plan, &s, "mesh_break6", false, BREAKS,
			      "addresses that break the plan on a mesh interface: zones of another\n"
			      "\t# role minus the prefixes that allow mesh");
		b4 = emit_set(stdout, &plan, &s, "mesh_break4", true, BREAKS,
			      "IPv4 addresses that break the plan on mesh");
	}
	for (int dir = 0; dir < 2; dir++) {
		const char *how = vmap ? " vmap" : "";

		printf("\tchain %s {\n\t\ttype filter hook %s device \"%s\" priority filter; policy accept;\n",
		       dir ? "out" : "in", dir ? "egress" : "ingress", argv[3]);
		printf("\t\tcounter\n");
		if (n6)
			printf("\t\tip6 saddr%s @src6\n\t\tip6 daddr%s @dst6\n", how, how);
		if (b6)
			printf("\t\tip6 saddr @mesh_break6 drop\n\t\tip6 daddr @mesh_break6 drop\n");
		if (n4)
			printf("\t\tip saddr%s @src4\n\t\tip daddr%s @dst4\n", how, how);
		if (b4)
			printf("\t\tip saddr @mesh_break4 drop\n\t\tip daddr @mesh_break4 drop\n");
		printf("\t}\n");
	}
	printf("}\n");
	if (vmap)
		fprintf(stderr, "nft: %d entries -> %d ranges; map elements: src6 %d, src4 %d\n",
			plan.nentries, s.n, n6, n4);
	else
		fprintf(stderr, "nft: %d entries -> %d ranges; elements: src6 %d, src4 %d, mesh_break6 %d, "
				"mesh_break4 %d\n", plan.nentries, s.n, n6, n4, b6, b4);
	free(s.v);
	rg_plan_free(&plan);
	return 0;
}

/* ---- plans, flows, probes ------------------------------------------------- */

static int cmd_plan(int argc, char **argv)
{
	int clusters = argc == 3 ? atoi(argv[2]) : 0;
	char *text;

	if (clusters < 1 || clusters > 4000)
		die("%s", "usage: plan CLUSTERS (1..4000)");
	text = rg_gen_plan(2 + clusters * RG_GEN_PER_CLUSTER);
	if (!text)
		die("%s", "out of memory");
	printf("# generated by rg-veth-gen plan %d: shaped like the users' plan\n%s", clusters,
	       text);
	printf("host bench mesh eth0\n");
	free(text);
	return 0;
}

/* planned, IPv6, in a zone, not breaking on mesh: an address of fc00 space */
static bool good_pass(const struct rg_plan *plan, int i)
{
	const struct rg_entry *e = &plan->entries[i];

	return !e->cidr.v4 && e->zone[0] && !(e->breaks & MESH) &&
	       !breaks_mesh(plan, cidr_first(&e->cidr)) && lpm(plan, cidr_first(&e->cidr)) == i;
}

static int cmd_flows(int argc, char **argv)
{
	const char *ps = "fc00:101::11", *pd = "fc00:20::1", *ds = "fd00:10::5";
	char s1[64], s2[64], s3[64], n4[64];
	struct rg_plan plan;
	u128 a, b, c;
	int best = 0, first = -1, last = -1, drop = -1;

	if (argc != 3)
		die("%s", "usage: flows PLAN");
	load_plan(argv[2], &plan);
	/* the users' plan: the flows of the issue */
	if (!rg_addr_parse(ps, &a, NULL) && !rg_addr_parse(pd, &b, NULL) &&
	    !rg_addr_parse(ds, &c, NULL) && lpm(&plan, a) >= 0 && lpm(&plan, b) >= 0 && !breaks_mesh(&plan, a) &&
	    !breaks_mesh(&plan, b) && breaks_mesh(&plan, c)) {
		fmt_addr(a, s1, sizeof(s1));
		fmt_addr(b, s2, sizeof(s2));
		fmt_addr(c, s3, sizeof(s3));
	} else {
		/* else the most specific planned fc00 entries, first and last */
		for (int i = 0; i < plan.nentries; i++)
			if (good_pass(&plan, i) && plan.entries[i].cidr.len > best)
				best = plan.entries[i].cidr.len;
		for (int i = 0; i < plan.nentries; i++)
			if (good_pass(&plan, i) && plan.entries[i].cidr.len == best) {
				if (first < 0)
					first = i;
				last = i;
			}
		best = -1;
		for (int i = 0; i < plan.nentries; i++) {
			const struct rg_entry *e = &plan.entries[i];

			if (!e->cidr.v4 && (e->breaks & MESH) && lpm(&plan, cidr_first(&e->cidr)) == i &&
			    e->cidr.len > best) {
				best = e->cidr.len;
				drop = i;
			}
		}
		if (first < 0 || drop < 0)
			die("%s: no planned mesh address that passes, or none that breaks", argv[2]);
		fmt_addr(cidr_first(&plan.entries[first].cidr), s1, sizeof(s1));
		fmt_addr(cidr_first(&plan.entries[last].cidr), s2, sizeof(s2));
		fmt_addr(cidr_first(&plan.entries[drop].cidr), s3, sizeof(s3));
	}
	/* an IPv4 address that passes, for the IPv4 probes */
	strcpy(n4, "192.0.2.1");
	for (int i = 0; i < plan.nentries; i++)
		if (plan.entries[i].cidr.v4 && !breaks_mesh(&plan, cidr_first(&plan.entries[i].cidr)) &&
		    lpm(&plan, cidr_first(&plan.entries[i].cidr)) == i) {
			fmt_addr(cidr_first(&plan.entries[i].cidr), n4, sizeof(n4));
			break;
		}
	printf("PASS_SRC=%s\nPASS_DST=%s\nDROP_SRC=%s\nDROP_DST=%s\nNEUTRAL4=%s\n", s1, s2, s3, s2,
	       n4);
	/* the buckets that count the sources, for the counter checks */
	rg_addr_parse(s1, &a, NULL);
	rg_addr_parse(s3, &c, NULL);
	printf("PASS_BUCKET=%s\nDROP_BUCKET=%s\n",
	       plan.entries[plan.entries[lpm(&plan, a)].bucket_of].name,
	       plan.entries[plan.entries[lpm(&plan, c)].bucket_of].name);
	rg_plan_free(&plan);
	return 0;
}

/* what the Linux IPv6 stack drops before PREROUTING, where the ingress
 * validation observes (multicast source, loopback, unspecified)
 */
static bool stack_drops(u128 a)
{
	return (!u128_is_v4(a) && (a >> 120) == 0xff) || a <= 1;
}

static void probe(const struct rg_plan *plan, u128 a, u128 n6, u128 n4)
{
	char x[64], y[64];
	u128 peer = u128_is_v4(a) ? n4 : n6;
	bool brk = breaks_mesh(plan, a) || breaks_mesh(plan, peer);

	if (stack_drops(a))
		return;
	printf("%s %s %s\n", fmt_addr(a, x, sizeof(x)), fmt_addr(peer, y, sizeof(y)),
	       brk ? "drop" : "pass");
	printf("%s %s %s\n", y, x, brk ? "drop" : "pass");
}

static int cmd_probes(int argc, char **argv)
{
	const char *extra[] = { "2001:db8::1", "fe80::1", "198.51.100.7", "fc00::", "fd00::" };
	struct rg_plan plan;
	struct ivs s;
	u128 n6, n4;
	int max, step;

	if (argc != 6)
		die("%s", "usage: probes PLAN MAX NEUTRAL6 NEUTRAL4");
	load_plan(argv[2], &plan);
	max = atoi(argv[3]);
	if (rg_addr_parse(argv[4], &n6, NULL) || rg_addr_parse(argv[5], &n4, NULL))
		die("%s", "bad neutral address");
	if (breaks_mesh(&plan, n6) || breaks_mesh(&plan, n4))
		die("%s", "a neutral address breaks the plan");
	s = flatten(&plan);
	step = max > 0 && s.n > max ? (s.n + max - 1) / max : 1;
	for (int i = 0; i < s.n; i++) {
		if (i % step && i != s.n - 1)
			continue;
		probe(&plan, s.v[i].lo, n6, n4);
		if (s.v[i].hi != s.v[i].lo)
			probe(&plan, s.v[i].hi, n6, n4);
		if (s.v[i].hi - s.v[i].lo > 1)
			probe(&plan, s.v[i].lo + (s.v[i].hi - s.v[i].lo) / 2, n6, n4);
	}
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		u128 a;

		rg_addr_parse(extra[i], &a, NULL);
		probe(&plan, a, n6, n4);
	}
	fprintf(stderr, "probes: %d of %d flattened ranges\n", (s.n + step - 1) / step, s.n);
	free(s.v);
	rg_plan_free(&plan);
	return 0;
}

/* ---- traffic ----------------------------------------------------------------- */

static int parse_mac(const char *s, uint8_t m[6])
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		m[i] = b[i];
	return 0;
}

/* A frame from frames.c, with its destination MAC. */
static size_t build(uint8_t *f, size_t cap, const char *src, const char *dst, size_t len,
		    const uint8_t *dmac)
{
	size_t n = rg_frame_ip(f, cap, src, dst, NULL, 0, len);

	if (!n)
		die("bad address in %s", src);
	if (dmac)
		memcpy(f, dmac, 6);
	return n;
}

static int open_tx(const char *ifname, bool bypass, struct sockaddr_ll *sll)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1, buf = 4 << 20;

	if (fd < 0)
		die("socket: %s", strerror(errno));
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_halen = 6;
	sll->sll_ifindex = if_nametoindex(ifname);
	if (!sll->sll_ifindex)
		die("no interface %s", ifname);
	if (bypass && setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		die("PACKET_QDISC_BYPASS: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	return fd;
}

static unsigned long long now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

/* non-idle time (/proc/stat: every field but idle and iowait; guest time is
 * already in user), in ns, of all CPUs (cpu < 0) or of one
 */
static unsigned long long stat_busy_ns(int cpu)
{
	unsigned long long v[10], busy = 0;
	char line[512], want[32];
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	if (cpu < 0)
		snprintf(want, sizeof(want), "cpu ");
	else
		snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		memset(v, 0, sizeof(v));
		if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) >= 8)
			busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		break;
	}
	fclose(f);
	return busy * (1000000000ull / sysconf(_SC_CLK_TCK));
}

/* exact run time (schedstat) of the kernel threads that can take over
 * softirq and NAPI work: ksoftirqd/N and threaded NAPI (napi/...)
 */
static unsigned long long kthreads_ns(void)
{
	unsigned long long sum = 0;
	struct dirent *d;
	DIR *p = opendir("/proc");

	if (!p)
		return 0;
	while ((d = readdir(p))) {
		char path[300], comm[64] = "";
		unsigned long long t;
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		if (strncmp(comm, "ksoftirqd/", 10) && strncmp(comm, "napi/", 5))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/schedstat", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &t) == 1)
			sum += t;
		fclose(f);
	}
	closedir(p);
	return sum;
}

/* count frames; returns frames the kernel took (sent) and those it dropped
 * on the way out (failed: ENOBUFS, an egress drop or a full veth ring)
 */
static void blast(int fd, struct mmsghdr *m, int batch, long count, long *sent, long *failed)
{
	long left = count;

	while (left > 0) {
		int want = left < batch ? left : batch;
		int r = batch == 1 ? (int)sendto(fd, m[0].msg_hdr.msg_iov->iov_base,
						  m[0].msg_hdr.msg_iov->iov_len, 0,
						  m[0].msg_hdr.msg_name,
						  m[0].msg_hdr.msg_namelen)
				   : sendmmsg(fd, m, want, 0);

		if (batch == 1 && r > 0)
			r = 1;
		if (r < 0) {
			if (errno != ENOBUFS)
				die("send: %s", strerror(errno));
			(*failed)++;
			left--;
			continue;
		}
		*sent += r;
		left -= r;
		/* a short count: message r failed (consumed, error lost) */
		if (r < want) {
			(*failed)++;
			left--;
		}
	}
}

/* Options of send and live. */
struct gen_opts {
	long count, warm, len;
	int batch, cpu;
	bool bypass, have_dmac;
	uint8_t dmac[6];
};

static void gen_opts_parse(int argc, char **argv, bool sockets, struct gen_opts *o)
{
	*o = (struct gen_opts){ .count = 1000000, .len = 64, .batch = 64, .cpu = -1 };
	for (int i = 5; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "";

		if (sockets && !strcmp(argv[i], "--bypass")) {
			o->bypass = true;
			continue;
		}
		if (!strcmp(argv[i], "-n"))
			o->count = atol(v);
		else if (!strcmp(argv[i], "-w"))
			o->warm = atol(v);
		else if (!strcmp(argv[i], "-l"))
			o->len = atol(v);
		else if (sockets && !strcmp(argv[i], "-b"))
			o->batch = atoi(v);
		else if (!strcmp(argv[i], "--cpu"))
			o->cpu = atoi(v);
		else if (!strcmp(argv[i], "--dmac")) {
			if (parse_mac(v, o->dmac))
				die("bad MAC %s", v);
			o->have_dmac = true;
		} else
			die("unknown option %s", argv[i]);
		i++;
	}
	if (o->batch < 1 || o->batch > 256)
		die("%s", "batch must be 1..256");
	if (o->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity: %s", strerror(errno));
	}
}

/* The clocks around a measured run. */
struct meter {
	unsigned long long thread, kthreads, stat, statcpu, wall;
};

static void meter_read(struct meter *m, int cpu)
{
	m->wall = now_ns(CLOCK_MONOTONIC);
	m->stat = stat_busy_ns(-1);
	m->statcpu = stat_busy_ns(cpu);
	m->kthreads = kthreads_ns();
	m->thread = now_ns(CLOCK_THREAD_CPUTIME_ID);
}

static void meter_print(const struct meter *a, const struct meter *b, int cpu, long sent,
			long failed, size_t len, long warm_sent, long warm_failed)
{
	printf("sent=%ld failed=%ld len=%zu thread_ns=%llu kthreads_ns=%llu stat_ns=%llu "
	       "statcpu_ns=%llu wall_ns=%llu warm_sent=%ld warm_failed=%ld\n",
	       sent, failed, len, b->thread - a->thread, b->kthreads - a->kthreads,
	       b->stat - a->stat, cpu >= 0 ? b->statcpu - a->statcpu : b->stat - a->stat,
	       b->wall - a->wall, warm_sent, warm_failed);
}

static int cmd_send(int argc, char **argv)
{
	static uint8_t frame[RG_FRAME_MAX];
	struct mmsghdr m[256];
	struct iovec iov;
	struct sockaddr_ll sll;
	struct gen_opts o;
	struct meter m0, m1;
	long sent = 0, failed = 0, ws = 0, wf = 0;
	int fd;
	size_t n;

	if (argc < 5)
		die("%s", "usage: send IFNAME SRC DST [-n N] [-w WARMUP] [-l LEN] [-b BATCH] "
			  "[--bypass] [--dmac MAC] [--cpu N]");
	gen_opts_parse(argc, argv, true, &o);
	n = build(frame, sizeof(frame), argv[3], argv[4], o.len, o.have_dmac ? o.dmac : NULL);
	fd = open_tx(argv[2], o.bypass, &sll);
	iov = (struct iovec){ frame, n };
	for (int i = 0; i < 256; i++)
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &sll, .msg_namelen = sizeof(sll),
						      .msg_iov = &iov, .msg_iovlen = 1 } };
	if (o.warm)
		blast(fd, m, o.batch, o.warm, &ws, &wf);
	meter_read(&m0, o.cpu);
	blast(fd, m, o.batch, o.count, &sent, &failed);
	meter_read(&m1, o.cpu);
	close(fd);
	meter_print(&m0, &m1, o.cpu, sent, failed, n, ws, wf);
	return 0;
}

/* XDP frames into a veth, the way a NIC hands them to its driver: an XDP
 * program that redirects every frame to IFNAME, run by BPF_PROG_TEST_RUN
 * with BPF_F_TEST_XDP_LIVE_FRAMES in batches of 64. ndo_xdp_xmit puts the
 * frames on the peer's ring as xdp_frames; its NAPI poll runs its XDP
 * program on them in place (no copy), or builds an skb for the stack.
 */
static int cmd_live(int argc, char **argv)
{
	static uint8_t frame[RG_FRAME_MAX];
	struct gen_opts o;
	struct meter m0, m1;
	int fd, ifindex, r;
	size_t n;

	if (argc < 5)
		die("%s", "usage: live IFNAME SRC DST [-n N] [-w WARMUP] [-l LEN] [--dmac MAC] [--cpu N]");
	gen_opts_parse(argc, argv, false, &o);
	ifindex = if_nametoindex(argv[2]);
	if (!ifindex)
		die("no interface %s", argv[2]);
	n = build(frame, sizeof(frame), argv[3], argv[4], o.len, o.have_dmac ? o.dmac : NULL);
	{
		struct bpf_insn insns[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = ifindex },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 0 },
			{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect },
			{ .code = BPF_JMP | BPF_EXIT },
		};

		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "veth_gen", "GPL", insns, 4, NULL);
		if (fd < 0)
			die("cannot load the redirect program: %s", strerror(-fd));
	}
	for (int pass = o.warm ? 0 : 1; pass < 2; pass++) {
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = n,
			    .repeat = pass ? o.count : o.warm, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = 64);

		meter_read(&m0, o.cpu);
		r = bpf_prog_test_run_opts(fd, &t);
		meter_read(&m1, o.cpu);
		if (r)
			die("BPF_PROG_TEST_RUN (live frames): %s", strerror(errno));
	}
	close(fd);
	meter_print(&m0, &m1, o.cpu, o.count, 0, n, o.warm, 0);
	return 0;
}

/* GRO on or off (ETHTOOL_SGRO): on a veth, GRO also turns on the NAPI path
 * that receives XDP frames when no XDP program is attached
 */
static int cmd_gro(int argc, char **argv)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO };
	struct ifreq ifr = { 0 };
	int fd;

	if (argc != 4 || (strcmp(argv[3], "on") && strcmp(argv[3], "off")))
		die("%s", "usage: gro IFNAME on|off");
	ev.data = !strcmp(argv[3], "on");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[2]);
	ifr.ifr_data = (void *)&ev;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr))
		die("ETHTOOL_SGRO: %s", strerror(errno));
	close(fd);
	return 0;
}

static int cmd_sendlist(int argc, char **argv)
{
	static uint8_t frame[RG_FRAME_MAX];
	char line[256], src[80], dst[80];
	struct sockaddr_ll sll;
	uint8_t dmac[6];
	long sent = 0, failed = 0;
	FILE *f;
	int fd;

	if (argc != 4 && !(argc == 6 && !strcmp(argv[4], "--dmac")))
		die("%s", "usage: sendlist IFNAME FILE [--dmac MAC]");
	if (argc == 6 && parse_mac(argv[5], dmac))
		die("bad MAC %s", argv[5]);
	f = fopen(argv[3], "r");
	if (!f)
		die("cannot read %s", argv[3]);
	fd = open_tx(argv[2], false, &sll);
	while (fgets(line, sizeof(line), f)) {
		size_t n;

		if (sscanf(line, "%79s %79s", src, dst) != 2)
			continue;
		n = build(frame, sizeof(frame), src, dst, 64, argc == 6 ? dmac : NULL);
		if (sendto(fd, frame, n, 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)n)
			sent++;
		else if (errno == ENOBUFS)
			failed++;
		else
			die("send: %s", strerror(errno));
		/* pace: the observers (nflog, a capture) must not lose frames */
		if ((sent + failed) % 32 == 0)
			usleep(2000);
	}
	fclose(f);
	close(fd);
	printf("sent=%ld failed=%ld\n", sent, failed);
	return 0;
}

/* ---- counters and the XDP floor --------------------------------------------- */

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_link_stats64 *out = data;
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) != IFLA_STATS64)
			continue;
		memcpy(out, mnl_attr_get_payload(a),
		       mnl_attr_get_payload_len(a) < sizeof(*out) ? mnl_attr_get_payload_len(a)
								  : sizeof(*out));
	}
	return MNL_CB_OK;
}

static int cmd_ifstats(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtnl_link_stats64 st = { 0 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int r;

	if (argc != 3)
		die("%s", "usage: ifstats IFNAME");
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = if_nametoindex(argv[2]);
	if (!ifm->ifi_index)
		die("no interface %s", argv[2]);
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("netlink: %s", strerror(errno));
	r = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (r < 0 || mnl_cb_run(buf, r, 1, mnl_socket_get_portid(nl), stats_cb, &st) < 0)
		die("netlink: %s", strerror(errno));
	mnl_socket_close(nl);
	printf("rx_packets=%llu rx_dropped=%llu rx_otherhost=%llu tx_packets=%llu tx_dropped=%llu\n",
	       (unsigned long long)st.rx_packets, (unsigned long long)st.rx_dropped,
	       (unsigned long long)st.rx_otherhost_dropped, (unsigned long long)st.tx_packets,
	       (unsigned long long)st.tx_dropped);
	return 0;
}

static int cmd_xdp_floor(int argc, char **argv)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_flags = BPF_F_XDP_HAS_FRAGS);
	int ifindex, fd;

	if (argc != 3)
		die("%s", "usage: xdp-floor IFNAME");
	ifindex = if_nametoindex(argv[2]);
	if (!ifindex)
		die("no interface %s", argv[2]);
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "veth_floor", "GPL", insns, 2, &o);
	if (fd < 0)
		die("cannot load the XDP floor: %s", strerror(-fd));
	if (bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL))
		die("cannot attach the XDP floor: %s", strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "plan", cmd_plan },	    { "nft", cmd_nft },		{ "flows", cmd_flows },
		{ "probes", cmd_probes },   { "send", cmd_send },	{ "sendlist", cmd_sendlist },
		{ "ifstats", cmd_ifstats }, { "xdp-floor", cmd_xdp_floor }, { "live", cmd_live },
		{ "gro", cmd_gro },
	};

	if (argc >= 2)
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc, argv);
	fprintf(stderr, "usage: rg-veth-gen plan|nft|flows|probes|send|live|sendlist|ifstats|gro|"
			"xdp-floor ...\n"
			"(see tools/bench/veth-gen.c)\n");
	return 2;
}
