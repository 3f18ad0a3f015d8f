// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_diff.c - differential test: the real programs (BPF_PROG_TEST_RUN)
 * against tests/model.c on random plans and random, mutated frames. Every
 * verdict and, at the end of each round, every counter must be equal.
 * RG_SEED=N replays a run; RG_DIFF_FRAMES=N changes its size; RG_DIFF_DUMP=1
 * prints the first frame whose verdict differs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "frames.h"
#include "harness.h"
#include "model.h"
#include "logto.h"

static uint64_t rng;

static uint64_t rnd(void)
{
	/* xorshift64*: fast, and a seed replays a run exactly */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int rn(unsigned int n)
{
	return rnd() % n;
}

struct expect {
	struct rg_bucket_counters *b;	/* by plan entry; [nentries] = unplanned */
	struct rg_dir_counters dir[RG_DIR_MAX];
};

static void random_in(const struct rg_cidr *c, uint8_t a[16])
{
	memcpy(a, c->addr, 16);
	for (int bit = c->len; bit < 128; bit++)
		if (rnd() & 1)
			a[bit / 8] |= 0x80 >> (bit % 8);
}

/* Address arithmetic for boundaries: a +/- 1 over 128 bits. */
static void add1(uint8_t a[16], int delta)
{
	for (int i = 15; i >= 0; i--) {
		uint8_t old = a[i];

		a[i] += delta;
		if ((delta > 0 && a[i] > old) || (delta < 0 && a[i] < old))
			break;
	}
}

static void pick_fresh(const struct rg_plan *plan, bool v4, uint8_t a[16])
{
	const struct rg_entry *e = plan->nentries ? &plan->entries[rn(plan->nentries)] : NULL;
	unsigned int how = rn(10);

	if (e && e->cidr.v4 == v4 && how < 6) {
		random_in(&e->cidr, a);
		return;
	}
	if (e && e->cidr.v4 == v4 && how < 8) {
		/* just inside or just outside an edge */
		memcpy(a, e->cidr.addr, 16);
		if (how == 7) {
			for (int bit = e->cidr.len; bit < 128; bit++)
				a[bit / 8] |= 0x80 >> (bit % 8);
			if (rnd() & 1)
				add1(a, 1);
		} else if (rnd() & 1) {
			add1(a, -1);
		}
		if (!v4 || (a[10] == 0xff && a[11] == 0xff && !a[0]))
			return;
	}
	for (int i = 0; i < 16; i++)
		a[i] = rnd();
	if (v4) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
	} else if (how == 8) {
		/* IPv4-mapped (::ffff:a.b.c.d, often the very address of an
		 * IPv4 entry) or IPv4-compatible (::a.b.c.d): IPv6 all the same
		 */
		if (e && e->cidr.v4 && rn(2))
			random_in(&e->cidr, a);
		memset(a, 0, 10);
		a[10] = a[11] = rn(3) ? 0xff : 0;
	} else if (rn(3)) {
		a[0] = rn(2) ? 0xfc : 0xfd;	/* mostly inside the zones */
	}
}

/* Half of the addresses come back from a small pool that outlives plans:
 * traffic that hits the per-CPU cache, within a plan and across syncs.
 */
static void pick_addr(const struct rg_plan *plan, bool v4, uint8_t a[16])
{
	static uint8_t pool[2][64][16];
	static int filled[2];
	int k = rn(64);

	if (rn(2) && k < filled[v4]) {
		memcpy(a, pool[v4][k], 16);
		return;
	}
	pick_fresh(plan, v4, a);
	k = filled[v4] < 64 ? filled[v4]++ : k;
	memcpy(pool[v4][k], a, 16);
}

static void fmt_addr(const uint8_t a[16], bool v4, char *buf)
{
	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? a + 12 : a, buf, INET6_ADDRSTRLEN);
}

static const struct rg_cidr v4_region = { .addr = { [10] = 0xff, [11] = 0xff }, .len = 96 };

/* A random plan that must parse: two or three zones, nested and disjoint
 * prefixes (some wider than a zone), random allows, some IPv4.
 */
