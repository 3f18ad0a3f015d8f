// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_plandiff.c - `plan diff`: added, removed and changed entries, and the
 * exact address ranges whose verdict changes, checked against the
 * reference model (tests/model.c) on random plans.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "model.h"
#include "plan/plan.h"
#include "plan/plandiff.h"
#include "logto.h"
#include "report/planout.h"

struct run {
	int rc;
	char *out, *errs;
	size_t outlen, errlen;
	json_object *j;
};

static char dir[64], old_path[80], new_path[80];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static struct run diff_args(const char *a, const char *b, bool json)
{
	struct run r = {};
	FILE *out = open_memstream(&r.out, &r.outlen);
	FILE *errs = open_memstream(&r.errs, &r.errlen);

	struct rg_plandiff d;

	/* as `ringguard plan diff` runs it (cmd/cmd_plan.c) */
	rg_log_setup(RG_LOG_INFO, errs);
	r.rc = rg_plan_diff(a, b, &d);
	if (r.rc >= 0) {
		if (json)
			rg_diff_print_json(&d, out);
		else if (r.rc)
			rg_diff_print_text(&d, a, b, out);
		rg_plandiff_free(&d);
	}
	rg_log_setup(RG_LOG_INFO, NULL);
	fclose(out);
	fclose(errs);
	if (json && r.outlen) {
		r.j = json_tokener_parse(r.out);
		cr_assert_not_null(r.j, "not JSON: %s", r.out);
	}
	return r;
}

static struct run diff(const char *old, const char *new, bool json)
{

	snprintf(dir, sizeof(dir), "/tmp/rg-plandiff-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(old_path, sizeof(old_path), "%s/old.plan", dir);
	snprintf(new_path, sizeof(new_path), "%s/new.plan", dir);
	write_file(old_path, old);
	write_file(new_path, new);
	return diff_args(old_path, new_path, json);
}

static void run_free(struct run *r)
{
	if (r->j)
		json_object_put(r->j);
	free(r->out);
	free(r->errs);
	if (dir[0]) {
		unlink(old_path);
		unlink(new_path);
		rmdir(dir);
		dir[0] = '\0';
	}
}

static json_object *get(json_object *j, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		json_object *v;

		cr_assert(json_object_object_get_ex(j, k, &v), "no '%s' in %s", k,
			  json_object_to_json_string(j));
		j = v;
	}
	return j;
}

static int count(json_object *j, const char *path)
{
	return json_object_array_length(get(j, path));
}

static const char *str(json_object *arr, int i, const char *key)
{
	return json_object_get_string(get(json_object_array_get_idx(arr, i), key));
}

/* "cidr old>new" of every verdict change of a role, one per line */
static const char *verdicts(const struct run *r, const char *role)
{
	static char buf[8192];
	json_object *a = get(r->j, "verdicts");
	size_t n = 0;

	a = get(a, role);
	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(a); i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s %s>%s\n", str(a, i, "cidr"),
			      str(a, i, "old"), str(a, i, "new"));
	return buf;
}

static const char *zones =
	"zone internal mesh   fc00::/8\n"
	"zone external egress fd00::/8\n";

static char *plan(const char *body)
{
	static char buf[2][4096];
	static int which;

	which ^= 1;
	snprintf(buf[which], sizeof(buf[which]), "%s%s", zones, body);
	return buf[which];
}

Test(plandiff, identical_plans)
{
	const char *p = plan("prefix pods fd00:101:44::/60 allow mesh\n"
			     "host h mesh eth0 egress eth1\n");
	struct run r = diff(p, p, false);

	cr_expect_eq(r.rc, 0);
	cr_expect_str_eq(r.out, "", "like diff(1): silence");
	cr_expect_str_eq(r.errs, "");
	run_free(&r);

	r = diff(p, p, true);
	cr_expect_eq(r.rc, 0);
	cr_expect_eq(count(r.j, "added"), 0);
	cr_expect_eq(count(r.j, "removed"), 0);
	cr_expect_eq(count(r.j, "changed"), 0);
	cr_expect_eq(count(r.j, "verdicts.mesh"), 0);
	cr_expect_eq(count(r.j, "verdicts.egress"), 0);
	run_free(&r);
}

