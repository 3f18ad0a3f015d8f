// SPDX-License-Identifier: GPL-2.0-only
/*
 * attach.c - the loader.
 *
 * Layout under the state directory:
 *   maps/<map>        every map (see state.c)
 *   progs/xdp, tc, tc-in   the programs of the build that loaded last
 *   links/xdp-<ifindex>, links/tc-<ifindex>, links/tcin-<ifindex> (tc
 *                     ingress, where another program holds the XDP hook)
 * Pinned links keep the programs attached after the CLI exits. A legacy
 * clsact filter (kernels without tcx) is not a link: the kernel keeps it, and
 * rg_ifaces records whether ringguard created the qdisc, so detach removes
 * exactly what attach added.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/attach.h"
#include "kernel/fleet.h"
#include "kernel/head.h"
#include "kernel/hook.h"
#include "kernel/install.h"
#include "kernel/links.h"
#include "lib/log.h"
#include "lib/testhook.h"
#include "ringguard.skel.h"

/* Not in Debian 12's uapi headers (tcx arrived in Linux 6.6). */
#ifndef BPF_F_BEFORE
#define BPF_F_BEFORE		(1U << 3)
#endif
#define RG_BPF_TCX_INGRESS	46
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
	case RG_XDP_TC:
		return "tc";
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

__u32 rg_xdp_holder(unsigned int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	/* one program: prog_id; programs in several modes: one id per mode */
	return q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id :
	       q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
}

static int cmp_slot(const void *a, const void *b)
{
	const struct rg_attached *x = a, *y = b;

	return (int)x->ifc.slot - (int)y->ifc.slot;
}

int rg_attached_read(const struct rg_maps *m, struct rg_attached *rows, int max)
{
	struct rg_attached *tmp = calloc(max, sizeof(*tmp));
	__u32 key, next, *prev = NULL;
	struct rg_link *ls = NULL;
	int n = 0, nls, out = 0;

	if (!tmp)
		return -ENOMEM;
	while (bpf_map_get_next_key(m->ifaces, prev, &next) == 0 && n < max) {
		struct rg_attached *r = &tmp[n];
		char name[IF_NAMESIZE];

		key = next;
		prev = &key;
		memset(r, 0, sizeof(*r));
		if (bpf_map_lookup_elem(m->ifaces, &key, &r->ifc))
			continue;
		r->ifindex = key;
		r->present = if_indextoname(key, name) && !strcmp(name, r->ifc.name);
		if (r->present && r->ifc.xdp_kind == RG_XDP_TC)
			r->xdp_holder = rg_xdp_holder(key);
		if (r->present && r->ifc.tc_kind == RG_TC_TCX) {
			rg_head_query(m, key, false, &r->head[RG_DIR_OUT]);
			if (r->ifc.xdp_kind == RG_XDP_TC)
				rg_head_query(m, key, true, &r->head[RG_DIR_IN]);
		}
		n++;
	}
	qsort(tmp, n, sizeof(*tmp), cmp_slot);
	nls = rg_links_dump(&ls);
	for (int i = 0; i < n && nls > 0; i++) {
		const struct rg_link *l = rg_link_find(ls, nls, NULL, tmp[i].ifindex), *br;

		br = l && l->master ? rg_link_find(ls, nls, NULL, l->master) : NULL;
		if (!tmp[i].present || !br || !br->bridge)
			continue;
		for (int j = 0; j < n; j++)
			if (tmp[j].ifindex == br->ifindex && tmp[j].present)
				snprintf(tmp[i].bridge, sizeof(tmp[i].bridge), "%s", br->name);
	}
	free(ls);
	/* each bridge, then its ports; the rest in slot order */
	for (int i = 0; i < n; i++) {
		if (tmp[i].bridge[0])
			continue;
		rows[out] = tmp[i];
		rows[out].nports = 0;
		for (int j = 0; j < n; j++)
			rows[out].nports += !strcmp(tmp[j].bridge, tmp[i].ifc.name);
		out++;
		for (int j = 0; j < n; j++)
			if (!strcmp(tmp[j].bridge, tmp[i].ifc.name))
				rows[out++] = tmp[j];
	}
	free(tmp);
	return out;
}

