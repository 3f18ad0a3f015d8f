// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_explain.c - `ringguard explain`'s verdicts against the datapath's.
 *
 * For random address pairs over the users' plan (maps/sol.plan), plans
 * shaped like it (tools/bench/genplan.h) and random plans of both families
 * (zones of each, prefixes nested under them and above them with random
 * allows, an IPv6 zone and prefix wide enough to hold the IPv4-mapped
 * addresses), each frame goes through the real XDP and tc programs
 * (BPF_PROG_TEST_RUN) on an interface of each role: in enforce mode it
 * must drop exactly when explain says "drop", in monitor mode pass and add
 * a violation exactly when explain says "count". Each address's answer
 * from the instance's tries (kernel/lookup.c, what the CLI checks the plan
 * in force with) must be explain's too. Then the chain itself: the lines
 * explain names for addresses of the users' plan.
 * RG_SEED=N replays a run; RG_EXPLAIN_PAIRS=N changes its size.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "frames.h"
#include "harness.h"
#include "kernel/lookup.h"
#include "plan/explain.h"
#include "../tools/bench/genplan.h"
#include "logto.h"

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int rn(unsigned int n)
{
	return rnd() % n;
}

static void seed(void)
{
	const char *s = getenv("RG_SEED");

	rng = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;
	if (!rng)
		rng = 1;
	cr_log_info("RG_SEED=%llu", (unsigned long long)rng);
}

static int pairs(int dflt)
{
	const char *s = getenv("RG_EXPLAIN_PAIRS");

	return s ? atoi(s) : dflt;
}

static void random_in(const struct rg_cidr *c, uint8_t a[16])
{
	memcpy(a, c->addr, 16);
	for (int bit = c->len; bit < 128; bit++)
		if (rnd() & 1)
			a[bit / 8] |= 0x80 >> (bit % 8);
}

static const uint8_t v4_region[12] = { [10] = 0xff, [11] = 0xff };

/* An address of family v4: mostly inside an entry (nested ones included,
 * so inherited allows are met), else anywhere; IPv6 ones often mapped
 * (::ffff:a.b.c.d, often an IPv4 entry's very address).
 */
static void pick(const struct rg_plan *plan, bool v4, uint8_t a[16])
{
	const struct rg_entry *e = &plan->entries[rn(plan->nentries)];
	unsigned int how = rn(10);

	if (e->cidr.v4 == v4 && how < 6) {
		random_in(&e->cidr, a);
		return;
	}
	if (!v4 && how < 8) {
		if (e->cidr.v4)
			random_in(&e->cidr, a);
		else
			for (int i = 12; i < 16; i++)
				a[i] = rnd();
		memcpy(a, v4_region, sizeof(v4_region));
		return;
	}
	for (int i = 0; i < 16; i++)
		a[i] = rnd();
	if (v4)
		memcpy(a, v4_region, sizeof(v4_region));
	else if (rn(2))
		a[0] = rn(2) ? 0xfc : 0xfd;
}

static struct rg_instance in;
static struct rg_plan plan;
static bool loaded;

static void install_text(const char *text)
{
	if (loaded)
		rg_plan_free(&plan);
	h_install(&in, &plan, text);
	loaded = true;
}

static void setup(void)
{
	int err = rg_instance_open(&in, 0);

	cr_assert_eq(err, 0, "cannot load the programs: %s (run as root)", strerror(-err));
	seed();
}

static void teardown(void)
{
	rg_instance_close(&in);
	if (loaded)
		rg_plan_free(&plan);
}

TestSuite(explain, .init = setup, .fini = teardown);

/* The instance's tries agree with explain for a (kernel/lookup.c). */
static void check_lookup(const struct rg_explain_addr *a, const char *s)
{
	const __u32 mask = RG_BREAKS(RG_ROLE_MESH) | RG_BREAKS(RG_ROLE_EGRESS);
	struct rg_lpm_key want = {};
	struct rg_inforce f;

	cr_assert_eq(rg_inforce_lookup(&in.m, a->addr, a->v4, &f), 0);
	cr_assert_eq(f.found, a->bucket >= 0, "%s: tries %s, explain %s", s,
		     f.found ? "planned" : "unplanned", a->bucket >= 0 ? "planned" : "unplanned");
	cr_assert_eq(f.val.breaks & mask, a->breaks, "%s: tries break %#x, explain %#x", s,
		     f.val.breaks & mask, a->breaks);
	if (a->bucket >= 0) {
		rg_key_of(&plan.entries[a->bucket].cidr, &want);
		cr_assert(f.bucket.cidr.prefixlen == want.prefixlen &&
			  !memcmp(f.bucket.cidr.addr, want.addr, 16),
			  "%s: tries' bucket %s, explain's %s", s, f.bucket.name,
			  plan.entries[a->bucket].name);
	}
	/* and the plan's own compiled answer (what the tries were filled from) */
	cr_assert_eq(rg_plan_scan_af(&plan, a->addr, a->v4),
		     a->bucket >= 0 ? plan.entries[a->bucket].bucket_of : -1, "%s: bucket", s);
}