Test(plandiff, added_removed_changed)
{
	struct run r = diff(plan("prefix gone   fd00:1::/64\n"
				 "prefix moved  fd00:2::/64\n"
				 "prefix named  fd00:3::/64\n"
				 "prefix pods   fd00:101:44::/60\n"
				 "host   h1 mesh eth0 egress eth1\n"
				 "host   h2 mesh eth0\n"),
			    plan("prefix moved  fd00:2:1::/64\n"
				 "prefix renamed fd00:3::/64\n"
				 "prefix pods   fd00:101:44::/60 allow mesh\n"
				 "prefix new    fd00:4::/64\n"
				 "host   h1 mesh eth0 eth2 egress eth1\n"
				 "host   h3 egress eth1\n"), true);
	json_object *a;

	cr_assert_eq(r.rc, 1, "%s", r.errs);
	a = get(r.j, "added");
	cr_assert_eq(json_object_array_length(a), 2, "%s", r.out);
	cr_expect_str_eq(str(a, 0, "name"), "new");
	cr_expect_str_eq(str(a, 0, "cidr"), "fd00:4::/64");
	cr_expect_str_eq(str(a, 0, "kind"), "prefix");
	cr_expect_str_eq(str(a, 1, "kind"), "host");
	cr_expect_str_eq(str(a, 1, "name"), "h3");

	a = get(r.j, "removed");
	cr_assert_eq(json_object_array_length(a), 2, "%s", r.out);
	cr_expect_str_eq(str(a, 0, "name"), "gone");
	cr_expect_str_eq(str(a, 1, "name"), "h2");

	a = get(r.j, "changed");
	cr_assert_eq(json_object_array_length(a), 4, "%s", r.out);
	/* sorted by CIDR, hosts last */
	cr_expect_str_eq(str(a, 0, "name"), "moved");
	cr_expect_str_eq(str(a, 0, "old.cidr"), "fd00:2::/64");
	cr_expect_str_eq(str(a, 0, "new.cidr"), "fd00:2:1::/64");
	cr_expect_str_eq(str(a, 1, "name"), "renamed");
	cr_expect_str_eq(str(a, 1, "old.name"), "named");
	cr_expect_str_eq(str(a, 1, "new.cidr"), "fd00:3::/64");
	cr_expect_str_eq(str(a, 2, "name"), "pods");
	cr_expect_eq(json_object_array_length(get(json_object_array_get_idx(a, 2), "old.allow")), 0);
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(
		get(json_object_array_get_idx(a, 2), "new.allow"), 0)), "mesh");
	cr_expect_str_eq(str(a, 3, "kind"), "host");
	cr_expect_eq(json_object_array_length(get(json_object_array_get_idx(a, 3), "new.mesh")), 2);
	run_free(&r);
}

/* The allow on the /60 covers its nested /64: one range, not two. */
Test(plandiff, allow_mesh_added_on_a_60)
{
	struct run r = diff(plan("prefix pods     fd00:101:44::/60\n"
				 "prefix pods-n1  fd00:101:44::/64\n"),
			    plan("prefix pods     fd00:101:44::/60 allow mesh\n"
				 "prefix pods-n1  fd00:101:44::/64\n"), true);

	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(verdicts(&r, "mesh"), "fd00:101:44::/60 breaks>allowed\n");
	cr_expect_str_eq(verdicts(&r, "egress"), "");
	run_free(&r);
}

Test(plandiff, zone_role_change)
{
	struct run r = diff("zone internal mesh fc00::/8\n"
			    "prefix ceph fc00:20::/64\n"
			    "prefix lo   fc00:255::/64 allow egress\n",
			    "zone internal egress fc00::/8\n"
			    "prefix ceph fc00:20::/64\n"
			    "prefix lo   fc00:255::/64 allow egress\n", true);
	json_object *c;

	cr_expect_eq(r.rc, 1);
	c = get(r.j, "changed");
	cr_assert_eq(json_object_array_length(c), 1, "%s", r.out);
	cr_expect_str_eq(str(c, 0, "kind"), "zone");
	cr_expect_str_eq(str(c, 0, "old.role"), "mesh");
	cr_expect_str_eq(str(c, 0, "new.role"), "egress");
	cr_expect_str_eq(verdicts(&r, "mesh"), "fc00::/8 allowed>breaks\n");
	/* the /64 that allowed egress already does not change on egress */
	/* a /8 less a /64: one CIDR per length from /9 to /64 */
	cr_expect_eq(count(r.j, "verdicts.egress"), 56, "%s", verdicts(&r, "egress"));
	cr_expect(strstr(verdicts(&r, "egress"), "fc00:254::/32 breaks>allowed\n"));
	cr_expect(strstr(verdicts(&r, "egress"), "fc00:255:0:1::/64 breaks>allowed\n"));
	cr_expect(strstr(verdicts(&r, "egress"), "fc80::/9 breaks>allowed\n"));
	cr_expect_null(strstr(verdicts(&r, "egress"), "fc00:255::/"));
	run_free(&r);
}

