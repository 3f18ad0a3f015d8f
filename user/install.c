// SPDX-License-Identifier: GPL-2.0-only
/*
 * install.c - install a compiled plan.
 *
 * Order matters, so a packet never sees a half-built plan and a counter never
 * lands in the wrong bucket:
 *  1. give every entry a bucket id: the old id when its (kind, CIDR) stays,
 *     else an id the live plan does not use, with its counters zeroed;
 *  2. write the names of the new buckets, then build a complete new trie
 *     off to the side;
 *  3. swap the trie in with one update of rg_plan. The kernel waits for
 *     running programs (synchronize_rcu) before that update returns, so
 *     afterwards nothing uses the old trie or the ids only it referenced;
 *  4. mark the kept buckets as the new generation's, then rg_meta;
 *  5. retire the dropped ids: zero their counters and names.
 * A crash at any point leaves the old plan or the new one in force, and the
 * next install recognises the buckets of both (generation g or g + 1), so a
 * kept CIDR never loses its id or counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "install.h"

int rg_active_buckets(const struct rg_maps *m, __u64 gen, bool with_next, __u32 *ids,
		      struct rg_bucket_info *infos)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	struct rg_bucket_info *all;
	__u32 *keys, count = RG_MAX_BUCKETS, out_batch;
	int n = 0, err = 0;

	all = calloc(RG_MAX_BUCKETS, sizeof(*all));
	keys = calloc(RG_MAX_BUCKETS, sizeof(*keys));
	if (!all || !keys) {
		err = -ENOMEM;
		goto out;
	}
	/* one syscall for the whole table; per-key lookups only where the
	 * kernel has no batch ops for arrays (before 5.6)
	 */
	if (bpf_map_lookup_batch(m->buckets, NULL, &out_batch, keys, all, &count, &bo) &&
	    errno != ENOENT) {
		for (__u32 id = 0; id < RG_MAX_BUCKETS; id++) {
			if (bpf_map_lookup_elem(m->buckets, &id, &all[id])) {
				err = -errno;
				goto out;
			}
			keys[id] = id;
		}
		count = RG_MAX_BUCKETS;
	}
	for (__u32 i = 0; i < count; i++) {
		if (!all[i].generation || all[i].generation < gen ||
		    all[i].generation > gen + (with_next ? 1 : 0))
			continue;
		ids[n] = keys[i];
		if (infos)
			infos[n] = all[i];
		n++;
	}
out:
	free(all);
	free(keys);
	return err ? err : n;
}

static void key_of(const struct rg_cidr *c, struct rg_lpm_key *k)
{
	k->prefixlen = c->len;
	memcpy(k->addr, c->addr, 16);
}

/* Names (rg_buckets) of the plan's new buckets, or of its kept ones. */
static int write_names(const struct rg_maps *m, const struct rg_plan *plan,
		       const __u32 *entry_id, const bool *kept, bool which, __u64 gen)
{
	for (int i = 0; i < plan->nentries; i++) {
		const struct rg_entry *e = &plan->entries[i];
		struct rg_bucket_info info = { .kind = e->kind, .generation = gen };

		if (kept[i] != which)
			continue;
		key_of(&e->cidr, &info.cidr);
		memcpy(info.name, e->name, sizeof(info.name));
		memcpy(info.zone, e->zone, sizeof(info.zone));
		if (bpf_map_update_elem(m->buckets, &entry_id[i], &info, BPF_ANY))
			return -errno;
	}
	return 0;
}

struct old_bucket {
	struct rg_lpm_key key;
	__u32 kind;
	__u32 id;
	bool kept;
};

static int cmp_old(const void *a, const void *b)
{
	const struct old_bucket *x = a, *y = b;
	int r = memcmp(&x->key, &y->key, sizeof(x->key));

	return r ? r : (int)x->kind - (int)y->kind;
}

