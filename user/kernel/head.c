// SPDX-License-Identifier: GPL-2.0-only
/*
 * head.c - ringguard first in every tcx chain it is on (see head.h).
 *
 * A tcx chain holds a program once (the kernel refuses the same program
 * twice with EEXIST), and a link's place in it is fixed when it is made: to
 * get in front again, a new link of the other copy of the program
 * (rg_load_alt) is made at the head, and pinned over the old one. For that
 * moment both run, so a frame or two may be counted twice; ringguard is
 * never out of the chain.
 */
#include <net/if.h>
#include <stdlib.h>
#include <time.h>
#include "kernel/attach_int.h"
#include "lib/log.h"

#define MPROG_MAX		64	/* programs a tcx chain holds at most */

/* taken again within this long after a retake: the next one waits */
#define CONTEST_MS		30000
#define BACKOFF_MAX_MS		64000

const char *rg_head_state_name(__u32 state)
{
	switch (state) {
	case RG_HEAD_FIRST:
		return "first";
	case RG_HEAD_DISPLACED:
		return "displaced";
	case RG_HEAD_MISSING:
		return "missing";
	default:
		return "none";
	}
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Whether program id uses the map our_map (then it is one of ringguard's:
 * its maps are pinned per network namespace); its name in name.
 */
static bool prog_is_ours(__u32 id, __u32 our_map, char name[16])
{
	__u32 maps[64], len;
	struct bpf_prog_info info;
	bool ours = false;
	int fd = bpf_prog_get_fd_by_id(id);

	name[0] = '\0';
	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(maps) / sizeof(maps[0]);
	info.map_ids = (__u64)(unsigned long)maps;
	len = sizeof(info);
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		__u32 n = info.nr_map_ids < 64 ? info.nr_map_ids : 64;

		snprintf(name, 16, "%s", info.name);
		for (__u32 i = 0; i < n && !ours; i++)
			ours = maps[i] == our_map;
	}
	close(fd);
	return ours;
}

int rg_head_query(const struct rg_maps *m, __u32 ifindex, bool ingress, struct rg_head *h)
{
	__u32 ids[MPROG_MAX], cnt = MPROG_MAX, ours = map_id(m->if_stats);
	char name[16];

	memset(h, 0, sizeof(*h));
	if (bpf_prog_query(ifindex, ingress ? RG_BPF_TCX_INGRESS : RG_BPF_TCX_EGRESS, 0, NULL,
			   ids, &cnt))
		return -errno;
	h->state = RG_HEAD_MISSING;
	if (!cnt)
		return 0;
	if (prog_is_ours(ids[0], ours, name)) {
		h->state = RG_HEAD_FIRST;
		return 0;
	}
	h->first_id = ids[0];
	memcpy(h->first_name, name, sizeof(h->first_name));
	for (__u32 i = 1; i < cnt; i++)
		if (prog_is_ours(ids[i], ours, name))
			h->state = RG_HEAD_DISPLACED;
	return 0;
}

/* --- the daemon: take the head back --------------------------------------- */

/* One hook's contest, kept for the daemon's life. */
struct contest {
	__u32 ifindex;
	bool ingress;
	int streak;		/* retakes each within CONTEST_MS of the one before */
	long long last_ms;	/* the last retake */
	long long next_ms;	/* no retake before this */
	bool waiting_said;
};

static struct contest *contests;
static int ncontests;

static struct contest *contest_of(__u32 ifindex, bool ingress)
{
	struct contest *c;

