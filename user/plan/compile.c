// SPDX-License-Identifier: GPL-2.0-only
/*
 * compile.c - whole-plan checks and the compilation (see plan.c):
 * entries sorted by CIDR on a thread, duplicate names and hosts, then one
 * walk over the sorted keys folds each entry's ancestors into its value.
 */
#include <stdlib.h>
#include <string.h>
#include "plan/plan_int.h"
#include "lib/hashidx.h"
#include "lib/huge.h"

/* An entry's CIDR as sort keys (the address as two big-endian halves),
 * and what compile() needs of the entry, packed: the walk over the sorted
 * keys then reads them in order instead of jumping around the entries.
 */
struct sort_key {
	uint64_t hi, lo;
	uint32_t info;	/* len | v4 << 8 | kind << 16 | allow << 24 */
	uint32_t idx;
};

#define KEY_LEN(k)	((k)->info & 0xff)
#define KEY_V4(k)	(((k)->info >> 8) & 1)
#define KEY_KIND(k)	(((k)->info >> 16) & 0xff)
#define KEY_ALLOW(k)	((k)->info >> 24)

_Static_assert(RG_BREAKS(RG_ROLE_MESH) < 256 && RG_BREAKS(RG_ROLE_EGRESS) < 256,
	       "allow bits fit in struct sort_key");

