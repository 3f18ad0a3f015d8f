// SPDX-License-Identifier: GPL-2.0-only
/*
 * plandiff.c - compare two plans: entries and verdicts.
 *
 * Verdicts are computed exactly, not sampled. Every CIDR of either plan
 * starts a region at its first address and ends one after its last; between
 * two consecutive boundaries the set of entries containing an address is the
 * same in both plans, so the longest match of each plan, and with it the
 * compiled `breaks` bits (plan.c folds zones, nesting and inherited allows
 * into them), is constant. A sweep over the sorted boundaries with one stack
 * per plan (CIDRs nest or are disjoint) finds both longest matches in
 * O(n log n); runs of regions whose verdict changes the same way are merged
 * and written as the fewest CIDRs that cover exactly that range.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "plan/plan.h"
#include "lib/grow.h"
#include "lib/log.h"
#include "plan/plandiff.h"

static u128 first_of(const struct rg_entry *e)
{
	return cidr_first(&e->cidr);
}

static u128 last_of(const struct rg_entry *e)
{
	return cidr_last(&e->cidr);
}

/* ---- entries ------------------------------------------------------------ */

static bool same_entry(const struct rg_entry *a, const struct rg_entry *b)
{
	return !strcmp(a->name, b->name) && !rg_cidr_cmp(&a->cidr, &b->cidr) &&
	       a->allow == b->allow && a->role == b->role;
}

static int add_pair(struct rg_plandiff *d, const struct rg_entry *o, const struct rg_entry *n)
{
	if (o && n && same_entry(o, n))
		return 0;
	if (RG_GROW(d->pairs, d->npairs, d->cappairs, 64))
		return -ENOMEM;
	d->pairs[d->npairs++] = (struct rg_diff_pair){ o, n };
	return 0;
}

/* The key of each matching pass: 0 kind+name+CIDR, 1 kind+name, 2 kind+CIDR. */
static int key_cmp(const struct rg_entry *a, const struct rg_entry *b, int pass)
{
	int r = (a->kind > b->kind) - (a->kind < b->kind);

	if (!r && pass != 2)
		r = strcmp(a->name, b->name);
	if (!r && pass != 1)
		r = rg_cidr_cmp(&a->cidr, &b->cidr);
	return r;
}

struct key_order {
	const struct rg_plan *p;
	int pass;
};

static int cmp_key_index(const void *a, const void *b, void *arg)
{
	const struct key_order *k = arg;
	int x = *(const int *)a, y = *(const int *)b;
	int r = key_cmp(&k->p->entries[x], &k->p->entries[y], k->pass);

	return r ? r : (x > y) - (x < y);
}

