// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_live.c - a plan edited line by line through the daemon's edit path
 * (live.c + rg_install_delta) ends in the kernel exactly as a full parse
 * and install of the same file: every CIDR's trie and exact-table value in
 * both slots, every bucket's name, and the ids (so the counters) of every
 * (kind, CIDR) the edit kept. Random plans and random edits, in the kernel
 * (root).
 */
#include <errno.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "kernel/install.h"
#include "kernel/instance.h"
#include "daemon/live.h"
#include "plan/plan.h"
#include "logto.h"

#define MAX_LINES	2048

/* the plan file as lines (each malloc'd, no newline) */
static char *lines[MAX_LINES];
static int nlines;
static unsigned long long rnd_state = 0x2545f4914f6cdd1dull;

static unsigned int rnd(unsigned int n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return n ? (unsigned int)(rnd_state >> 11) % n : 0;
}

static char *text_of(size_t *len)
{
	size_t n = 0;
	char *t;

	for (int i = 0; i < nlines; i++)
		n += strlen(lines[i]) + 1;
	t = malloc(n + 1);
	cr_assert_not_null(t);
	n = 0;
	for (int i = 0; i < nlines; i++)
		n += sprintf(t + n, "%s\n", lines[i]);
	*len = n;
	return t;
}

static void insert_line(int at, const char *s)
{
	cr_assert_lt(nlines, MAX_LINES);
	memmove(&lines[at + 1], &lines[at], (nlines - at) * sizeof(lines[0]));
	lines[at] = strdup(s);
	nlines++;
}

static char *take_line(int at)
{
	char *s = lines[at];

	memmove(&lines[at], &lines[at + 1], (nlines - at - 1) * sizeof(lines[0]));
	nlines--;
	return s;
}

/* A CIDR below parent (or parent's region), host bits clear. */
static void random_cidr(const struct rg_cidr *parent, char *buf, size_t len)
{
	struct rg_cidr c = *parent;
	int max = 128, l;

	l = parent->len + 1 + rnd(max - parent->len);
	if (l > max)
		l = max;
	for (int i = parent->len / 8; i < 16; i++)
		c.addr[i] = (i == parent->len / 8 && parent->len % 8) ?
			    (c.addr[i] & (0xff << (8 - parent->len % 8))) | (rnd(256) >> parent->len % 8) :
			    rnd(256);
	c.len = l;
	for (int i = 0; i < 16; i++) {
		int bits = l - 8 * i;

		c.addr[i] &= bits >= 8 ? 0xff : bits <= 0 ? 0 : (0xff << (8 - bits)) & 0xff;
	}
	rg_cidr_format(&c, buf, len);
}

static const char *const regions[] = {
	"fc00::/8", "fd00::/8", "10.0.0.0/8", "2001:db8::/32", "fd00:255::/32",
};
static const char *const allows[] = { "", " allow mesh", " allow egress", " allow mesh,egress" };
static int serial;

/* A prefix line below a region or below a prefix of the plan. */
static void prefix_line(char *buf, size_t len)
{
	char cidr[64], ptext[64], why[160];
	struct rg_cidr parent;
	const char *from = regions[rnd(5)];

	/* half the time below an existing prefix: nesting */
	for (int tries = 0; tries < 8 && rnd(2); tries++) {
		const char *l = lines[rnd(nlines)];

		if (sscanf(l, "prefix %*s %63s", ptext) == 1 && !strstr(ptext, "/128") &&
		    !strstr(ptext, "/32") && !strstr(ptext, "/31")) {
			from = ptext;
			break;
		}
	}
	cr_assert_eq(rg_cidr_parse(from, &parent, why, sizeof(why)), 0, "%s: %s", from, why);
	random_cidr(&parent, cidr, sizeof(cidr));
	snprintf(buf, len, "prefix p%d %s%s", serial++, cidr, allows[rnd(4)]);
}