static uint64_t be64_at(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* Byte d of a key, d = 0 the least significant (the length). */
static unsigned int key_byte(const struct sort_key *k, int d)
{
	if (d == 0)
		return KEY_LEN(k);
	return (d <= 8 ? k->lo >> (8 * (d - 1)) : k->hi >> (8 * (d - 9))) & 0xff;
}

/* rg_cidr_contains() on keys: o's first KEY_LEN(o) bits are k's. */
static bool key_contains(const struct sort_key *o, const struct sort_key *k)
{
	unsigned int len = KEY_LEN(o);

	if (len == 0)
		return true;
	if (len <= 64)
		return !((o->hi ^ k->hi) >> (64 - len));
	if (len == 128)
		return o->hi == k->hi && o->lo == k->lo;
	return o->hi == k->hi && !((o->lo ^ k->lo) >> (128 - len));
}

static bool key_same(const struct sort_key *a, const struct sort_key *b)
{
	return a->hi == b->hi && a->lo == b->lo && KEY_LEN(a) == KEY_LEN(b);
}

/* The entries in rg_cidr_cmp() order, equal CIDRs in plan order (as a
 * stable qsort gave them): a least-significant-byte-first radix sort,
 * skipping the bytes every entry shares. NULL when out of memory.
 */
static struct sort_key *sort_by_cidr(const struct rg_plan *pl)
{
	int n = pl->nentries;
	struct sort_key *a = rg_huge_calloc(n, sizeof(*a)), *b = rg_huge_calloc(n, sizeof(*b));
	uint32_t (*count)[256] = calloc(17, sizeof(*count));

	if (!a || !b || !count) {
		rg_huge_free(a);
		a = NULL;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const struct rg_entry *e = &pl->entries[i];

		a[i] = (struct sort_key){
			.hi = be64_at(e->cidr.addr),
			.lo = be64_at(e->cidr.addr + 8),
			.info = e->cidr.len | (uint32_t)e->cidr.v4 << 8 | e->kind << 16 |
				e->allow << 24,
			.idx = i,
		};
		for (int d = 0; d < 17; d++)
			count[d][key_byte(&a[i], d)]++;
	}
	for (int d = 0; d < 17; d++) {
		uint32_t sum = 0, *pos = count[d];
		struct sort_key *t;

		if (pos[key_byte(&a[0], d)] == (uint32_t)n)
			continue;	/* one value: nothing moves */
		for (int v = 0; v < 256; v++) {
			uint32_t c = pos[v];

			pos[v] = sum;
			sum += c;
		}
		for (int i = 0; i < n; i++)
			b[pos[key_byte(&a[i], d)]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
out:
	rg_huge_free(b);
	free(count);
	return a;
}

/* Duplicate names: a zone's name appears once per CIDR, which is fine.
 * Each entry is checked against the last earlier one of its name, found
 * in a hash index of names (entries come in line order).
 */
void check_names(struct rg_parser *p)
{
	struct rg_plan *pl = p->plan;
	struct rg_hidx last = {};	/* the last entry of each name */

	if (pl->nentries < 2 || rg_hidx_init(&last, pl->nentries))
		return;
	for (int i = 0; i < pl->nentries; i++) {
		struct rg_entry *b = &pl->entries[i], *a = NULL;
		uint64_t h = rg_hash_str(b->name);
		struct rg_hslot *s;

		rg_hidx_for_each(s, &last, h)
			if (!strcmp(pl->entries[s->id].name, b->name))
				break;
		if (s) {
			a = &pl->entries[s->id];
			s->id = i;
		} else if (rg_hidx_add(&last, h, i, 0)) {
			break;
		}
		if (!a || (a->kind == RG_KIND_ZONE && b->kind == RG_KIND_ZONE && a->line == b->line))
			continue;
		perr(p, b->line, "duplicate name '%s' (first on line %d)", b->name, a->line);
	}
	rg_hidx_free(&last);
}

static int cmp_host_ptr(const void *a, const void *b)
{
	const struct rg_host *x = *(const struct rg_host * const *)a;
	const struct rg_host *y = *(const struct rg_host * const *)b;
	int r = strcmp(x->name, y->name);

	return r ? r : x->line - y->line;
}

/* Duplicate hosts, sorted rather than pairwise: a 10k-host plan stays fast. */
void check_hosts(struct rg_parser *p)
{
	struct rg_plan *pl = p->plan;
	struct rg_host **v;

	if (pl->nhosts < 2)
		return;
	v = malloc(pl->nhosts * sizeof(*v));
	if (!v)
		return;
	for (int i = 0; i < pl->nhosts; i++)
		v[i] = &pl->hosts[i];
	qsort(v, pl->nhosts, sizeof(*v), cmp_host_ptr);
	for (int i = 1, first = 0; i < pl->nhosts; i++) {
		if (strcmp(v[first]->name, v[i]->name))
			first = i;
		else
			perr(p, v[i]->line, "duplicate host '%s' (first on line %d)", v[i]->name,
			     v[first]->line);
	}
	free(v);
}

int rg_lineage_step(const struct rg_lineage *up, const struct rg_entry *e, int idx,
		    struct rg_lineage *out)
{
	int overlaps = -1;

	*out = up ? *up : (struct rg_lineage){ .zone = -1, .pfx = -1 };
	out->allow |= e->allow;
	if (e->kind == RG_KIND_ZONE) {
		overlaps = out->zone;
		out->zone = idx;
	} else {
		out->pfx = idx;
	}
	return overlaps;
}

void rg_entry_compile(struct rg_entry *e, int idx, const struct rg_lineage *l,
		      const struct rg_entry *zone)
{
	e->bucket_of = l->pfx >= 0 ? l->pfx : idx;
	e->breaks = 0;
	if (!e->cidr.v4 && rg_cidr_contains(&e->cidr, v4_region.addr) && e->cidr.len < 96)
		e->breaks |= RG_LPM_V6_WIDE;
	if (!zone) {
		memset(e->zone, 0, sizeof(e->zone));
		return;
	}
	memcpy(e->zone, zone->zone, sizeof(e->zone));
	for (uint32_t role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++)
		if (zone->role != role && !(l->allow & RG_BREAKS(role)))
			e->breaks |= RG_BREAKS(role);
}

static void *sort_thread(void *arg)
{
	struct sort_job *j = arg;

	j->v = sort_by_cidr(j->pl);
	return NULL;
}

void sort_start(struct sort_job *j, const struct rg_plan *pl)
{
	*j = (struct sort_job){ .pl = pl };
	/* a small plan is not worth a thread */
	if (pl->nentries >= 4096)
		j->started = !pthread_create(&j->thread, NULL, sort_thread, j);
}

static struct sort_key *sort_end(struct sort_job *j)
{
	if (j->started)
		pthread_join(j->thread, NULL);
	else
		j->v = j->pl->nentries ? sort_by_cidr(j->pl) : NULL;
	return j->v;
}

/* Sort by (address, length): every entry's ancestors then sit on a stack. */
void compile(struct rg_parser *p, struct sort_job *sorted)
{
	struct rg_plan *pl = p->plan;
	int n = pl->nentries, depth = 0;
	struct rg_entry *en = pl->entries;
	const struct sort_key **stack;
	struct rg_lineage *lin;
	struct sort_key *v;
	char a[64], b[64];

	v = sort_end(sorted);
	if (!n)
		return;
	stack = calloc(130, sizeof(*stack));
	lin = rg_huge_calloc(n, sizeof(*lin));	/* by entry: a walk in order jumps */
	if (!v || !stack || !lin)
		goto out;

	for (int i = 0; i < n; i++) {
		const struct sort_key *k = &v[i];
		int idx = k->idx, zone = -1;
		struct rg_lineage *l = &lin[idx];

		if (i > 0 && key_same(&v[i - 1], k)) {
			struct rg_entry *e = &en[idx], *f = &en[v[i - 1].idx];

			rg_cidr_format(&e->cidr, a, sizeof(a));
			perr(p, e->line > f->line ? e->line : f->line,
			     "duplicate CIDR %s ('%s' and '%s')", a, f->name, e->name);
		}
		while (depth && !key_contains(stack[depth - 1], k))
			depth--;
		/* rg_lineage_step() from the nearest ancestor, on the packed keys;
		 * an IPv6 CIDR, however wide, is no ancestor of an IPv4 one
		 */
		if (depth && KEY_V4(stack[depth - 1]) == KEY_V4(k))
			*l = lin[stack[depth - 1]->idx];
		else
			*l = (struct rg_lineage){ .zone = -1, .pfx = -1 };
		l->allow |= KEY_ALLOW(k);
		if (KEY_KIND(k) == RG_KIND_ZONE) {
			zone = l->zone;
			l->zone = idx;
		} else {
			l->pfx = idx;
		}
		if (zone >= 0) {
			struct rg_entry *e = &en[idx], *z = &en[zone];

			rg_cidr_format(&z->cidr, a, sizeof(a));
			rg_cidr_format(&e->cidr, b, sizeof(b));
			perr(p, e->line > z->line ? e->line : z->line,
			     "zone '%s' %s overlaps zone '%s' %s", e->name, b, z->name, a);
		}
		if (depth < 130)
			stack[depth++] = k;
	}

	for (int i = 0; i < n; i++) {
		en[i].lin = lin[i];
		rg_entry_compile(&en[i], i, &en[i].lin, lin[i].zone >= 0 ? &en[lin[i].zone] : NULL);
	}
out:
	rg_huge_free(v);
	free(stack);
	rg_huge_free(lin);
}
