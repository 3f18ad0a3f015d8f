// SPDX-License-Identifier: GPL-2.0-only
/*
 * attach.c - the loader.
 *
 * Layout under the state directory:
 *   maps/<map>        every map (see state.c)
 *   progs/xdp, tc     the programs of the build that loaded last
 *   links/xdp-<ifindex>, links/tc-<ifindex>
 * Pinned links keep the programs attached after the CLI exits. A legacy
 * clsact filter (kernels without tcx) is not a link: the kernel keeps it, and
 * rg_ifaces records whether ringguard created the qdisc, so detach removes
 * exactly what attach added.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "install.h"
#include "ringguard.skel.h"

/* Not in Debian 12's uapi headers (tcx arrived in Linux 6.6). */
#ifndef BPF_F_BEFORE
#define BPF_F_BEFORE		(1U << 3)
#endif
#define RG_BPF_TCX_EGRESS	47

#define RG_TC_HANDLE		0x52470001	/* "RG" */
#define RG_TC_PRIO		1

const char *rg_xdp_kind_name(__u32 kind)
{
	switch (kind) {
	case RG_XDP_NATIVE:
		return "xdp-native";
	case RG_XDP_GENERIC:
		return "xdp-generic";
	default:
		return "none";
	}
}

const char *rg_tc_kind_name(__u32 kind)
{
	switch (kind) {
	case RG_TC_TCX:
		return "tcx";
	case RG_TC_CLSACT:
		return "clsact";
	case RG_TC_CLSACT_SHARED:
		return "clsact-shared";
	default:
		return "none";
	}
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

static int if_mtu(const char *name)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 0;

	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0)
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

static void pin_path(char *buf, size_t len, const char *dir, const char *sub,
		     const char *fmt, unsigned int n)
{
	char name[64];

	snprintf(name, sizeof(name), fmt, n);
	snprintf(buf, len, "%s/%s/%s", dir, sub, name);
}