int rg_uncovered_read(const struct rg_maps *m, struct rg_uncovered *rows, int max)
{
	__u32 key, next, *prev = NULL;
	struct rg_link *ls = NULL;
	bool *ours;
	int nls, n = 0;

	nls = rg_links_dump(&ls);
	if (nls < 0)
		return nls;
	ours = calloc(nls ? nls : 1, sizeof(*ours));
	if (!ours) {
		free(ls);
		return -ENOMEM;
	}
	/* ours[i]: rg_ifaces has link i, by ifindex and name */
	while (bpf_map_get_next_key(m->ifaces, prev, &next) == 0) {
		struct rg_iface ifc;
		const struct rg_link *l;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->ifaces, &key, &ifc))
			continue;
		l = rg_link_find(ls, nls, NULL, key);
		if (l && !strncmp(l->name, ifc.name, sizeof(ifc.name)))
			ours[l - ls] = true;
	}
	for (int i = 0; i < nls; i++) {
		const struct rg_link *br = ls[i].master ? rg_link_find(ls, nls, NULL, ls[i].master) : NULL;

		if (ours[i] || !br || !br->bridge || !ours[br - ls])
			continue;
		if (rows && n < max) {
			snprintf(rows[n].name, sizeof(rows[n].name), "%s", ls[i].name);
			snprintf(rows[n].bridge, sizeof(rows[n].bridge), "%s", br->name);
		}
		n++;
	}
	free(ours);
	free(ls);
	return n;
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
	s->rodata->rg_exact_ok = rg_bpf_exact_ok;
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
static int migrate_map(int old, const struct bpf_map_info *oi, int new,
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
static int migrate_regions(int old, const struct bpf_map_info *oi, int new,
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

/* A map pinned by the build that loaded before. */
struct pinned {
	int fd;
	struct bpf_map_info info;
	bool migrate;
};

/* The counter slots per CPU of the loaded maps (rg_counts holds them for
 * every possible CPU).
 */
static __u32 count_slots(const struct rg_loader *l)
{
	int ncpu = libbpf_num_possible_cpus();

	return bpf_map__max_entries(l->skel->maps.rg_counts) / (ncpu > 0 ? ncpu : 1);
}

/* Another instance of the programs over the pinned maps of l: only those
 * programs that tc and tcin ask for are loaded (verified). NULL on error,
 * said with what (a name for the message), *errp its -errno.
 */
static struct ringguard_bpf *open_sharing(struct rg_loader *l, bool tc, bool tcin,
					  const char *what, int *errp)
{
	struct ringguard_bpf *s = ringguard_bpf__open();
	struct bpf_program *p;
	int err = 0;

	if (!s) {
		*errp = -errno;
		rg_err("cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, (tc && p == s->progs.rg_tc) ||
					  (tcin && p == s->progs.rg_tc_in));
	rg_skel_size_counts(s, count_slots(l));
	for (int i = 0; i < RG_NMAPS && !err; i++)
		err = bpf_map__reuse_fd(rg_skel_map(s, i), bpf_map__fd(rg_skel_map(l->skel, i)));
	if (!err)
		err = ringguard_bpf__load(s);
	*errp = err;
	if (err) {
		rg_err("cannot load %s: %s (run with -v for the verifier log)", what,
		       strerror(-err));
		ringguard_bpf__destroy(s);
		return NULL;
	}
	return s;
}

/* rg_tc_in, for interfaces whose XDP hook another program holds (and for
 * bridges): loaded on first need from a second instance of the object over
 * the same maps, so hosts that never need it do not pay for verifying it.
 */
static int load_tcin(struct rg_loader *l)
{
	struct ringguard_bpf *s;
	char path[PATH_MAX];
	int err;

	if (l->tcin_fd >= 0)
		return 0;
	s = open_sharing(l, false, true, "the tc ingress program", &err);
	if (!s)
		return err;
	snprintf(path, sizeof(path), "%s/progs/tc-in", l->dir);
	err = repin(bpf_program__fd(s->progs.rg_tc_in), path);
	if (err) {
		rg_err("cannot pin the tc ingress program: %s", strerror(-err));
		ringguard_bpf__destroy(s);
		return err;
	}
	l->tcin_skel = s;
	l->tcin_fd = bpf_program__fd(s->progs.rg_tc_in);
	return 0;
}

int rg_load_tcin(struct rg_loader *l)
{
	return load_tcin(l);
}

int rg_load_alt(struct rg_loader *l)
{
	struct ringguard_bpf *s;
	int err;

	if (l->alt_skel)
		return 0;
	s = open_sharing(l, true, true, "a second copy of the tc programs", &err);
	if (!s)
		return err;
	l->alt_skel = s;
	l->alt_tc_fd = bpf_program__fd(s->progs.rg_tc);
	l->alt_tcin_fd = bpf_program__fd(s->progs.rg_tc_in);
	return 0;
}

/* What rg_load's steps share. */
struct load {
	struct rg_loader *l;
	const char *dir;
	int plan_entries;
	struct pinned old[RG_NMAPS];
};

static int make_pin_dirs(struct load *ld)
{
	static const char *const subs[] = { "maps", "links", "progs" };
	char path[PATH_MAX];
	int err;

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", ld->dir, subs[i]);
		err = rg_mkdir_p(path, 0700);
		if (err) {
			rg_err("cannot create pin directory %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Opens the object; counter slots as many as pinned (their counts stay),
 * else sized to the plan (older layouts pinned them per CPU, this one in
 * one region per CPU). Then unpins the maps a former layout had and this
 * build has not.
 */
static int open_skel(struct load *ld)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	ld->l->skel = ringguard_bpf__open();
	if (!ld->l->skel) {
		err = -errno;
		rg_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/maps/%s", ld->dir, rg_map_descs[RG_MAP_COUNTS].name);
	fd = bpf_obj_get(path);
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int ncpu = libbpf_num_possible_cpus();

		if (info.type == BPF_MAP_TYPE_ARRAY && ncpu > 0)
			info.max_entries /= ncpu;
	}
	if (fd >= 0 && info.max_entries >= RG_COUNT_SLOTS_MIN &&
	    info.max_entries <= RG_COUNT_SLOTS_MAX &&
	    !(info.max_entries & (info.max_entries - 1)))
		rg_skel_size_counts(ld->l->skel, info.max_entries);
	else
		rg_skel_size_counts(ld->l->skel, rg_count_slots_for(ld->plan_entries));
	if (fd >= 0)
		close(fd);
	{
		static const char *const retired[] = RG_RETIRED_MAPS;

		for (size_t i = 0; i < sizeof(retired) / sizeof(retired[0]); i++) {
			snprintf(path, sizeof(path), "%s/maps/%s", ld->dir, retired[i]);
			if (!unlink(path))
				rg_debug("map %s: retired, unpinned", retired[i]);
		}
	}
	return 0;
}

/* The pinned map id, if any: reused as it is, marked for migration, left
 * to start afresh, or refused.
 */
static int adopt_map(struct load *ld, enum rg_map_id id)
{
	struct bpf_map *map = rg_skel_map(ld->l->skel, id);
	const struct rg_map_desc *d = &rg_map_descs[id];
	struct pinned *o = &ld->old[id];
	__u32 len = sizeof(o->info);
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/maps/%s", ld->dir, d->name);
	o->fd = bpf_obj_get(path);
	if (o->fd < 0)
		return 0;
	ld->l->adopted = true;
	memset(&o->info, 0, sizeof(o->info));
	if (bpf_obj_get_info_by_fd(o->fd, &o->info, &len))
		return -errno;
	if (o->info.type != bpf_map__type(map) && (d->flags & RG_MAPF_TRANSIENT)) {
		rg_debug("map %s: another type, starts afresh", d->name);
		close(o->fd);
		o->fd = -1;
		return 0;
	}
	if ((d->flags & RG_MAPF_CPU_LINES) && o->info.type == BPF_MAP_TYPE_PERCPU_ARRAY &&
	    bpf_map__type(map) == BPF_MAP_TYPE_ARRAY &&
	    o->info.key_size == bpf_map__key_size(map)) {
		o->migrate = true;	/* an older layout: per CPU */
		return 0;
	}
	if (!migratable(o->info.type, bpf_map__type(map)) ||
	    o->info.key_size != bpf_map__key_size(map) ||
	    ((d->flags & RG_MAPF_FIXED_VALUE) && o->info.value_size != bpf_map__value_size(map))) {
		rg_err("pinned map %s has a layout this build cannot migrate "
		       "(type %u key %u, want type %u key %u): detach with the build "
		       "that attached it, then attach again", d->name,
		       o->info.type, o->info.key_size, bpf_map__type(map), bpf_map__key_size(map));
		return -EPROTO;
	}
	if (o->info.value_size == bpf_map__value_size(map) &&
	    o->info.max_entries == bpf_map__max_entries(map) &&
	    o->info.map_flags == bpf_map__map_flags(map)) {
		rg_debug("map %s: reused", d->name);
		return bpf_map__reuse_fd(map, o->fd);
	}
	if (o->info.value_size > bpf_map__value_size(map)) {
		rg_err("pinned map %s has %u-byte values, this build %u: it is "
		       "older than the pinned state; use the newer build",
		       d->name, o->info.value_size, bpf_map__value_size(map));
		return -EPROTO;
	}
	o->migrate = true;
	return 0;
}

static int adopt_maps(struct load *ld)
{
	int err = 0;

	for (int i = 0; i < RG_NMAPS && !err; i++)
		err = adopt_map(ld, i);
	return err;
}

/* The maps (this instance loads no program): what a plan can be
 * installed into while the programs are verified (load_programs).
 */
static int load_maps(struct load *ld)
{
	struct rg_loader *l = ld->l;
	struct bpf_program *p;
	int err;

	bpf_object__for_each_program(p, l->skel->obj)
		bpf_program__set_autoload(p, false);
	err = ringguard_bpf__load(l->skel);
	if (err) {
		rg_err("cannot create the maps: %s (run with -v for libbpf's log)",
		       strerror(-err));
		return err;
	}
	rg_maps_from_skel(l->skel, &l->m);
	return 0;
}

/* rg_xdp and rg_tc from a second instance of the object over the maps
 * (tc ingress is loaded only where it is needed, load_tcin); where the
 * verifier refuses the exact-table probes, again without them.
 */
static int load_programs(struct rg_loader *l)
{
	struct ringguard_bpf *s;
	struct bpf_program *p;
	int err;

	s = ringguard_bpf__open();
	if (!s) {
		err = -errno;
		rg_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, p == s->progs.rg_xdp || p == s->progs.rg_tc);
	rg_skel_size_counts(s, count_slots(l));
	err = 0;
	for (int i = 0; i < RG_NMAPS && !err; i++)
		err = bpf_map__reuse_fd(rg_skel_map(s, i), bpf_map__fd(rg_skel_map(l->skel, i)));
	if (!err)
		err = ringguard_bpf__load(s);
	if (err) {
		ringguard_bpf__destroy(s);
		if (rg_bpf_retry_without_exact(err))
			return load_programs(l);
		rg_err("cannot load the BPF programs: %s (run with -v for the verifier log)",
		       strerror(-err));
		return err;
	}
	l->prog_skel = s;
	l->xdp_fd = bpf_program__fd(s->progs.rg_xdp);
	l->tc_fd = bpf_program__fd(s->progs.rg_tc);
	return 0;
}

/* Maps and programs in one instance (tc ingress is loaded only where it
 * is needed, load_tcin): rg_load's way, cheaper than two instances when
 * there is nothing to do meanwhile.
 */
static int load_progs(struct load *ld)
{
	struct rg_loader *l = ld->l;
	int err;

	bpf_program__set_autoload(l->skel->progs.rg_tc_in, false);
	err = ringguard_bpf__load(l->skel);
	if (err) {
		rg_err("cannot load the BPF programs: %s (run with -v for the verifier log)",
		       strerror(-err));
		return err;
	}
	rg_maps_from_skel(l->skel, &l->m);
	l->xdp_fd = bpf_program__fd(l->skel->progs.rg_xdp);
	l->tc_fd = bpf_program__fd(l->skel->progs.rg_tc);
	return 0;
}

/* Pins map id unless the pinned one is reused, migrating its contents in
 * first.
 */
static int pin_map(struct load *ld, enum rg_map_id id)
{
	int fd = bpf_map__fd(rg_skel_map(ld->l->skel, id));
	const char *name = rg_map_descs[id].name;
	struct pinned *o = &ld->old[id];
	char path[PATH_MAX];
	int err;

	if (o->fd >= 0 && !o->migrate)
		return 0;
	if (o->migrate) {
		struct bpf_map_info ni = {};
		__u32 len = sizeof(ni);

		bpf_obj_get_info_by_fd(fd, &ni, &len);
		size_t part = 0;

		if ((rg_map_descs[id].flags & RG_MAPF_CPU_LINES) && o->info.type != ni.type)
			part = id == RG_MAP_IF_STATS ? sizeof(struct rg_dir_counters) :
						       o->info.value_size;
		if ((rg_map_descs[id].flags & RG_MAPF_CPU_LINES) && o->info.type == ni.type &&
		    o->info.max_entries != ni.max_entries)
			err = migrate_regions(o->fd, &o->info, fd, &ni);
		else
			err = migrate_map(o->fd, &o->info, fd, &ni, part);
		if (err) {
			rg_err("cannot migrate map %s: %s", name, strerror(-err));
			return err;
		}
		rg_info("migrated map %s: %u-byte values to %u, %u entries to %u", name,
			o->info.value_size, ni.value_size, o->info.max_entries, ni.max_entries);
	}
	snprintf(path, sizeof(path), "%s/maps/%s", ld->dir, name);
	err = repin(fd, path);
	if (err)
		rg_err("cannot pin map %s: %s", path, strerror(-err));
	return err;
}

static int pin_maps(struct load *ld)
{
	int err = 0;

	for (int i = 0; i < RG_NMAPS && !err; i++)
		err = pin_map(ld, i);
	return err;
}

/* Moves the pinned link of ifindex named fmt to prog; false if there is
 * none. A failure is reported, not fatal.
 */
static bool move_link(const char *dir, const char *fmt, __u32 ifindex, int prog,
		      const char *ifname, const char *what)
{
	char path[PATH_MAX];
	int fd;

	pin_path(path, sizeof(path), dir, "links", fmt, ifindex);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	if (bpf_link_update(fd, prog, NULL))
		rg_warn("cannot move %s's %s link to the new program: %s", ifname, what,
			strerror(errno));
	close(fd);
	return true;
}

/* Moves one interface's pinned links (or its clsact filter) to the new
 * programs.
 */
static void move_hooks(struct rg_loader *l, __u32 ifindex, const struct rg_iface *ifc)
{
	move_link(l->dir, "xdp-%u", ifindex, l->xdp_fd, ifc->name, "XDP");
	if (!move_link(l->dir, "tc-%u", ifindex, l->tc_fd, ifc->name, "tc") &&
	    (ifc->tc_kind == RG_TC_CLSACT || ifc->tc_kind == RG_TC_CLSACT_SHARED)) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, to, .handle = RG_TC_HANDLE, .priority = RG_TC_PRIO,
			    .prog_fd = l->tc_fd, .flags = BPF_TC_F_REPLACE);

		if (bpf_tc_attach(&hook, &to))
			rg_warn("cannot replace %s's tc filter", ifc->name);
		if (ifc->xdp_kind == RG_XDP_TC && l->tcin_fd >= 0) {
			hook.attach_point = BPF_TC_INGRESS;
			to.prog_fd = l->tcin_fd;
			to.prog_id = 0;
			if (bpf_tc_attach(&hook, &to))
				rg_warn("cannot replace %s's tc ingress filter", ifc->name);
		}
	}
	if (l->tcin_fd >= 0)
		move_link(l->dir, "tcin-%u", ifindex, l->tcin_fd, ifc->name, "tc ingress");
}

/* An adopted state keeps enforcing through the upgrade: each link switches
 * to the new program atomically, once the maps only this build has are
 * filled in.
 */
static int take_over(struct load *ld)
{
	struct rg_loader *l = ld->l;
	__u32 key, next, *prev = NULL;
	struct rg_meta meta;
	int err;

	if (!l->adopted)
		return 0;
	err = rg_iface_index_sync(&l->m);
	if (err) {
		rg_err("cannot index the interfaces: %s", strerror(-err));
		return err;
	}
	while (bpf_map_get_next_key(l->m.ifaces, prev, &next) == 0) {
		struct rg_iface ifc;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(l->m.ifaces, &key, &ifc))
			continue;
		if (ifc.xdp_kind == RG_XDP_TC) {
			err = load_tcin(l);
			if (err)
				return err;
		}
		move_hooks(l, key, &ifc);
	}
	if (!rg_meta_read(&l->m, &meta) && meta.layout_version != RG_LAYOUT_VERSION) {
		meta.layout_version = RG_LAYOUT_VERSION;
		rg_meta_write(&l->m, &meta);
	}
	return 0;
}

static int pin_progs(struct load *ld)
{
	struct rg_loader *l = ld->l;
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/progs/xdp", l->dir);
	err = repin(l->xdp_fd, path);
	snprintf(path, sizeof(path), "%s/progs/tc", l->dir);
	if (!err)
		err = repin(l->tc_fd, path);
	if (err)
		rg_err("cannot pin programs in %s: %s", l->dir, strerror(-err));
	return err;
}

/* rg_load's steps from the first to last, on ld; a verifier refusal of
 * the exact-table probes in load_progs starts over without them (nothing
 * is pinned or migrated before it).
 */
static int load_steps(struct load *ld, int (*const *steps)(struct load *), size_t n)
{
	struct rg_loader *l = ld->l;
	int err = 0;

	memset(l, 0, sizeof(*l));
	l->tcin_fd = -1;
	l->xdp_fd = l->tc_fd = -1;
	l->alt_tc_fd = l->alt_tcin_fd = -1;
	rg_maps_init(&l->m);
	snprintf(l->dir, sizeof(l->dir), "%s", ld->dir);
	for (int i = 0; i < RG_NMAPS; i++)
		ld->old[i].fd = -1;
	for (size_t i = 0; i < n && !err; i++) {
		err = steps[i](ld);
		if (err && steps[i] == load_progs && rg_bpf_retry_without_exact(err)) {
			for (int j = 0; j < RG_NMAPS; j++)
				if (ld->old[j].fd >= 0)
					close(ld->old[j].fd);
			rg_loader_close(l);
			return load_steps(ld, steps, n);
		}
	}
	for (int i = 0; i < RG_NMAPS; i++)
		if (ld->old[i].fd >= 0)
			close(ld->old[i].fd);
	if (err)
		rg_loader_close(l);
	return err;
}

int rg_load(struct rg_loader *l, const char *dir, int plan_entries)
{
	static int (*const steps[])(struct load *) = {
		make_pin_dirs, open_skel, adopt_maps, load_progs, pin_maps, take_over, pin_progs,
	};
	struct load ld = { .l = l, .dir = dir, .plan_entries = plan_entries };

	return load_steps(&ld, steps, sizeof(steps) / sizeof(steps[0]));
}

/* rg_load in two halves for a fresh attach of a large plan: the maps,
 * pinned, at once; the programs verified on a thread meanwhile (the
 * verifier took 350 ms of a 100k attach, the plan's install as long),
 * taken in by rg_load_finish. A small plan installs in tens of ms, less
 * than a second instance of the object costs: rg_load as usual.
 */
#define RG_LOAD_ASYNC_MIN	16384

struct load_async {
	pthread_t thread;
	bool started;
	int err;
};

static void *programs_thread(void *arg)
{
	struct rg_loader *l = arg;

	l->async->err = load_programs(l);
	return NULL;
}

static int load_start(struct load *ld)
{
	struct rg_loader *l = ld->l;

	l->async = calloc(1, sizeof(*l->async));
	if (!l->async)
		return -ENOMEM;
	l->async->started = !pthread_create(&l->async->thread, NULL, programs_thread, l);
	if (!l->async->started)
		l->async->err = load_programs(l);
	return 0;
}

int rg_load_begin(struct rg_loader *l, const char *dir, int plan_entries)
{
	static int (*const steps[])(struct load *) = {
		make_pin_dirs, open_skel, adopt_maps, load_maps, pin_maps, load_start,
	};
	struct load ld = { .l = l, .dir = dir, .plan_entries = plan_entries };
	int err;

	if (plan_entries < RG_LOAD_ASYNC_MIN) {
		err = rg_load(l, dir, plan_entries);
		if (!err)
			l->loaded = true;
		return err;
	}
	return load_steps(&ld, steps, sizeof(steps) / sizeof(steps[0]));
}

/* Waits for the programs: 0 or their load's error. */
static int load_join(struct rg_loader *l)
{
	int err;

	if (!l->async)
		return 0;
	if (l->async->started)
		pthread_join(l->async->thread, NULL);
	err = l->async->err;
	free(l->async);
	l->async = NULL;
	return err;
}

int rg_load_finish(struct rg_loader *l)
{
	struct load ld = { .l = l, .dir = l->dir };
	int err;

	if (l->loaded)
		return 0;
	err = load_join(l);
	if (!err)
		err = take_over(&ld);
	if (!err)
		err = pin_progs(&ld);
	return err;
}

void rg_loader_close(struct rg_loader *l)
{
	load_join(l);
	ringguard_bpf__destroy(l->prog_skel);
	l->prog_skel = NULL;
	ringguard_bpf__destroy(l->tcin_skel);
	l->tcin_skel = NULL;
	ringguard_bpf__destroy(l->alt_skel);
	l->alt_skel = NULL;
	l->alt_tc_fd = l->alt_tcin_fd = -1;
	l->tcin_fd = -1;
	ringguard_bpf__destroy(l->skel);
	l->skel = NULL;
	rg_maps_init(&l->m);
}

/* --- hooks ------------------------------------------------------------- */

/* Returns a link fd, or -errno: -EBUSY when another program holds the hook
 * (*holder: its id), -EOPNOTSUPP when auto's native attach was refused
 * (*native_err: why), so the caller can classify ingress at tc instead.
 */
static int attach_xdp(int prog, unsigned int ifindex, const char *ifname, int want,
		      __u32 *kind, __u32 *holder, int *native_err)
{
	LIBBPF_OPTS(bpf_link_create_opts, o);
	int fd = -1;

	*holder = rg_xdp_holder(ifindex);
	if (*holder)
		goto held;
	if (want != RG_WANT_XDP_GENERIC) {
		o.flags = XDP_FLAGS_DRV_MODE;
		fd = bpf_link_create(prog, ifindex, BPF_XDP, &o);
		if (fd >= 0) {
			*kind = RG_XDP_NATIVE;
			return fd;
		}
		if (errno == EBUSY || errno == EEXIST || want == RG_WANT_XDP_NATIVE)
			goto fail;
		/* auto: generic XDP would cost more than tc ingress (hook.h) */
		if (want == RG_WANT_XDP_AUTO) {
			*native_err = errno;
			return -EOPNOTSUPP;
		}
	}
	o.flags = XDP_FLAGS_SKB_MODE;
	fd = bpf_link_create(prog, ifindex, BPF_XDP, &o);
	if (fd >= 0) {
		*kind = RG_XDP_GENERIC;
		return fd;
	}
fail:
	if (errno != EBUSY && errno != EEXIST) {
		int err = errno;

		rg_hook_xdp_refused(ifname, o.flags == XDP_FLAGS_DRV_MODE, err);
		return -err;
	}
	*holder = rg_xdp_holder(ifindex);	/* it came in between */
held:
	if (want == RG_WANT_XDP_AUTO)
		return -EBUSY;
	rg_err("%s already has an XDP program that is not ringguard's (id %u): use "
		"--xdp auto to classify ingress at tc instead, or remove it ('ip link set dev %s "
		"xdp off')", ifname, *holder, ifname);
	return -EBUSY;
}

/* tcx: attach at the head of the chain (BPF_F_BEFORE with no anchor). The
 * program returns TC_ACT_UNSPEC (== TCX_NEXT) for what it lets through, so
 * programs after it (Cilium, Calico) still see that traffic. Ingress uses
 * the mechanism egress got (*kind set on entry), so one qdisc or none
 * serves both.
 */
static int attach_tc(int prog, unsigned int ifindex, const char *ifname, int want, bool ingress,
		     __u32 *kind, int *link_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = RG_TC_HANDLE, .priority = RG_TC_PRIO);
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = BPF_F_BEFORE);
	const char *dir = ingress ? "ingress" : "egress";
	int fd, err;

	*link_fd = -1;
	if (ingress && *kind != RG_TC_TCX)
		goto clsact;
	if (ingress || want != RG_WANT_TC_CLSACT) {
		fd = bpf_link_create(prog, ifindex, ingress ? RG_BPF_TCX_INGRESS :
				     RG_BPF_TCX_EGRESS, &lo);
		if (fd >= 0) {
			*kind = RG_TC_TCX;
			*link_fd = fd;
			return 0;
		}
		if (ingress || want == RG_WANT_TC_TCX) {
			err = -errno;
			rg_err("cannot attach tcx %s to %s: %s (tcx needs Linux 6.6+; "
				"try --tc clsact)", dir, ifname, strerror(errno));
			return err;
		}
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		rg_err("cannot create clsact qdisc on %s: %s", ifname, strerror(-err));
		return err;
	}
	*kind = err == -EEXIST ? RG_TC_CLSACT_SHARED : RG_TC_CLSACT;
clsact:
	to.prog_fd = prog;
	err = bpf_tc_attach(&hook, &to);
	if (err) {
		rg_err("cannot attach tc %s filter to %s: %s", dir, ifname, strerror(-err));
		if (!ingress && *kind == RG_TC_CLSACT) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		return err;
	}
	return 0;	/* a legacy filter: no link */
}

