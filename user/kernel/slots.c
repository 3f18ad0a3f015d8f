// SPDX-License-Identifier: GPL-2.0-only
/*
 * slots.c - the maps a plan lives in, below install.c's steps.
 * Bulk reads and writes of the pinned maps (batch calls where the kernel has
 * them), the two plan slots (a new trie built on threads, or the old one
 * edited; a map put in its slot once no program runs with it), the prefix
 * lengths the exact tables are probed with, and the bucket ids a counter
 * slot still holds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "lib/huge.h"
#include "kernel/slots.h"

/* the kernel's "operation not supported" for maps without batch calls */
#define RG_ENOTSUPP		524

static int lookup_all(int fd, __u32 *keys, void *vals, size_t vsize, __u32 cap)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 n = 0, in_batch, out_batch, count;
	bool first = true;

	for (;;) {
		count = cap - n;
		if (!count)
			return n;
		if (!bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch, keys + n,
					  (char *)vals + (size_t)n * vsize, &count, &bo)) {
			n += count;
			in_batch = out_batch;
			first = false;
			continue;
		}
		if (errno == ENOENT)
			return n + count;
		if (errno == ENOSPC)	/* a hash bucket does not fit in what is left */
			return cap;
		if (errno != EINVAL && errno != RG_ENOTSUPP && errno != EOPNOTSUPP)
			return -errno;
		break;
	}
	/* no batch operations (before 5.6): key by key */
	{
		__u32 key, next, *prev = NULL;

		n = 0;
		while (n < cap && bpf_map_get_next_key(fd, prev, &next) == 0) {
			key = next;
			prev = &key;
			if (bpf_map_lookup_elem(fd, &key, (char *)vals + (size_t)n * vsize))
				continue;
			keys[n++] = key;
		}
	}
	return n;
}

int rg_active_buckets(const struct rg_maps *m, __u64 lo, __u64 hi, __u32 *ids,
		      struct rg_bucket_info *infos)
{
	struct rg_bucket_info *all = rg_huge_calloc(RG_MAX_BUCKETS, sizeof(*all));
	__u32 *keys = rg_huge_calloc(RG_MAX_BUCKETS, sizeof(*keys));
	int n = 0, got;

	if (!all || !keys) {
		n = -ENOMEM;
		goto out;
	}
	got = lookup_all(m->buckets, keys, all, sizeof(*all), RG_MAX_BUCKETS);
	if (got < 0) {
		n = got;
		goto out;
	}
	for (int i = 0; i < got; i++) {
		if (all[i].generation < lo || all[i].generation > hi)
			continue;
		ids[n] = keys[i];
		if (infos)
			infos[n] = all[i];
		n++;
	}
out:
	rg_huge_free(all);
	rg_huge_free(keys);
	return n;
}

/* Every name rg_buckets holds, in arrays (malloc'd) sized to them; about
 * expect of them (the last plan's size, plus what a stopped sync left).
 */
int read_buckets(const struct rg_maps *m, __u32 expect, __u32 **ids,
		 struct rg_bucket_info **infos)
{
	__u32 first = expect + expect / 4 + 1024;

	for (__u32 cap = first < RG_MAX_BUCKETS ? first : RG_MAX_BUCKETS;;
	     cap = cap * 4 < RG_MAX_BUCKETS ? cap * 4 : RG_MAX_BUCKETS) {
		int n;

		*ids = rg_huge_calloc(cap, sizeof(**ids));
		*infos = rg_huge_calloc(cap, sizeof(**infos));
		if (!*ids || !*infos)
			return -ENOMEM;
		n = lookup_all(m->buckets, *ids, *infos, sizeof(**infos), cap);
		if (n < 0 || (__u32)n < cap || cap == RG_MAX_BUCKETS)
			return n;
		rg_huge_free(*ids);
		rg_huge_free(*infos);
	}
}

/* Writes n values to consecutive keys in as few system calls as the kernel
 * allows.
 */
int update_many(int fd, const __u32 *keys, const void *vals, size_t vsize, __u32 n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 count = n;

	if (!n)
		return 0;
	if (!bpf_map_update_batch(fd, keys, vals, &count, &bo))
		return 0;
	if (errno != EINVAL && errno != RG_ENOTSUPP && errno != EOPNOTSUPP)
		return -errno;
	for (__u32 i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, &keys[i], (const char *)vals + i * vsize, BPF_ANY))
			return -errno;
	return 0;
}

static int apply(int trie, const struct edit *ed)
{
	for (int i = 0; i < ed->ndel; i++)
		if (bpf_map_delete_elem(trie, &ed->del[i]) && errno != ENOENT)
			return -errno;
	for (int i = 0; i < ed->nset; i++)
		if (bpf_map_update_elem(trie, &ed->set[i].key, &ed->set[i].val, BPF_ANY))
			return -errno;
	return 0;
}

