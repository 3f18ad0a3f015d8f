// SPDX-License-Identifier: GPL-2.0-only
/*
 * state.c - the pin directory, pinned maps and per-CPU counter sums.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/state.h"

const struct rg_map_desc rg_map_descs[RG_NMAPS] = {
#define RG_X(ID, field, flags) [RG_MAP_##ID] = { "rg_" #field, flags },
	RG_MAPS(RG_X)
#undef RG_X
};

const char *rg_mode_name(__u32 mode)
{
	return mode == RG_MODE_ENFORCE ? "enforce" : "monitor";
}

int rg_mode_parse(const char *s)
{
	if (!strcmp(s, "monitor"))
		return RG_MODE_MONITOR;
	if (!strcmp(s, "enforce"))
		return RG_MODE_ENFORCE;
	return -1;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static bool same_mntns(pid_t pid)
{
	struct stat self, other;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	if (stat("/proc/self/ns/mnt", &self) || stat(path, &other))
		return false;
	return self.st_ino == other.st_ino && self.st_dev == other.st_dev;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], line[256];
	pid_t ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PPid: %d", &ppid) == 1)
			break;
	fclose(f);
	return ppid;
}

/* Would a bpffs mounted at path be seen by other mount namespaces? Only if
 * the mount it lands on propagates ("shared:" in mountinfo); otherwise the
 * pins, and with them the links, die with this namespace.
 */
static bool mount_propagates(const char *path)
{
	char line[4096], best_opt[4096] = "";
	size_t best = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *opt;
		size_t n;

		/* id parent major:minor root mount-point options optional... - */
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mnt) != 1)
			continue;
		n = strlen(mnt);
		if (strncmp(path, mnt, n) || (path[n] && path[n] != '/' && n > 1))
			continue;
		if (n < best)
			continue;
		opt = strstr(line, " - ");
		best = n;
		snprintf(best_opt, sizeof(best_opt), "%.*s", opt ? (int)(opt - line) : 0, line);
	}
	fclose(f);
	return strstr(best_opt, " shared:") != NULL;
}

/* `ip netns exec` runs us in a private mount namespace with a fresh /sys and
 * no bpffs. The process that launched it still sees the host's, so look
 * through the first ancestor that lives in another mount namespace. Returns
 * that ancestor's pid, 0 if every ancestor shares our mount namespace, -1 if
 * one does not but has no bpffs at parent either.
 */
static pid_t launcher_with_bpffs(const char *parent)
{
	for (pid_t pid = getppid(); pid > 1; pid = parent_of(pid)) {
		char path[PATH_MAX];

		if (same_mntns(pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, parent);
		return is_bpffs(path) ? pid : -1;
	}
	return 0;
}

int rg_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int rg_state_dir(const char *pin_root, bool mount_it, char *dir, size_t len)
{
	char parent[PATH_MAX];
	const char *root = pin_root;
	struct stat ns;
	char *slash;

	if (stat("/proc/self/ns/net", &ns))
		return -errno;
	snprintf(parent, sizeof(parent), "%s", pin_root);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';

	if (!is_bpffs(parent) && !is_bpffs(pin_root)) {
		static char altroot[PATH_MAX];
		pid_t pid = launcher_with_bpffs(parent);

		if (pid > 0) {
			snprintf(altroot, sizeof(altroot), "/proc/%d/root%s", pid, pin_root);
			root = altroot;
		} else if (pid == 0 && mount_it && !strcmp(parent, "/sys/fs/bpf") &&
			   mount_propagates(parent)) {
			if (mount("bpf", parent, "bpf", 0, "mode=0700"))
				return -errno;
		} else {
			/* a private bpffs would die with this mount namespace, and
			 * take the pinned links (and enforcement) with it
			 */
			return -ENOTSUP;
		}
	}
	if (snprintf(dir, len, "%s/netns-%lu", root, (unsigned long)ns.st_ino) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

const char *rg_state_display(const char *dir)
{
	const char *root;

	if (strncmp(dir, "/proc/", 6) || !(root = strstr(dir, "/root/")))
		return dir;
	return root + 5;
}

bool rg_state_exists(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/maps/rg_meta", dir);
	return stat(path, &st) == 0;
}

int rg_state_lock(const char *dir)
{
	int fd, err;

	err = rg_mkdir_p(dir, 0700);
	if (err)
		return err;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void rg_maps_init(struct rg_maps *m)
{
	for (int i = 0; i < RG_NMAPS; i++)
		m->fd[i] = -1;
}

void rg_maps_close(struct rg_maps *m)
{
	for (int i = 0; i < RG_NMAPS; i++) {
		if (m->fd[i] >= 0)
			close(m->fd[i]);
		m->fd[i] = -1;
	}
}

int rg_state_open(const char *dir, struct rg_maps *m, bool rdonly)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = rdonly ? BPF_F_RDONLY : 0);
	char path[PATH_MAX];

	rg_maps_init(m);
	for (int i = 0; i < RG_NMAPS; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/maps/%s", dir, rg_map_descs[i].name);
		fd = bpf_obj_get_opts(path, &opts);
		if (fd < 0) {
			int err = -errno;

			rg_maps_close(m);
			return err;
		}
		m->fd[i] = fd;
	}
	return 0;
}

int rg_meta_read(const struct rg_maps *m, struct rg_meta *meta)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->meta, &zero, meta))
		return -errno;
	return 0;
}