Test(plandiff, prefix_inside_zone_without_allow)
{
	struct run r = diff(plan(""), plan("prefix ceph fc00:20::/64\n"), true);

	cr_expect_eq(r.rc, 1, "an added prefix is a difference");
	cr_expect_eq(count(r.j, "added"), 1);
	cr_expect_eq(count(r.j, "verdicts.mesh"), 0);
	cr_expect_eq(count(r.j, "verdicts.egress"), 0);
	run_free(&r);
}

/* The allow moves from a /48 to a /64 inside it: the rest of the /48 flips. */
Test(plandiff, nested_prefixes)
{
	struct run r = diff(plan("prefix a fd00:1::/48 allow mesh\n"
				 "prefix b fd00:1:0:5::/64\n"),
			    plan("prefix a fd00:1::/48\n"
				 "prefix b fd00:1:0:5::/64 allow mesh\n"), true);
	const char *v;

	cr_expect_eq(r.rc, 1);
	v = verdicts(&r, "mesh");
	cr_expect_eq(count(r.j, "verdicts.mesh"), 16, "%s", v);
	cr_expect_str_eq(str(get(r.j, "verdicts.mesh"), 0, "cidr"), "fd00:1::/62");
	cr_expect(strstr(v, "fd00:1:0:4::/64 allowed>breaks\nfd00:1:0:6::/63 allowed>breaks\n"),
		  "%s", v);
	cr_expect(strstr(v, "fd00:1:0:8000::/49 allowed>breaks\n"), "%s", v);
	cr_expect_null(strstr(v, "fd00:1:0:5::"), "%s", v);
	cr_expect_eq(count(r.j, "verdicts.egress"), 0);
	run_free(&r);
}

Test(plandiff, ipv4)
{
	struct run r = diff("zone lan mesh 10.0.0.0/8\n"
			    "prefix pods 10.244.0.0/16\n",
			    "zone lan mesh 10.0.0.0/8\n"
			    "prefix pods 10.244.0.0/16 allow egress\n"
			    "prefix svc 172.16.0.0/12 allow egress\n", true);

	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(verdicts(&r, "egress"), "10.244.0.0/16 breaks>allowed\n",
			 "172.16/12 is in no zone: it never breaks");
	cr_expect_str_eq(verdicts(&r, "mesh"), "");
	run_free(&r);

	r = diff("zone lan mesh 10.0.0.0/8\n", "zone lan egress 10.0.0.0/9\n", true);
	cr_expect_str_eq(verdicts(&r, "mesh"), "10.0.0.0/9 allowed>breaks\n");
	cr_expect_str_eq(verdicts(&r, "egress"), "10.0.0.0/8 breaks>allowed\n");
	run_free(&r);
}

Test(plandiff, human_output)
{
	struct run r = diff(plan("prefix pods fd00:101:44::/60\n"
				 "prefix old  fd00:1::/64\n"
				 "host   h1 mesh eth0 egress eth1\n"),
			    plan("prefix pods fd00:101:44::/60 allow mesh\n"
				 "prefix ceph fc00:20::/64\n"
				 "host   h1 mesh eth0 eth2 egress eth1\n"), false);

	cr_expect_eq(r.rc, 1);
	cr_expect(strstr(r.out, "/old.plan\n+++ "), "%s", r.out);
	cr_expect(strstr(r.out, "/new.plan\n\n"
		"  added   prefix ceph fc00:20::/64\n"
		"  removed prefix old  fd00:1::/64\n"
		"  changed prefix pods fd00:101:44::/60 allow none -> mesh\n"
		"  changed host   h1                    mesh eth0 egress eth1 -> "
		"mesh eth0,eth2 egress eth1\n"
		"\nverdict changes (role, addresses, old -> new; \"breaks\": flagged on "
		"interfaces of that role):\n"
		"  mesh fd00:101:44::/60 breaks -> allowed\n"
		"\n1 added, 1 removed, 2 changed; verdict changes: 1 CIDR on mesh, 0 on egress\n"),
		"%s", r.out);
	run_free(&r);
}