/* Pins fd at path, replacing whatever was pinned there. */
static int repin(int fd, const char *path)
{
	unlink(path);
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

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
	bpf_map__set_max_entries(s->maps.rg_counts, slots);
	s->rodata->rg_count_mask = slots - 1;
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
static bool migratable(__u32 from, __u32 to)
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

/* Copies every entry of old into new, each old value into the front of the
 * new one (layouts only grow at the end): per CPU between per-CPU maps,
 * summed from per-CPU into shared counters, and the inner maps of a map of
 * maps by reference.
 */
static int migrate_map(int old, const struct bpf_map_info *oi, int new,
		       const struct bpf_map_info *ni)
{
	bool percpu = is_percpu(oi->type), sum = percpu && !is_percpu(ni->type);
	int ncpu = percpu ? libbpf_num_possible_cpus() : 1, nncpu = sum ? 1 : ncpu;
	size_t ostride = percpu ? (oi->value_size + 7) & ~7u : oi->value_size;
	size_t nstride = is_percpu(ni->type) ? (ni->value_size + 7) & ~7u : ni->value_size;
	size_t copy = oi->value_size < ni->value_size ? oi->value_size : ni->value_size;
	unsigned char *ov = calloc(ncpu, ostride), *nv = calloc(nncpu, nstride);
	__u32 key, next, *prev = NULL;
	int err = 0;

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
		if (!is_array(ni->type) && all_zero(ov, (size_t)ncpu * ostride))
			continue;	/* an unused array slot: no entry in a hash */
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

struct pinned {
	int fd;
	struct bpf_map_info info;
	bool migrate;
};

int rg_load(struct rg_loader *l, const char *dir, int plan_entries, FILE *log)
{
	struct bpf_map_info cinfo = {};
	__u32 clen = sizeof(cinfo);
	int cfd;
	struct pinned old[RG_NMAPS];
	char path[PATH_MAX];
	int err = 0;

	memset(l, 0, sizeof(*l));
	rg_maps_init(&l->m);
	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	memset(old, 0, sizeof(old));
	for (int i = 0; i < RG_NMAPS; i++)
		old[i].fd = -1;

	for (const char *sub = "maps"; sub; sub = !strcmp(sub, "maps") ? "links" :
					       !strcmp(sub, "links") ? "progs" : NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub);
		err = rg_mkdir_p(path, 0700);
		if (err) {
			fprintf(log, "cannot create pin directory %s: %s\n", path, strerror(-err));
			return err;
		}
	}

	l->skel = ringguard_bpf__open();
	if (!l->skel) {
		err = -errno;
		fprintf(log, "cannot open the BPF object: %s\n", strerror(errno));
		return err;
	}
	/* counter slots: as many as pinned (their counts stay), else sized to
	 * the plan
	 */
	snprintf(path, sizeof(path), "%s/maps/rg_counts", dir);
	cfd = bpf_obj_get(path);
	if (cfd >= 0 && !bpf_obj_get_info_by_fd(cfd, &cinfo, &clen) &&
	    cinfo.max_entries >= RG_COUNT_SLOTS_MIN && cinfo.max_entries <= RG_COUNT_SLOTS_MAX &&
	    !(cinfo.max_entries & (cinfo.max_entries - 1)))
		rg_skel_size_counts(l->skel, cinfo.max_entries);
	else
		rg_skel_size_counts(l->skel, rg_count_slots_for(plan_entries));
	if (cfd >= 0)
		close(cfd);
	for (int i = 0; i < RG_NMAPS; i++) {
		struct bpf_map *map = rg_skel_map(l->skel, i);
		unsigned int flags = rg_map_descs[i].flags;
		__u32 len = sizeof(old[i].info);

		snprintf(path, sizeof(path), "%s/maps/%s", dir, rg_map_descs[i].name);
		old[i].fd = bpf_obj_get(path);
		if (old[i].fd < 0)
			continue;
		l->adopted = true;
		memset(&old[i].info, 0, sizeof(old[i].info));
		if (bpf_obj_get_info_by_fd(old[i].fd, &old[i].info, &len)) {
			err = -errno;
			goto fail;
		}
		if (old[i].info.type != bpf_map__type(map) && (flags & RG_MAPF_TRANSIENT)) {
			close(old[i].fd);	/* starts afresh */
			old[i].fd = -1;
			continue;
		}
		if (!migratable(old[i].info.type, bpf_map__type(map)) ||
		    old[i].info.key_size != bpf_map__key_size(map) ||
		    ((flags & RG_MAPF_FIXED_VALUE) &&
		     old[i].info.value_size != bpf_map__value_size(map))) {
			fprintf(log, "pinned map %s has a layout this build cannot migrate "
				"(type %u key %u, want type %u key %u): detach with the build "
				"that attached it, then attach again\n", rg_map_descs[i].name,
				old[i].info.type, old[i].info.key_size, bpf_map__type(map),
				bpf_map__key_size(map));
			err = -EPROTO;
			goto fail;
		}
		if (old[i].info.value_size == bpf_map__value_size(map) &&
		    old[i].info.max_entries == bpf_map__max_entries(map) &&
		    old[i].info.map_flags == bpf_map__map_flags(map)) {
			err = bpf_map__reuse_fd(map, old[i].fd);
			if (err)
				goto fail;
			continue;
		}
		if (old[i].info.value_size > bpf_map__value_size(map)) {
			fprintf(log, "pinned map %s has %u-byte values, this build %u: it is "
				"older than the pinned state; use the newer build\n",
				rg_map_descs[i].name, old[i].info.value_size, bpf_map__value_size(map));
			err = -EPROTO;
			goto fail;
		}
		old[i].migrate = true;
	}

	err = ringguard_bpf__load(l->skel);
	if (err) {
		fprintf(log, "cannot load the BPF programs: %s (run with -v for the verifier log)\n",
			strerror(-err));
		goto fail;
	}
	rg_maps_from_skel(l->skel, &l->m);
	l->xdp_fd = bpf_program__fd(l->skel->progs.rg_xdp);
	l->tc_fd = bpf_program__fd(l->skel->progs.rg_tc);

	for (int i = 0; i < RG_NMAPS; i++) {
		struct bpf_map *map = rg_skel_map(l->skel, i);
		int fd = bpf_map__fd(map);

		if (old[i].fd >= 0 && !old[i].migrate)
			continue;
		if (old[i].migrate) {
			struct bpf_map_info ni = {};
			__u32 len = sizeof(ni);

			bpf_obj_get_info_by_fd(fd, &ni, &len);
			err = migrate_map(old[i].fd, &old[i].info, fd, &ni);
			if (err) {
				fprintf(log, "cannot migrate map %s: %s\n", rg_map_descs[i].name,
					strerror(-err));
				goto fail;
			}
			fprintf(log, "migrated map %s: %u-byte values to %u, %u entries to %u\n",
				rg_map_descs[i].name, old[i].info.value_size, ni.value_size,
				old[i].info.max_entries, ni.max_entries);
		}
		snprintf(path, sizeof(path), "%s/maps/%s", dir, rg_map_descs[i].name);
		err = repin(fd, path);
		if (err) {
			fprintf(log, "cannot pin map %s: %s\n", path, strerror(-err));
			goto fail;
		}
	}

	/* An adopted state keeps enforcing through the upgrade: each link
	 * switches to the new program atomically, once the maps only this
	 * build has are filled in.
	 */
	if (l->adopted) {
		struct rg_meta meta;
		__u32 key, next, *prev = NULL;

		err = rg_iface_index_sync(&l->m);
		if (err) {
			fprintf(log, "cannot index the interfaces: %s\n", strerror(-err));
			goto fail;
		}

		while (bpf_map_get_next_key(l->m.ifaces, prev, &next) == 0) {
			struct rg_iface ifc;
			int fd;

			key = next;
			prev = &key;
			if (bpf_map_lookup_elem(l->m.ifaces, &key, &ifc))
				continue;
			pin_path(path, sizeof(path), dir, "links", "xdp-%u", key);
			fd = bpf_obj_get(path);
			if (fd >= 0) {
				if (bpf_link_update(fd, l->xdp_fd, NULL))
					fprintf(log, "cannot move %s's XDP link to the new program: %s\n",
						ifc.name, strerror(errno));
				close(fd);
			}
			pin_path(path, sizeof(path), dir, "links", "tc-%u", key);
			fd = bpf_obj_get(path);
			if (fd >= 0) {
				if (bpf_link_update(fd, l->tc_fd, NULL))
					fprintf(log, "cannot move %s's tc link to the new program: %s\n",
						ifc.name, strerror(errno));
				close(fd);
			} else if (ifc.tc_kind == RG_TC_CLSACT || ifc.tc_kind == RG_TC_CLSACT_SHARED) {
				LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = key,
					    .attach_point = BPF_TC_EGRESS);
				LIBBPF_OPTS(bpf_tc_opts, to, .handle = RG_TC_HANDLE,
					    .priority = RG_TC_PRIO, .prog_fd = l->tc_fd,
					    .flags = BPF_TC_F_REPLACE);

				if (bpf_tc_attach(&hook, &to))
					fprintf(log, "cannot replace %s's tc filter\n", ifc.name);
			}
		}
		if (!rg_meta_read(&l->m, &meta) && meta.layout_version != RG_LAYOUT_VERSION) {
			meta.layout_version = RG_LAYOUT_VERSION;
			rg_meta_write(&l->m, &meta);
		}
	}
	snprintf(path, sizeof(path), "%s/progs/xdp", dir);
	err = repin(l->xdp_fd, path);
	snprintf(path, sizeof(path), "%s/progs/tc", dir);
	if (!err)
		err = repin(l->tc_fd, path);
	if (err) {
		fprintf(log, "cannot pin programs in %s: %s\n", dir, strerror(-err));
		goto fail;
	}
	for (int i = 0; i < RG_NMAPS; i++)
		if (old[i].fd >= 0)
			close(old[i].fd);
	return 0;

fail:
	for (int i = 0; i < RG_NMAPS; i++)
		if (old[i].fd >= 0)
			close(old[i].fd);
	rg_loader_close(l);
	return err;
}

