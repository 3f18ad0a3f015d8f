// SPDX-License-Identifier: GPL-2.0-only
/*
 * migrate.c - maps of a former build: reuse, migrate or refuse.
 * A map whose layout this build shares is reused as pinned; one whose values
 * or regions grew is copied into a new map of this build (old value at the
 * front); anything else is refused with what to do. Also the skeleton's map
 * table (RG_MAPS) and the sizing of the counter slots.
 */
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/attach_int.h"
#include "lib/log.h"
#include "ringguard.skel.h"

/* --- maps: reuse, migrate, or refuse -------------------------------------- */

/* The skeleton holds RG_MAPS plus .rodata: a map added to the BPF object
 * but not to RG_MAPS fails here, not at the first upgrade.
 */
_Static_assert(sizeof(((struct ringguard_bpf *)0)->maps) ==
	       (RG_NMAPS + 1) * sizeof(struct bpf_map *),
	       "the BPF object has a map that RG_MAPS (state.h) lacks");

struct bpf_map *rg_skel_map(struct ringguard_bpf *s, enum rg_map_id id)
{
	switch (id) {
#define RG_X(ID, field, flags) case RG_MAP_##ID: return s->maps.rg_##field;
	RG_MAPS(RG_X)
#undef RG_X
	case RG_NMAPS:
		break;
	}
	return NULL;
}

void rg_skel_size_counts(struct ringguard_bpf *s, __u32 slots)
{
	rg_skel_size_counts_ok(s, slots, rg_bpf_exact_ok);
}

void rg_skel_size_counts_ok(struct ringguard_bpf *s, __u32 slots, bool exact_ok)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 shift = 0;

	if (ncpu < 1)
		ncpu = 1;
	while ((1u << shift) < slots)
		shift++;
	bpf_map__set_max_entries(s->maps.rg_counts, slots * ncpu);
	bpf_map__set_max_entries(s->maps.rg_cache, RG_CACHE_SLOTS * ncpu);
	bpf_map__set_max_entries(s->maps.rg_if_stats, RG_MAX_IFACES * RG_DIR_MAX * ncpu);
	s->rodata->rg_count_mask = slots - 1;
	s->rodata->rg_count_shift = shift;
	s->rodata->rg_exact_ok = exact_ok;
}

bool rg_bpf_exact_ok = true;

bool rg_bpf_retry_without_exact(int err)
{
	if (err != -E2BIG || !rg_bpf_exact_ok)
		return false;
	rg_bpf_exact_ok = false;
	rg_warn("this kernel's verifier refuses the exact-table probes as too complex: "
		"loading again with lookups in the trie alone (same verdicts, slower on plans "
		"of 32k entries or more)");
	return true;
}

void rg_maps_from_skel(struct ringguard_bpf *s, struct rg_maps *m)
{
	for (int i = 0; i < RG_NMAPS; i++)
		m->fd[i] = bpf_map__fd(rg_skel_map(s, i));
}

static bool is_percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH;
}

static bool is_array(__u32 type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_ARRAY_OF_MAPS;
}

/* Type changes a migration can carry over: per-CPU counters summed into
 * shared ones, an array of names into a hash of them. Maps whose contents
 * are only transient (the event rate limits) start afresh instead.
 */
