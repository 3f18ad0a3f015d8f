// SPDX-License-Identifier: GPL-2.0-only
/*
 * attach.c - attach and detach as a whole, and what is attached.
 *
 * The loader is five files over one private header (attach_int.h):
 *   attach.c     rg_attach (fresh state), rg_detach, the attached set as read
 *   migrate.c    a former build's maps: reuse, migrate or refuse
 *   load.c       this build's programs over the pinned maps (rg_load)
 *   iface.c      one interface's hooks: attach, check, detach
 *   reconcile.c  the attached set kept in line with the plan's roles
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
#include <dirent.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "kernel/attach_int.h"
#include "kernel/fleet.h"
#include "kernel/head.h"
#include "kernel/hook.h"
#include "kernel/install.h"
#include "kernel/links.h"
#include "lib/log.h"

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

/* --- attach / detach ---------------------------------------------------------- */

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* The programs the interfaces given will need (RG_PROG_*): rg_xdp where
 * ingress goes to XDP, rg_tc_in where it goes to tc (iface.c decides the
 * same way). A guess wrong either way costs a program verified for nothing
 * or one loaded later: bridges' ports are only known once attached.
 */
static unsigned int programs_needed(const struct rg_attach_opts *o)
{
	unsigned int progs = 0;

	for (int i = 0; i < o->nifs; i++) {
		struct rg_hook_choice hc;

		if (o->want_xdp == RG_WANT_XDP_OFF)
			progs |= RG_PROG_TCIN;
		else if (o->want_xdp != RG_WANT_XDP_AUTO)
			progs |= RG_PROG_XDP;
		else if (rg_hook_choose(o->ifs[i].name, &hc) == RG_HOOK_TC)
			progs |= RG_PROG_TCIN;
		else
			progs |= RG_PROG_XDP;
	}
	return progs;
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
	err = rg_load_begin(&l, dir, plan->nentries, programs_needed(o));
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
	/* nothing is attached before rg_reconcile */
	gen = rg_install_unattached(&l.m, plan, o->plan_path);
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
				rg_clsact_detach(key, &ifc);
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