static void start_plan(int prefixes)
{
	char buf[160];

	while (nlines)
		free(take_line(0));
	insert_line(nlines, "# generated for test_live");
	insert_line(nlines, "zone internal mesh fc00::/8");
	insert_line(nlines, "zone external egress fd00::/8 10.0.0.0/8");
	insert_line(nlines, "host h1 mesh eth0 egress eth1");
	for (int i = 0; i < prefixes; i++) {
		char cidr[80], other[80];
		bool dup = false;

		prefix_line(buf, sizeof(buf));
		sscanf(buf, "prefix %*s %79s", cidr);
		for (int j = 0; j < nlines && !dup; j++)
			dup = sscanf(lines[j], "prefix %*s %79s", other) == 1 && !strcmp(cidr, other);
		if (dup)
			i--;
		else
			insert_line(nlines, buf);
	}
}

/* One random edit of the lines. */
static void edit(void)
{
	char buf[200], name[80], cidr[80], rest[80];
	int at = nlines ? rnd(nlines) : 0;

	switch (rnd(10)) {
	case 0:
	case 1:
		prefix_line(buf, sizeof(buf));
		insert_line(rnd(nlines + 1), buf);
		break;
	case 2:
	case 3:	/* a line goes (a zone line too, now and then) */
		if (nlines > 4 && (strncmp(lines[at], "zone", 4) || !rnd(8)))
			free(take_line(at));
		break;
	case 4:	/* a rename: the bucket stays */
		if (sscanf(lines[at], "prefix %79s %79s", name, cidr) == 2) {
			snprintf(buf, sizeof(buf), "prefix r%d %s%s", serial++, cidr, allows[rnd(4)]);
			free(lines[at]);
			lines[at] = strdup(buf);
		}
		break;
	case 5:	/* roles allowed change: everything below is compiled again */
		if (sscanf(lines[at], "prefix %79s %79s", name, cidr) == 2) {
			snprintf(buf, sizeof(buf), "prefix %s %s%s", name, cidr, allows[rnd(4)]);
			free(lines[at]);
			lines[at] = strdup(buf);
		}
		break;
	case 6: {	/* a line moves */
		char *moved = take_line(at);

		insert_line(rnd(nlines + 1), moved);
		free(moved);
		break;
	}
	case 7:	/* comments and blank lines */
		insert_line(rnd(nlines + 1), rnd(2) ? "" : "# a comment");
		break;
	case 8:	/* a zone of its own, in 2001:db8::/32 or fd00:255::/32 */
		snprintf(buf, sizeof(buf), "zone z%d %s 2001:db8:%x::/48", serial++,
			 rnd(2) ? "mesh" : "egress", rnd(65536));
		insert_line(rnd(nlines + 1), buf);
		break;
	default:	/* a CIDR moves: same name, another bucket */
		if (sscanf(lines[at], "prefix %79s %79s%79[^\n]", name, cidr, rest) >= 2) {
			prefix_line(buf, sizeof(buf));
			sscanf(buf, "prefix %*s %79s", cidr);
			snprintf(buf, sizeof(buf), "prefix %s %s", name, cidr);
			free(lines[at]);
			lines[at] = strdup(buf);
		}
	}
}

static struct rg_instance in;
static struct rg_live *lv;
static __u32 ids[RG_MAX_BUCKETS];
static struct rg_bucket_info infos[RG_MAX_BUCKETS];

/* The daemon's way: an edit when it can be, else the whole file.
 * Returns 1 for an edit, 0 for a full install, -1 for a rejected plan.
 */