static void detach_clsact(unsigned int ifindex, const struct rg_iface *ifc)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = RG_TC_HANDLE, .priority = RG_TC_PRIO);

	bpf_tc_detach(&hook, &to);
	if (ifc->xdp_kind == RG_XDP_TC) {
		hook.attach_point = BPF_TC_INGRESS;
		bpf_tc_detach(&hook, &to);
	}
	if (ifc->tc_kind == RG_TC_CLSACT) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

/* Removes ringguard's hooks from one interface (it may already be gone);
 * forget also drops its rg_ifaces entry. Another program on its XDP hook
 * is not ours and stays as it is.
 */
/* A pinned link detached now, then unpinned: an unpinned link is released
 * only once bpffs frees the inode (after an RCU grace period, then from a
 * workqueue), and until then a new tcx link of the same program is
 * refused (EEXIST), which pushed a re-attach onto clsact.
 */
static void unpin_link(const char *dir, const char *fmt, __u32 ifindex)
{
	char path[PATH_MAX];
	int fd;

	pin_path(path, sizeof(path), dir, "links", fmt, ifindex);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		bpf_link_detach(fd);
		close(fd);
	}
	unlink(path);
}

static void detach_iface(const char *dir, const struct rg_maps *m, __u32 ifindex,
			 const struct rg_iface *ifc, bool forget)
{
	if (ifc->tc_kind == RG_TC_CLSACT || ifc->tc_kind == RG_TC_CLSACT_SHARED)
		detach_clsact(ifindex, ifc);
	unpin_link(dir, "xdp-%u", ifindex);
	unpin_link(dir, "tc-%u", ifindex);
	unpin_link(dir, "tcin-%u", ifindex);
	if (forget)
		rg_iface_del(m, ifindex);
}