struct tally {
	long frames, violations, mapped, allowed, v4;
};

/* One frame on each role and hook, in enforce and monitor mode. */
static void check_pair(const uint8_t s[16], const uint8_t d[16], bool v4, struct tally *t)
{
	uint8_t frame[256];
	char ss[64], ds[64];
	struct rg_explain_frame f;
	size_t len;

	rg_addr_format_af(s, v4, ss, sizeof(ss));
	rg_addr_format_af(d, v4, ds, sizeof(ds));
	cr_assert_eq(rg_explain_frame(&plan, s, v4, d, v4, &f), 0);
	check_lookup(&f.src, ss);
	check_lookup(&f.dst, ds);
	len = rg_frame_ip(frame, sizeof(frame), ss, ds, NULL, 0, 0);
	cr_assert_gt(len, 0, "frame %s -> %s", ss, ds);
	t->frames++;
	t->mapped += f.src.mapped || f.dst.mapped;
	t->v4 += v4;
	for (__u32 role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++) {
		int r = rg_role_idx(role);
		bool v = f.role[r].violation;

		t->violations += v;
		t->allowed += f.src.role[r].why == RG_WHY_ALLOW || f.dst.role[r].why == RG_WHY_ALLOW;
		cr_assert_eq(rg_instance_role(&in, role), 0);
		cr_assert_eq(rg_instance_mode(&in, RG_MODE_ENFORCE), 0);
		for (int dir = RG_DIR_IN; dir < RG_DIR_MAX; dir++)
			cr_assert_eq(h_run(&in, dir, frame, len), v,
				     "%s -> %s on %s (%s): datapath %s, explain %s", ss, ds,
				     rg_role_name(role), dir == RG_DIR_IN ? "xdp" : "tc",
				     v ? "passed" : "dropped", v ? "drop" : "pass");
		/* monitor: passes, counted as a violation when explain says count */
		cr_assert_eq(rg_instance_mode(&in, RG_MODE_MONITOR), 0);
		{
			int dir = rn(2) ? RG_DIR_IN : RG_DIR_OUT;
			struct rg_dir_counters c0 = h_dc(&in, dir), c1;

			cr_assert_not(h_run(&in, dir, frame, len), "%s -> %s dropped in monitor", ss,
				      ds);
			c1 = h_dc(&in, dir);
			cr_assert_eq(c1.violations - c0.violations, (__u64)v,
				     "%s -> %s on %s, monitor: violations +%llu, explain %s", ss, ds,
				     rg_role_name(role),
				     (unsigned long long)(c1.violations - c0.violations),
				     v ? "count" : "pass");
		}
	}
}

static void random_pairs(int n, struct tally *t)
{
	for (int i = 0; i < n; i++) {
		bool v4 = rn(3) == 0;
		uint8_t s[16], d[16];

		pick(&plan, v4, s);
		pick(&plan, v4, d);
		check_pair(s, d, v4, t);
	}
}

static void report(const char *what, const struct tally *t)
{
	cr_log_info("%s: %ld frames (%ld IPv4, %ld with a mapped address), %ld role verdicts "
		    "violations, %ld with an allow", what, t->frames, t->v4, t->mapped,
		    t->violations, t->allowed);
	/* the mix reached what it is for */
	cr_expect_gt(t->violations, 0, "%s: no violation met", what);
	cr_expect_lt(t->violations, 2 * t->frames, "%s: every frame a violation", what);
}

static char *read_sol(void)
{
	char *text;
	size_t len;

	cr_assert_eq(rg_plan_read("maps/sol.plan", &text, &len), 0);
	text = realloc(text, len + 1);
	cr_assert_not_null(text);
	text[len] = '\0';
	return text;
}

Test(explain, users_plan_verdicts_are_the_datapaths)
{
	struct tally t = {};
	char *text = read_sol();

	install_text(text);
	free(text);
	random_pairs(pairs(2000), &t);
	cr_expect_gt(t.allowed, 0, "no allow met");
	cr_expect_gt(t.mapped, 0, "no mapped address met");
	report("maps/sol.plan", &t);
}

