/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps.h - the maps ringguard pins (one BTF definition, used by both
 * programs). Userspace owns rg_buckets and rg_meta; the datapath only reads
 * rg_plan, rg_ifaces and rg_config and writes the two counter maps.
 */
#ifndef RG_MAPS_H
#define RG_MAPS_H

#include "ringguard.h"

/* The plan: a single-slot array of LPM tries. A sync builds a new trie off
 * to the side and swaps it in with one map update, and the datapath fetches
 * the trie once per packet, so a packet sees the old plan or the new one,
 * never a mix.
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
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct rg_trie);
} rg_plan SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RG_MAX_BUCKETS);
	__type(key, __u32);
	__type(value, struct rg_bucket_counters);
} rg_bucket_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RG_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct rg_iface);
} rg_ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RG_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct rg_if_counters);
} rg_if_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_config);
} rg_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RG_MAX_BUCKETS);
	__type(key, __u32);
	__type(value, struct rg_bucket_info);
} rg_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_meta);
} rg_meta SEC(".maps");

/* Violations for `ringguard events`, only while a listener is there. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rg_events SEC(".maps");

/* Per-bucket event rate limit (shared, not per-CPU: it only needs to be
 * roughly right, and it is touched only while a listener is there).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RG_MAX_BUCKETS);
	__type(key, __u32);
	__type(value, struct rg_rate);
} rg_event_rate SEC(".maps");

#endif /* RG_MAPS_H */