void rg_loader_close(struct rg_loader *l)
{
	ringguard_bpf__destroy(l->skel);
	l->skel = NULL;
	rg_maps_init(&l->m);
}

/* --- hooks ------------------------------------------------------------- */

static int attach_xdp(int prog, unsigned int ifindex, const char *ifname, int want,
		      __u32 *kind, FILE *log)
{
	LIBBPF_OPTS(bpf_link_create_opts, o);
	int fd = -1;

	if (want != RG_WANT_XDP_GENERIC) {
		o.flags = XDP_FLAGS_DRV_MODE;
		fd = bpf_link_create(prog, ifindex, BPF_XDP, &o);
		if (fd >= 0) {
			*kind = RG_XDP_NATIVE;
			return fd;
		}
		if (errno == EBUSY || errno == EEXIST || want == RG_WANT_XDP_NATIVE)
			goto fail;
	}
	o.flags = XDP_FLAGS_SKB_MODE;
	fd = bpf_link_create(prog, ifindex, BPF_XDP, &o);
	if (fd >= 0) {
		*kind = RG_XDP_GENERIC;
		return fd;
	}
fail:
	if (errno == EBUSY || errno == EEXIST)
		fprintf(log, "%s already has an XDP program that is not ringguard's: "
			"remove it ('ip link set dev %s xdp off') or leave %s out\n",
			ifname, ifname, ifname);
	else
		fprintf(log, "cannot attach XDP to %s: %s\n", ifname, strerror(errno));
	return -errno;
}