static char *random_plan(void)
{
	size_t cap = 1 << 16, len = 0;
	char *t = malloc(cap);
	struct rg_cidr pool[200];
	int npool = 0, nprefix = 5 + rn(80);
	const char *roles[] = { "mesh", "egress", "mesh,egress", "egress,mesh" };

	len += sprintf(t + len, "zone internal mesh fc00::/8\nzone external egress fd00::/8\n");
	switch (rn(6)) {	/* the encapsulation ports: mostly the defaults */
	case 0:
		len += sprintf(t + len, "encap vxlan 5555 4789\nencap geneve 6081 7000 53\n");
		break;
	case 1:
		len += sprintf(t + len, "encap off\n");
		break;
	case 2:
		len += sprintf(t + len, "encap geneve off\n");
		break;
	}
	switch (rn(4)) {	/* unreadable frames: mostly the default (drop) */
	case 0:
		len += sprintf(t + len, "unreadable pass\n");
		break;
	case 1:
		len += sprintf(t + len, "unreadable drop\n");
		break;
	}
	pool[npool++] = (struct rg_cidr){ .addr = { 0xfc }, .len = 8 };
	pool[npool++] = (struct rg_cidr){ .addr = { 0xfd }, .len = 8 };
	if (rn(2)) {
		len += sprintf(t + len, "zone v4 %s 10.0.0.0/8\n", rn(2) ? "mesh" : "egress");
		pool[npool++] = (struct rg_cidr){ .addr = { [10] = 0xff, [11] = 0xff, [12] = 10 },
						  .len = 104, .v4 = true };
	}
	if (rn(4) == 0) {
		len += sprintf(t + len, "prefix ula fc00::/7%s\n", rn(2) ? " allow egress" : "");
		pool[npool++] = (struct rg_cidr){ .addr = { 0xfc }, .len = 7 };
	}
	/* short IPv6 prefixes, which cover ::ffff:0:0/96 (and so every IPv4
	 * address, as 128-bit numbers) but must say nothing of IPv4
	 */
	if (rn(2)) {
		len += sprintf(t + len, "zone low6 %s ::/2\n", rn(2) ? "mesh" : "egress");
		pool[npool++] = (struct rg_cidr){ .len = 2 };
	}
	if (rn(2)) {
		len += sprintf(t + len, "prefix any6 ::/0 allow %s\n", roles[rn(4)]);
		pool[npool++] = (struct rg_cidr){ .len = 0 };
	}
	if (rn(2)) {
		len += sprintf(t + len, "prefix near6 ::fffe:0:0/95%s\n", rn(2) ? " allow egress" : "");
		pool[npool++] = (struct rg_cidr){ .addr = { [10] = 0xff, [11] = 0xfe }, .len = 95 };
	}
	if (rn(3) == 0) {
		len += sprintf(t + len, "prefix compat6 ::/96%s\n", rn(2) ? " allow mesh" : "");
		pool[npool++] = (struct rg_cidr){ .len = 96 };
	}
	for (int i = 0; i < nprefix && npool < 200; i++) {
		const struct rg_cidr *base = &pool[rn(npool)];
		int room = 128 - base->len;
		struct rg_cidr c = *base;
		bool dup = false;
		char s[64];

		if (room == 0)
			continue;
		c.len = base->len + 1 + rn(room < 64 ? room : 64);
		random_in(base, c.addr);
		for (int bit = c.len; bit < 128; bit++)
			c.addr[bit / 8] &= ~(0x80 >> (bit % 8));
		for (int j = 0; j < npool; j++)
			dup |= !rg_cidr_cmp(&pool[j], &c);
		/* no IPv6 CIDR inside the IPv4 region: the plan rejects them */
		if (dup || (!c.v4 && c.len >= 96 && rg_cidr_contains(&v4_region, c.addr)))
			continue;
		pool[npool++] = c;
		rg_cidr_format(&c, s, sizeof(s));
		len += sprintf(t + len, "prefix p%d %s", i, s);
		if (rn(3) == 0)
			len += sprintf(t + len, " allow %s", roles[rn(4)]);
		t[len++] = '\n';
	}
	t[len] = '\0';
	return t;
}

/* An inner Ethernet frame: IP in up to four tags (now and then five, a
 * wrong version or not IP at all).
 */
