// SPDX-License-Identifier: GPL-2.0-only
/*
 * live.c - the plan in force, kept by the daemon, compiled line by line.
 *
 * A one-prefix change to a plan of 100k entries must not parse, compile
 * and read back 100k entries. The daemon keeps what the last install left:
 * the file's text, its entries with their lineage (plan.c), bucket ids and
 * trie values, and indexes by CIDR, name and source line. A new text is
 * compared with the old one: the lines both share at the start and the
 * end are skipped, and of the lines between, those found on both sides are
 * moved lines. What is left are zone and prefix lines removed and added:
 *  1. added lines are parsed on their own and checked against the plan that
 *     stays (duplicate CIDRs and names, zones inside zones); any error, and
 *     any other kind of line changed, sends the change to a full parse,
 *     which reports the errors with their line numbers;
 *  2. removed entries leave the indexes; added ones enter them and take the
 *     id of a removed entry of the same (kind, CIDR), as a full sync does;
 *  3. the added entries and everything below an added or removed CIDR are
 *     compiled again, ancestors first, from their nearest ancestor;
 *  4. what changed for the tries and for the bucket names becomes an
 *     rg_delta, which install.c puts in like an edit of twin slots.
 * The result is what a full parse and install give (tests/test_live.c
 * checks that on random plans and edits); only the line numbers kept for
 * the entries are not renumbered (errors come from the full parse).
 *
 * One file of about 900 lines, on purpose: every step above reads and
 * keeps the same invariants of struct rg_live (entries, lineage, the three
 * indexes, ids), which stay private to it; split, they would have to be a
 * header's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/sha2.h>
#include "lib/grow.h"
#include "lib/hashidx.h"
#include "daemon/live.h"

/* Changes beyond these go through a full parse (it is as fast by then). */
#define LIVE_MAX_LINES		4096	/* lines added or removed */
#define LIVE_MAX_MIDDLE		(1 << 20)	/* lines between the shared start and end */
#define LIVE_MAX_AFFECTED	16384

struct live_ent {
	struct rg_entry e;	/* compiled; e.lin and e.bucket_of index lv->ent */
	struct rg_lpm_val val;	/* what the tries hold for its CIDR */
	__u32 id;
	__u64 line;		/* hash of its source line */
	/* the change being made */
	bool gone;		/* removed */
	bool added;
	bool touched;		/* compiled again */
	bool taken;		/* removed, and its id went to an added twin */
	int twin;		/* added: the removed entry of its (kind, CIDR) + 1 */
};

/* by_cidr, by_name (n: entries of the name) and by_line (n: entries of
 * the line) index ent[] (lib/hashidx.h).
 */
struct rg_live {
	bool valid;
	char *path;
	char *text, *pending;
	size_t len, pending_len;
	uint8_t sha[32];
	__u64 gen;
	struct rg_encap enc;
	__u32 gen_flags;	/* the plan's RG_GEN_UNREADABLE_PASS */
	struct live_ent *ent;
	int nent, cap;		/* dead entries included */
	int nlive;
	struct rg_hidx by_cidr, by_name, by_line;
	int *sorted;		/* live entries by (address, length) */
	int nsorted, capsorted;
	int lencount[129];
	unsigned char *used;	/* bucket ids taken (RG_MAX_BUCKETS) */
	/* the change being made */
	int *gone;		/* entries removed */
	int ngone, capgone;
	int *added;		/* entries added */
	int nadded, capadded;
	int *affected;
	int naffected, capaffected;
	struct rg_trie_entry *set;
	struct rg_lpm_key *del;
	struct rg_bucket_info *fresh, *kept;
	__u32 *fresh_ids, *kept_ids, *retired;
};

/* --- hashing ---------------------------------------------------------- */

static __u64 hash_cidr(const struct rg_cidr *c)
{
	__u64 h = rg_hash_bytes(RG_HASH_SEED, c->addr, 16);

	return rg_hash_mix(rg_hash_bytes(h ^ c->v4, &c->len, 1));
}

/* --- lookups ----------------------------------------------------------- */