/* tcx: attach at the head of the chain (BPF_F_BEFORE with no anchor). The
 * program returns TC_ACT_UNSPEC (== TCX_NEXT) for what it lets through, so
 * programs after it (Cilium, Calico) still see that traffic.
 */
static int attach_tc(int prog, unsigned int ifindex, const char *ifname, int want,
		     __u32 *kind, int *link_fd, FILE *log)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = RG_TC_HANDLE, .priority = RG_TC_PRIO);
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = BPF_F_BEFORE);
	int fd, err;

	*link_fd = -1;
	if (want != RG_WANT_TC_CLSACT) {
		fd = bpf_link_create(prog, ifindex, RG_BPF_TCX_EGRESS, &lo);
		if (fd >= 0) {
			*kind = RG_TC_TCX;
			*link_fd = fd;
			return 0;
		}
		if (want == RG_WANT_TC_TCX) {
			err = -errno;
			fprintf(log, "cannot attach tcx egress to %s: %s (tcx needs Linux 6.6+; "
				"try --tc clsact)\n", ifname, strerror(errno));
			return err;
		}
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(log, "cannot create clsact qdisc on %s: %s\n", ifname, strerror(-err));
		return err;
	}
	*kind = err == -EEXIST ? RG_TC_CLSACT_SHARED : RG_TC_CLSACT;
	to.prog_fd = prog;
	err = bpf_tc_attach(&hook, &to);
	if (err) {
		fprintf(log, "cannot attach tc egress filter to %s: %s\n", ifname, strerror(-err));
		if (*kind == RG_TC_CLSACT) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		return err;
	}
	return 0;	/* a legacy filter: no link */
}

static void detach_clsact(unsigned int ifindex, __u32 kind)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = RG_TC_HANDLE, .priority = RG_TC_PRIO);

	bpf_tc_detach(&hook, &to);
	if (kind == RG_TC_CLSACT) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

/* Removes ringguard's hooks from one interface (it may already be gone);
 * forget also drops its rg_ifaces entry.
 */
static void detach_iface(const char *dir, const struct rg_maps *m, __u32 ifindex,
			 const struct rg_iface *ifc, bool forget)
{
	char path[PATH_MAX];

	if (ifc->tc_kind == RG_TC_CLSACT || ifc->tc_kind == RG_TC_CLSACT_SHARED)
		detach_clsact(ifindex, ifc->tc_kind);
	pin_path(path, sizeof(path), dir, "links", "xdp-%u", ifindex);
	unlink(path);
	pin_path(path, sizeof(path), dir, "links", "tc-%u", ifindex);
	unlink(path);
	if (forget)
		rg_iface_del(m, ifindex);
}

static bool hooked(const char *dir, __u32 ifindex)
{
	char path[PATH_MAX];
	struct stat st;

	pin_path(path, sizeof(path), dir, "links", "xdp-%u", ifindex);
	return stat(path, &st) == 0;
}

