// SPDX-License-Identifier: GPL-2.0-only
/*
 * iface.c - one interface's hooks: attach, check, detach.
 * XDP (native or generic) or tc ingress, and tc egress, each through a pinned
 * link (tcx) or a clsact filter (kernels without tcx). The choice per device
 * is kernel/hook.c's; reconcile.c decides which interfaces get hooks.
 */
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include "kernel/attach_int.h"
#include "kernel/hook.h"
#include "lib/log.h"

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

void rg_clsact_detach(unsigned int ifindex, const struct rg_iface *ifc)
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

	rg_pin_path(path, sizeof(path), dir, "links", fmt, ifindex);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		bpf_link_detach(fd);
		close(fd);
	}
	unlink(path);
}

void rg_iface_detach(const char *dir, const struct rg_maps *m, __u32 ifindex,
		     const struct rg_iface *ifc, bool forget)
{
	if (ifc->tc_kind == RG_TC_CLSACT || ifc->tc_kind == RG_TC_CLSACT_SHARED)
		rg_clsact_detach(ifindex, ifc);
	unpin_link(dir, "xdp-%u", ifindex);
	unpin_link(dir, "tc-%u", ifindex);
	unpin_link(dir, "tcin-%u", ifindex);
	if (forget)
		rg_iface_del(m, ifindex);
}

/* Whether ringguard's ingress hook is in place on ifindex: a pinned XDP or
 * tcx ingress link, or a clsact ingress filter.
 */
bool rg_iface_hooked(const char *dir, __u32 ifindex, const struct rg_iface *ifc)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = RG_TC_HANDLE, .priority = RG_TC_PRIO);
	char path[PATH_MAX];
	struct stat st;

	/* a tcx egress link released (rg_head_hold found it detached) */
	rg_pin_path(path, sizeof(path), dir, "links", "tc-%u", ifindex);
	if (ifc->tc_kind == RG_TC_TCX && stat(path, &st))
		return false;
	rg_pin_path(path, sizeof(path), dir, "links", "xdp-%u", ifindex);
	if (stat(path, &st) == 0)
		return true;
	rg_pin_path(path, sizeof(path), dir, "links", "tcin-%u", ifindex);
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

	rg_pin_path(path, sizeof(path), dir, "links", fmt, ifindex);
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

	rg_pin_path(path, sizeof(path), dir, "links", fmt, ifindex);
	err = rg_repin(fd, path);
	close(fd);
	if (err)
		rg_err("cannot pin %s link of %s: %s", what, name, strerror(-err));
	return err;
}

/* A bridge classifies its ingress at tc: it has no native XDP, and the
 * kernel refuses XDP on a device whose upper device (the bridge) has an XDP
 * program, so generic XDP on the bridge would push every port to tc too.
 * Under --xdp auto, a device whose skb exists before ingress (veth, tap:
 * hook.h) goes to tc as well.
 */
int rg_iface_attach(struct rg_loader *l, unsigned int ifindex, const char *name,
		    __u32 role, __u32 slot, __u32 reattaches, bool bridge, struct rg_hook_got *got)
{
	struct rg_hook_choice hc;
	struct rg_iface ifc = {
		.role = role,
		.slot = slot,
		.mtu = rg_if_mtu(name),
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
		fd = rg_load_xdp(l);
		if (fd < 0) {
			err = fd;
			goto fail;
		}
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
		err = rg_load_tcin(l);
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
	rg_iface_detach(l->dir, &l->m, ifindex, &ifc, true);
	return err;
}