long long rg_install(const struct rg_maps *m, const struct rg_plan *plan,
		     const char *plan_path)
{
	LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = BPF_F_NO_PREALLOC);
	struct rg_bucket_info *infos = NULL;
	struct old_bucket *old = NULL;
	__u32 *ids = NULL, *entry_id = NULL;
	bool *kept = NULL;
	struct rg_meta meta;
	int nold, trie = -1, err;
	unsigned char *used = NULL;
	__u32 zero = 0, next_free = 1;
	__u64 gen;

	err = rg_meta_read(m, &meta);
	if (err)
		return err;
	gen = meta.generation + 1;

	ids = calloc(RG_MAX_BUCKETS, sizeof(*ids));
	infos = calloc(RG_MAX_BUCKETS, sizeof(*infos));
	old = calloc(RG_MAX_BUCKETS, sizeof(*old));
	used = calloc(RG_MAX_BUCKETS, 1);
	entry_id = calloc(plan->nentries ? plan->nentries : 1, sizeof(*entry_id));
	kept = calloc(plan->nentries ? plan->nentries : 1, sizeof(*kept));
	if (!ids || !infos || !old || !used || !entry_id || !kept) {
		err = -ENOMEM;
		goto out;
	}

	nold = rg_active_buckets(m, meta.generation, true, ids, infos);
	if (nold < 0) {
		err = nold;
		goto out;
	}
	for (int i = 0; i < nold; i++) {
		old[i].key = infos[i].cidr;
		old[i].kind = infos[i].kind;
		old[i].id = ids[i];
		used[ids[i]] = 1;
	}
	used[RG_BUCKET_UNPLANNED] = 1;
	qsort(old, nold, sizeof(*old), cmp_old);

	/* 1. ids */
	for (int i = 0; i < plan->nentries; i++) {
		const struct rg_entry *e = &plan->entries[i];
		struct old_bucket probe = { .kind = e->kind }, *hit;

		key_of(&e->cidr, &probe.key);
		hit = bsearch(&probe, old, nold, sizeof(*old), cmp_old);
		if (hit && hit->kind != RG_KIND_UNPLANNED) {
			hit->kept = true;
			entry_id[i] = hit->id;
			kept[i] = true;
			continue;
		}
		while (next_free < RG_MAX_BUCKETS && used[next_free])
			next_free++;
		if (next_free >= RG_MAX_BUCKETS) {
			err = -E2BIG;
			goto out;
		}
		used[next_free] = 1;
		entry_id[i] = next_free;
		err = rg_percpu_zero(m->bucket_stats, next_free,
				     sizeof(struct rg_bucket_counters));
		if (err)
			goto out;
	}

	/* 2. names of the new buckets, then the new trie */
	err = write_names(m, plan, entry_id, kept, false, gen);
	if (err)
		goto out;
	trie = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "rg_trie", sizeof(struct rg_lpm_key),
			      sizeof(struct rg_lpm_val), RG_MAX_PLAN, &copts);
	if (trie < 0) {
		err = -errno;
		goto out;
	}
	for (int i = 0; i < plan->nentries; i++) {
		const struct rg_entry *e = &plan->entries[i];
		struct rg_lpm_val v = {
			.bucket = entry_id[e->bucket_of],
			.breaks = e->breaks,
		};
		struct rg_lpm_key k;

		key_of(&e->cidr, &k);
		if (bpf_map_update_elem(trie, &k, &v, BPF_NOEXIST)) {
			err = -errno;
			goto out;
		}
	}

	/* Fault injection for tests/netns.sh: a pause here lets a test kill the
	 * daemon with a complete new trie built but not yet swapped in.
	 */
	if (getenv("RG_FAULT_SYNC_PAUSE_MS"))
		usleep(1000 * atoi(getenv("RG_FAULT_SYNC_PAUSE_MS")));

	/* 3. the swap */
	if (bpf_map_update_elem(m->plan, &zero, &trie, BPF_ANY)) {
		err = -errno;
		goto out;
	}
	/* 4. the kept buckets now belong to this generation (names may change) */
	err = write_names(m, plan, entry_id, kept, true, gen);
	if (err)
		goto out;
	{
		struct rg_bucket_info info = { .kind = RG_KIND_UNPLANNED, .generation = gen };

		snprintf(info.name, sizeof(info.name), "unplanned");
		if (bpf_map_update_elem(m->buckets, &zero, &info, BPF_ANY)) {
			err = -errno;
			goto out;
		}
	}

	meta.layout_version = RG_LAYOUT_VERSION;
	meta.generation = gen;
	meta.installed_at = time(NULL);
	meta.nbuckets = plan->nentries + 1;
	meta.nentries = plan->nentries;
	memcpy(meta.sha256, plan->sha256, sizeof(meta.sha256));
	memset(meta.plan_path, 0, sizeof(meta.plan_path));
	snprintf(meta.plan_path, sizeof(meta.plan_path), "%s", plan_path);
	err = rg_meta_write(m, &meta);
	if (err)
		goto out;

	/* 5. retire what the new plan dropped */
	for (int i = 0; i < nold; i++) {
		struct rg_bucket_info none = {};

		if (old[i].kept || old[i].id == RG_BUCKET_UNPLANNED)
			continue;
		rg_percpu_zero(m->bucket_stats, old[i].id, sizeof(struct rg_bucket_counters));
		bpf_map_update_elem(m->buckets, &old[i].id, &none, BPF_ANY);
	}
	err = 0;
out:
	if (trie >= 0)
		close(trie);
	free(ids);
	free(infos);
	free(old);
	free(used);
	free(entry_id);
	free(kept);
	return err ? err : (long long)gen;
}
