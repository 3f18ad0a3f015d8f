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

struct rg_maps {
	int plan;
	int bucket_stats;
	int ifaces;
	int if_stats;
	int config;
	int buckets;
	int meta;
	int events;
	int event_rate;
	int plan_gen;
	int cache;
	int counts;
	int exact;
	int lengths;
	int cache_ctl;
	int if_index;
};

#define RG_NMAPS 16
extern const char *const rg_map_names[RG_NMAPS];

static inline int *rg_map_fd(struct rg_maps *m, int i)
{
	return &((int *)m)[i];
}

/* Resolves the state directory of this network namespace under pin_root.
 * Finds the host's bpffs from inside `ip netns exec` (which remounts /sys),
 * mounts bpffs at /sys/fs/bpf when it is missing and mount is set.
 */
int rg_state_dir(const char *pin_root, bool mount, char *dir, size_t len);
/* The path a person would type: without the /proc/PID/root detour. */
const char *rg_state_display(const char *dir);
int rg_state_open(const char *dir, struct rg_maps *m, bool rdonly);
void rg_maps_init(struct rg_maps *m);
void rg_maps_close(struct rg_maps *m);

int rg_meta_read(const struct rg_maps *m, struct rg_meta *meta);
int rg_meta_write(const struct rg_maps *m, const struct rg_meta *meta);
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
/* Counter slots for a plan of n entries, and every CPU's counter slots
 * (*out: calloc'd, *nslots of them).
 */
__u32 rg_count_slots_for(int n);
int rg_count_slots_read(const struct rg_maps *m, struct rg_count_slot **out, int *nslots);
int rg_if_sum(const struct rg_maps *m, __u32 slot, struct rg_if_counters *out);
int rg_percpu_zero(int fd, __u32 key, size_t value_size);

/* rg_ifaces entries, kept in step with the datapath's rg_if_index. */
int rg_iface_put(const struct rg_maps *m, __u32 ifindex, const struct rg_iface *ifc);
int rg_iface_del(const struct rg_maps *m, __u32 ifindex);
int rg_iface_index_sync(const struct rg_maps *m);

const char *rg_mode_name(__u32 mode);
int rg_mode_parse(const char *s);

int rg_mkdir_p(const char *path, mode_t mode);

#endif /* RG_STATE_H */