Test(plandiff, errors)
{
	struct run r = diff(plan(""), "zone bad wan fc00::/8\n", false);

	cr_expect_eq(r.rc, -EINVAL);
	cr_expect(strstr(r.errs, "new.plan:1: unknown role 'wan' (expected mesh or egress)\n"),
		  "%s", r.errs);
	cr_expect(strstr(r.errs, "new.plan: plan invalid (1 error)\n"), "%s", r.errs);
	cr_expect_str_eq(r.out, "");
	run_free(&r);

	{
		r = diff_args("/nonexistent/a.plan", "/nonexistent/b.plan", false);
		cr_expect_eq(r.rc, -EINVAL);
		cr_expect(strstr(r.errs, "/nonexistent/a.plan: cannot read plan"), "%s", r.errs);
		free(r.out);
		free(r.errs);
	}
}

/* ---- against the reference model ---------------------------------------- */

static unsigned int seed;

static unsigned int rnd(unsigned int n)
{
	return rand_r(&seed) % n;
}

struct gen {
	struct rg_cidr c[24];
	uint32_t allow[24];
	int n;
	int zone_role[3];	/* 0: no zone */
};

static const char *zone_cidrs[3] = { "fc00::/8", "fd00::/8", "10.0.0.0/8" };

/* CIDRs from a small space, so that they nest, touch and repeat */
static void random_cidr(struct rg_cidr *c)
{
	memset(c, 0, sizeof(*c));
	switch (rnd(4)) {
	case 0:		/* IPv4 */
		c->v4 = true;
		c->addr[10] = c->addr[11] = 0xff;
		c->addr[12] = rnd(4) ? 10 : 11;
		c->addr[13] = rnd(4);
		c->addr[14] = rnd(256);
		c->len = 96 + 8 + rnd(25);
		break;
	default:
		c->addr[0] = rnd(2) ? 0xfc : 0xfd;
		c->addr[1] = rnd(4) ? 0 : rnd(256);
		c->addr[2] = rnd(4);
		c->addr[3] = rnd(256);
		c->addr[15] = rnd(256);
		c->len = rnd(8) ? 7 + rnd(26) : 128;
	}
	for (int bit = c->len; bit < 128; bit++)
		c->addr[bit / 8] &= ~(0x80 >> (bit % 8));
}

/* a prefix may not repeat a CIDR, not even a zone's */
static bool has(const struct gen *g, const struct rg_cidr *c)
{
	for (int z = 0; z < 3; z++) {
		struct rg_cidr zc;
		char why[128];

		cr_assert_eq(rg_cidr_parse(zone_cidrs[z], &zc, why, sizeof(why)), 0);
		if (!rg_cidr_cmp(&zc, c))
			return true;
	}
	for (int i = 0; i < g->n; i++)
		if (!rg_cidr_cmp(&g->c[i], c))
			return true;
	return false;
}

static void add_random(struct gen *g)
{
	struct rg_cidr c;

	if (g->n == 24)
		return;
	random_cidr(&c);
	if (has(g, &c))
		return;
	g->c[g->n] = c;
	g->allow[g->n++] = rnd(3) ? 0 : 1 + rnd(3);
}

static void mutate(struct gen *g)
{
	for (int k = rnd(4) + 1; k; k--) {
		int i = g->n ? rnd(g->n) : 0;

		switch (rnd(5)) {
		case 0:
			add_random(g);
			break;
		case 1:
			if (g->n) {
				g->c[i] = g->c[g->n - 1];
				g->allow[i] = g->allow[--g->n];
			}
			break;
		case 2:
			if (g->n)
				g->allow[i] = rnd(4);
			break;
		default:
			g->zone_role[rnd(3)] = rnd(3);
		}
	}
}