int rg_exact_min_entries = RG_EXACT_MIN_ENTRIES;

static int new_map(enum bpf_map_type type, const char *name)
{
	LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(type, name, sizeof(struct rg_lpm_key), sizeof(struct rg_lpm_val),
				RG_MAX_PLAN, &copts);

	return fd < 0 ? -errno : fd;
}

static void *put_one(void *arg);

/* A new trie and a new exact table holding the entries; each put in slot
 * s->put once filled, the trie on a thread of its own so that its wait for
 * running programs (put_maps) passes while the exact table fills.
 */
static void *fill(void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	struct slot_maps *s = arg;
	const struct rg_lpm_key *keys = s->keys;
	const struct rg_lpm_val *vals = s->vals;
	int n = s->n;
	__u32 count = n;

	s->trie = new_map(BPF_MAP_TYPE_LPM_TRIE, "rg_trie");
	s->exact = new_map(BPF_MAP_TYPE_HASH, "rg_exact");
	s->err = s->trie < 0 ? s->trie : s->exact < 0 ? s->exact : 0;
	/* both take them in one call where the kernel can (the trie since
	 * 5.x: a quarter of the time of one call each at 100k)
	 */
	if (!s->err && n && bpf_map_update_batch(s->trie, keys, vals, &count, &bo)) {
		for (int i = 0; i < n && !s->err; i++)
			if (bpf_map_update_elem(s->trie, &keys[i], &vals[i], BPF_ANY))
				s->err = -errno;
	}
	struct put pt = { .inner = s->trie, .slot = s->put }, pe = pt;
	pthread_t t;
	bool threaded = false;

	if (!s->err && s->put >= 0) {
		pt.outer = s->m->plan;
		threaded = !pthread_create(&t, NULL, put_one, &pt);
		if (!threaded)
			put_one(&pt);
	}
	count = n;
	if (!s->err && n && bpf_map_update_batch(s->exact, keys, vals, &count, &bo)) {
		for (int i = 0; i < n && !s->err; i++)
			if (bpf_map_update_elem(s->exact, &keys[i], &vals[i], BPF_ANY))
				s->err = -errno;
	}
	if (!s->err && s->put >= 0) {
		pe.outer = s->m->exact;
		pe.inner = s->exact;
		put_one(&pe);
	}
	if (threaded)
		pthread_join(t, NULL);
	if (!s->err)
		s->err = pt.err ?: pe.err;
	return NULL;
}

/* Both slots' maps at once, each on a thread of its own: a rebuild of a
 * large plan is mostly the kernel inserting into tries, one CPU each, and
 * the caller writes the names meanwhile (build_end waits for them).
 */
int build_begin(struct rg_lpm_key *keys, struct rg_lpm_val *vals, int n, struct slot_maps s[2],
		struct build *b, const struct rg_maps *m, const int put[2])
{
	memset(b, 0, sizeof(*b));
	b->keys = keys;
	b->vals = vals;
	for (int i = 0; i < 2; i++) {
		s[i] = (struct slot_maps){ .trie = -1, .exact = -1, .keys = b->keys,
					   .vals = b->vals, .n = n, .m = m, .put = put[i] };
		b->threaded[i] = !pthread_create(&b->thread[i], NULL, fill, &s[i]);
	}
	b->started = true;
	return 0;
}

int build_end(struct slot_maps s[2], struct build *b)
{
	if (!b->started)
		return 0;
	for (int i = 0; i < 2; i++) {
		if (b->threaded[i])
			pthread_join(b->thread[i], NULL);
		else
			fill(&s[i]);
	}
	rg_huge_free(b->keys);
	rg_huge_free(b->vals);
	b->keys = NULL;
	b->vals = NULL;
	b->started = false;
	return s[0].err ? s[0].err : s[1].err;
}

void close_maps(struct slot_maps *s)
{
	if (s->trie >= 0)
		close(s->trie);
	if (s->exact >= 0)
		close(s->exact);
	s->trie = s->exact = -1;
}

