// SPDX-License-Identifier: GPL-2.0-only
/*
 * install.c - install a compiled plan.
 *
 * The datapath reads rg_plan_gen once per packet and uses slot (gen & 1):
 * the trie in rg_plan, or when rg_plan_gen says so (large plans) the same
 * entries by exact CIDR in rg_exact and the lengths to probe them with in
 * rg_lengths; and the address cache slots tagged with that generation.
 * A sync from generation g to n (n and g of opposite parity):
 *  1. gives every entry a bucket id: the old id when its (kind, CIDR) stays,
 *     else an id that no live bucket uses and no per-CPU counter slot
 *     still counts for, with its counters zeroed;
 *  2. writes the new buckets' names;
 *  3. brings the idle slot (n & 1) to the new plan: when both slots hold
 *     plan g (rg_meta.twin_gen), by applying the difference to its maps,
 *     else by building new ones and putting them in the slot;
 *  4. moves rg_plan_gen to n: from here every packet uses the new plan;
 *  5. waits until no program still runs with generation g (the kernel waits
 *     for running programs when a map-in-map slot is updated), then brings
 *     the other slot to the new plan the same way: the slots are twins;
 *  6. rewrites the kept buckets' names that changed, writes rg_meta, and
 *     drops the names of the buckets the plan no longer has.
 * A crash leaves g or n in force, each with a complete slot; twin_gen then
 * does not match and the next sync rebuilds instead of editing. A kept CIDR
 * never loses its id or counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include "lib/hashidx.h"
#include "lib/huge.h"
#include "kernel/slots.h"
#include "lib/testhook.h"


/* Above this share of the plan changing, building afresh is cheaper than
 * editing entry by entry; small plans are always edited (a rebuild costs
 * a wait for running programs per map put in place).
 */
#define RG_EDIT_MAX_SHARE	2
#define RG_EDIT_ALWAYS		4096

/* The old buckets are rg_index records (as read, or made from the names),
 * with these flags each.
 */
enum {
	OLD_IN_PLAN	= 1 << 0,	/* in the plan in force (what twin slots hold) */
	OLD_KEPT	= 1 << 1,	/* in the new plan too */
};

/* Tells a renamed bucket (or a zone renamed around it) from a kept one
 * without the names: 64 bits of the whole name and zone arrays.
 */