static void write_gen(const struct gen *g, char *buf, size_t len)
{
	size_t n = 0;

	for (int z = 0; z < 3; z++)
		if (g->zone_role[z])
			n += snprintf(buf + n, len - n, "zone z%d %s %s\n", z,
				      rg_role_name(g->zone_role[z]), zone_cidrs[z]);
	for (int i = 0; i < g->n; i++) {
		char cs[64];

		rg_cidr_format(&g->c[i], cs, sizeof(cs));
		n += snprintf(buf + n, len - n, "prefix p%d %s", i, cs);
		if (g->allow[i])
			n += snprintf(buf + n, len - n, " allow %s",
				      g->allow[i] == 1 ? "mesh" : g->allow[i] == 2 ? "egress" :
				      "mesh,egress");
		n += snprintf(buf + n, len - n, "\n");
	}
	if (!n)	/* a plan must hold something */
		snprintf(buf, len, "zone z0 mesh fc00::/8\n");
}

static void load(const char *text, struct rg_plan *p)
{
	FILE *f = fopen("/dev/null", "w");
	int n = LOG_TO(f, rg_plan_parse(text, strlen(text), "gen.plan", p));

	fclose(f);
	cr_assert_eq(n, 0, "generated plan is invalid:\n%s", text);
}

static void add_addr(uint8_t (*v)[16], int *n, const uint8_t a[16], int delta)
{
	uint8_t b[16];
	int carry = delta;

	memcpy(b, a, 16);
	for (int i = 15; i >= 0 && carry; i--) {
		int x = b[i] + carry;

		carry = x < 0 ? -1 : x > 255 ? 1 : 0;
		b[i] = x & 0xff;
	}
	memcpy(v[(*n)++], b, 16);
}

/*
 * For every address around every boundary of both plans, and random ones:
 * the verdict differs between the plans (by the model) exactly when a
 * reported CIDR contains it, with that CIDR's old and new verdicts.
 */