/* The map in slot of the map of maps outer, or -errno. */
static int slot_map(int outer, __u32 slot)
{
	__u32 id;
	int fd;

	if (bpf_map_lookup_elem(outer, &slot, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

/* Returns once no program runs with what it read before the call: putting
 * a slot's trie back in place makes the kernel wait (synchronize_rcu), as
 * for any update of a map of maps.
 */
int wait_for_programs(const struct rg_maps *m, __u32 slot)
{
	int trie = slot_map(m->plan, slot), err = 0;

	if (trie < 0)
		return trie;
	if (bpf_map_update_elem(m->plan, &slot, &trie, BPF_ANY))
		err = -errno;
	close(trie);
	return err;
}

static void *put_one(void *arg)
{
	struct put *p = arg;

	p->err = bpf_map_update_elem(p->outer, &p->slot, &p->inner, BPF_ANY) ? -errno : 0;
	return NULL;
}

/* Each update of a map of maps waits for running programs (synchronize_rcu,
 * 5-20 ms here), and waits that start together end together: each put but
 * the first goes in on a thread of its own.
 */
int put_maps(struct put *p, int n)
{
	pthread_t t[4];
	bool threaded[4] = {};
	int err = 0;

	for (int i = 1; i < n; i++)
		threaded[i] = i < 4 && !pthread_create(&t[i], NULL, put_one, &p[i]);
	if (n > 0)
		put_one(&p[0]);
	for (int i = 1; i < n; i++) {
		if (threaded[i])
			pthread_join(t[i], NULL);
		else
			put_one(&p[i]);
	}
	for (int i = 0; i < n && !err; i++)
		err = p[i].err;
	return err;
}

int slot_extras(const struct rg_maps *m, __u32 slot, const struct rg_lengths *ls,
		const struct rg_encap *enc)
{
	if (bpf_map_update_elem(m->lengths, &slot, ls, BPF_ANY) ||
	    bpf_map_update_elem(m->encap, &slot, enc, BPF_ANY))
		return -errno;
	return 0;
}

/* Brings slot from the old plan to the new one: an edit of its maps when
 * they are known to hold the old plan, else the maps built for it; then
 * its lengths. Nothing may be reading the slot.
 */
int refresh(const struct rg_maps *m, __u32 slot, bool edit, const struct edit *ed,
	    const struct slot_maps *built, const struct rg_lengths *ls,
	    const struct rg_encap *enc)
{
	int trie, exact, err = 0;

	if (edit) {
		trie = slot_map(m->plan, slot);
		exact = slot_map(m->exact, slot);
		err = trie < 0 ? trie : exact < 0 ? exact : apply(trie, ed) ?: apply(exact, ed);
		if (trie >= 0)
			close(trie);
		if (exact >= 0)
			close(exact);
	} else {
		struct put p[2] = { { .outer = m->plan, .slot = slot, .inner = built->trie },
				    { .outer = m->exact, .slot = slot, .inner = built->exact } };

		err = put_maps(p, 2);
	}
	return err ?: slot_extras(m, slot, ls, enc);
}

/* The prefix lengths to probe, longest first: none (the trie) for small
 * plans, whose trie is shallow, and for plans of too many lengths.
 */
void rg_lengths_from(const int count[129], int n, struct rg_lengths *ls)
{
	memset(ls, 0, sizeof(*ls));
	for (int len = 128; len >= 0; len--) {
		if (!count[len])
			continue;
		if (ls->n == RG_MAX_LENGTHS) {
			ls->n = 0;
			return;
		}
		ls->len[ls->n++] = len;
	}
	if (n < rg_exact_min_entries)
		ls->n = 0;
}

/* Bucket ids a counter slot still holds counts for (not yet moved to
 * rg_bucket_stats): such an id is not free until the slot moves them.
 */
int rg_counted_ids(const struct rg_maps *m, unsigned char *used)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	struct rg_count_slot *slots;
	int n = 0, err;

	/* read where they are mapped: a copy of every CPU's slots (2 MB on
	 * 2 CPUs) costs its fresh pages first
	 */
	if (!bpf_obj_get_info_by_fd(m->counts, &info, &ilen) &&
	    (info.map_flags & BPF_F_MMAPABLE) && info.max_entries) {
		size_t len = (size_t)info.max_entries * sizeof(*slots);
		const struct rg_count_slot *s = mmap(NULL, len, PROT_READ, MAP_SHARED, m->counts, 0);

		if (s != MAP_FAILED) {
			for (__u32 i = 0; i < info.max_entries; i++)
				if (s[i].bucket < RG_MAX_BUCKETS &&
				    (s[i].c.src.packets || s[i].c.dst.packets))
					used[s[i].bucket] = 1;
			munmap((void *)s, len);
			return 0;
		}
	}
	err = rg_count_slots_read(m, &slots, &n);
	if (err)
		return err;
	for (int i = 0; i < n; i++)
		if (slots[i].bucket < RG_MAX_BUCKETS &&
		    (slots[i].c.src.packets || slots[i].c.dst.packets))
			used[slots[i].bucket] = 1;
	free(slots);
	return 0;
}