static int sync_text(void)
{
	struct rg_delta d;
	struct rg_plan plan;
	size_t len;
	char *text = text_of(&len);
	FILE *null = fopen("/dev/null", "w");
	__u32 *pids;
	long long gen;
	int r;

	r = rg_live_change(lv, &in.m, "t.plan", text, len, &d);
	if (r == 0) {
		gen = rg_install_delta(&in.m, &d, "t.plan");
		cr_assert_gt(gen, 0, "delta install: %s", strerror((int)-gen));
		rg_live_commit(lv, gen);
		fclose(null);
		return 1;
	}
	if (r == 1) {
		free(text);
		fclose(null);
		return 1;
	}
	cr_assert_eq(r, -EAGAIN);
	r = LOG_TO(getenv("LIVE_DEBUG") ? stderr : null, rg_plan_parse(text, len, "t.plan", &plan));
	fclose(null);
	if (r) {
		rg_plan_free(&plan);
		free(text);
		return -1;
	}
	pids = calloc(plan.nentries + 1, sizeof(*pids));
	gen = rg_install_ids(&in.m, &plan, "t.plan", pids);
	cr_assert_gt(gen, 0, "install: %s", strerror((int)-gen));
	cr_assert_eq(rg_live_reset(lv, &plan, "t.plan", text, len, pids, gen), 0);
	free(pids);
	free(text);
	rg_plan_free(&plan);
	return 0;
}

static int find_info(int n, __u32 kind, const struct rg_lpm_key *k)
{
	for (int i = 0; i < n; i++)
		if (infos[i].kind == kind && !memcmp(&infos[i].cidr, k, sizeof(*k)))
			return i;
	return -1;
}

static int find_id(int n, __u32 id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return i;
	return -1;
}

/* previous step's ids by (kind, CIDR) */
static struct { struct rg_lpm_key k; __u32 kind, id; } was[RG_MAX_PLAN], now[RG_MAX_PLAN];
static int nwas, nnow;

/* The kernel holds what a full parse of the text says. */
static void check_kernel(const char *why)
{
	struct rg_meta meta;
	struct rg_plan plan;
	size_t len;
	char *text = text_of(&len);
	int n, r;

	r = rg_plan_parse(text, len, "t.plan", &plan);
	cr_assert_eq(r, 0, "%s: the plan does not parse", why);
	cr_assert_eq(rg_meta_read(&in.m, &meta), 0);
	cr_assert_eq(memcmp(meta.sha256, plan.sha256, 32), 0, "%s: meta has another plan", why);
	cr_assert_eq(meta.twin_gen, meta.generation, "%s: the slots are not twins", why);
	n = rg_active_buckets(&in.m, 0, meta.generation, ids, infos);
	cr_assert_eq(n, plan.nentries + 1, "%s: %d bucket names for %d entries", why, n,
		     plan.nentries);
	for (__u32 slot = 0; slot < 2; slot++) {
		int outers[2] = { in.m.plan, in.m.exact };

		for (int o = 0; o < 2; o++) {
			struct rg_lpm_key k, next, *prev = NULL;
			__u32 id;
			int fd, keys = 0;

			cr_assert_eq(bpf_map_lookup_elem(outers[o], &slot, &id), 0);
			fd = bpf_map_get_fd_by_id(id);
			cr_assert_geq(fd, 0);
			while (!bpf_map_get_next_key(fd, prev, &next)) {
				k = next;
				prev = &k;
				keys++;
			}
			cr_assert_eq(keys, plan.nentries, "%s: slot %u %s has %d keys for %d entries",
				     why, slot, o ? "exact" : "trie", keys, plan.nentries);
			for (int i = 0; i < plan.nentries; i++) {
				const struct rg_entry *e = &plan.entries[i];
				struct rg_lpm_val v;
				int b;

				rg_key_of(&e->cidr, &k);
				cr_assert_eq(bpf_map_lookup_elem(fd, &k, &v), 0, "%s: %s missing", why,
					     e->name);
				cr_assert_eq(v.breaks, e->breaks, "%s: %s breaks %#x, want %#x", why,
					     e->name, v.breaks, e->breaks);
				b = find_id(n, v.bucket);
				cr_assert_geq(b, 0, "%s: %s counts into bucket %u, which has no name", why,
					      e->name, v.bucket);
				cr_assert_str_eq(infos[b].name, plan.entries[e->bucket_of].name,
						 "%s: %s counts into %s", why, e->name, infos[b].name);
			}
			close(fd);
		}
	}
	nnow = 0;
	for (int i = 0; i < plan.nentries; i++) {
		const struct rg_entry *e = &plan.entries[i];
		struct rg_lpm_key k;
		int b;

		rg_key_of(&e->cidr, &k);
		b = find_info(n, e->kind, &k);
		cr_assert_geq(b, 0, "%s: no bucket name for %s", why, e->name);
		cr_assert_str_eq(infos[b].name, e->name, "%s", why);
		cr_assert_str_eq(infos[b].zone, e->zone, "%s: %s's zone", why, e->name);
		cr_assert_eq(infos[b].trie.breaks, e->breaks, "%s: %s's name", why, e->name);
		now[nnow].k = k;
		now[nnow].kind = e->kind;
		now[nnow++].id = ids[b];
		/* a kept (kind, CIDR) keeps its id, so its counters */
		for (int w = 0; w < nwas; w++)
			if (was[w].kind == e->kind && !memcmp(&was[w].k, &k, sizeof(k)))
				cr_assert_eq(was[w].id, ids[b], "%s: %s changed id %u -> %u", why,
					     e->name, was[w].id, ids[b]);
	}
	memcpy(was, now, nnow * sizeof(now[0]));
	nwas = nnow;
	rg_plan_free(&plan);
	free(text);
}