int rg_meta_write(const struct rg_maps *m, const struct rg_meta *meta)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(m->meta, &zero, meta, BPF_ANY))
		return -errno;
	return 0;
}

int rg_drift_read(const struct rg_maps *m, struct rg_drift_head *head,
		  struct rg_drift_rec *recs, int max)
{
	union rg_drift_slot slot;
	__u32 key = 0;

	memset(head, 0, sizeof(*head));
	if (m->drift < 0)
		return 0;
	if (bpf_map_lookup_elem(m->drift, &key, &slot))
		return -errno;
	*head = slot.head;
	if (head->listed > RG_DRIFT_MAX)
		head->listed = RG_DRIFT_MAX;
	for (key = 1; key <= head->listed && (int)key <= max; key++) {
		if (bpf_map_lookup_elem(m->drift, &key, &slot))
			return -errno;
		recs[key - 1] = slot.rec;
	}
	return 0;
}

/* The records first, then the head that lists them: a reader between the
 * two sees the old count over records already new, never a count over
 * records not written.
 */
int rg_drift_write(const struct rg_maps *m, const struct rg_drift_head *head,
		   const struct rg_drift_rec *recs)
{
	union rg_drift_slot slot;
	__u32 key;

	for (key = 1; recs && key <= head->listed && key <= RG_DRIFT_MAX; key++) {
		slot.rec = recs[key - 1];
		if (bpf_map_update_elem(m->drift, &key, &slot, BPF_ANY))
			return -errno;
	}
	key = 0;
	slot.head = *head;
	if (bpf_map_update_elem(m->drift, &key, &slot, BPF_ANY))
		return -errno;
	return 0;
}

/* The mode in force: an enforce whose confirmation deadline passed is
 * monitor, as the datapath sees it.
 */
int rg_mode_read(const struct rg_maps *m, __u32 *mode)
{
	struct rg_config cfg;
	int err = rg_config_read(m, &cfg);

	if (err)
		return err;
	*mode = cfg.mode;
	if (cfg.mode == RG_MODE_ENFORCE && cfg.enforce_until &&
	    rg_monotonic_ns() >= cfg.enforce_until)
		*mode = RG_MODE_MONITOR;
	return 0;
}

int rg_config_read(const struct rg_maps *m, struct rg_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->config, &zero, cfg))
		return -errno;
	return 0;
}

int rg_config_write(const struct rg_maps *m, const struct rg_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(m->config, &zero, cfg, BPF_ANY))
		return -errno;
	return 0;
}

/* A plain mode switch also clears a pending --confirm-within deadline. */
int rg_mode_write(const struct rg_maps *m, __u32 mode)
{
	struct rg_config cfg = {};

	rg_config_read(m, &cfg);
	cfg.mode = mode;
	cfg.enforce_until = 0;
	return rg_config_write(m, &cfg);
}

__u64 rg_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void bc_add(struct rg_bucket_counters *to, const struct rg_bucket_counters *from)
{
	const __u64 *f = (const __u64 *)from;
	__u64 *t = (__u64 *)to;

	for (size_t i = 0; i < sizeof(*to) / sizeof(__u64); i++)
		t[i] += f[i];
}