static __u64 names_digest(const char name[RG_NAME_LEN], const char zone[RG_ZONE_LEN])
{
	__u64 h = 0x9e3779b97f4a7c15ull, w;

	for (int i = 0; i < RG_NAME_LEN; i += 8) {
		memcpy(&w, name + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (int i = 0; i < RG_ZONE_LEN; i += 8) {
		memcpy(&w, zone + i, 8);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 29;
	}
	return h;
}

_Static_assert(RG_NAME_LEN % 8 == 0 && RG_ZONE_LEN % 8 == 0, "names_digest reads words");

/* Every bit of the key reaches the low bits the index uses: plans differ
 * in the last bytes of their addresses, which a plain multiply only moves up.
 */
static __u64 index_hash(const __u8 addr[16], __u32 prefixlen, __u32 kind)
{
	__u64 a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return rg_hash_mix((a ^ ((__u64)prefixlen << 32 | kind)) * 0x9e3779b97f4a7c15ull ^ b);
}

static bool rec_is(const struct rg_index_entry *r, const struct rg_lpm_key *key, __u32 kind)
{
	return r->kind == kind && r->prefixlen == key->prefixlen && !memcmp(r->addr, key->addr, 16);
}

/* The old buckets by (kind, CIDR), so a sync is linear in the plan's size. */
static int index_build(struct rg_hidx *ix, const struct rg_index_entry *old, int n)
{
	int err = rg_hidx_init(ix, n);

	for (int i = 0; i < n && !err; i++)
		err = rg_hidx_add(ix, index_hash(old[i].addr, old[i].prefixlen, old[i].kind), i, 0);
	return err;
}

/* Index of the old bucket of (kind, key), or -1. */
static int index_find(const struct rg_hidx *ix, const struct rg_index_entry *old,
		      const struct rg_lpm_key *key, __u32 kind)
{
	struct rg_hslot *s;

	rg_hidx_for_each(s, ix, index_hash(key->addr, key->prefixlen, kind))
		if (rec_is(&old[s->id], key, kind))
			return s->id;
	return -1;
}

/* One plan installation: what the steps above share. */
struct install {
	const struct rg_maps *m;
	const struct rg_plan *plan;
	const char *plan_path;
	int nent;
	struct rg_meta meta;
	__u32 cur;		/* the generation in force (rg_plan_gen) */
	__u64 gen;		/* the new one */
	__u32 gen32;
	bool twins;		/* both slots hold the plan in force: edit them */
	bool unattached;	/* no program runs with the maps yet (attach) */
	/* every bucket rg_buckets knows (from rg_index when it is valid) */
	int nold;
	int nprev;		/* how many of them the plan in force has */
	struct rg_index_entry *old;	/* in was_index when it is valid */
	unsigned char *old_flags;	/* OLD_* */
	struct rg_hidx ix;		/* built at the first entry not in old order */
	unsigned char *used;	/* bucket ids taken */
	/* the new plan's entries: old bucket (or -1), bucket id, trie entry */
	int *hit;
	__u32 *entry_id;
	struct edit ed;		/* from the plan in force, for twins */
	/* names to write: new buckets (2.), kept ones that changed (6.); as
	 * infos (rg_install_delta) or as the plan entries to make them from
	 * (-1: the unplanned bucket), a chunk at a time
	 */
	struct rg_bucket_info *fresh, *keptv;
	int *fresh_idx, *kept_idx;
	__u32 *fresh_ids, *kept_ids;
	int fresh_n, kept_n;
	/* rg_index's records: as read (when valid), and for the new plan
	 * those that differ from them (own[] says which: a bit a record)
	 */
	struct rg_index_entry *was_index, *index;
	unsigned char *own;
	__u32 *retired;		/* ids whose names go (6.) */
	int nretired;
	const uint8_t *sha256;	/* the plan's */
	struct slot_maps built[2];
	struct build build;	/* of built, when not twins */
	struct rg_lengths ls;
	struct rg_encap enc;	/* the plan's ports, network order */
	__u32 gen_flags;	/* the plan's rg_gen flags but RG_GEN_EXACT */
};

/* The new generation: past rg_meta's, and of the other parity than the one
 * in force, which may be ahead of rg_meta (a sync that stopped after its
 * switch).
 */
static int pick_generation(struct install *in)
{
	struct rg_gen g = {};
	__u32 zero = 0;
	int err;

	err = rg_meta_read(in->m, &in->meta);
	if (err)
		return err;
	if (!bpf_map_lookup_elem(in->m->plan_gen, &zero, &g))
		in->cur = g.gen;
	in->gen = in->meta.generation + 1;
	if ((__u32)in->gen == in->cur)
		in->gen++;
	if (((__u32)in->gen & 1) == (in->cur & 1))
		in->gen++;
	in->gen32 = (__u32)in->gen;
	in->twins = in->meta.twin_gen && in->meta.twin_gen == in->meta.generation &&
		    in->cur == (__u32)in->meta.generation;
	return 0;
}

/* Records (the head included) of an index of n entries, in whole chunks. */
static size_t index_records(int n)
{
	return (size_t)(n + RG_INDEX_PER_CHUNK) / RG_INDEX_PER_CHUNK * RG_INDEX_PER_CHUNK;
}

/* The buckets of the plan in force from rg_index, when it describes that
 * plan (the sync that installed it ran to its end); 0 if it does not.
 * Keeps what it read in in->was_index.
 */
static int read_index(struct install *in)
{
	const struct rg_index_head *head;
	__u32 n = in->meta.nentries;
	size_t nrec;

	if (n > RG_MAX_PLAN || !in->meta.generation)
		return 0;
	nrec = index_records(n);
	in->was_index = rg_huge_calloc(nrec, sizeof(*in->was_index));
	if (!in->was_index)
		return -ENOMEM;
	head = (const struct rg_index_head *)in->was_index;
	for (__u32 c = 0; c < nrec / RG_INDEX_PER_CHUNK; c++) {
		if (bpf_map_lookup_elem(in->m->index, &c, in->was_index + c * RG_INDEX_PER_CHUNK))
			goto stale;
		if (c == 0 && (head->magic != RG_INDEX_MAGIC ||
			       head->generation != in->meta.generation || head->count != n))
			goto stale;
	}
	in->old = in->was_index + 1;
	in->old_flags = rg_huge_calloc(n + 1, 1);
	if (!in->old_flags)
		return -ENOMEM;
	memset(in->old_flags, OLD_IN_PLAN, n);
	for (__u32 i = 0; i < n; i++)
		if (in->old[i].id >= RG_MAX_BUCKETS)
			in->old[i].id = RG_BUCKET_UNPLANNED;
	in->nold = in->nprev = n;
	return 1;
stale:
	rg_huge_free(in->was_index);
	in->was_index = NULL;
	return 0;
}

/* Every bucket rg_buckets knows, whatever its generation (a stopped sync
 * may have left names of either plan).
 */
static int read_names(struct install *in)
{
	struct rg_bucket_info *infos = NULL;
	__u32 *ids = NULL;
	int n;

	n = read_buckets(in->m, in->meta.nbuckets, &ids, &infos);
	if (n >= 0) {
		in->old = rg_huge_calloc(n + 1, sizeof(*in->old));
		in->old_flags = rg_huge_calloc(n + 1, 1);
		if (!in->old || !in->old_flags)
			n = -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		struct rg_index_entry *o = &in->old[i];

		memcpy(o->addr, infos[i].cidr.addr, 16);
		o->prefixlen = infos[i].cidr.prefixlen;
		o->kind = infos[i].kind;
		o->id = ids[i] < RG_MAX_BUCKETS ? ids[i] : RG_BUCKET_UNPLANNED;
		o->trie = infos[i].trie;
		o->generation = infos[i].generation;
		o->digest = names_digest(infos[i].name, infos[i].zone);
		/* what both slots hold, when they are twins */
		if (infos[i].generation <= in->meta.generation &&
		    infos[i].kind != RG_KIND_UNPLANNED) {
			in->old_flags[i] = OLD_IN_PLAN;
			in->nprev++;
		}
	}
	rg_huge_free(ids);
	rg_huge_free(infos);
	if (n < 0)
		return n;
	in->nold = n;
	return 0;
}

/* The buckets of the plan in force (or every name rg_buckets holds),
 * indexed by (kind, CIDR); and the arrays the other steps fill.
 */
static int read_old(struct install *in)
{
	int nent = in->nent, err;

	err = read_index(in);
	if (!err)
		err = read_names(in);
	if (err < 0)
		return err;
	in->used = rg_huge_calloc(RG_MAX_BUCKETS, 1);
	in->hit = rg_huge_calloc(nent + 1, sizeof(*in->hit));
	in->entry_id = rg_huge_calloc(nent, sizeof(*in->entry_id));
	/* what a sync changes: most often a few entries */
	in->fresh_idx = rg_sparse_calloc(nent + 1, sizeof(*in->fresh_idx));
	in->fresh_ids = rg_sparse_calloc(nent + 1, sizeof(*in->fresh_ids));
	in->kept_idx = rg_sparse_calloc(nent + 1, sizeof(*in->kept_idx));
	in->kept_ids = rg_sparse_calloc(nent + 1, sizeof(*in->kept_ids));
	/* huge pages are taken at their first touch: a sync that changes
	 * little writes few records, and touches few
	 */
	in->index = rg_huge_calloc(index_records(nent), sizeof(*in->index));
	in->own = calloc(index_records(nent) / 8 + 1, 1);
	in->ed.set = rg_sparse_calloc(nent + 1, sizeof(*in->ed.set));
	in->ed.del = rg_sparse_calloc(in->nold + 1, sizeof(*in->ed.del));
	in->retired = rg_sparse_calloc(in->nold + 1, sizeof(*in->retired));
	if (!in->used || !in->hit || !in->entry_id || !in->fresh_idx || !in->own ||
	    !in->fresh_ids || !in->kept_idx || !in->kept_ids || !in->index ||
	    !in->ed.set || !in->ed.del || !in->retired)
		return -ENOMEM;

	for (int i = 0; i < in->nold; i++)
		in->used[in->old[i].id] = 1;
	in->used[RG_BUCKET_UNPLANNED] = 1;
	return 0;
}

/* Plans change little: an entry is most often the old one after the last
 * one found, or a few further on (entries removed). One found neither way
 * waits in a short list; past PENDING_MAX of them the old buckets are
 * indexed by hash, as they are for the few left at the end when the
 * buckets still unmatched are too many to compare with them one by one.
 */
#define LOOKAHEAD	4
#define PENDING_MAX	64
#define PAIRS_MAX	65536

static void found(struct install *in, int i, int h)
{
	in->hit[i] = h;
	if (h < 0)
		return;
	in->old_flags[h] |= OLD_KEPT;
	in->entry_id[i] = in->old[h].id;
}

/* The old bucket of entry i by the index (built at the first need). */
static int find_indexed(struct install *in, int i)
{
	const struct rg_entry *e = &in->plan->entries[i];
	struct rg_lpm_key key;
	int err;

	if (!in->ix.slot) {
		err = index_build(&in->ix, in->old, in->nold);
		if (err)
			return err;
	}
	rg_key_of(&e->cidr, &key);
	found(in, i, index_find(&in->ix, in->old, &key, e->kind));
	return 0;
}

/* The pending entries (pend[], n of them): against the old buckets no
 * entry took, one by one when that is few comparisons, else by the index.
 */
static int resolve_pending(struct install *in, const int *pend, int n)
{
	int unmatched = 0, err;

	for (int j = 0; j < in->nold && (long)unmatched * n <= PAIRS_MAX; j++)
		unmatched += !(in->old_flags[j] & OLD_KEPT);
	if (in->ix.slot || (long)unmatched * n > PAIRS_MAX) {
		for (int k = 0; k < n; k++) {
			err = find_indexed(in, pend[k]);
			if (err)
				return err;
		}
		return 0;
	}
	for (int k = 0; k < n; k++) {
		const struct rg_entry *e = &in->plan->entries[pend[k]];
		struct rg_lpm_key key;
		int h = -1;

		rg_key_of(&e->cidr, &key);
		for (int j = 0; j < in->nold && h < 0; j++)
			if (!(in->old_flags[j] & OLD_KEPT) && rec_is(&in->old[j], &key, e->kind))
				h = j;
		found(in, pend[k], h);
	}
	return 0;
}

/* 1. ids: kept ones first; new ones only once the caches are known. */
static int assign_ids(struct install *in)
{
	int pend[PENDING_MAX], npend = 0, err;
	__u32 next_free = 1;
	bool need_new = false;

	for (int i = 0, guess = 0; i < in->nent; i++) {
		const struct rg_entry *e = &in->plan->entries[i];
		struct rg_lpm_key key;
		int h = -1;

		in->hit[i] = -1;
		if (e->kind == RG_KIND_UNPLANNED)
			continue;
		rg_key_of(&e->cidr, &key);
		for (int d = 0; d < LOOKAHEAD && guess + d < in->nold && h < 0; d++)
			if (rec_is(&in->old[guess + d], &key, e->kind))
				h = guess + d;
		if (h >= 0) {
			found(in, i, h);
			guess = h + 1;
			continue;
		}
		if (in->ix.slot) {
			err = find_indexed(in, i);
			if (err)
				return err;
			if (in->hit[i] >= 0)
				guess = in->hit[i] + 1;
			continue;
		}
		pend[npend++] = i;
		if (npend == PENDING_MAX) {
			err = index_build(&in->ix, in->old, in->nold) ?:
			      resolve_pending(in, pend, npend);
			if (err)
				return err;
			npend = 0;
		}
	}
	err = resolve_pending(in, pend, npend);
	if (err)
		return err;
	/* a kept bucket without a valid id takes a new one too */
	for (int i = 0; i < in->nent && !need_new; i++)
		need_new = !in->entry_id[i];
	if (!need_new)
		return 0;
	err = rg_counted_ids(in->m, in->used);
	if (err)
		return err;
	for (int i = 0; i < in->nent; i++) {
		int id;

		if (in->entry_id[i])
			continue;
		id = rg_bucket_id_take(in->used, &next_free);
		if (id < 0)
			return id;
		in->entry_id[i] = id;
	}
	return 0;
}

int rg_bucket_id_take(unsigned char *used, __u32 *next)
{
	while (*next < RG_MAX_BUCKETS && used[*next])
		(*next)++;
	if (*next >= RG_MAX_BUCKETS)
		return -E2BIG;
	used[*next] = 1;
	return (*next)++;
}

/* Plan entry i as the tries hold it, once the ids are known. */
static void trie_entry_of(const struct install *in, int i, struct rg_trie_entry *t)
{
	const struct rg_entry *e = &in->plan->entries[i];

	rg_key_of(&e->cidr, &t->key);
	t->val.bucket = in->entry_id[e->bucket_of];
	t->val.breaks = e->breaks;
}

/* Record k of the new index: kept in in->index when it differs from the
 * one read (or there was none).
 */
static void index_put(struct install *in, size_t k, const struct rg_index_entry *x)
{
	if (in->was_index && k < index_records(in->nold) && !memcmp(&in->was_index[k], x, sizeof(*x)))
		return;
	in->index[k] = *x;
	in->own[k / 8] |= 1u << (k % 8);
}

/* The new plan's entries, the names of its buckets, and (twins) the edit
 * from the plan in force: entries added or changed, then removed.
 */
static int plan_entries(struct install *in)
{
	int nent = in->nent, count[129] = {};

	for (int i = 0; i < nent; i++) {
		const struct rg_entry *e = &in->plan->entries[i];
		const struct rg_index_entry *was = in->hit[i] >= 0 ? &in->old[in->hit[i]] : NULL;
		struct rg_index_entry x = {};
		struct rg_trie_entry t;
		__u64 digest;

		trie_entry_of(in, i, &t);
		count[t.key.prefixlen <= 128 ? t.key.prefixlen : 128]++;
		if (!was || !(in->old_flags[in->hit[i]] & OLD_IN_PLAN) ||
		    memcmp(&was->trie, &t.val, sizeof(t.val)))
			in->ed.set[in->ed.nset++] = t;
		digest = names_digest(e->name, e->zone);
		memcpy(x.addr, t.key.addr, 16);
		x.prefixlen = t.key.prefixlen;
		x.kind = e->kind;
		x.id = in->entry_id[i];
		x.trie = t.val;
		x.digest = digest;
		x.generation = in->gen;
		/* a kept bucket's name is rewritten only when it changes */
		if (was && !memcmp(&was->trie, &t.val, sizeof(t.val)) && was->digest == digest) {
			x.generation = was->generation;
			index_put(in, i + 1, &x);
			continue;
		}
		index_put(in, i + 1, &x);
		if (was) {
			in->kept_idx[in->kept_n] = i;
			in->kept_ids[in->kept_n++] = in->entry_id[i];
		} else {
			in->fresh_idx[in->fresh_n] = i;
			in->fresh_ids[in->fresh_n++] = in->entry_id[i];
		}
	}
	for (int i = 0; i < in->nold; i++) {
		struct rg_lpm_key *k = &in->ed.del[in->ed.ndel];

		if (in->old_flags[i] & OLD_KEPT)
			continue;
		if (in->old_flags[i] & OLD_IN_PLAN) {
			memset(k, 0, sizeof(*k));
			k->prefixlen = in->old[i].prefixlen;
			memcpy(k->addr, in->old[i].addr, 16);
			in->ed.ndel++;
		}
		if (in->old[i].id != RG_BUCKET_UNPLANNED)
			in->retired[in->nretired++] = in->old[i].id;
	}
	rg_lengths_from(count, nent, &in->ls);
	for (int i = 0; i < RG_ENCAP_PORTS; i++) {
		in->enc.vxlan[i] = htons(in->plan->encap.vxlan[i]);
		in->enc.geneve[i] = htons(in->plan->encap.geneve[i]);
	}
	in->gen_flags = in->plan->unreadable_pass ? RG_GEN_UNREADABLE_PASS : 0;
	in->kept_idx[in->kept_n] = -1;
	in->kept_ids[in->kept_n++] = RG_BUCKET_UNPLANNED;
	if (in->twins && nent + in->nprev > RG_EDIT_ALWAYS &&
	    (long)(in->ed.nset + in->ed.ndel) * RG_EDIT_MAX_SHARE > nent + in->nprev)
		in->twins = false;
	return 0;
}

#define NAMES_CHUNK	4096

/* Bucket info of plan entry i (-1: the unplanned bucket), as of the new
 * generation.
 */
static void info_of(const struct install *in, int i, struct rg_bucket_info *info)
{
	memset(info, 0, sizeof(*info));
	info->generation = in->gen;
	if (i < 0) {
		info->kind = RG_KIND_UNPLANNED;
		snprintf(info->name, sizeof(info->name), "unplanned");
		return;
	}
	struct rg_trie_entry t;

	trie_entry_of(in, i, &t);
	rg_bucket_info_of(&in->plan->entries[i], &t.key, t.val, info);
	info->generation = in->gen;
}

void rg_bucket_info_of(const struct rg_entry *e, const struct rg_lpm_key *key,
		       struct rg_lpm_val val, struct rg_bucket_info *info)
{
	memset(info, 0, sizeof(*info));
	info->cidr = *key;
	info->kind = e->kind;
	info->trie = val;
	memcpy(info->name, e->name, sizeof(info->name));
	memcpy(info->zone, e->zone, sizeof(info->zone));
}

/* n names into rg_buckets: infos as given, or made from plan entries idx a
 * chunk at a time (100k of them are 13 MB).
 */
static int write_names(struct install *in, const __u32 *ids, const struct rg_bucket_info *infos,
		       const int *idx, int n)
{
	struct rg_bucket_info *chunk;
	int err = 0;

	if (infos || !n)
		return update_many(in->m->buckets, ids, infos, sizeof(*infos), n);
	chunk = rg_huge_calloc(n < NAMES_CHUNK ? n : NAMES_CHUNK, sizeof(*chunk));
	if (!chunk)
		return -ENOMEM;
	for (int at = 0; at < n && !err; at += NAMES_CHUNK) {
		int k = n - at < NAMES_CHUNK ? n - at : NAMES_CHUNK;

		for (int j = 0; j < k; j++)
			info_of(in, idx[at + j], &chunk[j]);
		err = update_many(in->m->buckets, ids + at, chunk, sizeof(*chunk), k);
	}
	rg_huge_free(chunk);
	return err;
}

/* Counters of n new buckets to zero, a chunk at a time. */
static int zero_counters(struct install *in, const __u32 *ids, int n)
{
	struct rg_bucket_counters *zeros;
	int err = 0;

	if (!n)
		return 0;
	zeros = rg_huge_calloc(n < NAMES_CHUNK ? n : NAMES_CHUNK, sizeof(*zeros));
	if (!zeros)
		return -ENOMEM;
	for (int at = 0; at < n && !err; at += NAMES_CHUNK)
		err = update_many(in->m->bucket_stats, ids + at, zeros, sizeof(*zeros),
				  n - at < NAMES_CHUNK ? n - at : NAMES_CHUNK);
	rg_huge_free(zeros);
	return err;
}

/* 2. names (and zeroed counters) of the new buckets; from here until 6.
 * is done, rg_index no longer says what rg_buckets holds
 */
static int write_new_names(struct install *in)
{
	struct rg_index_entry *chunk = in->was_index ?: in->index, head0 = {};
	__u32 zero = 0;
	int err;

	/* chunk 0 as it was (or anything: it is stale), without its head */
	if (!chunk && !(chunk = calloc(RG_INDEX_PER_CHUNK, sizeof(*chunk))))
		return -ENOMEM;
	head0 = chunk[0];
	memset(&chunk[0], 0, sizeof(chunk[0]));
	err = bpf_map_update_elem(in->m->index, &zero, chunk, BPF_ANY) ? -errno : 0;
	chunk[0] = head0;
	if (chunk != in->was_index && chunk != in->index)
		free(chunk);
	if (err)
		return err;

	err = zero_counters(in, in->fresh_ids, in->fresh_n);
	if (!err)
		err = write_names(in, in->fresh_ids, in->fresh, in->fresh_idx, in->fresh_n);
	return err;
}

/* Rebuilding (not twins): both slots' maps are filled on threads from
 * here, while 2. writes the names. The idle slot, which no program reads,
 * takes its maps as they are built (their waits for running programs pass
 * while the rest is built), once rg_meta says the slots are no twins; so
 * does the other one when nothing runs at all (attach).
 */
static int start_build(struct install *in)
{
	int idle = in->gen32 & 1, put[2] = { idle, in->unattached ? idle ^ 1 : -1 };
	struct rg_lpm_key *keys;
	struct rg_lpm_val *vals;
	int err;

	if (in->twins)
		return 0;
	in->meta.twin_gen = 0;
	err = rg_meta_write(in->m, &in->meta);
	if (err)
		return err;
	keys = rg_huge_calloc(in->nent ?: 1, sizeof(*keys));
	vals = rg_huge_calloc(in->nent ?: 1, sizeof(*vals));
	if (!keys || !vals) {
		rg_huge_free(keys);
		rg_huge_free(vals);
		return -ENOMEM;
	}
	for (int i = 0; i < in->nent; i++) {
		struct rg_trie_entry t;

		trie_entry_of(in, i, &t);
		keys[i] = t.key;
		vals[i] = t.val;
	}
	return build_begin(keys, vals, in->nent, in->built, &in->build, in->m, put);
}

/* 3. the idle slot; from here until 5. is done the slots differ */
static int fill_idle_slot(struct install *in)
{
	int err;

	err = build_end(in->built, &in->build);
	if (err)
		return err;
	if (!in->twins) {
		/* the maps are in (start_build) */
		err = slot_extras(in->m, in->gen32 & 1, &in->ls, &in->enc);
		if (!err && in->unattached)
			err = slot_extras(in->m, (in->gen32 & 1) ^ 1, &in->ls, &in->enc);
		return err;
	}
	in->meta.twin_gen = 0;
	err = rg_meta_write(in->m, &in->meta);
	if (err)
		return err;
	return refresh(in->m, in->gen32 & 1, true, &in->ed, NULL, &in->ls, &in->enc);
}

/* 4. the switch: from here every packet uses the new plan, in the exact
 * tables when it has lengths for them, and what it says of unreadable
 * frames with it
 */
static int switch_plan(struct install *in)
{
	struct rg_gen g = { .gen = in->gen32,
			    .flags = (in->ls.n > 0 ? RG_GEN_EXACT : 0) | in->gen_flags };
	__u32 zero = 0;

	rg_test_hook(RG_TEST_SYNC_BEFORE_SWITCH);
	if (bpf_map_update_elem(in->m->plan_gen, &zero, &g, BPF_ANY))
		return -errno;
	return 0;
}

/* 5. the other slot, once nothing reads it; a failure here leaves the new
 * plan in force and the next sync rebuilding
 */
static int fill_other_slot(struct install *in)
{
	if (in->unattached && !in->twins)
		in->meta.twin_gen = in->gen;	/* filled with the idle one */
	else if (!wait_for_programs(in->m, in->gen32 & 1))
		in->meta.twin_gen = refresh(in->m, in->cur & 1, in->twins, &in->ed, &in->built[1],
					    &in->ls, &in->enc) ? 0 : in->gen;
	return 0;
}

/* The new plan's buckets in rg_index: the chunks that changed, then chunk
 * 0 with the head that makes them valid. A failure leaves it invalid: the
 * next sync reads rg_buckets instead.
 */
static void write_index(struct install *in)
{
	struct rg_index_head head = {
		.generation = in->gen,
		.count = in->nent,
		.magic = RG_INDEX_MAGIC,
	};
	size_t chunks = index_records(in->nent) / RG_INDEX_PER_CHUNK;
	size_t had = in->was_index ? index_records(in->nold) / RG_INDEX_PER_CHUNK : 0;
	struct rg_index_entry *buf;

	if (in->nent > RG_MAX_PLAN)
		return;
	buf = malloc(sizeof(struct rg_index_chunk));
	if (!buf)
		return;
	for (__u32 c = 1; c <= chunks; c++) {
		__u32 at = c % chunks;	/* chunk 0, with the head, last */
		size_t base = (size_t)at * RG_INDEX_PER_CHUNK;
		bool changed = at == 0 || at >= had;

		/* the records this sync wrote, the others as read (past
		 * count: anything, nothing reads them)
		 */
		for (size_t r = 0; r < RG_INDEX_PER_CHUNK; r++) {
			size_t k = base + r;

			if (in->own[k / 8] & (1u << (k % 8))) {
				buf[r] = in->index[k];
				changed = true;
			} else if (at < had) {
				buf[r] = in->was_index[k];
			} else {
				memset(&buf[r], 0, sizeof(buf[r]));
			}
		}
		if (at == 0)
			memcpy(&buf[0], &head, sizeof(head));
		if (changed && bpf_map_update_elem(in->m->index, &at, buf, BPF_ANY))
			break;
	}
	free(buf);
}

/* 6. kept buckets, meta, retired names */
static int finish(struct install *in)
{
	struct rg_meta *meta = &in->meta;
	bool stale = false;
	int err;

	err = write_names(in, in->kept_ids, in->keptv, in->kept_idx, in->kept_n);
	if (err)
		return err;
	meta->layout_version = RG_LAYOUT_VERSION;
	meta->generation = in->gen;
	meta->installed_at = time(NULL);
	meta->nbuckets = in->nent + 1;
	meta->nentries = in->nent;
	memcpy(meta->sha256, in->sha256, sizeof(meta->sha256));
	memset(meta->plan_path, 0, sizeof(meta->plan_path));
	snprintf(meta->plan_path, sizeof(meta->plan_path), "%s", in->plan_path);
	err = rg_meta_write(in->m, meta);
	if (err)
		return err;
	for (int i = 0; i < in->nretired; i++)
		if (bpf_map_delete_elem(in->m->buckets, &in->retired[i]) && errno != ENOENT)
			stale = true;
	/* rg_index last, and only when rg_buckets holds just this plan's
	 * names (an edit made elsewhere, rg_install_delta, leaves it stale)
	 */
	if (!stale && in->index)
		write_index(in);
	return 0;
}

static void install_free(struct install *in)
{
	if (!in->was_index)
		rg_huge_free(in->old);
	rg_huge_free(in->old_flags);
	rg_huge_free(in->used);
	rg_huge_free(in->hit);
	rg_hidx_free(&in->ix);
	rg_huge_free(in->entry_id);
	rg_huge_free(in->fresh_idx);
	rg_huge_free(in->fresh_ids);
	rg_huge_free(in->kept_idx);
	rg_huge_free(in->kept_ids);
	rg_huge_free(in->index);
	free(in->own);
	rg_huge_free(in->was_index);
	rg_huge_free(in->ed.set);
	rg_huge_free(in->ed.del);
	rg_huge_free(in->retired);
	build_end(in->built, &in->build);
	close_maps(&in->built[0]);
	close_maps(&in->built[1]);
}

/* The steps both ways share, from 2. on. */
static int (*const rg_install_common[])(struct install *) = {
	write_new_names, fill_idle_slot, switch_plan, fill_other_slot, finish,
};

static int run_steps(struct install *in, int (*const *steps)(struct install *), size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = steps[i](in);
	return err;
}

static long long install_full(const struct rg_maps *m, const struct rg_plan *plan,
			      const char *plan_path, __u32 *ids, bool unattached)
{
	static int (*const steps[])(struct install *) = {
		pick_generation, read_old, assign_ids, plan_entries, start_build,
	};
	struct install in = {
		.m = m,
		.plan = plan,
		.plan_path = plan_path,
		.nent = plan->nentries,
		.sha256 = plan->sha256,
		.unattached = unattached,
		.built = { { .trie = -1, .exact = -1 }, { .trie = -1, .exact = -1 } },
	};
	int err;

	err = run_steps(&in, steps, sizeof(steps) / sizeof(steps[0])) ?:
	      run_steps(&in, rg_install_common,
			sizeof(rg_install_common) / sizeof(rg_install_common[0]));
	if (!err && ids)
		memcpy(ids, in.entry_id, in.nent * sizeof(*ids));
	install_free(&in);
	return err ? err : (long long)in.gen;
}

long long rg_install_ids(const struct rg_maps *m, const struct rg_plan *plan,
			 const char *plan_path, __u32 *ids)
{
	return install_full(m, plan, plan_path, ids, false);
}

long long rg_install(const struct rg_maps *m, const struct rg_plan *plan,
		     const char *plan_path)
{
	return install_full(m, plan, plan_path, NULL, false);
}

long long rg_install_unattached(const struct rg_maps *m, const struct rg_plan *plan,
				const char *plan_path)
{
	return install_full(m, plan, plan_path, NULL, true);
}

long long rg_install_delta(const struct rg_maps *m, const struct rg_delta *d,
			   const char *plan_path)
{
	struct install in = {
		.m = m,
		.plan_path = plan_path,
		.nent = d->nentries,
		.sha256 = d->sha256,
		.built = { { .trie = -1, .exact = -1 }, { .trie = -1, .exact = -1 } },
	};
	int err;

	err = pick_generation(&in);
	if (err)
		return err;
	/* edits apply to the plan they were made from, in both slots */
	if (!in.twins || in.meta.generation != d->from)
		return -ESTALE;
	for (int i = 0; i < d->nfresh; i++)
		d->fresh[i].generation = in.gen;
	for (int i = 0; i < d->nkept; i++)
		d->kept[i].generation = in.gen;
	in.ed = (struct edit){ .set = d->set, .nset = d->nset, .del = d->del, .ndel = d->ndel };
	in.fresh = d->fresh;
	in.fresh_ids = d->fresh_ids;
	in.fresh_n = d->nfresh;
	in.keptv = d->kept;
	in.kept_ids = d->kept_ids;
	in.kept_n = d->nkept;
	in.retired = d->retired;
	in.nretired = d->nretired;
	in.ls = d->ls;
	in.enc = d->enc;
	in.gen_flags = d->gen_flags;
	err = run_steps(&in, rg_install_common,
			sizeof(rg_install_common) / sizeof(rg_install_common[0]));
	return err ? err : (long long)in.gen;
}