static int attach_iface(struct rg_loader *l, unsigned int ifindex, const char *name,
			__u32 role, __u32 slot, __u32 reattaches, FILE *log)
{
	struct rg_iface ifc = {
		.role = role,
		.slot = slot,
		.mtu = if_mtu(name),
		.reattaches = reattaches,
	};
	char path[PATH_MAX];
	int fd, err;

	snprintf(ifc.name, sizeof(ifc.name), "%s", name);
	/* the entry goes in first so the very first packet is counted */
	err = rg_iface_put(&l->m, ifindex, &ifc);
	if (err) {
		fprintf(log, "cannot register %s: %s\n", name, strerror(-err));
		return err;
	}
	fd = attach_xdp(l->xdp_fd, ifindex, name, l->want_xdp, &ifc.xdp_kind, log);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	pin_path(path, sizeof(path), l->dir, "links", "xdp-%u", ifindex);
	err = repin(fd, path);
	close(fd);
	if (err) {
		fprintf(log, "cannot pin XDP link of %s: %s\n", name, strerror(-err));
		goto fail;
	}
	rg_iface_put(&l->m, ifindex, &ifc);

	err = attach_tc(l->tc_fd, ifindex, name, l->want_tc, &ifc.tc_kind, &fd, log);
	if (err)
		goto fail;
	rg_iface_put(&l->m, ifindex, &ifc);
	if (fd >= 0) {
		pin_path(path, sizeof(path), l->dir, "links", "tc-%u", ifindex);
		err = repin(fd, path);
		close(fd);
		if (err) {
			fprintf(log, "cannot pin tc link of %s: %s\n", name, strerror(-err));
			goto fail;
		}
	}
	return 0;
fail:
	detach_iface(l->dir, &l->m, ifindex, &ifc, true);
	return err;
}

struct cur_iface {
	__u32 ifindex;
	struct rg_iface ifc;
	bool keep;
};

int rg_reconcile(struct rg_loader *l, const struct rg_host_if *want, int nwant,
		 bool *missing, FILE *log)
{
	struct cur_iface cur[RG_MAX_IFACES];
	__u32 key, next, *prev = NULL;
	bool slot_used[RG_MAX_IFACES] = {};
	int ncur = 0, changes = 0, err = 0;

	while (bpf_map_get_next_key(l->m.ifaces, prev, &next) == 0 && ncur < RG_MAX_IFACES) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(l->m.ifaces, &key, &cur[ncur].ifc))
			continue;
		cur[ncur].ifindex = key;
		cur[ncur].keep = false;
		ncur++;
	}

	/* what is attached and still right stays; roles may change in place */
	for (int i = 0; i < ncur; i++) {
		char name[IF_NAMESIZE];

		if (!if_indextoname(cur[i].ifindex, name) || strcmp(name, cur[i].ifc.name) ||
		    !hooked(l->dir, cur[i].ifindex))
			continue;	/* gone, renamed away, or left over from that */
		for (int w = 0; w < nwant; w++) {
			if (strcmp(want[w].name, name))
				continue;
			cur[i].keep = true;
			slot_used[cur[i].ifc.slot % RG_MAX_IFACES] = true;
			if (cur[i].ifc.role != want[w].role) {
				cur[i].ifc.role = want[w].role;
				rg_iface_put(&l->m, cur[i].ifindex, &cur[i].ifc);
				fprintf(log, "%s: role is now %s\n", name, rg_role_name(want[w].role));
				changes++;
			}
		}
	}
	for (int i = 0; i < ncur; i++) {
		bool wanted = false;

		if (cur[i].keep)
			continue;
		for (int w = 0; w < nwant; w++)
			wanted |= !strcmp(want[w].name, cur[i].ifc.name);
		/* a wanted interface that vanished keeps its entry (slot,
		 * counters, re-attach count) until it is back
		 */
		if (!hooked(l->dir, cur[i].ifindex) && wanted &&
		    !if_nametoindex(cur[i].ifc.name))
			continue;
		detach_iface(l->dir, &l->m, cur[i].ifindex, &cur[i].ifc,
			     !(wanted && !if_nametoindex(cur[i].ifc.name)));
		if (!wanted)
			fprintf(log, "%s: detached (no longer in the plan)\n", cur[i].ifc.name);
		else if (!if_nametoindex(cur[i].ifc.name))
			fprintf(log, "%s: gone (ifindex %u); it will be re-attached when it "
				"appears\n", cur[i].ifc.name, cur[i].ifindex);
		changes++;
	}

	/* slots of wanted names stay theirs, attached or waiting to come back */
	for (int i = 0; i < ncur; i++)
		for (int w = 0; w < nwant; w++)
			if (!strcmp(want[w].name, cur[i].ifc.name))
				slot_used[cur[i].ifc.slot % RG_MAX_IFACES] = true;

	for (int w = 0; w < nwant; w++) {
		unsigned int ifindex = if_nametoindex(want[w].name);
		__u32 slot = RG_MAX_IFACES, reattaches = 0;
		bool done = false, seen = false;
		struct rg_if_counters zero = {};

		for (int i = 0; i < ncur; i++) {
			if (strcmp(cur[i].ifc.name, want[w].name))
				continue;
			done |= cur[i].keep;
			if (!cur[i].keep && ifindex) {
				/* the same name again: keep its slot and counters */
				seen = true;
				slot = cur[i].ifc.slot;
				reattaches = cur[i].ifc.reattaches + 1;
				rg_iface_del(&l->m, cur[i].ifindex);
			}
		}
		if (done)
			continue;
		if (!ifindex) {
			if (!missing || !missing[w])
				fprintf(log, "%s: interface not found; it will be attached when it "
					"appears\n", want[w].name);
			if (missing)
				missing[w] = true;
			continue;
		}
		if (missing)
			missing[w] = false;
		if (!seen) {
			for (slot = 0; slot < RG_MAX_IFACES && slot_used[slot]; slot++)
				;
			if (slot == RG_MAX_IFACES) {
				err = -E2BIG;
				break;
			}
			rg_percpu_zero(l->m.if_stats, slot, sizeof(zero));
		}
		slot_used[slot] = true;
		err = attach_iface(l, ifindex, want[w].name, want[w].role, slot, reattaches, log);
		if (err)
			break;
		fprintf(log, "%s: %s as %s (ifindex %u)\n", want[w].name,
			seen ? "re-attached" : "attached", rg_role_name(want[w].role), ifindex);
		changes++;
	}
	return err ? err : changes;
}