Test(explain, generated_plan_verdicts_are_the_datapaths)
{
	struct tally t = {};
	char *text = rg_gen_plan(2000);

	cr_assert_not_null(text);
	install_text(text);
	free(text);
	random_pairs(pairs(1000), &t);
	cr_expect_gt(t.allowed, 0, "no allow met");
	report("genplan 2000", &t);
}

/* A random plan of both families: zones of each, an IPv6 zone and
 * prefix that hold ::ffff:0:0/96, prefixes above zones and nested
 * under them, allows at random.
 */
static char *random_plan(void)
{
	static const char *const allows[] = { "", "", "", " allow mesh", " allow egress",
					       " allow mesh,egress" };
	struct rg_cidr base[512];
	int nbase = 0, n = 0;
	size_t cap = 1 << 16;
	char *t = malloc(cap), why[160], c[64];
	const char *roots[] = { "fc00::/8", "fd00::/8", "::/1", "10.0.0.0/8", "192.168.0.0/16",
				"2000::/3", "172.16.0.0/12", "::/80", "fc00::/7" };

	cr_assert_not_null(t);
	n += snprintf(t + n, cap - n,
		      "zone m6 mesh fc00::/8\nzone e6 egress fd00::/8\nzone w6 %s ::/1\n"
		      "zone m4 mesh 10.0.0.0/8\nzone e4 egress 192.168.0.0/16\n"
		      "prefix v6low ::/80%s\nprefix top6 fc00::/7%s\nprefix free4 172.16.0.0/12%s\n",
		      rn(2) ? "mesh" : "egress", allows[rn(6)], allows[rn(6)], allows[rn(6)]);
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		cr_assert_eq(rg_cidr_parse(roots[i], &base[nbase++], why, sizeof(why)), 0);
	for (int i = 0; i < 200 && nbase < 512; i++) {
		const struct rg_cidr *p = &base[rn(nbase)];
		int max = p->v4 ? 128 : 128, len = p->len + 1 + rn(p->v4 ? 12 : 40);
		struct rg_cidr ch;
		bool dup = false;

		if (len > max)
			len = max;
		if (p->len >= max)
			continue;
		random_in(p, ch.addr);
		ch.len = len;
		ch.v4 = p->v4;
		rg_cidr_clear_host_bits(&ch);
		/* an IPv6 CIDR inside ::ffff:0:0/96 is refused by the parser */
		if (!ch.v4 && len >= 96 && !memcmp(ch.addr, v4_region, sizeof(v4_region)))
			continue;
		for (int k = 0; k < nbase && !dup; k++)
			dup = !rg_cidr_cmp(&base[k], &ch);
		if (dup)
			continue;
		base[nbase++] = ch;
		rg_cidr_format(&ch, c, sizeof(c));
		n += snprintf(t + n, cap - n, "prefix p%d %s%s\n", i, c, allows[rn(6)]);
	}
	return t;
}

Test(explain, random_plans_of_both_families_verdicts_are_the_datapaths)
{
	struct tally t = {};

	for (int round = 0; round < 6; round++) {
		char *text = random_plan();

		install_text(text);
		free(text);
		random_pairs(pairs(3000) / 6, &t);
	}
	cr_expect_gt(t.allowed, 0, "no allow met");
	cr_expect_gt(t.mapped, 0, "no mapped address met");
	cr_expect_gt(t.v4, 0, "no IPv4 frame");
	report("random plans", &t);
}

/* ---- the chain of the users' plan --------------------------------------- */

/* The line of maps/sol.plan that starts with start, 0 if none. */
static int line_of(const char *text, const char *start)
{
	int line = 1;

	for (const char *l = text; *l; line++) {
		if (!strncmp(l, start, strlen(start)))
			return line;
		l = strchr(l, '\n');
		if (!l)
			break;
		l++;
	}
	return 0;
}

struct chain_case {
	const char *addr;
	const char *lines[4];	/* the chain, widest first: each line's start */
	const char *bucket;	/* NULL: unplanned */
	enum rg_why why[RG_ROLES];	/* mesh, egress */
	const char *decides[RG_ROLES];	/* the line's start, NULL for none */
};