/* Whether ringguard's ingress hook is in place on ifindex: a pinned XDP or
 * tcx ingress link, or a clsact ingress filter.
 */
static bool hooked(const char *dir, __u32 ifindex, const struct rg_iface *ifc)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = RG_TC_HANDLE, .priority = RG_TC_PRIO);
	char path[PATH_MAX];
	struct stat st;

	/* a tcx egress link released (rg_head_hold found it detached) */
	pin_path(path, sizeof(path), dir, "links", "tc-%u", ifindex);
	if (ifc->tc_kind == RG_TC_TCX && stat(path, &st))
		return false;
	pin_path(path, sizeof(path), dir, "links", "xdp-%u", ifindex);
	if (stat(path, &st) == 0)
		return true;
	pin_path(path, sizeof(path), dir, "links", "tcin-%u", ifindex);
	if (stat(path, &st) == 0)
		return true;
	return ifc->xdp_kind == RG_XDP_TC && ifc->tc_kind != RG_TC_TCX &&
	       bpf_tc_query(&hook, &to) == 0;
}

/* One pinned link of ifindex: still pinned, still attached there. A link
 * whose pin is unlinked is released, and its program leaves the hook; one
 * that `bpftool link detach` cut stays pinned with ifindex 0.
 */
static int link_intact(const char *dir, const char *fmt, __u32 ifindex, const char *what,
		       const char *name, char *why, size_t len)
{
	struct bpf_link_info info = {};
	__u32 ilen = sizeof(info);
	char path[PATH_MAX];
	int fd;

	pin_path(path, sizeof(path), dir, "links", fmt, ifindex);
	fd = bpf_obj_get(path);
	if (fd < 0 && errno != ENOENT) {
		/* no descriptor, no memory: that says nothing of the link */
		int err = -errno;

		snprintf(why, len, "%s: cannot look at the %s link: %s", name, what, strerror(-err));
		return err;
	}
	if (fd < 0) {
		snprintf(why, len, "%s: the %s link is gone (%s is not pinned): nothing of "
			 "ringguard's is on that hook", name, what, rg_state_display(path));
		return -ENOLINK;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		int err = -errno;

		close(fd);
		snprintf(why, len, "%s: cannot look at the %s link: %s", name, what, strerror(-err));
		return err;
	}
	close(fd);
	/* an XDP link's and a tcx link's info both begin with the ifindex
	 * (0 once detached); Debian 12's headers know only the XDP one
	 */
	if (info.xdp.ifindex != ifindex) {
		snprintf(why, len, "%s: the %s link is pinned but detached from the interface "
			 "(bpftool link detach?): nothing of ringguard's is on that hook", name, what);
		return -ENOLINK;
	}
	return 0;
}