static size_t random_inner(const struct rg_plan *plan, uint8_t *f, size_t cap)
{
	static const uint16_t tagtypes[] = { 0x8100, 0x88a8, 0x9100 };
	uint16_t tags[RG_MAX_VLANS + 1];
	int ntags = rn(2) ? 0 : rn(10) ? 1 + rn(RG_MAX_VLANS) : RG_MAX_VLANS + 1;
	bool v4 = rn(4) == 0;
	uint8_t s[16], d[16];
	char ss[INET6_ADDRSTRLEN], ds[INET6_ADDRSTRLEN];
	size_t len;

	for (int i = 0; i < ntags; i++)
		tags[i] = tagtypes[rn(3)];
	if (rn(20) == 0)
		return rg_frame_other(f, cap, 0x0806, tags, ntags, 60);
	pick_addr(plan, v4, s);
	pick_addr(plan, v4, d);
	fmt_addr(s, v4, ss);
	fmt_addr(d, v4, ds);
	len = rg_frame_ip(f, cap, ss, ds, tags, ntags, 60 + rn(200));
	if (rn(20) == 0)
		f[14 + 4 * ntags] ^= 0x30;	/* wrong IP version */
	else if (v4 && rn(10) == 0)
		f[14 + 4 * ntags] = 0x40 | rn(16);	/* IPv4 header length */
	return len;
}

/* UDP to a VXLAN or Geneve port (mostly the plan's, now and then another)
 * carrying an inner frame, sometimes cut short inside.
 */
static size_t random_encap(const struct rg_plan *plan, uint8_t *f, size_t cap, const char *ss,
			   const char *ds, const uint16_t *tags, int ntags, bool v4)
{
	static const uint16_t others[] = { 4789, 8472, 6081, 53, 0, 5555 };
	static uint8_t inner[512], payload[1024];
	int kind = rn(2) ? RG_ENCAP_VXLAN : RG_ENCAP_GENEVE;
	const uint16_t *ports = kind == RG_ENCAP_VXLAN ? plan->encap.vxlan : plan->encap.geneve;
	int optwords = kind == RG_ENCAP_GENEVE ? (rn(4) ? rn(4) : rn(64)) : 0;
	uint16_t proto = kind == RG_ENCAP_GENEVE && rn(10) == 0 ? 0x0800 : 0x6558, dport;
	size_t ilen = random_inner(plan, inner, sizeof(inner));
	size_t plen = rg_frame_encap(payload, sizeof(payload), kind, 100101, optwords, proto,
				     inner, ilen);
	size_t l4 = 14 + 4 * ntags + (v4 ? 20 : 40), len;
	int np = 0;

	while (np < RG_ENCAP_PORTS && ports[np])
		np++;
	dport = np && rn(8) ? ports[rn(np)] : others[rn(6)];
	len = rg_frame_udp(f, cap, ss, ds, tags, ntags, dport, payload, plen);
	if (len && rn(4) == 0)		/* cut in the encapsulation or the inner headers */
		len = l4 + rn(8 + plen < 120 ? 8 + plen : 120);
	if (len && v4 && rn(15) == 0)	/* a later fragment: no UDP header in it */
		f[14 + 4 * ntags + 7] = 1 + rn(255);
	return len;
}

static size_t random_frame(const struct rg_plan *plan, uint8_t *f, size_t cap)
{
	static const uint16_t tagtypes[] = { 0x8100, 0x88a8, 0x9100 };
	uint16_t tags[RG_MAX_VLANS + 2];
	int ntags = rn(10) < 7 ? 0 : rn(RG_MAX_VLANS + 3);
	bool v4 = rn(5) == 0;
	uint8_t s[16], d[16];
	char ss[INET6_ADDRSTRLEN], ds[INET6_ADDRSTRLEN];
	size_t len, total = 60 + rn(1400);

	for (int i = 0; i < ntags; i++)
		tags[i] = tagtypes[rn(3)];
	if (rn(40) == 0) {
		/* no IP; or IP wrapped in MPLS, PPPoE or 802.1ah (unreadable) */
		static const uint16_t others[] = { 0x0806, 0x88cc, 0x8863, 0x8847, 0x8848,
						   0x8864, 0x88e7 };

		return rg_frame_other(f, cap, others[rn(7)], tags, ntags, total);
	}
	pick_addr(plan, v4, s);
	pick_addr(plan, v4, d);
	fmt_addr(s, v4, ss);
	fmt_addr(d, v4, ds);
	if (ntags <= RG_MAX_VLANS && rn(4) == 0)
		return random_encap(plan, f, cap, ss, ds, tags, ntags, v4);
	len = rg_frame_ip(f, cap, ss, ds, tags, ntags, total);
	switch (rn(30)) {
	case 0:		/* truncate anywhere after the Ethernet header */
		len = 14 + rn(len - 14);
		break;
	case 1:		/* wrong IP version */
		f[14 + 4 * ntags] ^= 0x30;
		break;
	case 2:		/* IPv4 header length: too short, or with options */
		if (v4)
			f[14 + 4 * ntags] = 0x40 | rn(16);
		break;
	}
	return len;
}