static struct rg_hslot *find_cidr(const struct rg_live *lv, const struct rg_cidr *c)
{
	__u64 h = hash_cidr(c);
	struct rg_hslot *s;

	rg_hidx_for_each(s, &lv->by_cidr, h) {
		const struct rg_cidr *o = &lv->ent[s->id].e.cidr;

		if (o->len == c->len && o->v4 == c->v4 && !memcmp(o->addr, c->addr, 16))
			return s;
	}
	return NULL;
}

static struct rg_hslot *find_name(const struct rg_live *lv, const char *name)
{
	__u64 h = rg_hash_str(name);
	struct rg_hslot *s;

	rg_hidx_for_each(s, &lv->by_name, h)
		if (!strcmp(lv->ent[s->id].e.name, name))
			return s;
	return NULL;
}

static struct rg_hslot *find_line(const struct rg_live *lv, __u64 h)
{
	return rg_hidx_first(&lv->by_line, h);
}

/* The live entry of c's nearest ancestor (same family, shorter), or -1:
 * one probe per prefix length the plan has.
 */
static int nearest_ancestor(const struct rg_live *lv, const struct rg_cidr *c)
{
	int floor = c->v4 ? 96 : 0;

	for (int len = c->len - 1; len >= floor; len--) {
		struct rg_cidr up = { .len = len, .v4 = c->v4 };
		struct rg_hslot *s;

		if (!lv->lencount[len])
			continue;
		for (int i = 0; i < 16; i++) {
			int bits = len - 8 * i;

			up.addr[i] = bits >= 8 ? c->addr[i] :
				     bits <= 0 ? 0 : c->addr[i] & (0xff << (8 - bits));
		}
		s = find_cidr(lv, &up);
		if (s && !lv->ent[s->id].gone)
			return s->id;
	}
	return -1;
}