int rg_hooks_check(const char *dir, __u32 ifindex, const struct rg_iface *ifc,
		   char *why, size_t len)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = RG_TC_HANDLE, .priority = RG_TC_PRIO);
	const char *name = ifc->name;
	bool tc_in = ifc->xdp_kind == RG_XDP_TC;
	int err = 0;

	if (ifc->xdp_kind == RG_XDP_NATIVE || ifc->xdp_kind == RG_XDP_GENERIC)
		err = link_intact(dir, "xdp-%u", ifindex, "XDP", name, why, len);
	if (err)
		return err;
	if (ifc->tc_kind == RG_TC_TCX) {
		err = link_intact(dir, "tc-%u", ifindex, "tcx egress", name, why, len);
		if (!err && tc_in)
			err = link_intact(dir, "tcin-%u", ifindex, "tcx ingress", name, why, len);
		return err;
	}
	if (ifc->tc_kind == RG_TC_CLSACT || ifc->tc_kind == RG_TC_CLSACT_SHARED) {
		const char *gone = NULL;

		if (bpf_tc_query(&hook, &to))
			gone = "egress";
		hook.attach_point = BPF_TC_INGRESS;
		memset(&to, 0, sizeof(to));
		to.sz = sizeof(to);
		to.handle = RG_TC_HANDLE;
		to.priority = RG_TC_PRIO;
		if (!gone && tc_in && bpf_tc_query(&hook, &to))
			gone = "ingress";
		if (gone) {
			snprintf(why, len, "%s: ringguard's tc %s filter is gone (tc filter del?)",
				 name, gone);
			return -ENOLINK;
		}
	}
	return 0;
}