static void setup(void)
{
	int err = rg_instance_open(&in, 0);

	cr_assert_eq(err, 0, "cannot load the programs: %s (run as root)", strerror(-err));
	lv = rg_live_new();
	cr_assert_not_null(lv);
	nwas = 0;
}

static void teardown(void)
{
	rg_live_free(lv);
	rg_instance_close(&in);
	while (nlines)
		free(take_line(0));
}

TestSuite(live, .init = setup, .fini = teardown);

Test(live, random_edits_end_as_a_full_install_would)
{
	int edits = 0, full = 0, rejected = 0;
	char why[64];

	start_plan(200);
	cr_assert_eq(sync_text(), 0);
	check_kernel("start");
	for (int round = 0; round < 400; round++) {
		char *saved[MAX_LINES];
		int nsaved = nlines, r;

		/* every other round through the exact tables */
		rg_exact_min_entries = round % 2 ? 0 : RG_EXACT_MIN_ENTRIES;
		for (int i = 0; i < nlines; i++)
			saved[i] = strdup(lines[i]);
		for (int k = 1 + rnd(3); k > 0; k--)
			edit();
		r = sync_text();
		if (r < 0) {
			/* a random edit that broke the plan: back to the last one */
			rejected++;
			while (nlines)
				free(take_line(0));
			for (int i = 0; i < nsaved; i++)
				lines[nlines++] = saved[i];
		} else {
			for (int i = 0; i < nsaved; i++)
				free(saved[i]);
		}
		edits += r == 1;
		full += r == 0;
		snprintf(why, sizeof(why), "round %d", round);
		check_kernel(why);
	}
	rg_exact_min_entries = RG_EXACT_MIN_ENTRIES;
	cr_log_info("%d edits, %d full installs, %d rejected", edits, full, rejected);
	/* the edit path carried most changes (a test that always fell back
	 * would prove nothing)
	 */
	cr_assert_gt(edits, 300, "only %d of 400 changes went in as edits", edits);
}

/* Errors are the full parse's to report: the edit path steps aside, and
 * keeps working for the next good change.
 */
Test(live, broken_edits_step_aside_and_the_next_edit_works)
{
	static const char *const bad[] = {
		"prefix p0 fd00:9::/64",			/* p0 exists */
		"prefix dup fc00::/8",				/* the zone's CIDR */
		"zone inner mesh fc00:1::/32",			/* a zone in a zone */
		"zone outer egress fc00::/7",			/* a zone around one */
		"prefix bad fd00::1/64",			/* host bits */
		"prefix p-x ::ffff:10.0.0.0/104",		/* IPv4-mapped */
		"prefix",					/* fields missing */
		"bogus line",					/* no such keyword */
		"host h2 mesh eth0",				/* another kind of line */
		"encap vxlan 4789",
	};
	struct rg_delta d;

	start_plan(50);
	cr_assert_eq(sync_text(), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len;
		char *text;

		insert_line(nlines, bad[i]);
		text = text_of(&len);
		cr_assert_eq(rg_live_change(lv, &in.m, "t.plan", text, len, &d), -EAGAIN, "%s",
			     bad[i]);
		free(text);
		free(take_line(nlines - 1));
	}
	insert_line(nlines, "prefix fine fd00:77::/64");
	cr_assert_eq(sync_text(), 1, "a good edit after the bad ones is an edit");
	check_kernel("after the bad edits");
}