static void check_chain(const char *text, const struct chain_case *c)
{
	struct rg_explain_addr a;
	uint8_t addr[16];
	bool v4;
	char why[160];
	int n = 0;

	cr_assert_eq(rg_explain_parse(c->addr, addr, &v4, why, sizeof(why)), 0, "%s", why);
	rg_explain_addr(&plan, addr, v4, &a);
	while (n < 4 && c->lines[n])
		n++;
	cr_assert_eq(a.nchain, n, "%s: %d lines in the chain, want %d", c->addr, a.nchain, n);
	for (int k = 0; k < n; k++) {
		int want = line_of(text, c->lines[k]);

		cr_assert_gt(want, 0, "no line '%s' in maps/sol.plan", c->lines[k]);
		cr_assert_eq(plan.entries[a.chain[k]].line, want, "%s: chain[%d] at line %d, want "
			     "%d (%s)", c->addr, k, plan.entries[a.chain[k]].line, want, c->lines[k]);
	}
	if (c->bucket)
		cr_assert_str_eq(plan.entries[a.bucket].name, c->bucket, "%s: bucket", c->addr);
	else
		cr_assert_eq(a.bucket, -1, "%s: bucket %s, want unplanned", c->addr,
			     plan.entries[a.bucket].name);
	for (int r = 0; r < RG_ROLES; r++) {
		cr_assert_eq(a.role[r].why, c->why[r], "%s on %s: why %d, want %d", c->addr,
			     r ? "egress" : "mesh", a.role[r].why, c->why[r]);
		cr_assert_eq(a.role[r].breaks, c->why[r] == RG_WHY_BREAKS);
		if (c->decides[r])
			cr_assert_eq(plan.entries[a.role[r].entry].line, line_of(text, c->decides[r]),
				     "%s on %s: decided by line %d, want '%s'", c->addr,
				     r ? "egress" : "mesh", plan.entries[a.role[r].entry].line,
				     c->decides[r]);
		else
			cr_assert_eq(a.role[r].entry, -1);
	}
}

Test(explain, users_plan_chains_name_their_lines)
{
	static const struct chain_case cases[] = {
		{ "fc00:20::10", { "zone   internal ", "prefix ceph-public " }, "ceph-public",
		  { RG_WHY_ZONE, RG_WHY_BREAKS }, { "zone   internal ", "zone   internal " } },
		{ "fd00:101:44::5",
		  { "zone   external ", "prefix k8s-pods ", "prefix k8s-pods-solcp011 " },
		  "k8s-pods-solcp011", { RG_WHY_ALLOW, RG_WHY_ZONE },
		  { "prefix k8s-pods ", "zone   external " } },
		{ "fd00:101:45::5",	/* outside the /60: its own allow */
		  { "zone   external ", "prefix k8s-pods-solcp012 " }, "k8s-pods-solcp012",
		  { RG_WHY_ALLOW, RG_WHY_ZONE },
		  { "prefix k8s-pods-solcp012 ", "zone   external " } },
		{ "fd00:255:101::10", { "zone   external ", "prefix k8s-loopbacks " },
		  "k8s-loopbacks", { RG_WHY_ALLOW, RG_WHY_ZONE },
		  { "prefix k8s-loopbacks ", "zone   external " } },
		{ "10.244.1.7", { "prefix k8s-pods-v4 ", "prefix k8s-pods-v4-solcp012 " },
		  "k8s-pods-v4-solcp012", { RG_WHY_UNPLANNED, RG_WHY_UNPLANNED } },
		{ "10.20.1.144", { NULL }, NULL, { RG_WHY_UNPLANNED, RG_WHY_UNPLANNED } },
		/* the same bytes as IPv6: no IPv4 prefix answers, nor anything else */
		{ "::ffff:10.244.1.7", { NULL }, NULL, { RG_WHY_UNPLANNED, RG_WHY_UNPLANNED } },
		{ "fe80::1", { NULL }, NULL, { RG_WHY_UNPLANNED, RG_WHY_UNPLANNED } },
	};
	char *text = read_sol();

	install_text(text);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_chain(text, &cases[i]);
	free(text);
}

Test(explain, frames_of_two_families_and_bad_addresses_are_refused)
{
	uint8_t a[16];
	bool v4;
	char why[160];
	struct rg_explain_frame f;
	static const uint8_t z[16];

	cr_assert_eq(rg_explain_parse("fc00::/64", a, &v4, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "drop the /LENGTH"), "%s", why);
	cr_assert_eq(rg_explain_parse("fc00::zz", a, &v4, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "not an IPv6 or IPv4 address"), "%s", why);
	cr_assert_eq(rg_explain_parse("fe80::1%eth0", a, &v4, why, sizeof(why)), -EINVAL);
	cr_assert_eq(rg_explain_parse("::ffff:10.1.2.3", a, &v4, why, sizeof(why)), 0);
	cr_assert_not(v4, "a mapped address is IPv6");
	cr_assert_eq(rg_explain_parse("10.1.2.3", a, &v4, why, sizeof(why)), 0);
	cr_assert(v4);
	install_text("zone a mesh fc00::/8\n");
	cr_assert_eq(rg_explain_frame(&plan, a, true, z, false, &f), -EINVAL);
}