bool rg_map_migratable(__u32 from, __u32 to)
{
	return from == to ||
	       (from == BPF_MAP_TYPE_PERCPU_ARRAY && to == BPF_MAP_TYPE_ARRAY) ||
	       (from == BPF_MAP_TYPE_ARRAY && to == BPF_MAP_TYPE_HASH);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* One entry k of an older layout's per-CPU array into regions of cache
 * lines (RG_MAPF_CPU_LINES): CPU c's value becomes the values of keys
 * (c * region + k) * parts + p, p < parts (region: the entries of one CPU
 * in the new map), each taking its part of the
 * old value (rg_if_stats: one per hook; rg_counts: all of it). ov holds the
 * ncpu values, ostride apart; nv is one new value to fill.
 */
static int put_cpu_lines(int new, const struct bpf_map_info *oi, const struct bpf_map_info *ni,
			 __u32 k, const unsigned char *ov, unsigned char *nv, int ncpu,
			 size_t ostride, size_t part)
{
	__u32 parts = (oi->value_size + part - 1) / part;
	/* entries a CPU's region holds in new (more than old had when
	 * RG_MAX_IFACES grew)
	 */
	__u32 region = ni->max_entries / ncpu / parts;

	for (int c = 0; c < ncpu; c++)
		for (__u32 p = 0; p < parts; p++) {
			__u32 key = ((__u32)c * region + k) * parts + p;
			size_t len = oi->value_size - p * part;

			memset(nv, 0, ni->value_size);
			memcpy(nv, ov + c * ostride + p * part, len < part ? len : part);
			if (bpf_map_update_elem(new, &key, nv, BPF_ANY))
				return -errno;
		}
	return 0;
}

/* Copies every entry of old into new, each old value into the front of the
 * new one (layouts only grow at the end): per CPU between per-CPU maps,
 * summed from per-CPU into shared counters, and the inner maps of a map of
 * maps by reference. With part, a per-CPU array goes into cache lines of
 * part bytes instead (put_cpu_lines).
 */
int rg_map_migrate(int old, const struct bpf_map_info *oi, int new,
		   const struct bpf_map_info *ni, size_t part)
{
	bool percpu = is_percpu(oi->type), sum = percpu && !is_percpu(ni->type);
	int ncpu = percpu ? libbpf_num_possible_cpus() : 1, nncpu = sum ? 1 : ncpu;
	size_t ostride = percpu ? (oi->value_size + 7) & ~7u : oi->value_size;
	size_t nstride = is_percpu(ni->type) ? (ni->value_size + 7) & ~7u : ni->value_size;
	size_t copy = oi->value_size < ni->value_size ? oi->value_size : ni->value_size;
	unsigned char *ov = NULL, *nv = NULL;
	__u32 key, next, *prev = NULL;
	int err = 0;

	if (part) {
		__u32 parts = (oi->value_size + part - 1) / part;

		if (!percpu || ncpu < 1 || !parts)
			return -EINVAL;
		if ((__u64)oi->max_entries * ncpu * parts > ni->max_entries ||
		    part > ni->value_size)
			return -E2BIG;
	}
	ov = calloc(ncpu, ostride);
	nv = calloc(nncpu, nstride);
	if (!ov || !nv) {
		err = -ENOMEM;
		goto out;
	}
	while (bpf_map_get_next_key(old, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (is_array(oi->type) && key >= ni->max_entries)
			break;
		if (bpf_map_lookup_elem(old, &key, ov))
			continue;
		if (oi->type == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
			int inner = *(__u32 *)ov ? bpf_map_get_fd_by_id(*(__u32 *)ov) : -1;

			if (inner < 0)
				continue;
			err = bpf_map_update_elem(new, &key, &inner, BPF_ANY) ? -errno : 0;
			close(inner);
			if (err)
				goto out;
			continue;
		}
		/* an unused array slot: no entry in a hash, no lines to fill */
		if ((part || !is_array(ni->type)) && all_zero(ov, (size_t)ncpu * ostride))
			continue;
		if (part) {
			err = put_cpu_lines(new, oi, ni, key, ov, nv, ncpu, ostride, part);
			if (err)
				goto out;
			continue;
		}
		memset(nv, 0, (size_t)nncpu * nstride);
		for (int c = 0; c < ncpu; c++) {
			if (!sum) {
				memcpy(nv + c * nstride, ov + c * ostride, copy);
				continue;
			}
			for (size_t f = 0; f + 8 <= copy; f += 8)
				*(__u64 *)(nv + f) += *(__u64 *)(ov + c * ostride + f);
		}
		if (bpf_map_update_elem(new, &key, nv, BPF_ANY)) {
			err = -errno;
			goto out;
		}
	}
out:
	free(ov);
	free(nv);
	return err;
}

/* A map of cache lines (RG_MAPF_CPU_LINES) whose regions grew (rg_if_stats
 * when RG_MAX_IFACES did): each CPU's region of old goes to the front of
 * that CPU's region of new, so every line keeps its CPU and slot.
 */
int rg_map_migrate_regions(int old, const struct bpf_map_info *oi, int new,
			   const struct bpf_map_info *ni)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 oreg, nreg;
	unsigned char *v;
	int err = 0;

	if (ncpu < 1 || oi->value_size != ni->value_size)
		return -EINVAL;
	oreg = oi->max_entries / ncpu;
	nreg = ni->max_entries / ncpu;
	if (nreg < oreg)
		return -E2BIG;
	v = calloc(1, oi->value_size);
	if (!v)
		return -ENOMEM;
	for (__u32 k = 0; k < oreg * ncpu && !err; k++) {
		__u32 key = k / oreg * nreg + k % oreg;

		if (bpf_map_lookup_elem(old, &k, v)) {
			err = -errno;
			break;
		}
		if (!all_zero(v, oi->value_size) && bpf_map_update_elem(new, &key, v, BPF_ANY))
			err = -errno;
	}
	free(v);
	return err;
}
