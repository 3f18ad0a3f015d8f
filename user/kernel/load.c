// SPDX-License-Identifier: GPL-2.0-only
/*
 * load.c - load this build's programs over the pinned maps.
 * rg_load runs its steps (pin directories, open, adopt or migrate the pinned
 * maps, load, pin, move every pinned link to the new programs) over one
 * struct load; rg_load_begin/finish run the program load on a thread so a
 * large plan's maps can be filled while the verifier works.
 */
#include <pthread.h>
#include "kernel/attach_int.h"
#include "lib/log.h"
#include "ringguard.skel.h"

/* A map pinned by the build that loaded before. */
struct old_map {
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

/* Another instance of the programs over the pinned maps of l, loading
 * (verifying) only the programs in progs (RG_PROG_*), with or without the
 * exact-table probes. NULL on error (*errp its -errno), said to no one.
 */
static struct ringguard_bpf *open_over(struct rg_loader *l, unsigned int progs, bool exact_ok,
				       int *errp)
{
	struct ringguard_bpf *s = ringguard_bpf__open();
	struct bpf_program *p;
	int err = 0;

	if (!s) {
		*errp = -errno;
		return NULL;
	}
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, ((progs & RG_PROG_XDP) && p == s->progs.rg_xdp) ||
					  ((progs & RG_PROG_TC) && p == s->progs.rg_tc) ||
					  ((progs & RG_PROG_TCIN) && p == s->progs.rg_tc_in));
	rg_skel_size_counts_ok(s, count_slots(l), exact_ok);
	for (int i = 0; i < RG_NMAPS && !err; i++)
		err = bpf_map__reuse_fd(rg_skel_map(s, i), bpf_map__fd(rg_skel_map(l->skel, i)));
	if (!err)
		err = ringguard_bpf__load(s);
	*errp = err;
	if (err) {
		ringguard_bpf__destroy(s);
		return NULL;
	}
	return s;
}

/* open_over, said with what (a name for the message) when it fails; where
 * the verifier refuses the exact-table probes, again without them.
 */
static struct ringguard_bpf *open_sharing(struct rg_loader *l, unsigned int progs,
					  const char *what, int *errp)
{
	struct ringguard_bpf *s = open_over(l, progs, rg_bpf_exact_ok, errp);

	if (!s && rg_bpf_retry_without_exact(*errp))
		s = open_over(l, progs, rg_bpf_exact_ok, errp);
	if (!s)
		rg_err("cannot load %s: %s (run with -v for the verifier log)", what,
		       strerror(-*errp));
	return s;
}

/* Pins prog as progs/name. */
static int pin_prog(const struct rg_loader *l, int fd, const char *name)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/progs/%s", l->dir, name);
	err = rg_repin(fd, path);
	if (err)
		rg_err("cannot pin program %s: %s", path, strerror(-err));
	return err;
}

/* One program (RG_PROG_XDP or RG_PROG_TCIN) from a second instance over
 * l's maps, pinned as progs/pin: *skel and *fd once it is.
 */
static int load_late(struct rg_loader *l, unsigned int prog, const char *what, const char *pin,
		     struct ringguard_bpf **skel, int *fd)
{
	struct ringguard_bpf *s;
	int err, pfd;

	s = open_sharing(l, prog, what, &err);
	if (!s)
		return err;
	pfd = bpf_program__fd(prog == RG_PROG_XDP ? s->progs.rg_xdp : s->progs.rg_tc_in);
	err = pin_prog(l, pfd, pin);
	if (err) {
		ringguard_bpf__destroy(s);
		return err;
	}
	*skel = s;
	*fd = pfd;
	return 0;
}

/* rg_tc_in, for interfaces whose XDP hook another program holds (and for
 * bridges): loaded on first need from a second instance of the object over
 * the same maps, so hosts that never need it do not pay for verifying it.
 */
int rg_load_tcin(struct rg_loader *l)
{
	int err;

	if (l->tcin_fd >= 0)
		return 0;
	err = load_late(l, RG_PROG_TCIN, "the tc ingress program", "tc-in", &l->tcin_skel,
			&l->tcin_fd);
	if (!err)
		l->tcin_pinned = true;
	return err;
}

/* rg_xdp, when the load left it out (no interface was to take XDP). */
int rg_load_xdp(struct rg_loader *l)
{
	if (l->xdp_fd >= 0)
		return 0;
	return load_late(l, RG_PROG_XDP, "the XDP program", "xdp", &l->xdp_skel, &l->xdp_fd);
}