static int pin_link(int fd, const char *dir, const char *fmt, unsigned int ifindex,
		    const char *what, const char *name)
{
	char path[PATH_MAX];
	int err;

	pin_path(path, sizeof(path), dir, "links", fmt, ifindex);
	err = repin(fd, path);
	close(fd);
	if (err)
		rg_err("cannot pin %s link of %s: %s", what, name, strerror(-err));
	return err;
}

/* How attach_iface hooked ingress, for its report (rg_hook_note). */
struct hook_got {
	__u32 xdp_kind;
	__u32 holder;		/* the program that keeps ringguard off the XDP hook, 0 if none */
	int native_err;		/* auto: why the driver refused native XDP, 0 if it did not */
};

/* A bridge classifies its ingress at tc: it has no native XDP, and the
 * kernel refuses XDP on a device whose upper device (the bridge) has an XDP
 * program, so generic XDP on the bridge would push every port to tc too.
 * Under --xdp auto, a device whose skb exists before ingress (veth, tap:
 * hook.h) goes to tc as well.
 */
static int attach_iface(struct rg_loader *l, unsigned int ifindex, const char *name,
			__u32 role, __u32 slot, __u32 reattaches, bool bridge, struct hook_got *got)
{
	struct rg_hook_choice hc;
	struct rg_iface ifc = {
		.role = role,
		.slot = slot,
		.mtu = if_mtu(name),
		.reattaches = reattaches,
	};
	int fd, err;

	memset(got, 0, sizeof(*got));
	snprintf(ifc.name, sizeof(ifc.name), "%s", name);
	/* the entry goes in first so the very first packet is counted */
	err = rg_iface_put(&l->m, ifindex, &ifc);
	if (err) {
		rg_err("cannot register %s: %s", name, strerror(-err));
		return err;
	}
	if (l->want_xdp == RG_WANT_XDP_OFF || bridge) {
		ifc.xdp_kind = RG_XDP_TC;
	} else if (l->want_xdp == RG_WANT_XDP_AUTO && rg_hook_choose(name, &hc) == RG_HOOK_TC) {
		ifc.xdp_kind = RG_XDP_TC;
		got->holder = rg_xdp_holder(ifindex);
	} else {
		fd = attach_xdp(l->xdp_fd, ifindex, name, l->want_xdp, &ifc.xdp_kind,
				&got->holder, &got->native_err);
		if ((fd == -EBUSY || fd == -EOPNOTSUPP) && l->want_xdp == RG_WANT_XDP_AUTO) {
			ifc.xdp_kind = RG_XDP_TC;
		} else if (fd < 0) {
			err = fd;
			goto fail;
		} else {
			err = pin_link(fd, l->dir, "xdp-%u", ifindex, "XDP", name);
			if (err)
				goto fail;
		}
	}
	rg_iface_put(&l->m, ifindex, &ifc);
	got->xdp_kind = ifc.xdp_kind;

	err = attach_tc(l->tc_fd, ifindex, name, l->want_tc, false, &ifc.tc_kind, &fd);
	if (err)
		goto fail;
	rg_iface_put(&l->m, ifindex, &ifc);
	if (fd >= 0) {
		err = pin_link(fd, l->dir, "tc-%u", ifindex, "tc", name);
		if (err)
			goto fail;
	}
	if (ifc.xdp_kind == RG_XDP_TC) {
		err = load_tcin(l);
		if (err)
			goto fail;
		err = attach_tc(l->tcin_fd, ifindex, name, l->want_tc, true, &ifc.tc_kind, &fd);
		if (err)
			goto fail;
		if (fd >= 0) {
			err = pin_link(fd, l->dir, "tcin-%u", ifindex, "tc ingress", name);
			if (err)
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

bool rg_port_is_guest(const char *kind, const char *name)
{
	static const char *const pre[] = { "tap", "veth", "fwpr", "fwln" };
	const char *p = NULL;

	if (!strcmp(kind, "tun"))
		return true;
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]) && !p; i++)
		if (!strncmp(name, pre[i], strlen(pre[i])))
			p = name + strlen(pre[i]);
	if (!p || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p != 'i' && *p != 'p')
		return false;
	p++;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return !*p;
}

/* The interfaces ringguard covers at most (a test may lower it). */
static int iface_limit(void)
{
	int n = rg_test_value(RG_TEST_MAX_IFACES, RG_MAX_IFACES);

	return n > 0 && n < RG_MAX_IFACES ? n : RG_MAX_IFACES;
}