static void expect_frame(const struct rg_plan *plan, struct expect *ex, const uint8_t *f,
			 size_t len, int dir, uint32_t role, uint32_t mode, bool *drop)
{
	struct rg_dir_counters *dc = &ex->dir[dir];
	struct rg_frame fr;
	int sb, db, r;
	bool sbrk, dbrk, unreadable;

	*drop = false;
	dc->packets++;
	dc->bytes += len;
	r = rg_frame_decode(f, len, 0, &plan->encap, &fr);
	if (r == RG_M_OTHER) {
		dc->other++;
		return;
	}
	if (r == RG_M_MALFORMED) {
		dc->malformed++;
		/* unreadable: enforce mode drops it unless the plan passes it */
		if (mode == RG_MODE_ENFORCE && !plan->unreadable_pass) {
			dc->dropped++;
			*drop = true;
		}
		return;
	}
	sbrk = rg_model_addr(plan, fr.src, fr.v4, role, &sb);
	dbrk = rg_model_addr(plan, fr.dst, fr.v4, role, &db);
	sb = sb < 0 ? plan->nentries : sb;
	db = db < 0 ? plan->nentries : db;
	ex->b[sb].src.packets++;
	ex->b[sb].src.bytes += len;
	ex->b[db].dst.packets++;
	ex->b[db].dst.bytes += len;
	if (sbrk) {
		ex->b[sb].violations.packets++;
		ex->b[sb].violations.bytes += len;
	}
	if (dbrk) {
		ex->b[db].violations.packets++;
		ex->b[db].violations.bytes += len;
	}
	/* inside VXLAN or Geneve: the same once more; an inner frame it
	 * cannot read is malformed, and as unreadable as an outer one
	 */
	if (fr.inner == RG_INNER_MALFORMED)
		dc->malformed++;
	unreadable = fr.inner == RG_INNER_MALFORMED && !plan->unreadable_pass;
	if (fr.inner == RG_INNER_IP) {
		int isb, idb;
		bool isbrk = rg_model_addr(plan, fr.isrc, fr.iv4, role, &isb);
		bool idbrk = rg_model_addr(plan, fr.idst, fr.iv4, role, &idb);

		isb = isb < 0 ? plan->nentries : isb;
		idb = idb < 0 ? plan->nentries : idb;
		ex->b[isb].src.packets++;
		ex->b[isb].src.bytes += len;
		ex->b[idb].dst.packets++;
		ex->b[idb].dst.bytes += len;
		if (isbrk) {
			ex->b[isb].violations.packets++;
			ex->b[isb].violations.bytes += len;
		}
		if (idbrk) {
			ex->b[idb].violations.packets++;
			ex->b[idb].violations.bytes += len;
		}
		sbrk |= isbrk;
		dbrk |= idbrk;
	}
	if (sbrk || dbrk)
		dc->violations++;
	if ((sbrk || dbrk || unreadable) && mode == RG_MODE_ENFORCE) {
		dc->dropped++;
		*drop = true;
	}
}