int rg_load_alt(struct rg_loader *l)
{
	struct ringguard_bpf *s;
	int err;

	if (l->alt_skel)
		return 0;
	s = open_sharing(l, RG_PROG_TC | RG_PROG_TCIN, "a second copy of the tc programs", &err);
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
	unsigned int progs;	/* RG_PROG_* */
	struct old_map old[RG_NMAPS];
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
	struct old_map *o = &ld->old[id];
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
	if (!rg_map_migratable(o->info.type, bpf_map__type(map)) ||
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
 * installed into while the programs are verified (load_programs_beside).
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

/* The fds of what s loaded; one it left out stays -1 until rg_load_xdp or
 * rg_load_tcin loads it at its first need.
 */
static void programs_taken(struct rg_loader *l, struct ringguard_bpf *s)
{
	l->tc_fd = bpf_program__fd(s->progs.rg_tc);
	l->xdp_fd = (l->progs & RG_PROG_XDP) ? bpf_program__fd(s->progs.rg_xdp) : -1;
	if (l->progs & RG_PROG_TCIN)
		l->tcin_fd = bpf_program__fd(s->progs.rg_tc_in);
}

/* rg_tc, and rg_xdp and rg_tc_in as l->progs asks, from a second instance
 * of the object over the maps (one left out is loaded at its first need).
 */
static int load_programs_beside(struct rg_loader *l)
{
	struct ringguard_bpf *s;
	int err;

	s = open_sharing(l, RG_PROG_TC | (l->progs & (RG_PROG_XDP | RG_PROG_TCIN)),
			 "the BPF programs", &err);
	if (!s)
		return err;
	l->prog_skel = s;
	programs_taken(l, s);
	return 0;
}

/* Maps and programs in one instance (rg_xdp and tc ingress as l->progs
 * asks, else where they are needed): rg_load's way, cheaper than two
 * instances when there is nothing to do meanwhile.
 */
static int load_maps_and_programs(struct load *ld)
{
	struct rg_loader *l = ld->l;
	int err;

	bpf_program__set_autoload(l->skel->progs.rg_xdp, l->progs & RG_PROG_XDP);
	bpf_program__set_autoload(l->skel->progs.rg_tc_in, l->progs & RG_PROG_TCIN);
	err = ringguard_bpf__load(l->skel);
	if (err) {
		rg_err("cannot load the BPF programs: %s (run with -v for the verifier log)",
		       strerror(-err));
		return err;
	}
	rg_maps_from_skel(l->skel, &l->m);
	programs_taken(l, l->skel);
	return 0;
}

/* Pins map id unless the pinned one is reused, migrating its contents in
 * first.
 */
static int pin_map(struct load *ld, enum rg_map_id id)
{
	int fd = bpf_map__fd(rg_skel_map(ld->l->skel, id));
	const char *name = rg_map_descs[id].name;
	struct old_map *o = &ld->old[id];
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
			err = rg_map_migrate_regions(o->fd, &o->info, fd, &ni);
		else
			err = rg_map_migrate(o->fd, &o->info, fd, &ni, part);
		if (err) {
			rg_err("cannot migrate map %s: %s", name, strerror(-err));
			return err;
		}
		rg_info("migrated map %s: %u-byte values to %u, %u entries to %u", name,
			o->info.value_size, ni.value_size, o->info.max_entries, ni.max_entries);
	}
	snprintf(path, sizeof(path), "%s/maps/%s", ld->dir, name);
	err = rg_repin(fd, path);
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

	rg_pin_path(path, sizeof(path), dir, "links", fmt, ifindex);
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
		if (ifc.xdp_kind == RG_XDP_TC)
			err = rg_load_tcin(l);
		else if (ifc.xdp_kind != RG_XDP_NONE)
			err = rg_load_xdp(l);
		if (err)
			return err;
		move_hooks(l, key, &ifc);
	}
	if (!rg_meta_read(&l->m, &meta) && meta.layout_version != RG_LAYOUT_VERSION) {
		meta.layout_version = RG_LAYOUT_VERSION;
		rg_meta_write(&l->m, &meta);
	}
	return 0;
}

/* What the first load verified (rg_load_xdp and rg_load_tcin pin theirs). */
static int pin_progs(struct load *ld)
{
	struct rg_loader *l = ld->l;
	int err;

	err = pin_prog(l, l->tc_fd, "tc");
	if (!err && l->xdp_fd >= 0 && !l->xdp_skel)
		err = pin_prog(l, l->xdp_fd, "xdp");
	if (!err && l->tcin_fd >= 0 && !l->tcin_pinned)
		err = pin_prog(l, l->tcin_fd, "tc-in");
	l->tcin_pinned = !err && l->tcin_fd >= 0;
	return err;
}