	for (int i = 0; i < ncontests; i++)
		if (contests[i].ifindex == ifindex && contests[i].ingress == ingress)
			return &contests[i];
	c = realloc(contests, (ncontests + 1) * sizeof(*c));
	if (!c)
		return NULL;
	contests = c;
	c = &contests[ncontests++];
	memset(c, 0, sizeof(*c));
	c->ifindex = ifindex;
	c->ingress = ingress;
	return c;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The link's program, and the ifindex it is attached to (0: detached). The
 * ifindex leads the union of struct bpf_link_info for XDP and tcx links
 * alike (Debian 12's uapi headers have no tcx member).
 */
static int link_of(int fd, __u32 *prog, __u32 *ifindex)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*prog = info.prog_id;
	*ifindex = info.xdp.ifindex;
	return 0;
}

/* The copy of the program that the link does not run. */
static int other_prog(struct rg_loader *l, bool ingress, __u32 running)
{
	int main, alt;

	if (ingress && l->tcin_fd < 0)
		rg_load_tcin(l);
	main = ingress ? l->tcin_fd : l->tc_fd;
	if (main >= 0 && prog_id(main) != running)
		return main;
	if (!l->alt_skel && rg_load_alt(l))
		return -1;
	alt = ingress ? l->alt_tcin_fd : l->alt_tc_fd;
	return prog_id(alt) != running ? alt : -1;
}

/* A new link at the head, pinned over path (rename replaces the pin in
 * one step: the old link goes when its last reference does).
 */
static int retake(struct rg_loader *l, __u32 ifindex, bool ingress, const char *path,
		  __u32 running)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = BPF_F_BEFORE);
	char tmp[PATH_MAX];
	int prog = other_prog(l, ingress, running), fd, err = 0;

	if (prog < 0)
		return -ENOENT;
	fd = bpf_link_create(prog, ifindex, ingress ? RG_BPF_TCX_INGRESS : RG_BPF_TCX_EGRESS, &lo);
	if (fd < 0)
		return -errno;
	/* bpffs refuses dots in names */
	snprintf(tmp, sizeof(tmp), "%s-new", path);
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp))
		err = -errno;
	else if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
	}
	close(fd);
	return err;
}

/* One tcx hook of ifc: first, taken back, or waiting for its next try. */
static int hold_hook(struct rg_loader *l, __u32 ifindex, struct rg_iface *ifc, bool ingress,
		     int *reattach)
{
	const char *chain = ingress ? "ingress" : "egress";
	char path[PATH_MAX];
	__u32 running = 0, on = 0;
	struct rg_head h, after;
	struct contest *c;
	long long now;
	int fd, err, lock;

	snprintf(path, sizeof(path), "%s/links/%s-%u", l->dir, ingress ? "tcin" : "tc", ifindex);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;	/* no tcx link here: nothing of ours to hold */
	err = link_of(fd, &running, &on);
	if (!err && !on) {
		rg_err("%s: ringguard's tcx %s link was detached by someone else: attaching it "
		       "again", ifc->name, chain);
		unlink(path);
		close(fd);
		(*reattach)++;
		return 0;
	}
	if (!err)
		err = rg_head_query(&l->m, ifindex, ingress, &h);
	if (err || h.state == RG_HEAD_FIRST) {
		c = err ? NULL : contest_of(ifindex, ingress);
		if (c)
			c->waiting_said = false;
		close(fd);
		return err;
	}
	c = contest_of(ifindex, ingress);
	now = mono_ms();
	if (c && now < c->next_ms) {
		if (!c->waiting_said)
			rg_err("%s: program %u (%s) runs before ringguard in the tcx %s chain again; "
			       "ringguard tries to take the head back in %lld s (%d tries "
			       "within %d s): its verdicts do not apply until then", ifc->name,
			       h.first_id, h.first_name, chain, (c->next_ms - now + 999) / 1000,
			       c->streak + 1, CONTEST_MS / 1000);
		c->waiting_said = true;
		close(fd);
		return 0;
	}
	lock = rg_state_lock(l->dir);
	err = retake(l, ifindex, ingress, path, running);
	if (!err)
		err = rg_head_query(&l->m, ifindex, ingress, &after);
	if (!err && after.state != RG_HEAD_FIRST)
		err = -EAGAIN;	/* another program came in front in between */
	if (c) {
		c->streak = c->last_ms && now - c->last_ms < CONTEST_MS ? c->streak + 1 : 0;
		c->last_ms = now;
		c->next_ms = now + (c->streak ? (1000LL << (c->streak < 7 ? c->streak - 1 : 6)) : 0);
		if (c->next_ms - now > BACKOFF_MAX_MS)
			c->next_ms = now + BACKOFF_MAX_MS;
		c->waiting_said = false;
	}
	if (err) {
		rg_err("%s: program %u (%s) runs before ringguard in the tcx %s chain, and taking "
		       "the head back failed: %s; ringguard's verdicts may not apply to this "
		       "hook's traffic (find the tool that attaches with BPF_F_BEFORE)",
		       ifc->name, h.first_id, h.first_name, chain, strerror(-err));
	} else {
		ifc->retakes[ingress ? RG_DIR_IN : RG_DIR_OUT]++;
		rg_iface_put(&l->m, ifindex, ifc);
		if (c && c->streak)
			rg_err("%s: program %u (%s) keeps taking the head of the tcx %s chain "
			       "(%d times within %d s): ringguard is first again; the next time "
			       "it waits %lld s (find the tool that attaches with BPF_F_BEFORE)",
			       ifc->name, h.first_id, h.first_name, chain, c->streak + 1,
			       CONTEST_MS / 1000, (c->next_ms - now) / 1000);
		else
			rg_warn("%s: program %u (%s) was attached before ringguard in the tcx %s "
				"chain: ringguard is first again (taken back %u time%s)", ifc->name,
				h.first_id, h.first_name, chain,
				ifc->retakes[ingress ? RG_DIR_IN : RG_DIR_OUT],
				ifc->retakes[ingress ? RG_DIR_IN : RG_DIR_OUT] == 1 ? "" : "s");
	}
	if (lock >= 0)
		close(lock);
	close(fd);
	return err;
}