static void compare(struct rg_instance *in, const struct rg_plan *plan,
		    const struct expect *ex, uint64_t seed)
{
	static __u32 ids[RG_MAX_BUCKETS], want[RG_MAX_PLAN + 1];
	static struct rg_bucket_info infos[RG_MAX_BUCKETS];
	static struct rg_bucket_counters got[RG_MAX_PLAN + 1];
	struct rg_meta meta;
	struct rg_if_counters ic;
	int n;

	cr_assert_eq(rg_meta_read(&in->m, &meta), 0);
	n = rg_active_buckets(&in->m, 0, meta.generation, ids, infos);
	for (int i = 0; i < plan->nentries; i++) {
		const struct rg_entry *e = &plan->entries[i];
		int k;

		for (k = 0; k < n; k++)
			if (infos[k].kind == e->kind && infos[k].cidr.prefixlen == e->cidr.len &&
			    !memcmp(infos[k].cidr.addr, e->cidr.addr, 16))
				break;
		cr_assert_lt(k, n, "seed %llu: no bucket for %s", (unsigned long long)seed, e->name);
		want[i] = ids[k];
	}
	want[plan->nentries] = RG_BUCKET_UNPLANNED;
	/* one read of the shared counters and every cache slot, as stats does */
	cr_assert_eq(rg_bucket_read(&in->m, want, plan->nentries + 1, got), 0);
	for (int i = 0; i <= plan->nentries; i++) {
		const char *name = i < plan->nentries ? plan->entries[i].name : "unplanned";

		cr_assert(!memcmp(&got[i], &ex->b[i], sizeof(got[i])),
			  "seed %llu bucket %s: got src %llu/%llu dst %llu/%llu viol %llu/%llu, "
			  "model src %llu/%llu dst %llu/%llu viol %llu/%llu",
			  (unsigned long long)seed, name,
			  got[i].src.packets, got[i].src.bytes, got[i].dst.packets, got[i].dst.bytes,
			  got[i].violations.packets, got[i].violations.bytes,
			  ex->b[i].src.packets, ex->b[i].src.bytes, ex->b[i].dst.packets,
			  ex->b[i].dst.bytes, ex->b[i].violations.packets, ex->b[i].violations.bytes);
	}
	cr_assert_eq(rg_if_sum(&in->m, 0, &ic), 0);
	for (int d = 0; d < RG_DIR_MAX; d++)
		cr_assert(!memcmp(&ic.dir[d], &ex->dir[d], sizeof(ic.dir[d])),
			  "seed %llu: interface counters dir %d differ (got %llu pkts %llu viol "
			  "%llu malformed, model %llu pkts %llu viol %llu malformed)",
			  (unsigned long long)seed, d, ic.dir[d].packets, ic.dir[d].violations,
			  ic.dir[d].malformed, ex->dir[d].packets, ex->dir[d].violations,
			  ex->dir[d].malformed);
}

static void force_bypass(struct rg_instance *in)
{
	cr_assert_eq(rg_if_cache_bypass(&in->m, 0, true), 0);
}

/* After a sync the model keeps counters of entries whose (kind, CIDR) stay. */
static void carry_over(const struct rg_plan *old, struct expect *eo, const struct rg_plan *new,
		       struct expect *en)
{
	for (int i = 0; i < new->nentries; i++)
		for (int j = 0; j < old->nentries; j++)
			if (old->entries[j].kind == new->entries[i].kind &&
			    !rg_cidr_cmp(&old->entries[j].cidr, &new->entries[i].cidr))
				en->b[i] = eo->b[j];
	en->b[new->nentries] = eo->b[old->nentries];
	memcpy(en->dir, eo->dir, sizeof(en->dir));
}

