/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * state.h - where ringguard's pinned state lives and how to open it.
 *
 * State is per network namespace: <pin-dir>/netns-<inode>/ holds the maps
 * (maps/) and the links (links/) of that namespace, so `ip netns exec` and
 * `nsenter --net` find the same state and two namespaces never share it.
 */
#ifndef RG_STATE_H
#define RG_STATE_H

#include <limits.h>
#include <sys/types.h>
#include <stdbool.h>
#include "ringguard.h"

#define RG_DEFAULT_PIN_DIR "/sys/fs/bpf/ringguard"

#ifndef RG_VERSION
#define RG_VERSION "0.1.0"
#endif

/* Every pinned map, in the order they are opened and pinned: one line per
 * map. X(ID, field, flags): RG_MAP_<ID> is its index, "rg_<field>" its name
 * (pin file and skeleton member), and struct rg_maps.<field> its fd.
 * Adding a map to the BPF object means adding its line here, nothing else
 * (migrate.c fails the build when the skeleton has a map the list lacks).
 */
#define RG_MAPS(X)						\
	X(PLAN,		plan,		RG_MAPF_FIXED_VALUE)	\
	X(BUCKET_STATS,	bucket_stats,	0)			\
	X(IFACES,	ifaces,		0)			\
	X(IF_STATS,	if_stats,	RG_MAPF_CPU_LINES)	\
	X(CONFIG,	config,		0)			\
	X(BUCKETS,	buckets,	0)			\
	X(META,		meta,		0)			\
	X(EVENTS,	events,		0)			\
	X(EVENT_RATE,	event_rate,	RG_MAPF_TRANSIENT)	\
	X(PLAN_GEN,	plan_gen,	0)			\
	X(CACHE,	cache,		RG_MAPF_TRANSIENT)	\
	X(COUNTS,	counts,		RG_MAPF_CPU_LINES)	\
	X(EXACT,	exact,		0)			\
	X(LENGTHS,	lengths,	0)			\
	X(IF_INDEX,	if_index,	0)			\
	X(ENCAP,	encap,		0)			\
	X(INDEX,	index,		RG_MAPF_TRANSIENT)	\
	X(DRIFT,	drift,		RG_MAPF_TRANSIENT)

/* What an upgrade (a build loading over pinned maps) may do with a map. */
enum rg_map_flags {
	/* Contents are kept and migrated: the default. */
	RG_MAPF_KEPT		= 0,
	/* Only a cache or rate state: a map of another type starts afresh
	 * instead of being migrated.
	 */
	RG_MAPF_TRANSIENT	= 1 << 0,
	/* Values are inner maps, not a layout that grows: another value size
	 * is refused, never migrated.
	 */
	RG_MAPF_FIXED_VALUE	= 1 << 1,
	/* A plain array of one region per possible CPU, a cache line a value
	 * (struct rg_if_line): an older layout's per-CPU array migrates into
	 * it CPU by CPU, counters included.
	 */
	RG_MAPF_CPU_LINES	= 1 << 2,
};

/* Maps a former layout pinned that this build has no more (the cache
 * control lives in rg_if_stats now): unpinned when loading.
 */
#define RG_RETIRED_MAPS		{ "rg_cache_ctl" }

enum rg_map_id {
#define RG_X(ID, field, flags) RG_MAP_##ID,
	RG_MAPS(RG_X)
#undef RG_X
	RG_NMAPS
};

struct rg_map_desc {
	const char *name;	/* pin file and skeleton member */
	unsigned int flags;	/* enum rg_map_flags */
};

extern const struct rg_map_desc rg_map_descs[RG_NMAPS];

/* The fds of the pinned maps, by name (m->plan) or by id (m->fd[RG_MAP_PLAN]). */
struct rg_maps {
	union {
		struct {
#define RG_X(ID, field, flags) int field;
			RG_MAPS(RG_X)
#undef RG_X
		};
		int fd[RG_NMAPS];
	};
};

_Static_assert(sizeof(struct rg_maps) == RG_NMAPS * sizeof(int),
	       "struct rg_maps: one fd per map of RG_MAPS");

/* Resolves the state directory of this network namespace under pin_root.
 * Finds the host's bpffs from inside `ip netns exec` (which remounts /sys),
 * mounts bpffs at /sys/fs/bpf when it is missing and mount is set.
 */
int rg_state_dir(const char *pin_root, bool mount, char *dir, size_t len);
/* The path a person would type: without the /proc/PID/root detour. */
const char *rg_state_display(const char *dir);
int rg_state_open(const char *dir, struct rg_maps *m, bool rdonly);
/* Whether dir holds an attached state (its rg_meta is pinned). */
bool rg_state_exists(const char *dir);
/* Serialises writers (CLI sync/attach/detach, the daemon) on one state
 * directory; returns an fd to close, or -errno.
 */
int rg_state_lock(const char *dir);
void rg_maps_init(struct rg_maps *m);
void rg_maps_close(struct rg_maps *m);

int rg_meta_read(const struct rg_maps *m, struct rg_meta *meta);
int rg_meta_write(const struct rg_maps *m, const struct rg_meta *meta);
/* rg_drift: the head, and n records (n <= RG_DRIFT_MAX) after it; a read
 * of a state pinned before rg_drift existed gives an empty list. A write
 * with recs NULL writes the head alone (the records it lists unchanged).
 */
int rg_drift_read(const struct rg_maps *m, struct rg_drift_head *head,
		  struct rg_drift_rec *recs, int max);
int rg_drift_write(const struct rg_maps *m, const struct rg_drift_head *head,
		   const struct rg_drift_rec *recs);
int rg_mode_read(const struct rg_maps *m, __u32 *mode);
int rg_mode_write(const struct rg_maps *m, __u32 mode);
int rg_config_read(const struct rg_maps *m, struct rg_config *cfg);
int rg_config_write(const struct rg_maps *m, const struct rg_config *cfg);
__u64 rg_monotonic_ns(void);

/* Counters of the buckets ids[0..n): the shared counters plus what the
 * per-CPU counter slots hold for them.
 */
int rg_bucket_read(const struct rg_maps *m, const __u32 *ids, int n,
		   struct rg_bucket_counters *out);
/* Counter slots per CPU for a plan of n entries, and every CPU's counter
 * slots (*out: calloc'd, *nslots of them).
 */
__u32 rg_count_slots_for(int n);
int rg_count_slots_read(const struct rg_maps *m, struct rg_count_slot **out, int *nslots);
/* An interface slot's counters summed over the CPUs (rg_if_stats), and
 * zeroed on every CPU (its cache control too).
 */
int rg_if_sum(const struct rg_maps *m, __u32 slot, struct rg_if_counters *out);
int rg_if_zero(const struct rg_maps *m, __u32 slot);
/* Turns the address cache's bypass on or off for an interface slot on
 * every CPU, both hooks (tests: the bypassed path on demand).
 */
int rg_if_cache_bypass(const struct rg_maps *m, __u32 slot, bool on);
int rg_percpu_zero(int fd, __u32 key, size_t value_size);

/* rg_ifaces entries, kept in step with the datapath's rg_if_index. */
int rg_iface_put(const struct rg_maps *m, __u32 ifindex, const struct rg_iface *ifc);
int rg_iface_del(const struct rg_maps *m, __u32 ifindex);
int rg_iface_index_sync(const struct rg_maps *m);

const char *rg_mode_name(__u32 mode);
int rg_mode_parse(const char *s);

int rg_mkdir_p(const char *path, mode_t mode);

#endif /* RG_STATE_H */
