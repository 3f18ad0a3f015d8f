/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps.h - the maps ringguard pins (one BTF definition, used by the three
 * programs). Userspace owns rg_buckets, rg_index, rg_meta and rg_drift; the datapath
 * only reads rg_plan, rg_plan_gen, rg_ifaces and rg_config, and writes the
 * counters, the cache and the event maps.
 */
#ifndef RG_MAPS_H
#define RG_MAPS_H

#include "ringguard.h"

/* The plan: two LPM tries, and rg_plan_gen says which one is in force
 * (slot gen & 1). A sync edits the idle trie, moves rg_plan_gen on, waits
 * until no program can still be using the other one, and edits that one
 * the same way. A packet reads the generation once, so it sees one plan,
 * old or new, never a mix; the generation also tags what the per-CPU cache
 * learnt from that plan (rg_cache).
 */
struct rg_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	/* sizes, not types: clang 14 emits only a forward declaration for a
	 * struct reached through an inner map definition
	 */
	__uint(key_size, sizeof(struct rg_lpm_key));
	__uint(value_size, sizeof(struct rg_lpm_val));
	__uint(max_entries, RG_MAX_PLAN);
	__uint(map_flags, BPF_F_NO_PREALLOC);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct rg_trie);
} rg_plan SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_gen);
} rg_plan_gen SEC(".maps");

/* The same entries as rg_plan's tries, by exact CIDR, slot for slot, and
 * the lengths to probe (see RG_MAX_LENGTHS).
 */
struct rg_exact_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(key_size, sizeof(struct rg_lpm_key));
	__uint(value_size, sizeof(struct rg_lpm_val));
	__uint(max_entries, RG_MAX_PLAN);
	__uint(map_flags, BPF_F_NO_PREALLOC);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct rg_exact_map);
} rg_exact SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct rg_lengths);
} rg_lengths SEC(".maps");

/* The encapsulation ports of the plan in each slot: see struct rg_encap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct rg_encap);
} rg_encap SEC(".maps");

/* The per-CPU maps below are plain arrays of one region per possible CPU
 * (see struct rg_if_line): the loader sizes them, and sets rg_count_shift
 * to log2 of the counter slots per CPU and rg_count_mask to slots - 1.
 */
const volatile __u32 rg_count_mask = RG_COUNT_SLOTS_MIN - 1;
const volatile __u32 rg_count_shift = 12;
/* 0 where the kernel's verifier cannot take the exact-table probes (6.1
 * stops at its 1M-instruction limit): the trie, which always holds the
 * whole plan, answers alone there (user/kernel/migrate.c, rg_bpf_exact_ok)
 */
const volatile __u32 rg_exact_ok = 1;

/* rg_cache[cpu * RG_CACHE_SLOTS + slot], direct-mapped by a hash of the
 * address: see rg_cache_entry.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RG_CACHE_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct rg_cache_entry);
} rg_cache SEC(".maps");

/* Counter slots, by bucket id modulo: see rg_count_slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RG_COUNT_SLOTS_MIN);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct rg_count_slot);
} rg_counts SEC(".maps");

/* Shared by all CPUs (atomic adds, only when a counter slot changes
 * hands), so it grows with the plan, not with plan x CPUs. Userspace reads
 * it through mmap.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RG_MAX_BUCKETS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct rg_bucket_counters);
} rg_bucket_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RG_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct rg_iface);
} rg_ifaces SEC(".maps");

/* The same for small ifindexes (most hosts' uplinks): an array lookup
 * instead of a hash one, on every packet.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RG_IFINDEX_DIRECT);
	__type(key, __u32);
	__type(value, struct rg_if_fast);
} rg_if_index SEC(".maps");

/* Interface counters and cache control: see rg_if_line. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RG_MAX_IFACES * RG_DIR_MAX);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct rg_if_line);
} rg_if_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RG_CONFIG_ENTRIES);
	__type(key, __u32);
	__type(value, struct rg_config);
} rg_config SEC(".maps");

/* The buckets a sync reads back: see rg_index_head. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RG_INDEX_CHUNKS);
	__type(key, __u32);
	__type(value, struct rg_index_chunk);
} rg_index SEC(".maps");

/* Only the plan's buckets: memory follows the plan. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RG_MAX_BUCKETS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct rg_bucket_info);
} rg_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_meta);
} rg_meta SEC(".maps");

/* The daemon's drift watch, for `status` and `events` (userspace only). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RG_DRIFT_MAX + 1);
	__type(key, __u32);
	__type(value, union rg_drift_slot);
} rg_drift SEC(".maps");

/* Violations for `ringguard events`, only while a listener is there. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rg_events SEC(".maps");

/* Per-bucket event rate limit (shared, not per-CPU: it only needs to be
 * roughly right, and it is touched only while a listener is there), for
 * the buckets that broke the plan most recently.
 */
#define RG_RATE_BUCKETS		8192
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RG_RATE_BUCKETS);
	__type(key, __u32);
	__type(value, struct rg_rate);
} rg_event_rate SEC(".maps");

#endif /* RG_MAPS_H */