Test(plandiff, verdicts_match_the_model)
{
	const char *env = getenv("RG_SEED");

	seed = env ? strtoul(env, NULL, 0) : 1;
	for (int round = 0; round < 200; round++) {
		static char ot[4096], nt[4096];
		static uint8_t addrs[24 * 2 * 4 + 200][16];
		struct gen g = {};
		struct rg_plan op, np;
		struct rg_cidr ranges[2][600];
		bool rold[2][600], rnew[2][600];
		int nr[2] = {}, na = 0;
		struct run r;

		for (int z = 0; z < 3; z++)
			g.zone_role[z] = rnd(3);
		for (int k = rnd(12); k; k--)
			add_random(&g);
		write_gen(&g, ot, sizeof(ot));
		mutate(&g);
		write_gen(&g, nt, sizeof(nt));
		load(ot, &op);
		load(nt, &np);

		r = diff(ot, nt, true);
		cr_assert_geq(r.rc, 0, "%s", r.errs);
		for (int role = 0; role < 2; role++) {
			json_object *a = get(get(r.j, "verdicts"), role ? "egress" : "mesh");
			char why[128];

			for (size_t i = 0; i < json_object_array_length(a); i++) {
				int k = nr[role]++;

				cr_assert_lt(k, 600);
				cr_assert_eq(rg_cidr_parse(str(a, i, "cidr"), &ranges[role][k], why,
							   sizeof(why)), 0, "%s", why);
				rold[role][k] = !strcmp(str(a, i, "old"), "breaks");
				rnew[role][k] = !strcmp(str(a, i, "new"), "breaks");
				cr_assert_neq(rold[role][k], rnew[role][k]);
				/* minimal: no two siblings with the same change */
				for (int m = 0; m < k; m++) {
					struct rg_cidr x = ranges[role][m], y = ranges[role][k];

					if (x.len != y.len || !x.len || rold[role][m] != rold[role][k])
						continue;
					x.len--;
					cr_expect_not(rg_cidr_contains(&x, y.addr),
						      "%s and its sibling could be one CIDR (seed %u)",
						      str(a, i, "cidr"), seed);
				}
			}
		}
		cr_expect_eq(r.rc, strcmp(ot, nt) ? 1 : 0);

		for (int p = 0; p < 2; p++) {
			const struct rg_plan *pl = p ? &np : &op;

			for (int i = 0; i < pl->nentries; i++) {
				struct rg_cidr last = pl->entries[i].cidr;

				for (int bit = last.len; bit < 128; bit++)
					last.addr[bit / 8] |= 0x80 >> (bit % 8);
				add_addr(addrs, &na, pl->entries[i].cidr.addr, 0);
				add_addr(addrs, &na, pl->entries[i].cidr.addr, -1);
				add_addr(addrs, &na, last.addr, 0);
				add_addr(addrs, &na, last.addr, 1);
			}
		}
		for (int k = 0; k < 200; k++) {
			struct rg_cidr c;

			random_cidr(&c);
			for (int b = 4; b < 16; b++)
				c.addr[b] ^= rnd(2) ? 0 : rnd(256);
			memcpy(addrs[na++], c.addr, 16);
		}

		for (int i = 0; i < na; i++) {
			for (int role = 0; role < 2; role++) {
				/* the sweep reads the IPv4 region as IPv4 */
				bool v4 = rg_addr_is_v4(addrs[i]);
				int b, hit = -1;
				bool o = rg_model_addr(&op, addrs[i], v4, RG_ROLE_MESH + role, &b);
				bool n = rg_model_addr(&np, addrs[i], v4, RG_ROLE_MESH + role, &b);

				for (int k = 0; k < nr[role]; k++) {
					if (!rg_cidr_contains(&ranges[role][k], addrs[i]))
						continue;
					cr_assert_eq(hit, -1, "reported CIDRs overlap");
					hit = k;
				}
				if (o == n) {
					cr_assert_eq(hit, -1, "round %d: no change on %s, but reported\n"
						     "old:\n%snew:\n%s", round, role ? "egress" : "mesh",
						     ot, nt);
					continue;
				}
				cr_assert_neq(hit, -1, "round %d: a change on %s not reported\n"
					      "old:\n%snew:\n%s", round, role ? "egress" : "mesh", ot, nt);
				cr_assert_eq(rold[role][hit], o);
				cr_assert_eq(rnew[role][hit], n);
			}
		}
		rg_plan_free(&op);
		rg_plan_free(&np);
		run_free(&r);
	}
}

/* ---- size --------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Two plans of ~10k entries: a zone that repeats its name over 400 CIDRs
 * (half of them replaced), 9,000 prefixes of which a third moved and a
 * third were renamed, 1,000 hosts. Comparing every pair, and counting names
 * for each, took 17 s on two 56 kB plans; this is one sort per pass now.
 * The bound is on CPU time (a loaded machine does not move it) and loose
 * enough for the sanitizer build.
 */
static char *big_plan(bool new)
{
	size_t cap = 1 << 20, len = 0;
	char *t = malloc(cap);

	len += snprintf(t + len, cap - len, "zone external egress fd00::/8\nzone internal mesh");
	for (int k = new ? 200 : 0; k < (new ? 600 : 400); k++)
		len += snprintf(t + len, cap - len, " fc00:%x::/32", k);
	len += snprintf(t + len, cap - len, "\n");
	for (int i = 0; i < 9000; i++) {
		if (!new)
			len += snprintf(t + len, cap - len, "prefix p%d fd00:%x::/64\n", i, i);
		else if (i >= 8900)
			len += snprintf(t + len, cap - len, "prefix r%d fd00:1:%x::/64\n", i, i);
		else if (i % 3 == 1)	/* moved */
			len += snprintf(t + len, cap - len, "prefix p%d fd00:%x:1::/64\n", i, i);
		else if (i % 3 == 2)	/* renamed */
			len += snprintf(t + len, cap - len, "prefix q%d fd00:%x::/64\n", i, i);
		else
			len += snprintf(t + len, cap - len, "prefix p%d fd00:%x::/64\n", i, i);
	}
	for (int i = 0; i < 1000; i++)
		len += snprintf(t + len, cap - len, "host h%d mesh %s\n", i,
				new && i % 10 == 0 ? "eth1" : "eth0");
	cr_assert_lt(len, cap - 1);
	return t;
}