Test(diff, bpf_equals_model_on_random_plans_and_frames, .timeout = 600)
{
	const char *env = getenv("RG_SEED"), *nenv = getenv("RG_DIFF_FRAMES");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x52474452ull;
	long total = nenv ? atol(nenv) : 120000, done = 0, skipped = 0, at_tc = 0;
	struct rg_instance in;
	struct rg_plan plan = {}, next;
	struct expect ex = {}, exn;
	static uint8_t f[2048];

	/* 8 counter slots: buckets keep taking turns in them, so counts move
	 * to the shared counters all the time
	 */
	rg_instance_count_slots = 8;
	cr_assert_eq(rg_instance_open(&in, 0), 0, "cannot load the programs (run as root)");
	rng = seed | 1;
	for (int round = 0; done < total; round++) {
		char *text = random_plan(), errs[4096] = "";
		FILE *ef = fmemopen(errs, sizeof(errs), "w");
		int n = LOG_TO(ef, rg_plan_parse(text, strlen(text), "random.plan", &next));

		fclose(ef);
		cr_assert_eq(n, 0, "seed %llu: generated plan rejected: %s\n%s",
			     (unsigned long long)seed, errs, text);
		/* every other plan looked up through the exact tables, however
		 * small: both paths must agree with the model
		 */
		rg_exact_min_entries = round % 2 ? 0 : RG_EXACT_MIN_ENTRIES;
		cr_assert_gt(rg_install(&in.m, &next, "random.plan"), 0);
		exn.b = calloc(next.nentries + 1, sizeof(*exn.b));
		memset(exn.dir, 0, sizeof(exn.dir));
		if (round)
			carry_over(&plan, &ex, &next, &exn);
		free(ex.b);
		rg_plan_free(&plan);
		plan = next;
		ex = exn;
		free(text);

		for (int batch = 0; batch < 40 && done < total; batch++) {
			uint32_t role = rn(2) ? RG_ROLE_MESH : RG_ROLE_EGRESS;
			uint32_t mode = rn(2) ? RG_MODE_ENFORCE : RG_MODE_MONITOR;

			cr_assert_eq(rg_instance_role(&in, role), 0);
			cr_assert_eq(rg_instance_mode(&in, mode), 0);
			/* a third of the rounds with the cache bypassed, as under
			 * traffic without locality
			 */
			if (round % 3 == 2)
				force_bypass(&in);
			for (int k = 0; k < 100; k++, done++) {
				int dir = rn(2) ? RG_DIR_IN : RG_DIR_OUT;
				size_t len = random_frame(&plan, f, sizeof(f));
				bool dropped, want;
				struct expect save;
				int err;

				save.dir[dir] = ex.dir[dir];
				if (len < 14)
					len = 14;
				/* ingress: XDP or tc ingress (--xdp auto on veth
				 * and tap), one expectation for both
				 */
				in.in_at_tc = dir == RG_DIR_IN && rn(2);
				err = rg_instance_run(&in, dir, f, len, 1, &dropped, NULL);
				if (err == -EINVAL && (dir == RG_DIR_OUT || in.in_at_tc)) {
					/* the kernel refuses to build a test skb with a
					 * truncated IP header; XDP covers those frames */
					uint8_t s[16], d[16];

					cr_assert_eq(rg_model_parse(f, len, 0, s, d), RG_M_MALFORMED);
					skipped++;
					continue;
				}
				cr_assert_eq(err, 0, "BPF_PROG_TEST_RUN: %s", strerror(-err));
				at_tc += in.in_at_tc;
				expect_frame(&plan, &ex, f, len, dir, role, mode, &want);
				if (dropped != want && getenv("RG_DIFF_DUMP")) {
					struct rg_frame fr;

					rg_frame_decode(f, len, 0, &plan.encap, &fr);
					fprintf(stderr, "dir %d%s role %u len %zu inner %d v4 %d iv4 %d:",
						dir, in.in_at_tc ? " (tc ingress)" : "", role, len,
						fr.inner, fr.v4, fr.iv4);
					for (size_t b = 0; b < len && b < 160; b++)
						fprintf(stderr, "%s%02x", b % 16 ? " " : "\n", f[b]);
					fprintf(stderr, "\n");
				}
				cr_assert_eq(dropped, want, "seed %llu frame %ld%s: verdict %d, model %d",
					     (unsigned long long)seed, done,
					     in.in_at_tc ? " (tc ingress)" : "", dropped, want);
				(void)save;
			}
		}
		compare(&in, &plan, &ex, seed);
	}
	cr_log_info("%ld frames, %ld refused by the kernel's test skb builder, %ld in at tc",
		    done, skipped, at_tc);
	cr_expect_gt(at_tc, done / 8, "too few frames reached the tc ingress program");
	cr_expect_lt(skipped, done / 50, "too few frames reached the tc program");
	free(ex.b);
	rg_plan_free(&plan);
	rg_instance_close(&in);
}