/* Slots for a plan of n entries (see RG_COUNT_SLOTS_MIN). */
__u32 rg_count_slots_for(int n)
{
	__u32 slots = RG_COUNT_SLOTS_MIN;

	while (slots < 2u * (__u32)n && slots < RG_COUNT_SLOTS_MAX)
		slots *= 2;
	return slots;
}

/* Every CPU's counter slots, in one batch (slots x CPUs). */
int rg_count_slots_read(const struct rg_maps *m, struct rg_count_slot **out, int *nslots)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info), *keys = NULL, out_batch, count, n;
	struct rg_count_slot *all = NULL;

	if (bpf_obj_get_info_by_fd(m->counts, &info, &ilen))
		goto fail;
	n = count = info.max_entries;
	all = calloc(n, sizeof(*all));
	if (!all)
		goto fail;
	/* mapped (the map is mmapable): megabytes in a memcpy, not a syscall */
	if (info.map_flags & BPF_F_MMAPABLE) {
		size_t len = (size_t)n * sizeof(*all);
		void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, m->counts, 0);

		if (p != MAP_FAILED) {
			memcpy(all, p, len);
			munmap(p, len);
			*nslots = (int)n;
			*out = all;
			return 0;
		}
	}
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		goto fail;
	if (bpf_map_lookup_batch(m->counts, NULL, &out_batch, keys, all, &count, &bo) &&
	    errno != ENOENT) {
		/* before 5.6: slot by slot */
		for (__u32 k = 0; k < n; k++)
			if (bpf_map_lookup_elem(m->counts, &k, all + k))
				goto fail;
		count = n;
	}
	free(keys);
	*nslots = (int)count;
	*out = all;
	return 0;
fail:
	free(keys);
	free(all);
	return -ENOMEM;
}

/* The shared counters, all of them: mapped when the fd allows writing
 * (mmap of a map needs that), else copied in one batch.
 */
static void *shared_counters(const struct rg_maps *m, __u32 upto, bool *mapped)
{
	size_t len = (size_t)RG_MAX_BUCKETS * sizeof(struct rg_bucket_counters);
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 out_batch, count = upto, *keys;
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, m->bucket_stats, 0);

	*mapped = p != MAP_FAILED;
	if (*mapped)
		return p;
	/* ids are handed out from 1 up: the ones asked for are near the front */
	p = calloc(1, len);
	keys = calloc(RG_MAX_BUCKETS, sizeof(*keys));
	if (p && keys && bpf_map_lookup_batch(m->bucket_stats, NULL, &out_batch, keys, p,
					      &count, &bo) && errno != ENOENT) {
		for (__u32 k = 0; k < upto; k++)
			if (bpf_map_lookup_elem(m->bucket_stats, &k,
						(struct rg_bucket_counters *)p + k))
				memset((struct rg_bucket_counters *)p + k, 0,
				       sizeof(struct rg_bucket_counters));
	}
	free(keys);
	return p;
}

int rg_bucket_read(const struct rg_maps *m, const __u32 *ids, int n,
		   struct rg_bucket_counters *out)
{
	const struct rg_bucket_counters *shared;
	struct rg_count_slot *slots = NULL;
	int nslots = 0, *row, err = 0;
	bool mapped;

	/* the shared counters, then every CPU's counter slots: one or two
	 * system calls whatever the plan's size
	 */
	__u32 upto = 1;

	for (int i = 0; i < n; i++)
		if (ids[i] < RG_MAX_BUCKETS && ids[i] >= upto)
			upto = ids[i] + 1;
	shared = shared_counters(m, upto, &mapped);
	row = calloc(RG_MAX_BUCKETS, sizeof(*row));
	if (!shared || !row || rg_count_slots_read(m, &slots, &nslots)) {
		err = -ENOMEM;
		goto out;
	}
	memset(out, 0, (size_t)n * sizeof(*out));
	for (int i = 0; i < n; i++) {
		if (ids[i] >= RG_MAX_BUCKETS)
			continue;
		out[i] = shared[ids[i]];
		row[ids[i]] = i + 1;
	}
	for (int s = 0; s < nslots; s++)
		if (slots[s].bucket < RG_MAX_BUCKETS && row[slots[s].bucket])
			bc_add(&out[row[slots[s].bucket] - 1], &slots[s].c);
out:
	if (mapped)
		munmap((void *)shared, (size_t)RG_MAX_BUCKETS * sizeof(*shared));
	else
		free((void *)shared);
	free(slots);
	free(row);
	return err;
}