/* ifc's XDP link, if ringguard has one: detached under it? */
static void hold_xdp(struct rg_loader *l, __u32 ifindex, const struct rg_iface *ifc,
		     int *reattach)
{
	char path[PATH_MAX];
	__u32 prog = 0, on = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/links/xdp-%u", l->dir, ifindex);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	if (!link_of(fd, &prog, &on) && !on) {
		rg_err("%s: ringguard's XDP link was detached by someone else: attaching again "
		       "(at tc ingress if another program holds the XDP hook now)", ifc->name);
		unlink(path);
		(*reattach)++;
	}
	close(fd);
}

int rg_head_hold(struct rg_loader *l)
{
	__u32 key, next, *prev = NULL, *keys;
	struct rg_iface *ifcs;
	int n = 0, reattach = 0, err = 0;

	keys = calloc(RG_MAX_IFACES, sizeof(*keys));
	ifcs = calloc(RG_MAX_IFACES, sizeof(*ifcs));
	if (!keys || !ifcs) {
		free(keys);
		free(ifcs);
		return -ENOMEM;
	}
	/* read first, write after: updating a hash while walking it can loop */
	while (bpf_map_get_next_key(l->m.ifaces, prev, &next) == 0 && n < RG_MAX_IFACES) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(l->m.ifaces, &key, &ifcs[n]))
			keys[n++] = key;
	}
	for (int i = 0; i < n; i++) {
		char name[IF_NAMESIZE];
		int e = 0;

		if (!if_indextoname(keys[i], name) || strncmp(name, ifcs[i].name, sizeof(name)))
			continue;	/* gone: the reconcile's business */
		if (ifcs[i].xdp_kind == RG_XDP_NATIVE || ifcs[i].xdp_kind == RG_XDP_GENERIC)
			hold_xdp(l, keys[i], &ifcs[i], &reattach);
		if (ifcs[i].tc_kind != RG_TC_TCX)
			continue;
		e = hold_hook(l, keys[i], &ifcs[i], false, &reattach);
		if (!e && ifcs[i].xdp_kind == RG_XDP_TC)
			e = hold_hook(l, keys[i], &ifcs[i], true, &reattach);
		if (e && !err)
			err = e;
	}
	free(keys);
	free(ifcs);
	return reattach ? reattach : err;
}