/* What rg_reconcile's steps share: the interfaces wanted, those rg_ifaces
 * holds, and the counter slots taken.
 */
struct recon {
	struct rg_loader *l;
	const struct rg_host_if *want;	/* the roles given, then bridges' ports */
	int nwant;
	int nroles;			/* want[0..nroles): the roles given */
	int limit;			/* iface_limit() */
	struct rg_host_if all[RG_MAX_IFACES];
	const char *bridge_of[RG_MAX_IFACES];	/* a port's bridge, NULL for a role */
	bool is_bridge[RG_MAX_IFACES];
	bool *missing;		/* nroles long */
	struct cur_iface cur[RG_MAX_IFACES];
	int ncur;
	bool slot_used[RG_MAX_IFACES];
	int changes;
	/* ports that did not fit, "name (bridge)", and how many */
	char *left;
	size_t left_len;
	int nleft;
};

static void leave_out(struct recon *r, const char *name, const char *bridge)
{
	char item[2 * RG_IFNAME_LEN + 8];
	int n = snprintf(item, sizeof(item), "%s%s (%s%s)", r->nleft ? ", " : "", name,
			 bridge ? "port of " : "a role", bridge ? bridge : "");
	char *p = realloc(r->left, r->left_len + n + 1);

	r->nleft++;
	if (!p)
		return;
	memcpy(p + r->left_len, item, n + 1);
	r->left = p;
	r->left_len += n;
}

struct port {
	const struct rg_link *link;
	int w;			/* the role (bridge) it takes */
	bool guest;
};

/* Ports that lead off the host (uplinks, bonds, VXLAN) before guests' ones;
 * the order of the dump (ifindex) within each.
 */
static int cmp_port(const void *a, const void *b)
{
	const struct port *x = a, *y = b;

	if (x->guest != y->guest)
		return x->guest ? 1 : -1;
	return x->link->ifindex < y->link->ifindex ? -1 : x->link->ifindex > y->link->ifindex;
}

/* want[] (first, in order) and the ports of each bridge in it, with the
 * bridge's role: a role on a bridge covers its whole segment. An interface
 * named in want[] keeps the role it was given. When there are more than
 * r->limit, ports that lead off the host go first (a guest's leak is
 * caught there too); the rest are left out, by name.
 */
static int with_ports(struct recon *r, const struct rg_host_if *want, int nwant)
{
	struct rg_link *ls = NULL;
	struct port *ports = NULL;
	int n = 0, nls, np = 0;

	for (int w = 0; w < nwant && n < r->limit; w++) {
		r->bridge_of[n] = NULL;
		r->is_bridge[n] = false;
		r->all[n++] = want[w];
	}
	nls = rg_links_dump(&ls);
	if (nls < 0) {
		rg_err("cannot list links (rtnetlink): %s; bridge ports are not covered",
		       strerror(-nls));
		return n;
	}
	ports = calloc(nls ? nls : 1, sizeof(*ports));
	if (!ports) {
		free(ls);
		rg_err("out of memory: bridge ports are not covered");
		return n;
	}
	for (int w = 0; w < nwant && w < n; w++) {
		const struct rg_link *br = rg_link_find(ls, nls, want[w].name, 0);

		if (!br || !br->bridge)
			continue;
		r->is_bridge[w] = true;
		for (int i = 0; i < nls; i++) {
			bool dup = false;

			if (ls[i].master != br->ifindex)
				continue;
			for (int j = 0; j < nwant && !dup; j++)
				dup = !strcmp(want[j].name, ls[i].name);
			if (!dup)
				ports[np++] = (struct port){ &ls[i], w,
							     rg_port_is_guest(ls[i].kind, ls[i].name) };
		}
	}
	qsort(ports, np, sizeof(*ports), cmp_port);
	for (int i = 0; i < np; i++) {
		if (n == r->limit) {
			leave_out(r, ports[i].link->name, want[ports[i].w].name);
			continue;
		}
		snprintf(r->all[n].name, sizeof(r->all[n].name), "%s", ports[i].link->name);
		r->all[n].role = want[ports[i].w].role;
		r->is_bridge[n] = ports[i].link->bridge;
		r->bridge_of[n++] = want[ports[i].w].name;
	}
	free(ports);
	free(ls);
	return n;
}

static bool is_wanted(const struct recon *r, const char *name)
{
	for (int w = 0; w < r->nwant; w++)
		if (!strcmp(r->want[w].name, name))
			return true;
	return false;
}

static void read_current(struct recon *r)
{
	__u32 key, next, *prev = NULL;
	int fd = r->l->m.ifaces;

	while (bpf_map_get_next_key(fd, prev, &next) == 0 && r->ncur < RG_MAX_IFACES) {
		struct cur_iface *c = &r->cur[r->ncur];

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &c->ifc))
			continue;
		c->ifindex = key;
		c->keep = false;
		r->ncur++;
	}
}

/* What is attached and still right stays; roles may change in place. */
static void keep_attached(struct recon *r)
{
	for (int i = 0; i < r->ncur; i++) {
		struct cur_iface *c = &r->cur[i];
		char name[IF_NAMESIZE], why[256];

		if (!if_indextoname(c->ifindex, name) || strcmp(name, c->ifc.name) ||
		    !hooked(r->l->dir, c->ifindex, &c->ifc) ||
		    rg_hooks_check(r->l->dir, c->ifindex, &c->ifc, why, sizeof(why)))
			continue;	/* gone, renamed away, left over, or a link lost */
		for (int w = 0; w < r->nwant; w++) {
			if (strcmp(r->want[w].name, name))
				continue;
			c->keep = true;
			r->slot_used[c->ifc.slot % RG_MAX_IFACES] = true;
			if (c->ifc.role != r->want[w].role) {
				c->ifc.role = r->want[w].role;
				rg_iface_put(&r->l->m, c->ifindex, &c->ifc);
				rg_info("%s: role is now %s", name, rg_role_name(r->want[w].role));
				r->changes++;
			}
		}
	}
}

/* Detaches the rest; a wanted interface that vanished keeps its entry
 * (slot, counters, re-attach count) until it is back.
 */
static void drop_stale(struct recon *r)
{
	for (int i = 0; i < r->ncur; i++) {
		struct cur_iface *c = &r->cur[i];
		bool wanted = is_wanted(r, c->ifc.name), present;

		if (c->keep)
			continue;
		present = if_nametoindex(c->ifc.name);
		if (!hooked(r->l->dir, c->ifindex, &c->ifc) && wanted && !present)
			continue;
		detach_iface(r->l->dir, &r->l->m, c->ifindex, &c->ifc, !(wanted && !present));
		if (!wanted)
			rg_info("%s: detached (neither in the plan nor a port of one of its "
				"bridges any more)", c->ifc.name);
		else if (!present)
			rg_warn("%s: gone (ifindex %u); it will be re-attached when it "
				"appears", c->ifc.name, c->ifindex);
		r->changes++;
	}
	/* slots of wanted names stay theirs, attached or waiting to come back */
	for (int i = 0; i < r->ncur; i++)
		if (is_wanted(r, r->cur[i].ifc.name))
			r->slot_used[r->cur[i].ifc.slot % RG_MAX_IFACES] = true;
}