Test(plandiff, ten_thousand_entries, .timeout = 60)
{
	char *o = big_plan(false), *n = big_plan(true);
	struct run r;
	double t0, dt;
	int hosts = 0;
	json_object *a;

	t0 = now();
	r = diff(o, n, true);
	dt = now() - t0;
	cr_assert_eq(r.rc, 1, "%s", r.errs);
	/* 100 prefixes and 200 zone CIDRs that are gone, and their successors */
	cr_expect_eq(count(r.j, "added"), 300);
	cr_expect_eq(count(r.j, "removed"), 300);
	a = get(r.j, "changed");
	for (size_t i = 0; i < json_object_array_length(a); i++)
		hosts += !strcmp(str(a, i, "kind"), "host");
	/* of 8,900 kept prefixes, those with i % 3 != 0 moved or were renamed */
	cr_expect_eq(json_object_array_length(a) - hosts, 5933);
	cr_expect_eq(hosts, 100);
	cr_expect_lt(dt, 3.0, "two 10k-entry plans took %.2f s of CPU", dt);
	run_free(&r);
	free(o);
	free(n);
}

/* The fleet's lines: a host's declared mode and the lifelines are changes a
 * review must see, though they move no verdict.
 */
Test(plandiff, host_mode_and_lifelines)
{
	struct run r = diff(plan("host h1 mesh eth0 egress eth1\n"
				 "lifeline fd00:101::fffe 10.0.0.1\n"),
			    plan("host h1 mesh eth0 egress eth1 mode enforce\n"
				 "lifeline fd00:101::fffe fc00:20::1\n"), true);
	json_object *a, *v;

	cr_expect_eq(r.rc, 1, "a mode or a lifeline changed: the plans differ");
	cr_assert(json_object_object_get_ex(r.j, "added", &a));
	cr_assert_eq(json_object_array_length(a), 1);
	v = json_object_array_get_idx(a, 0);
	cr_expect_str_eq(json_object_get_string(json_object_object_get(v, "kind")), "lifeline");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(v, "address")), "fc00:20::1");
	cr_assert(json_object_object_get_ex(r.j, "removed", &a));
	v = json_object_array_get_idx(a, 0);
	cr_expect_str_eq(json_object_get_string(json_object_object_get(v, "address")), "10.0.0.1");
	cr_assert(json_object_object_get_ex(r.j, "changed", &a));
	v = json_object_object_get(json_object_array_get_idx(a, 0), "new");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(v, "mode")), "enforce");
	run_free(&r);
	r = diff(plan("host h1 mesh eth0 egress eth1 mode enforce\nlifeline 10.0.0.1\n"),
		 plan("host h1 mesh eth0 egress eth1 mode enforce\nlifeline 10.0.0.1\n"), false);
	cr_expect_eq(r.rc, 0, "%s", r.out);
	run_free(&r);
}

/* 'unreadable pass' moves no CIDR's verdict, but what enforce mode does
 * with frames it cannot read: a review must see it.
 */
Test(plandiff, unreadable_line)
{
	struct run r = diff(plan(""), plan("unreadable pass\n"), true);
	json_object *a, *v;

	cr_expect_eq(r.rc, 1, "the unreadable line changed: the plans differ");
	cr_assert(json_object_object_get_ex(r.j, "changed", &a));
	cr_assert_eq(json_object_array_length(a), 1);
	v = json_object_array_get_idx(a, 0);
	cr_expect_str_eq(json_object_get_string(json_object_object_get(v, "kind")), "unreadable");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(v, "old")), "drop");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(v, "new")), "pass");
	run_free(&r);
	r = diff(plan("unreadable pass\n"), plan(""), false);
	cr_expect_eq(r.rc, 1);
	cr_expect(strstr(r.out, "changed unreadable") && strstr(r.out, "pass -> drop"), "%s", r.out);
	cr_expect(strstr(r.out, "0 added, 0 removed, 1 changed"), "%s", r.out);
	run_free(&r);
	r = diff(plan("unreadable drop\n"), plan(""), false);
	cr_expect_eq(r.rc, 0, "'unreadable drop' is the default: %s", r.out);
	run_free(&r);
}