/* rg_load's steps from the first to last, on ld; a verifier refusal of
 * the exact-table probes in load_maps_and_programs starts over without them (nothing
 * is pinned or migrated before it).
 */
static int load_steps(struct load *ld, int (*const *steps)(struct load *), size_t n)
{
	struct rg_loader *l = ld->l;
	int err = 0;

	memset(l, 0, sizeof(*l));
	l->progs = ld->progs;
	l->tcin_fd = -1;
	l->xdp_fd = l->tc_fd = -1;
	l->alt_tc_fd = l->alt_tcin_fd = -1;
	rg_maps_init(&l->m);
	snprintf(l->dir, sizeof(l->dir), "%s", ld->dir);
	for (int i = 0; i < RG_NMAPS; i++)
		ld->old[i].fd = -1;
	for (size_t i = 0; i < n && !err; i++) {
		err = steps[i](ld);
		if (err && steps[i] == load_maps_and_programs && rg_bpf_retry_without_exact(err)) {
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
		make_pin_dirs, open_skel, adopt_maps, load_maps_and_programs, pin_maps, take_over, pin_progs,
	};
	struct load ld = { .l = l, .dir = dir, .plan_entries = plan_entries,
			   .progs = RG_PROG_XDP };

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
	/* rg_tc_in on a thread of its own, when it is asked for: verifying
	 * it after rg_tc on one thread left a CPU idle at the end
	 */
	pthread_t tcin_thread;
	bool tcin_started;
	bool exact_ok;		/* rg_bpf_exact_ok when it started */
	struct ringguard_bpf *tcin;	/* NULL if it failed: loaded at its need */
};

static void *programs_thread(void *arg)
{
	struct rg_loader *l = arg;

	l->async->err = load_programs_beside(l);
	return NULL;
}

/* Quiet: a failure here (a verifier that refuses the exact-table probes
 * while the other thread finds it out) leaves tc ingress to rg_load_tcin.
 */
static void *tcin_thread(void *arg)
{
	struct rg_loader *l = arg;
	int err;

	/* quietly: a failure here loads it again at its first need, and says so */
	l->async->tcin = open_over(l, RG_PROG_TCIN, l->async->exact_ok, &err);
	return NULL;
}

static int load_start(struct load *ld)
{
	struct rg_loader *l = ld->l;
	struct load_async *a;

	a = l->async = calloc(1, sizeof(*l->async));
	if (!a)
		return -ENOMEM;
	a->exact_ok = rg_bpf_exact_ok;
	if (l->progs & RG_PROG_TCIN) {
		a->tcin_started = !pthread_create(&a->tcin_thread, NULL, tcin_thread, l);
		if (a->tcin_started)
			l->progs &= ~RG_PROG_TCIN;
	}
	a->started = !pthread_create(&a->thread, NULL, programs_thread, l);
	if (!a->started)
		a->err = load_programs_beside(l);
	return 0;
}

int rg_load_begin(struct rg_loader *l, const char *dir, int plan_entries, unsigned int progs)
{
	static int (*const sync_steps[])(struct load *) = {
		make_pin_dirs, open_skel, adopt_maps, load_maps_and_programs, pin_maps, take_over, pin_progs,
	};
	static int (*const steps[])(struct load *) = {
		make_pin_dirs, open_skel, adopt_maps, load_maps, pin_maps, load_start,
	};
	struct load ld = { .l = l, .dir = dir, .plan_entries = plan_entries, .progs = progs };
	int err;

	if (plan_entries < RG_LOAD_ASYNC_MIN) {
		err = load_steps(&ld, sync_steps, sizeof(sync_steps) / sizeof(sync_steps[0]));
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
	if (l->async->tcin_started)
		pthread_join(l->async->tcin_thread, NULL);
	if (l->async->tcin) {
		l->tcin_skel = l->async->tcin;
		l->tcin_fd = bpf_program__fd(l->tcin_skel->progs.rg_tc_in);
	}
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
	ringguard_bpf__destroy(l->xdp_skel);
	l->xdp_skel = NULL;
	ringguard_bpf__destroy(l->alt_skel);
	l->alt_skel = NULL;
	l->alt_tc_fd = l->alt_tcin_fd = -1;
	l->tcin_fd = -1;
	ringguard_bpf__destroy(l->skel);
	l->skel = NULL;
	rg_maps_init(&l->m);
}