static __u32 if_line_key(int cpu, __u32 slot, int dir)
{
	return ((__u32)cpu * RG_MAX_IFACES + slot) * RG_DIR_MAX + dir;
}

int rg_if_sum(const struct rg_maps *m, __u32 slot, struct rg_if_counters *out)
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu < 0)
		return ncpu;
	if (slot >= RG_MAX_IFACES)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpu; c++)
		for (int d = 0; d < RG_DIR_MAX; d++) {
			__u32 key = if_line_key(c, slot, d);
			struct rg_if_line line;
			const __u64 *f = (const __u64 *)&line.c;
			__u64 *t = (__u64 *)&out->dir[d];

			if (bpf_map_lookup_elem(m->if_stats, &key, &line))
				return -errno;
			for (size_t i = 0; i < sizeof(line.c) / sizeof(__u64); i++)
				t[i] += f[i];
		}
	return 0;
}

int rg_if_zero(const struct rg_maps *m, __u32 slot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct rg_if_line zero = {};

	if (ncpu < 0)
		return ncpu;
	for (int c = 0; c < ncpu; c++)
		for (int d = 0; d < RG_DIR_MAX; d++) {
			__u32 key = if_line_key(c, slot, d);

			if (bpf_map_update_elem(m->if_stats, &key, &zero, BPF_ANY))
				return -errno;
		}
	return 0;
}

int rg_if_cache_bypass(const struct rg_maps *m, __u32 slot, bool on)
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu < 0)
		return ncpu;
	for (int c = 0; c < ncpu; c++)
		for (int d = 0; d < RG_DIR_MAX; d++) {
			__u32 key = if_line_key(c, slot, d);
			struct rg_if_line line;

			if (bpf_map_lookup_elem(m->if_stats, &key, &line))
				return -errno;
			line.ctl.bypass = on;
			line.ctl.lookups = line.ctl.hits = 0;
			if (bpf_map_update_elem(m->if_stats, &key, &line, BPF_ANY))
				return -errno;
		}
	return 0;
}

int rg_percpu_zero(int fd, __u32 key, size_t value_size)
{
	int ncpu = libbpf_num_possible_cpus();
	void *zeros;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	zeros = calloc(ncpu, (value_size + 7) & ~7ul);
	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	return err;
}

/* rg_ifaces, and the array the datapath reads for small ifindexes. */
int rg_iface_put(const struct rg_maps *m, __u32 ifindex, const struct rg_iface *ifc)
{
	struct rg_if_fast f = { .role = ifc->role, .slot = ifc->slot };

	if (bpf_map_update_elem(m->ifaces, &ifindex, ifc, BPF_ANY))
		return -errno;
	if (ifindex < RG_IFINDEX_DIRECT && bpf_map_update_elem(m->if_index, &ifindex, &f, BPF_ANY))
		return -errno;
	return 0;
}

int rg_iface_del(const struct rg_maps *m, __u32 ifindex)
{
	struct rg_if_fast none = {};

	if (ifindex < RG_IFINDEX_DIRECT)
		bpf_map_update_elem(m->if_index, &ifindex, &none, BPF_ANY);
	if (bpf_map_delete_elem(m->ifaces, &ifindex))
		return -errno;
	return 0;
}

/* The array from rg_ifaces (a state pinned by a build without it). */
int rg_iface_index_sync(const struct rg_maps *m)
{
	__u32 key, next, *prev = NULL;
	struct rg_iface ifc;
	int err = 0;

	/* only the array is written: updating rg_ifaces itself while walking
	 * it re-inserts each entry at the head of its hash bucket, and two
	 * interfaces that share a bucket then hand the walk back and forth
	 * for ever
	 */
	while (!err && bpf_map_get_next_key(m->ifaces, prev, &next) == 0) {
		struct rg_if_fast f;

		key = next;
		prev = &key;
		if (key >= RG_IFINDEX_DIRECT || bpf_map_lookup_elem(m->ifaces, &key, &ifc))
			continue;
		f = (struct rg_if_fast){ .role = ifc.role, .slot = ifc.slot };
		if (bpf_map_update_elem(m->if_index, &key, &f, BPF_ANY))
			err = -errno;
	}
	return err;
}