/* A plan someone else put in between: the edit must not apply to it. */
Test(live, a_sync_from_elsewhere_makes_the_edit_stale)
{
	struct rg_plan other;
	struct rg_delta d;
	size_t len;
	char *text;

	start_plan(20);
	cr_assert_eq(sync_text(), 0);
	cr_assert_eq(rg_plan_parse("zone internal mesh fc00::/8\n", 28, "o.plan", &other),
		     0);
	cr_assert_gt(rg_install(&in.m, &other, "o.plan"), 0);
	rg_plan_free(&other);
	insert_line(nlines, "prefix late fd00:78::/64");
	text = text_of(&len);
	cr_assert_eq(rg_live_change(lv, &in.m, "t.plan", text, len, &d), 0);
	cr_assert_eq(rg_install_delta(&in.m, &d, "t.plan"), -ESTALE);
	rg_live_drop(lv);
	free(text);
	nwas = 0;
	cr_assert_eq(sync_text(), 0, "then the whole file goes in");
	check_kernel("after the stale edit");
}

/* Two edits far apart, a host line unchanged between them: still an edit;
 * the host line changed: the whole file.
 */
Test(live, unchanged_lines_of_any_kind_between_two_edits)
{
	start_plan(100);
	cr_assert_eq(sync_text(), 0);
	check_kernel("start");
	insert_line(1, "prefix top fd00:71::/64");
	insert_line(nlines, "prefix bottom fd00:72::/64");
	cr_assert_eq(sync_text(), 1, "edits around the host line are an edit");
	check_kernel("edits around the host line");
	for (int i = 0; i < nlines; i++) {
		if (strncmp(lines[i], "host ", 5))
			continue;
		free(lines[i]);
		lines[i] = strdup("host h1 mesh eth0 egress eth1 mode enforce");
	}
	cr_assert_eq(sync_text(), 0, "a changed host line takes the whole file");
	check_kernel("host line changed");
}

/* The plan's 'unreadable pass' rides the switch of every sync (rg_gen's
 * flags): an edit of prefix lines keeps it, a change of the line itself
 * takes the whole file.
 */
Test(live, the_unreadable_line_survives_edits)
{
	struct rg_gen g;
	__u32 zero = 0;

	start_plan(30);
	insert_line(nlines, "unreadable pass");
	cr_assert_eq(sync_text(), 0);
	cr_assert_eq(bpf_map_lookup_elem(in.m.plan_gen, &zero, &g), 0);
	cr_expect(g.flags & RG_GEN_UNREADABLE_PASS, "a full install sets it");
	insert_line(1, "prefix edited fd00:73::/64");
	cr_assert_eq(sync_text(), 1, "a prefix added is an edit");
	cr_assert_eq(bpf_map_lookup_elem(in.m.plan_gen, &zero, &g), 0);
	cr_expect(g.flags & RG_GEN_UNREADABLE_PASS, "an edit keeps it");
	free(lines[nlines - 1]);
	lines[nlines - 1] = strdup("unreadable drop");
	cr_assert_eq(sync_text(), 0, "a changed unreadable line takes the whole file");
	cr_assert_eq(bpf_map_lookup_elem(in.m.plan_gen, &zero, &g), 0);
	cr_expect_not(g.flags & RG_GEN_UNREADABLE_PASS, "and clears it");
	check_kernel("unreadable line changed");
}