/* Attaches wanted interface w unless it is attached already: with its old
 * slot and counters when its name was seen before, else a free slot.
 */
static int attach_wanted(struct recon *r, int w)
{
	const struct rg_host_if *want = &r->want[w];
	unsigned int ifindex = if_nametoindex(want->name);
	__u32 slot = RG_MAX_IFACES, reattaches = 0;
	bool done = false, seen = false, role = w < r->nroles;
	struct hook_got got;
	char how[256];
	int err;

	for (int i = 0; i < r->ncur; i++) {
		struct cur_iface *c = &r->cur[i];

		if (strcmp(c->ifc.name, want->name))
			continue;
		done |= c->keep;
		if (!c->keep && ifindex) {
			/* the same name again: keep its slot and counters */
			seen = true;
			slot = c->ifc.slot;
			reattaches = c->ifc.reattaches + 1;
			rg_iface_del(&r->l->m, c->ifindex);
		}
	}
	if (done)
		return 0;
	if (!ifindex) {
		if (role && (!r->missing || !r->missing[w]))
			rg_warn("%s: interface not found; it will be attached when it "
				"appears", want->name);
		if (role && r->missing)
			r->missing[w] = true;
		return 0;
	}
	if (role && r->missing)
		r->missing[w] = false;
	if (!seen) {
		for (slot = 0; slot < RG_MAX_IFACES && r->slot_used[slot]; slot++)
			;
		if (slot == RG_MAX_IFACES) {
			/* slots of interfaces that are gone but wanted back */
			leave_out(r, want->name, r->bridge_of[w]);
			return 0;
		}
		rg_if_zero(&r->l->m, slot);
	}
	r->slot_used[slot] = true;
	err = attach_iface(r->l, ifindex, want->name, want->role, slot, reattaches,
			   r->is_bridge[w], &got);
	if (err)
		return err;
	rg_hook_note(want->name, got.xdp_kind, got.holder, r->is_bridge[w], r->l->want_xdp,
		     got.native_err, how, sizeof(how));
	rg_info("%s: %s as %s%s%s (ifindex %u), %s", want->name, seen ? "re-attached" : "attached",
		rg_role_name(want->role), r->bridge_of[w] ? ", port of " : "",
		r->bridge_of[w] ? r->bridge_of[w] : "", ifindex, how);
	r->changes++;
	return 0;
}

int rg_reconcile(struct rg_loader *l, const struct rg_host_if *want, int nwant,
		 bool *missing)
{
	static struct recon r;	/* large: not on the stack */
	static char *said;	/* the ports left out last said, so a daemon says it once */
	int err = 0;

	memset(&r, 0, sizeof(r));
	r.l = l;
	r.missing = missing;
	r.limit = iface_limit();
	r.nroles = nwant < r.limit ? nwant : r.limit;
	for (int w = r.nroles; w < nwant; w++)
		leave_out(&r, want[w].name, NULL);
	r.nwant = with_ports(&r, want, nwant);
	r.want = r.all;
	read_current(&r);
	keep_attached(&r);
	drop_stale(&r);
	for (int w = 0; w < r.nwant && !err; w++)
		err = attach_wanted(&r, w);
	l->uncovered = r.nleft;
	if (r.nleft && (!said || !r.left || strcmp(said, r.left)))
		rg_err("%d interface%s NOT covered, ringguard covers at most %d (ports that lead "
		       "off the host went first): %s; their traffic is not classified: move "
		       "guests to another bridge or host", r.nleft, r.nleft == 1 ? "" : "s",
		       r.limit, r.left ? r.left : "(out of memory listing them)");
	else if (!r.nleft && said)
		rg_info("every interface is covered again");
	free(said);
	said = r.nleft ? r.left : NULL;
	if (!r.nleft)
		free(r.left);
	return err ? err : r.changes;
}

/* --- attach / detach ---------------------------------------------------------- */

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int rg_attach(const char *dir, const struct rg_plan *plan,
	      const struct rg_attach_opts *o)
{
	struct rg_meta meta = { .layout_version = RG_LAYOUT_VERSION };
	__u32 mode = rg_fleet_fresh(&meta, o->declared, o->declared_given, o->mode);
	struct rg_loader l;
	long long gen;
	int err, n;

	for (int i = 0; i < o->nifs; i++) {
		if (!if_nametoindex(o->ifs[i].name)) {
			rg_err("interface %s not found in this network namespace: "
			       "check 'ip link' or the plan's host line", o->ifs[i].name);
			return -ENODEV;
		}
	}
	if (rg_state_exists(dir)) {
		rg_err("ringguard is already attached in this network namespace (%s): "
		       "use 'ringguard sync' to change the plan, or 'ringguard detach' first",
		       rg_state_display(dir));
		return -EEXIST;
	}

	/* rg_load_begin leaves l closed when it fails; the programs are
	 * verified while the plan goes in
	 */
	err = rg_load_begin(&l, dir, plan->nentries);
	if (err)
		goto cleanup;
	l.want_xdp = o->want_xdp;
	l.want_tc = o->want_tc;
	err = rg_meta_write(&l.m, &meta);
	if (!err)
		err = rg_mode_write(&l.m, mode);
	if (err) {
		rg_err("cannot initialise maps: %s", strerror(-err));
		goto cleanup;
	}
	gen = rg_install(&l.m, plan, o->plan_path);
	if (gen < 0) {
		err = gen;
		rg_err("cannot install plan: %s", strerror(-err));
		goto cleanup;
	}
	err = rg_load_finish(&l);
	if (err)
		goto cleanup;
	n = rg_reconcile(&l, o->ifs, o->nifs, NULL);
	err = n < 0 ? n : 0;
cleanup:
	rg_loader_close(&l);
	if (err) {
		/* nothing is left behind, quietly */
		libbpf_print_fn_t old = libbpf_set_print(silent_print);

		rg_detach(dir);
		libbpf_set_print(old);
	}
	return err ? err : (int)mode;
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

int rg_detach(const char *dir)
{
	const char *subs[] = { "links", "progs", "maps", "owner" };
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
				detach_clsact(key, &ifc);
		}
		rg_maps_close(&m);
	}
	/* links first: unpinning the last reference detaches the program */
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		unpin_dir(path);
	}
	if (rmdir(dir) && errno != ENOENT) {
		err = -errno;
		rg_err("cannot remove %s: %s (remove what is left by hand)",
		       rg_state_display(dir), strerror(-err));
		return err;
	}
	return 0;
}