/* The first position in sorted whose CIDR is not below c. */
static int sorted_pos(const struct rg_live *lv, const struct rg_cidr *c)
{
	int lo = 0, hi = lv->nsorted;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (rg_cidr_cmp(&lv->ent[lv->sorted[mid]].e.cidr, c) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* --- building ---------------------------------------------------------- */

static void info_of(const struct rg_live *lv, int idx, struct rg_bucket_info *info)
{
	const struct live_ent *le = &lv->ent[idx];
	struct rg_lpm_key key;

	rg_key_of(&le->e.cidr, &key);
	rg_bucket_info_of(&le->e, &key, le->val, info);
}

static int cmp_ent_idx(const void *a, const void *b, void *arg)
{
	const struct live_ent *ent = arg;

	return rg_cidr_cmp(&ent[*(const int *)a].e.cidr, &ent[*(const int *)b].e.cidr);
}

/* Each line of text: where it starts (starts[i], starts[n] = len + 1). */
static int line_starts(const char *text, size_t len, size_t **out)
{
	size_t n = 0, cap = 0, *v = NULL;

	for (size_t at = 0; at <= len;) {
		const char *nl = memchr(text + at, '\n', len - at);

		if (RG_GROW(v, n, cap, 1024))
			return -ENOMEM;
		v[n++] = at;
		if (!nl)
			break;
		at = nl - text + 1;
	}
	if (RG_GROW(v, n, cap, 1))
		return -ENOMEM;
	v[n] = len + 1;
	*out = v;
	return n;
}

static __u64 line_hash(const char *text, size_t from, size_t to)
{
	return rg_hash_bytes(RG_HASH_SEED, text + from, to - from);
}

void rg_live_drop(struct rg_live *lv)
{
	lv->valid = false;
	lv->pending = NULL;
}

static int index_entry(struct rg_live *lv, int idx)
{
	struct live_ent *le = &lv->ent[idx];
	struct rg_hslot *s = find_name(lv, le->e.name);

	lv->lencount[le->e.cidr.len]++;
	lv->nlive++;
	if (s) {
		s->n++;
	} else if (rg_hidx_add(&lv->by_name, rg_hash_str(le->e.name), idx, 1)) {
		return -ENOMEM;
	}
	return rg_hidx_add(&lv->by_cidr, hash_cidr(&le->e.cidr), idx, 0);
}

int rg_live_reset(struct rg_live *lv, const struct rg_plan *plan, const char *path,
		  const char *text, size_t len, const __u32 *ids, __u64 gen)
{
	size_t *starts = NULL;
	int nlines, n = plan->nentries, err = -ENOMEM;

	rg_live_drop(lv);
	lv->nent = lv->nlive = lv->nsorted = 0;
	memset(lv->lencount, 0, sizeof(lv->lencount));
	free(lv->text);
	free(lv->path);
	lv->text = malloc(len ? len : 1);
	lv->path = strdup(path);
	lv->len = len;
	if (!lv->text || !lv->path)
		return -ENOMEM;
	memcpy(lv->text, text, len);
	memcpy(lv->sha, plan->sha256, sizeof(lv->sha));
	lv->gen = gen;
	for (int i = 0; i < RG_ENCAP_PORTS; i++) {
		lv->enc.vxlan[i] = htons(plan->encap.vxlan[i]);
		lv->enc.geneve[i] = htons(plan->encap.geneve[i]);
	}
	lv->gen_flags = plan->unreadable_pass ? RG_GEN_UNREADABLE_PASS : 0;
	free(lv->ent);
	free(lv->sorted);
	lv->cap = n + 1024;
	lv->ent = calloc(lv->cap, sizeof(*lv->ent));
	lv->capsorted = lv->cap;
	lv->sorted = malloc(lv->capsorted * sizeof(*lv->sorted));
	if (!lv->used)
		lv->used = malloc(RG_MAX_BUCKETS);
	nlines = line_starts(text, len, &starts);
	if (!lv->ent || !lv->sorted || !lv->used || nlines < 0 ||
	    rg_hidx_init(&lv->by_cidr, n) || rg_hidx_init(&lv->by_name, n) ||
	    rg_hidx_init(&lv->by_line, n))
		goto out;
	memset(lv->used, 0, RG_MAX_BUCKETS);
	lv->used[RG_BUCKET_UNPLANNED] = 1;
	for (int i = 0; i < n; i++) {
		struct live_ent *le = &lv->ent[i];
		int line = plan->entries[i].line;

		le->e = plan->entries[i];
		le->id = ids[i];
		le->val = (struct rg_lpm_val){ .bucket = ids[le->e.bucket_of],
					       .breaks = le->e.breaks };
		lv->used[ids[i]] = 1;
		le->line = line >= 1 && line <= nlines ?
			   line_hash(text, starts[line - 1], starts[line] - 1) : 0;
		/* the entries of one line stand together */
		if (i && plan->entries[i - 1].line == line) {
			find_line(lv, le->line)->n++;
		} else if (rg_hidx_add(&lv->by_line, le->line, i, 1)) {
			goto out;
		}
		if (index_entry(lv, i))
			goto out;
		lv->sorted[i] = i;
	}
	lv->nent = lv->nsorted = n;
	qsort_r(lv->sorted, n, sizeof(*lv->sorted), cmp_ent_idx, lv->ent);
	lv->valid = true;
	err = 0;
out:
	free(starts);
	return err;
}

/* The last edit's arrays (rg_delta points into them). */
static void free_edit(struct rg_live *lv)
{
	free(lv->set);
	free(lv->del);
	free(lv->fresh);
	free(lv->kept);
	free(lv->fresh_ids);
	free(lv->kept_ids);
	free(lv->retired);
}

struct rg_live *rg_live_new(void)
{
	return calloc(1, sizeof(struct rg_live));
}

void rg_live_free(struct rg_live *lv)
{
	if (!lv)
		return;
	free(lv->path);
	free(lv->text);
	free(lv->ent);
	free(lv->sorted);
	free(lv->used);
	rg_hidx_free(&lv->by_cidr);
	rg_hidx_free(&lv->by_name);
	rg_hidx_free(&lv->by_line);
	free(lv->gone);
	free(lv->added);
	free(lv->affected);
	free_edit(lv);
	free(lv);
}

__u64 rg_live_generation(const struct rg_live *lv)
{
	return lv->gen;
}

/* --- the change -------------------------------------------------------- */

/* One changed line of the old or the new text. */
struct cline {
	__u64 h;
	size_t from, to;	/* without its newline */
	bool entries;		/* a zone or prefix line (else host, lifeline, ...) */
	bool matched;
};

static int cmp_cline(const void *a, const void *b)
{
	const struct cline *x = a, *y = b;

	return x->h < y->h ? -1 : x->h > y->h;
}

/* 1: a zone or prefix line; 0: blank or a comment; -1: anything else. */
static int line_kind(const char *s, size_t n)
{
	size_t i = 0, w;

	while (i < n && strchr(" \t\r\v\f", s[i]))
		i++;
	if (i == n || s[i] == '#')
		return 0;
	for (w = i; w < n && !strchr(" \t\r\v\f#", s[w]); w++)
		;
	if ((w - i == 4 && !memcmp(s + i, "zone", 4)) || (w - i == 6 && !memcmp(s + i, "prefix", 6)))
		return 1;
	return -1;
}

/* The lines of text[from, to) (whole lines) but blank and comment ones,
 * or -EAGAIN for too many.
 */
static int changed_lines(const char *text, size_t from, size_t to, struct cline **out)
{
	struct cline *v = NULL;
	int n = 0, cap = 0;

	*out = NULL;
	for (size_t at = from; at < to;) {
		const char *nl = memchr(text + at, '\n', to - at);
		size_t end = nl ? (size_t)(nl - text) : to;
		int k = line_kind(text + at, end - at);

		if (n == LIVE_MAX_MIDDLE) {
			free(v);
			return -EAGAIN;
		}
		if (k) {
			if (RG_GROW(v, n, cap, 16)) {
				free(v);
				return -ENOMEM;
			}
			v[n++] = (struct cline){ .h = line_hash(text, at, end), .from = at, .to = end,
						 .entries = k > 0 };
		}
		at = end + 1;
	}
	*out = v;
	return n;
}

/* Pairs equal lines of the two sides (moved, not changed). */
static void match_lines(const char *a_text, struct cline *a, int na, const char *b_text,
			struct cline *b, int nb)
{
	int i = 0, j = 0;

	if (na > 1)
		qsort(a, na, sizeof(*a), cmp_cline);
	if (nb > 1)
		qsort(b, nb, sizeof(*b), cmp_cline);
	while (i < na && j < nb) {
		if (a[i].h < b[j].h) {
			i++;
		} else if (a[i].h > b[j].h) {
			j++;
		} else {
			if (a[i].to - a[i].from == b[j].to - b[j].from &&
			    !memcmp(a_text + a[i].from, b_text + b[j].from, a[i].to - a[i].from))
				a[i].matched = b[j].matched = true;
			i++;
			j++;
		}
	}
}

/* The old and new lines between what both texts share at the start and at
 * the end (whole lines on both sides).
 */
static void middle(const char *a, size_t alen, const char *b, size_t blen, size_t *pre,
		   size_t *a_end, size_t *b_end)
{
	size_t p = 0, s = 0, most = alen < blen ? alen : blen;

	/* memcmp block by block first: megabytes of a large plan in a few ms */
	while (p + 4096 <= most && !memcmp(a + p, b + p, 4096))
		p += 4096;
	while (p < most && a[p] == b[p])
		p++;
	while (p && a[p - 1] != '\n')
		p--;
	while (s + 4096 <= most - p && !memcmp(a + alen - s - 4096, b + blen - s - 4096, 4096))
		s += 4096;
	while (s < most - p && a[alen - 1 - s] == b[blen - 1 - s])
		s++;
	/* the shared end starts after a newline on both sides */
	while (s && a[alen - s - 1] != '\n')
		s--;
	*pre = p;
	*a_end = alen - s;
	*b_end = blen - s;
}

/* Marks idx to be compiled again (once). */
static int touch(struct rg_live *lv, int idx)
{
	if (lv->ent[idx].touched)
		return 0;
	if (lv->naffected == LIVE_MAX_AFFECTED)
		return -EAGAIN;
	if (RG_GROW(lv->affected, lv->naffected, lv->capaffected, 64))
		return -ENOMEM;
	lv->ent[idx].touched = true;
	lv->affected[lv->naffected++] = idx;
	return 0;
}

/* Marks everything below c (in sorted, same family) to be compiled again. */
static int touch_below(struct rg_live *lv, const struct rg_cidr *c)
{
	for (int p = sorted_pos(lv, c); p < lv->nsorted; p++) {
		const struct rg_cidr *o = &lv->ent[lv->sorted[p]].e.cidr;
		int err;

		if (!rg_cidr_contains(c, o->addr))
			break;
		if (o->v4 != c->v4 || o->len <= c->len)
			continue;
		err = touch(lv, lv->sorted[p]);
		if (err)
			return err;
	}
	return 0;
}

/* Is there a zone (not gone) containing c or inside it, of c's family, other
 * than the entries of the new lines (checked among themselves)?
 */
static bool zone_overlaps(const struct rg_live *lv, const struct rg_cidr *c)
{
	for (int a = nearest_ancestor(lv, c); a >= 0; a = nearest_ancestor(lv, &lv->ent[a].e.cidr))
		if (lv->ent[a].e.kind == RG_KIND_ZONE)
			return true;
	for (int p = sorted_pos(lv, c); p < lv->nsorted; p++) {
		const struct live_ent *le = &lv->ent[lv->sorted[p]];

		if (!rg_cidr_contains(c, le->e.cidr.addr))
			break;
		if (!le->gone && le->e.kind == RG_KIND_ZONE && le->e.cidr.v4 == c->v4)
			return true;
	}
	return false;
}

static bool cidr_nested(const struct rg_cidr *a, const struct rg_cidr *b)
{
	return a->v4 == b->v4 && (rg_cidr_inside(a, b) || rg_cidr_inside(b, a));
}

/* 1. The new lines' entries, checked against the plan that stays and among
 * themselves; -EAGAIN on any error.
 */
static int check_new(struct rg_live *lv, const struct rg_plan *np, const int *line_of)
{
	if (lv->nlive - lv->ngone + np->nentries > RG_MAX_PLAN ||
	    lv->nlive - lv->ngone + np->nentries == 0)
		return -EAGAIN;
	for (int i = 0; i < np->nentries; i++) {
		const struct rg_entry *e = &np->entries[i];
		struct rg_hslot *s;

		s = find_cidr(lv, &e->cidr);
		if (s && !lv->ent[s->id].gone)
			return -EAGAIN;
		s = find_name(lv, e->name);
		if (s && !lv->ent[s->id].gone)
			return -EAGAIN;
		if (e->kind == RG_KIND_ZONE && zone_overlaps(lv, &e->cidr))
			return -EAGAIN;
		for (int j = 0; j < i; j++) {
			const struct rg_entry *f = &np->entries[j];

			if (!rg_cidr_cmp(&e->cidr, &f->cidr) ||
			    (line_of[i] != line_of[j] && !strcmp(e->name, f->name)) ||
			    (e->kind == RG_KIND_ZONE && f->kind == RG_KIND_ZONE &&
			     cidr_nested(&e->cidr, &f->cidr)))
				return -EAGAIN;
		}
	}
	return 0;
}

static void unindex(struct rg_live *lv, int idx)
{
	struct live_ent *le = &lv->ent[idx];
	struct rg_hslot *s = find_name(lv, le->e.name);
	int p;

	if (s && --s->n == 0)
		rg_hidx_del(s);
	s = find_cidr(lv, &le->e.cidr);
	if (s)
		rg_hidx_del(s);
	p = sorted_pos(lv, &le->e.cidr);
	if (p < lv->nsorted && lv->sorted[p] == idx) {
		memmove(&lv->sorted[p], &lv->sorted[p + 1],
			(lv->nsorted - p - 1) * sizeof(*lv->sorted));
		lv->nsorted--;
	}
	lv->lencount[le->e.cidr.len]--;
	lv->nlive--;	/* its place in lv->ent stays, out of every index */
}

/* 2. Removed entries out, the new ones in (ids of removed twins kept). */
static int apply_lines(struct rg_live *lv, const struct rg_plan *np, const __u64 *hash_of)
{
	for (int g = 0; g < lv->ngone; g++)
		unindex(lv, lv->gone[g]);
	for (int i = 0; i < np->nentries; i++) {
		struct live_ent *le;
		int idx = lv->nent, p, err;

		if (RG_GROW(lv->ent, lv->nent, lv->cap, 1024) ||
		    RG_GROW(lv->sorted, lv->nsorted, lv->capsorted, 1024))
			return -ENOMEM;
		le = &lv->ent[idx];
		memset(le, 0, sizeof(*le));
		le->e = np->entries[i];
		le->line = hash_of[i];
		le->added = true;
		lv->nent++;
		/* a (kind, CIDR) that stays keeps its bucket */
		for (int g = 0; g < lv->ngone; g++) {
			struct live_ent *o = &lv->ent[lv->gone[g]];

			if (!o->taken && o->e.kind == le->e.kind && o->e.cidr.v4 == le->e.cidr.v4 &&
			    !rg_cidr_cmp(&o->e.cidr, &le->e.cidr)) {
				le->id = o->id;
				le->twin = lv->gone[g] + 1;
				o->taken = true;
				break;
			}
		}
		if (i == 0 || hash_of[i] != hash_of[i - 1]) {
			err = rg_hidx_add(&lv->by_line, hash_of[i], idx, 1);
		} else {
			find_line(lv, hash_of[i])->n++;
			err = 0;
		}
		if (err || index_entry(lv, idx))
			return -ENOMEM;
		p = sorted_pos(lv, &le->e.cidr);
		memmove(&lv->sorted[p + 1], &lv->sorted[p], (lv->nsorted - p) * sizeof(*lv->sorted));
		lv->sorted[p] = idx;
		lv->nsorted++;
		if (RG_GROW(lv->added, lv->nadded, lv->capadded, 64))
			return -ENOMEM;
		lv->added[lv->nadded++] = idx;
	}
	return 0;
}

/* 3. Everything the change reaches, compiled again from its nearest
 * ancestor, ancestors first.
 */
static int recompile(struct rg_live *lv)
{
	int err = 0;

	for (int i = 0; i < lv->nadded && !err; i++)
		err = touch(lv, lv->added[i]) ?: touch_below(lv, &lv->ent[lv->added[i]].e.cidr);
	for (int g = 0; g < lv->ngone && !err; g++)
		err = touch_below(lv, &lv->ent[lv->gone[g]].e.cidr);
	if (err)
		return err;
	qsort_r(lv->affected, lv->naffected, sizeof(*lv->affected), cmp_ent_idx, lv->ent);
	for (int i = 0; i < lv->naffected; i++) {
		int idx = lv->affected[i], up = nearest_ancestor(lv, &lv->ent[idx].e.cidr);
		struct live_ent *le = &lv->ent[idx];

		rg_lineage_step(up >= 0 ? &lv->ent[up].e.lin : NULL, &le->e, idx, &le->e.lin);
	}
	return 0;
}

/* New ids for the added entries that kept none: the lowest that no bucket
 * holds and no counter slot still counts for.
 */
static int assign_ids(struct rg_live *lv, const struct rg_maps *m)
{
	unsigned char *used = NULL;
	__u32 next = 1;
	int err = 0;

	for (int i = 0; i < lv->nadded && !err; i++) {
		struct live_ent *le = &lv->ent[lv->added[i]];

		if (le->id)
			continue;
		if (!used) {
			used = malloc(RG_MAX_BUCKETS);
			if (!used)
				return -ENOMEM;
			memcpy(used, lv->used, RG_MAX_BUCKETS);
			err = rg_counted_ids(m, used);
			if (err)
				break;
		}
		err = rg_bucket_id_take(used, &next);
		if (err < 0)
			break;
		lv->used[err] = 1;
		le->id = err;
		err = 0;
	}
	free(used);
	return err;
}

/* 4. The edit: trie entries, names, retired buckets. */
static int make_delta(struct rg_live *lv, struct rg_delta *d)
{
	int n = lv->naffected + lv->ngone + 1;

	free_edit(lv);
	lv->set = calloc(n, sizeof(*lv->set));
	lv->del = calloc(n, sizeof(*lv->del));
	lv->fresh = calloc(n, sizeof(*lv->fresh));
	lv->kept = calloc(n, sizeof(*lv->kept));
	lv->fresh_ids = calloc(n, sizeof(*lv->fresh_ids));
	lv->kept_ids = calloc(n, sizeof(*lv->kept_ids));
	lv->retired = calloc(n, sizeof(*lv->retired));
	if (!lv->set || !lv->del || !lv->fresh || !lv->kept || !lv->fresh_ids || !lv->kept_ids ||
	    !lv->retired)
		return -ENOMEM;
	memset(d, 0, sizeof(*d));
	d->set = lv->set;
	d->del = lv->del;
	d->fresh = lv->fresh;
	d->kept = lv->kept;
	d->fresh_ids = lv->fresh_ids;
	d->kept_ids = lv->kept_ids;
	d->retired = lv->retired;

	for (int i = 0; i < lv->naffected; i++) {
		int idx = lv->affected[i];
		struct live_ent *le = &lv->ent[idx];
		const struct rg_lineage *l = &le->e.lin;
		struct rg_bucket_info was, now;

		/* its name as rg_buckets holds it: its own, or its removed twin's */
		info_of(lv, le->twin ? le->twin - 1 : idx, &was);
		rg_entry_compile(&le->e, idx, l, l->zone >= 0 ? &lv->ent[l->zone].e : NULL);
		le->val = (struct rg_lpm_val){ .bucket = lv->ent[le->e.bucket_of].id,
					       .breaks = le->e.breaks };
		info_of(lv, idx, &now);
		if (le->added && !le->twin) {
			d->set[d->nset++] = (struct rg_trie_entry){ .key = now.cidr, .val = le->val };
			d->fresh_ids[d->nfresh] = le->id;
			d->fresh[d->nfresh++] = now;
			continue;
		}
		if (memcmp(&was.trie, &now.trie, sizeof(now.trie)))
			d->set[d->nset++] = (struct rg_trie_entry){ .key = now.cidr, .val = le->val };
		if (memcmp(&was, &now, sizeof(now))) {
			d->kept_ids[d->nkept] = le->id;
			d->kept[d->nkept++] = now;
		}
	}
	for (int g = 0; g < lv->ngone; g++) {
		struct live_ent *o = &lv->ent[lv->gone[g]];

		if (!find_cidr(lv, &o->e.cidr))
			rg_key_of(&o->e.cidr, &d->del[d->ndel++]);
		if (!o->taken)
			d->retired[d->nretired++] = o->id;
	}
	d->kept_ids[d->nkept] = RG_BUCKET_UNPLANNED;
	d->kept[d->nkept].kind = RG_KIND_UNPLANNED;
	snprintf(d->kept[d->nkept++].name, sizeof(d->kept[0].name), "unplanned");
	rg_lengths_from(lv->lencount, lv->nlive, &d->ls);
	d->enc = lv->enc;
	d->gen_flags = lv->gen_flags;
	d->nentries = lv->nlive;
	d->sha256 = lv->sha;
	d->from = lv->gen;
	return 0;
}

int rg_live_change(struct rg_live *lv, const struct rg_maps *m, const char *path,
		   char *text, size_t len, struct rg_delta *d)
{
	struct cline *a = NULL, *b = NULL;
	struct rg_plan np = {};
	struct sha256_ctx sha;
	size_t pre, a_end, b_end;
	__u64 *hash_of = NULL;
	int *line_of = NULL;
	int na, nb, err = -EAGAIN;

	lv->pending = NULL;
	if (!lv->valid || strcmp(lv->path, path) || !len || text[len - 1] != '\n')
		return -EAGAIN;
	if (len == lv->len && !memcmp(text, lv->text, len))
		return 1;
	middle(lv->text, lv->len, text, len, &pre, &a_end, &b_end);
	na = changed_lines(lv->text, pre, a_end, &a);
	nb = na < 0 ? na : changed_lines(text, pre, b_end, &b);
	if (na < 0 || nb < 0) {
		err = na < 0 ? na : nb;
		goto out;
	}
	match_lines(lv->text, a, na, text, b, nb);
	/* only zone and prefix lines may change, and not too many */
	{
		int changed = 0;

		for (int i = 0; i < na + nb; i++) {
			const struct cline *l = i < na ? &a[i] : &b[i - na];

			if (l->matched)
				continue;
			if (!l->entries || ++changed > LIVE_MAX_LINES)
				goto out;
		}
	}

	/* the removed lines' entries */
	lv->ngone = lv->nadded = lv->naffected = 0;
	for (int i = 0; i < na; i++) {
		struct rg_hslot *s;

		if (a[i].matched)
			continue;
		s = find_line(lv, a[i].h);
		if (!s)
			goto undo;
		for (int k = 0; k < s->n; k++) {
			if (RG_GROW(lv->gone, lv->ngone, lv->capgone, 64)) {
				err = -ENOMEM;
				goto undo;
			}
			lv->gone[lv->ngone++] = s->id + k;
			lv->ent[s->id + k].gone = true;
		}
	}
	/* the added lines, parsed one by one */
	for (int i = 0; i < nb; i++) {
		struct rg_plan one;
		int n0 = np.nentries;
		struct rg_entry *grown;

		if (b[i].matched)
			continue;
		if (rg_plan_parse_entries(text + b[i].from, b[i].to - b[i].from, 0, &one)) {
			rg_plan_free(&one);
			goto undo;
		}
		grown = realloc(np.entries, (n0 + one.nentries) * sizeof(*grown));
		if (grown)
			np.entries = grown;
		if (!grown || !(hash_of = realloc(hash_of, (n0 + one.nentries) * sizeof(*hash_of))) ||
		    !(line_of = realloc(line_of, (n0 + one.nentries) * sizeof(*line_of)))) {
			rg_plan_free(&one);
			err = -ENOMEM;
			goto undo;
		}
		for (int k = 0; k < one.nentries; k++) {
			np.entries[n0 + k] = one.entries[k];
			hash_of[n0 + k] = b[i].h;
			line_of[n0 + k] = i;
		}
		np.nentries = n0 + one.nentries;
		rg_plan_free(&one);
	}
	if (check_new(lv, &np, line_of))
		goto undo;

	/* from here the live plan is the new one: any failure drops it */
	lv->pending = text;
	lv->pending_len = len;
	sha256_init(&sha);
	sha256_update(&sha, len, (const uint8_t *)text);
	sha256_digest(&sha, sizeof(lv->sha), lv->sha);
	for (int i = 0; i < na; i++) {
		struct rg_hslot *s = a[i].matched ? NULL : find_line(lv, a[i].h);

		if (s)
			rg_hidx_del(s);
	}
	err = apply_lines(lv, &np, hash_of) ?: recompile(lv) ?: assign_ids(lv, m) ?:
	      make_delta(lv, d);
	for (int i = 0; i < lv->naffected; i++)
		lv->ent[lv->affected[i]].touched = false;
	for (int i = 0; i < lv->nadded; i++) {
		lv->ent[lv->added[i]].added = false;
		lv->ent[lv->added[i]].twin = 0;
	}
	if (err) {
		rg_live_drop(lv);
		if (err != -ENOMEM)
			err = -EAGAIN;
	}
	goto out;
undo:
	for (int g = 0; g < lv->ngone; g++)
		lv->ent[lv->gone[g]].gone = false;
	lv->ngone = 0;
out:
	free(a);
	free(b);
	free(hash_of);
	free(line_of);
	free(np.entries);
	return err;
}

void rg_live_commit(struct rg_live *lv, __u64 gen)
{
	if (!lv->pending)
		return;
	for (int g = 0; g < lv->ngone; g++) {
		struct live_ent *o = &lv->ent[lv->gone[g]];

		/* its name is gone from rg_buckets: the id is free again */
		if (!o->taken)
			lv->used[o->id] = 0;
	}
	free(lv->text);
	lv->text = lv->pending;
	lv->len = lv->pending_len;
	lv->pending = NULL;
	lv->gen = gen;
	lv->ngone = lv->nadded = lv->naffected = 0;
}
