// SPDX-License-Identifier: GPL-2.0-only
/*
 * attach.c - the loader.
 *
 * Layout under the state directory:
 *   maps/<map>        every map (see state.c)
 *   progs/xdp, tc     the loaded programs
 *   links/xdp-<ifindex>, links/tc-<ifindex>
 * Pinned links keep the programs attached after the CLI exits. A legacy
 * clsact filter (kernels without tcx) is not a link: the kernel keeps it, and
 * rg_ifaces records whether ringguard created the qdisc, so detach removes
 * exactly what attach added.
 */
#include <errno.h>
#include <dirent.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

static int pin_fd(int fd, const char *dir, const char *sub, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	if (bpf_obj_pin(fd, path))
		return -errno;
	return 0;
}

static int attach_xdp(int prog, unsigned int ifindex, const char *ifname, int want,
		      __u32 *kind, FILE *errs)
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
		fprintf(errs, "%s already has an XDP program that is not ringguard's: "
			"remove it ('ip link set dev %s xdp off') or leave %s out\n",
			ifname, ifname, ifname);
	else
		fprintf(errs, "cannot attach XDP to %s: %s\n", ifname, strerror(errno));
	return -errno;
}

/* tcx: attach at the head of the chain (BPF_F_BEFORE with no anchor). The
 * program returns TC_ACT_UNSPEC (== TCX_NEXT) for what it lets through, so
 * programs after it (Cilium, Calico) still see that traffic.
 */
static int attach_tc(int prog, unsigned int ifindex, const char *ifname, int want,
		     __u32 *kind, int *link_fd, FILE *errs)
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
			fprintf(errs, "cannot attach tcx egress to %s: %s (tcx needs Linux 6.6+; "
				"try --tc clsact)\n", ifname, strerror(errno));
			return err;
		}
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(errs, "cannot create clsact qdisc on %s: %s\n", ifname, strerror(-err));
		return err;
	}
	*kind = err == -EEXIST ? RG_TC_CLSACT_SHARED : RG_TC_CLSACT;
	to.prog_fd = prog;
	err = bpf_tc_attach(&hook, &to);
	if (err) {
		fprintf(errs, "cannot attach tc egress filter to %s: %s\n", ifname, strerror(-err));
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

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int rg_attach(const char *dir, const struct rg_plan *plan,
	      const struct rg_attach_opts *o, FILE *errs)
{
	struct ringguard_bpf *skel = NULL;
	unsigned int ifindex[RG_MAX_IFACES];
	char sub[PATH_MAX];
	struct rg_maps m;
	struct rg_meta meta = { .layout_version = RG_LAYOUT_VERSION };
	long long gen;
	int err;

	rg_maps_init(&m);
	for (int i = 0; i < o->nifs; i++) {
		ifindex[i] = if_nametoindex(o->ifs[i].name);
		if (!ifindex[i]) {
			fprintf(errs, "interface %s not found in this network namespace: "
				"check 'ip link' or the plan's host line\n", o->ifs[i].name);
			return -ENODEV;
		}
	}
	if (rg_state_exists(dir)) {
		fprintf(errs, "ringguard is already attached in this network namespace (%s): "
			"use 'ringguard sync' to change the plan, or 'ringguard detach' first\n", dir);
		return -EEXIST;
	}

	snprintf(sub, sizeof(sub), "%s/maps", dir);
	err = rg_mkdir_p(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/links", dir);
	if (!err)
		err = rg_mkdir_p(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/progs", dir);
	if (!err)
		err = rg_mkdir_p(sub, 0700);
	if (err) {
		fprintf(errs, "cannot create pin directory %s: %s\n", dir, strerror(-err));
		return err;
	}

	skel = ringguard_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		fprintf(errs, "cannot load the BPF programs: %s (run with -v for the verifier log)\n",
			strerror(errno));
		goto fail;
	}
	{
		struct bpf_map *maps[RG_NMAPS] = {
			skel->maps.rg_plan, skel->maps.rg_bucket_stats, skel->maps.rg_ifaces,
			skel->maps.rg_if_stats, skel->maps.rg_config, skel->maps.rg_buckets,
			skel->maps.rg_meta,
		};

		for (int i = 0; i < RG_NMAPS; i++) {
			*rg_map_fd(&m, i) = bpf_map__fd(maps[i]);
			err = pin_fd(bpf_map__fd(maps[i]), dir, "maps", rg_map_names[i]);
			if (err) {
				fprintf(errs, "cannot pin map %s in %s: %s\n", rg_map_names[i], dir,
					strerror(-err));
				goto fail;
			}
		}
	}
	err = pin_fd(bpf_program__fd(skel->progs.rg_xdp), dir, "progs", "xdp");
	if (!err)
		err = pin_fd(bpf_program__fd(skel->progs.rg_tc), dir, "progs", "tc");
	if (err) {
		fprintf(errs, "cannot pin programs in %s: %s\n", dir, strerror(-err));
		goto fail;
	}

	err = rg_meta_write(&m, &meta);
	if (!err)
		err = rg_mode_write(&m, o->mode);
	if (err) {
		fprintf(errs, "cannot initialise maps: %s\n", strerror(-err));
		goto fail;
	}
	gen = rg_install(&m, plan, o->plan_path);
	if (gen < 0) {
		err = gen;
		fprintf(errs, "cannot install plan: %s\n", strerror(-err));
		goto fail;
	}

	for (int i = 0; i < o->nifs; i++) {
		struct rg_iface ifc = {
			.role = o->ifs[i].role,
			.slot = i,
			.mtu = if_mtu(o->ifs[i].name),
		};
		char name[32];
		int fd;

		snprintf(ifc.name, sizeof(ifc.name), "%s", o->ifs[i].name);
		/* the entry goes in first so the very first packet is counted */
		if (bpf_map_update_elem(m.ifaces, &ifindex[i], &ifc, BPF_ANY)) {
			err = -errno;
			fprintf(errs, "cannot register %s: %s\n", ifc.name, strerror(errno));
			goto fail;
		}
		fd = attach_xdp(bpf_program__fd(skel->progs.rg_xdp), ifindex[i], ifc.name,
				o->want_xdp, &ifc.xdp_kind, errs);
		if (fd < 0) {
			err = fd;
			goto fail;
		}
		snprintf(name, sizeof(name), "xdp-%u", ifindex[i]);
		err = pin_fd(fd, dir, "links", name);
		close(fd);
		if (err) {
			fprintf(errs, "cannot pin XDP link of %s: %s\n", ifc.name, strerror(-err));
			goto fail;
		}
		bpf_map_update_elem(m.ifaces, &ifindex[i], &ifc, BPF_ANY);

		err = attach_tc(bpf_program__fd(skel->progs.rg_tc), ifindex[i], ifc.name,
				o->want_tc, &ifc.tc_kind, &fd, errs);
		if (err)
			goto fail;
		bpf_map_update_elem(m.ifaces, &ifindex[i], &ifc, BPF_ANY);
		if (fd >= 0) {
			snprintf(name, sizeof(name), "tc-%u", ifindex[i]);
			err = pin_fd(fd, dir, "links", name);
			close(fd);
			if (err) {
				fprintf(errs, "cannot pin tc link of %s: %s\n", ifc.name,
					strerror(-err));
				goto fail;
			}
		}
	}
	ringguard_bpf__destroy(skel);
	return 0;

fail:
	ringguard_bpf__destroy(skel);
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
		fprintf(errs, "cannot remove %s: %s (remove what is left by hand)\n", dir,
			strerror(errno));
		return -errno;
	}
	return 0;
}