/* --- attach / detach ---------------------------------------------------------- */

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int rg_attach(const char *dir, const struct rg_plan *plan,
	      const struct rg_attach_opts *o, FILE *errs)
{
	struct rg_meta meta = { .layout_version = RG_LAYOUT_VERSION };
	struct rg_loader l;
	long long gen;
	int err, n;

	for (int i = 0; i < o->nifs; i++) {
		if (!if_nametoindex(o->ifs[i].name)) {
			fprintf(errs, "interface %s not found in this network namespace: "
				"check 'ip link' or the plan's host line\n", o->ifs[i].name);
			return -ENODEV;
		}
	}
	if (rg_state_exists(dir)) {
		fprintf(errs, "ringguard is already attached in this network namespace (%s): "
			"use 'ringguard sync' to change the plan, or 'ringguard detach' first\n",
			rg_state_display(dir));
		return -EEXIST;
	}

	err = rg_load(&l, dir, plan->nentries, errs);
	if (err)
		goto fail_nol;
	l.want_xdp = o->want_xdp;
	l.want_tc = o->want_tc;
	err = rg_meta_write(&l.m, &meta);
	if (!err)
		err = rg_mode_write(&l.m, o->mode);
	if (err) {
		fprintf(errs, "cannot initialise maps: %s\n", strerror(-err));
		goto fail;
	}
	gen = rg_install(&l.m, plan, o->plan_path);
	if (gen < 0) {
		err = gen;
		fprintf(errs, "cannot install plan: %s\n", strerror(-err));
		goto fail;
	}
	n = rg_reconcile(&l, o->ifs, o->nifs, NULL, errs);
	if (n < 0) {
		err = n;
		goto fail;
	}
	rg_loader_close(&l);
	return 0;

fail:
	rg_loader_close(&l);
fail_nol:
	{
		libbpf_print_fn_t old = libbpf_set_print(silent_print);

		rg_detach(dir, stderr);
		libbpf_set_print(old);
	}
	return err;
}

static void unpin_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int rg_detach(const char *dir, FILE *errs)
{
	const char *subs[] = { "links", "progs", "maps" };
	char path[PATH_MAX];
	struct rg_maps m;
	__u32 key, next, *prev = NULL;
	int err;

	err = rg_state_open(dir, &m, false);
	if (!err) {
		while (bpf_map_get_next_key(m.ifaces, prev, &next) == 0) {
			struct rg_iface ifc;

			key = next;
			prev = &key;
			if (bpf_map_lookup_elem(m.ifaces, &key, &ifc))
				continue;
			if (ifc.tc_kind == RG_TC_CLSACT || ifc.tc_kind == RG_TC_CLSACT_SHARED)
				detach_clsact(key, ifc.tc_kind);
		}
		rg_maps_close(&m);
	}
	/* links first: unpinning the last reference detaches the program */
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		unpin_dir(path);
	}
	if (rmdir(dir) && errno != ENOENT) {
		fprintf(errs, "cannot remove %s: %s (remove what is left by hand)\n",
			rg_state_display(dir), strerror(errno));
		return -errno;
	}
	return 0;
}