/* p's entry numbers sorted by the pass's key, then in file order. */
static int *sorted_by(const struct rg_plan *p, int pass)
{
	struct key_order k = { p, pass };
	int *v = malloc((p->nentries + 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (int i = 0; i < p->nentries; i++)
		v[i] = i;
	if (p->nentries > 1)
		qsort_r(v, p->nentries, sizeof(*v), cmp_key_index, &k);
	return v;
}

/* The first position in v (sorted by the pass's key) with e's key, or -1. */
static int group_of(const struct rg_plan *p, const int *v, const struct rg_entry *e, int pass)
{
	int lo = 0, hi = p->nentries;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (key_cmp(&p->entries[v[mid]], e, pass) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->nentries && !key_cmp(&p->entries[v[lo]], e, pass) ? lo : -1;
}

/* unused[g]: how many entries of the group that starts at g are not paired */
static void count_unused(const struct rg_plan *p, const int *v, const bool *used, int pass,
			 int *unused)
{
	for (int g = 0, k; g < p->nentries; g = k) {
		unused[g] = 0;
		for (k = g; k < p->nentries && !key_cmp(&p->entries[v[g]], &p->entries[v[k]], pass);
		     k++)
			unused[g] += !used[v[k]];
	}
}

/*
 * Pairs old and new entries, most certain match first: same kind, name and
 * CIDR; then the same name (a moved prefix; a zone name only while it is
 * unambiguous, zones repeat their name per CIDR); then the same CIDR (a
 * renamed entry). What is left was added or removed. Each pass sorts the
 * new plan by its key and looks every old entry up: O(n log n), where
 * comparing every pair took 17 s on two 56 kB plans. Within a key, entries
 * pair in file order.
 */
static int match_entries(struct rg_plandiff *d)
{
	const struct rg_plan *op = d->old, *np = d->new;
	bool *uo = calloc(op->nentries + 1, 1), *un = calloc(np->nentries + 1, 1);
	int *nv = NULL, *ov = NULL, *next = NULL, *cnt_o = NULL, *cnt_n = NULL;
	int err = -ENOMEM;

	next = malloc((np->nentries + 1) * sizeof(*next));
	cnt_o = malloc((op->nentries + 1) * sizeof(*cnt_o));
	cnt_n = malloc((np->nentries + 1) * sizeof(*cnt_n));
	if (!uo || !un || !next || !cnt_o || !cnt_n)
		goto out;
	for (int pass = 0; pass < 3; pass++) {
		free(nv);
		free(ov);
		ov = NULL;
		nv = sorted_by(np, pass);
		if (!nv)
			goto out;
		/* a name pairs only where it is the one left on both sides */
		if (pass == 1) {
			ov = sorted_by(op, pass);
			if (!ov)
				goto out;
			count_unused(op, ov, uo, pass, cnt_o);
			count_unused(np, nv, un, pass, cnt_n);
		}
		/* next[g]: where the search for an unpaired entry of group g resumes */
		for (int k = 0; k < np->nentries; k++)
			next[k] = k;
		for (int i = 0; i < op->nentries; i++) {
			const struct rg_entry *o = &op->entries[i];
			int g, k;

			if (uo[i])
				continue;
			g = group_of(np, nv, o, pass);
			if (g < 0)
				continue;
			if (pass == 1 && (cnt_n[g] != 1 || cnt_o[group_of(op, ov, o, pass)] != 1))
				continue;
			for (k = next[g]; k < np->nentries && un[nv[k]] &&
			     !key_cmp(&np->entries[nv[k]], o, pass); k++)
				;
			next[g] = k;
			if (k == np->nentries || key_cmp(&np->entries[nv[k]], o, pass))
				continue;
			uo[i] = un[nv[k]] = true;
			if (add_pair(d, o, &np->entries[nv[k]]))
				goto out;
		}
	}
	for (int i = 0; i < op->nentries; i++)
		if (!uo[i] && add_pair(d, &op->entries[i], NULL))
			goto out;
	for (int j = 0; j < np->nentries; j++)
		if (!un[j] && add_pair(d, NULL, &np->entries[j]))
			goto out;
	err = 0;
out:
	free(uo);
	free(un);
	free(nv);
	free(ov);
	free(next);
	free(cnt_o);
	free(cnt_n);
	return err;
}

static bool same_ifs(const struct rg_host *a, const struct rg_host *b)
{
	if (a->nifs != b->nifs || a->mode_declared != b->mode_declared || a->mode != b->mode)
		return false;
	for (int i = 0; i < a->nifs; i++) {
		bool found = false;

		for (int j = 0; j < b->nifs && !found; j++)
			found = !strcmp(a->ifs[i].name, b->ifs[j].name) && a->ifs[i].role == b->ifs[j].role;
		if (!found)
			return false;
	}
	return true;
}

static int add_host_pair(struct rg_plandiff *d, const struct rg_host *o, const struct rg_host *n)
{
	if (RG_GROW(d->hosts, d->nhosts, d->caphosts, 16))
		return -ENOMEM;
	d->hosts[d->nhosts++] = (struct rg_diff_host){ o, n };
	return 0;
}

static int cmp_host_ptr(const void *a, const void *b)
{
	const struct rg_host *x = *(const struct rg_host * const *)a;
	const struct rg_host *y = *(const struct rg_host * const *)b;
	int r = strcmp(x->name, y->name);

	return r ? r : (x > y) - (x < y);
}

static const struct rg_host **hosts_by_name(const struct rg_plan *p)
{
	const struct rg_host **v = malloc((p->nhosts + 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (int i = 0; i < p->nhosts; i++)
		v[i] = &p->hosts[i];
	if (p->nhosts > 1)
		qsort(v, p->nhosts, sizeof(*v), cmp_host_ptr);
	return v;
}

/* The first host called name in v (sorted by hosts_by_name), or NULL. */
static const struct rg_host *host_named(const struct rg_host **v, int n, const char *name)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (strcmp(v[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(v[lo]->name, name) ? v[lo] : NULL;
}

/* Lifelines added and removed (at most RG_MAX_LIFELINES each side). */
static void match_lifelines(struct rg_plandiff *d)
{
	for (int side = 0; side < 2; side++) {
		const struct rg_plan *a = side ? d->old : d->new, *b = side ? d->new : d->old;

		for (int i = 0; i < a->nlifelines; i++) {
			bool found = false;

			for (int k = 0; k < b->nlifelines && !found; k++)
				found = !memcmp(a->lifelines[i].addr, b->lifelines[k].addr, 16);
			if (!found)
				d->life[side][d->nlife[side]++] = &a->lifelines[i];
		}
	}
}

static int match_hosts(struct rg_plandiff *d)
{
	const struct rg_host **ov = hosts_by_name(d->old), **nv = hosts_by_name(d->new);
	int err = -ENOMEM;

	if (!ov || !nv)
		goto out;
	for (int i = 0; i < d->old->nhosts; i++) {
		const struct rg_host *o = &d->old->hosts[i];
		const struct rg_host *n = host_named(nv, d->new->nhosts, o->name);

		if (n && same_ifs(o, n))
			continue;
		if (add_host_pair(d, o, n))
			goto out;
	}
	for (int j = 0; j < d->new->nhosts; j++) {
		const struct rg_host *n = &d->new->hosts[j];

		if (!host_named(ov, d->old->nhosts, n->name) && add_host_pair(d, NULL, n))
			goto out;
	}
	err = 0;
out:
	free(ov);
	free(nv);
	return err;
}

/* ---- verdicts ----------------------------------------------------------- */

struct sweep {
	const struct rg_entry **v;	/* sorted by (first address, length) */
	int n, next, depth;
	const struct rg_entry *stack[130];
};

static int cmp_entry_ptr(const void *a, const void *b)
{
	const struct rg_entry *x = *(const struct rg_entry * const *)a;
	const struct rg_entry *y = *(const struct rg_entry * const *)b;

	return rg_cidr_cmp(&x->cidr, &y->cidr);
}

static int sweep_init(struct sweep *s, const struct rg_plan *p)
{
	memset(s, 0, sizeof(*s));
	s->v = calloc(p->nentries + 1, sizeof(*s->v));
	if (!s->v)
		return -ENOMEM;
	for (int i = 0; i < p->nentries; i++)
		s->v[i] = &p->entries[i];
	s->n = p->nentries;
	qsort(s->v, s->n, sizeof(*s->v), cmp_entry_ptr);
	return 0;
}

/* Longest match of x; x never decreases between calls. */
static const struct rg_entry *sweep_at(struct sweep *s, u128 x)
{
	while (s->next < s->n && first_of(s->v[s->next]) <= x) {
		const struct rg_entry *e = s->v[s->next++];

		while (s->depth && last_of(s->stack[s->depth - 1]) < first_of(e))
			s->depth--;
		if (s->depth < (int)(sizeof(s->stack) / sizeof(s->stack[0])))
			s->stack[s->depth++] = e;
	}
	/* the stack is a chain of nested CIDRs: what ended is on top */
	while (s->depth && last_of(s->stack[s->depth - 1]) < x)
		s->depth--;
	return s->depth ? s->stack[s->depth - 1] : NULL;
}

static int cmp_u128(const void *a, const void *b)
{
	u128 x = *(const u128 *)a, y = *(const u128 *)b;

	return x < y ? -1 : x > y;
}

static int add_range(struct rg_plandiff *d, int r, u128 addr, int len, bool ob, bool nb)
{
	struct rg_diff_range *v;

	if (RG_GROW(d->ranges[r], d->nranges[r], d->caps[r], 16))
		return -ENOMEM;
	v = &d->ranges[r][d->nranges[r]++];
	rg_cidr_from_u128(addr, len, &v->cidr);
	v->old_breaks = ob;
	v->new_breaks = nb;
	return 0;
}

/* [lo, hi] as the fewest CIDRs: each the largest aligned block that fits. */
static int add_span(struct rg_plandiff *d, int r, u128 lo, u128 hi, bool ob, bool nb)
{
	for (;;) {
		int len = u128_block_len(lo, hi);
		u128 last;

		if (add_range(d, r, lo, len, ob, nb))
			return -ENOMEM;
		last = lo | host_mask(len);
		if (last >= hi)
			return 0;
		lo = last + 1;
	}
}

static int verdicts(struct rg_plandiff *d)
{
	const struct rg_plan *plans[2] = { d->old, d->new };
	struct sweep s[2] = {};
	bool open[2] = {}, ob[2] = {}, nb[2] = {};
	u128 *b, start[2] = {};
	int nb_ = 0, err = -ENOMEM;

	b = calloc(2 * (d->old->nentries + d->new->nentries) + 1, sizeof(*b));
	if (!b || sweep_init(&s[0], d->old) || sweep_init(&s[1], d->new))
		goto out;
	for (int p = 0; p < 2; p++) {
		for (int i = 0; i < plans[p]->nentries; i++) {
			const struct rg_entry *e = &plans[p]->entries[i];

			b[nb_++] = first_of(e);
			if (last_of(e) != U128_MAX)
				b[nb_++] = last_of(e) + 1;
		}
	}
	qsort(b, nb_, sizeof(*b), cmp_u128);

	for (int i = 0; i < nb_; i++) {
		const struct rg_entry *eo, *en;

		if (i && b[i] == b[i - 1])
			continue;
		eo = sweep_at(&s[0], b[i]);
		en = sweep_at(&s[1], b[i]);
		for (int r = 0; r < 2; r++) {
			uint32_t bit = RG_BREAKS(RG_ROLE_MESH + r);
			bool o = eo && (eo->breaks & bit), n = en && (en->breaks & bit);

			/* a run ends where its change ends or becomes another change */
			if (open[r] && (o == n || o != ob[r] || n != nb[r])) {
				if (add_span(d, r, start[r], b[i] - 1, ob[r], nb[r]))
					goto out;
				open[r] = false;
			}
			if (o != n && !open[r]) {
				open[r] = true;
				start[r] = b[i];
				ob[r] = o;
				nb[r] = n;
			}
		}
	}
	for (int r = 0; r < 2; r++)
		if (open[r] && add_span(d, r, start[r], U128_MAX, ob[r], nb[r]))
			goto out;
	err = 0;
out:
	free(b);
	free(s[0].v);
	free(s[1].v);
	return err;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct rg_diff_pair *x = a, *y = b;
	const struct rg_entry *ex = x->n ? x->n : x->o, *ey = y->n ? y->n : y->o;
	int r = rg_cidr_cmp(&ex->cidr, &ey->cidr);

	return r ? r : strcmp(ex->name, ey->name);
}

static int load(const char *path, struct rg_plan *plan)
{
	int n = rg_plan_load(path, plan);

	if (n > 0)
		rg_log_at(RG_LOG_ERROR, path, 0, "plan invalid (%d error%s)", n, n == 1 ? "" : "s");
	if (n)
		rg_plan_free(plan);
	return n;
}

bool rg_plandiff_unreadable_changed(const struct rg_plandiff *d)
{
	return d->old->unreadable_pass != d->new->unreadable_pass;
}

bool rg_plandiff_any(const struct rg_plandiff *d)
{
	return d->npairs || d->nhosts || d->nlife[0] || d->nlife[1] || d->nranges[0] ||
	       d->nranges[1] || rg_plandiff_unreadable_changed(d);
}

int rg_plan_diff(const char *old_path, const char *new_path, struct rg_plandiff *d)
{
	int err;

	*d = (struct rg_plandiff){};
	d->old = calloc(1, sizeof(*d->old));
	d->new = calloc(1, sizeof(*d->new));
	if (!d->old || !d->new) {
		rg_plandiff_free(d);
		return -ENOMEM;
	}
	if (load(old_path, d->old) || load(new_path, d->new)) {
		rg_plandiff_free(d);
		return -EINVAL;
	}
	err = match_entries(d);
	if (!err)
		err = match_hosts(d);
	if (!err)
		match_lifelines(d);
	if (!err)
		err = verdicts(d);
	if (err) {
		rg_err("plan diff: %s", strerror(-err));
		rg_plandiff_free(d);
		return err;
	}
	if (d->npairs)
		qsort(d->pairs, d->npairs, sizeof(*d->pairs), cmp_pair);
	return rg_plandiff_any(d) ? 1 : 0;
}

void rg_plandiff_free(struct rg_plandiff *d)
{
	free(d->pairs);
	free(d->hosts);
	free(d->ranges[0]);
	free(d->ranges[1]);
	if (d->old)
		rg_plan_free(d->old);
	if (d->new)
		rg_plan_free(d->new);
	free(d->old);
	free(d->new);
	*d = (struct rg_plandiff){};
}
