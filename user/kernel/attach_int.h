/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach_int.h - what the loader's files (attach.c, migrate.c, load.c,
 * iface.c, reconcile.c, head.c) share and nothing else includes: the tcx
 * and clsact constants, pin paths, and the steps one file runs for another.
 */
#ifndef RG_ATTACH_INT_H
#define RG_ATTACH_INT_H

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/attach.h"

/* Not in Debian 12's uapi headers (tcx arrived in Linux 6.6). */
#ifndef BPF_F_BEFORE
#define BPF_F_BEFORE		(1U << 3)
#endif
#define RG_BPF_TCX_INGRESS	46
#define RG_BPF_TCX_EGRESS	47

/* ringguard's clsact filters (kernels without tcx) */
#define RG_TC_HANDLE		0x52470001	/* "RG" */
#define RG_TC_PRIO		1

/* dir/sub/fmt(n), e.g. DIR/links/xdp-3 */
static inline void rg_pin_path(char *buf, size_t len, const char *dir, const char *sub,
			       const char *fmt, unsigned int n)
{
	char name[64];

	snprintf(name, sizeof(name), fmt, n);
	snprintf(buf, len, "%s/%s/%s", dir, sub, name);
}

/* Pins fd at path, replacing whatever was pinned there. */
static inline int rg_repin(int fd, const char *path)
{
	unlink(path);
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

/* How rg_iface_attach hooked ingress, for its report (rg_hook_note). */
struct rg_hook_got {
	__u32 xdp_kind;
	__u32 holder;		/* the program that keeps ringguard off the XDP hook, 0 if none */
	int native_err;		/* auto: why the driver refused native XDP, 0 if it did not */
};

/* iface.c: one interface's hooks. rg_iface_attach hooks ingress (XDP, or tc
 * where the device or --xdp wants it) and egress, pins each link and records
 * the interface in rg_ifaces; rg_iface_detach undoes it (forget: also the
 * rg_ifaces entry); rg_iface_hooked: whether the ingress hook is in place;
 * rg_clsact_detach removes ringguard's clsact filters only.
 */
int rg_iface_attach(struct rg_loader *l, unsigned int ifindex, const char *name,
		    __u32 role, __u32 slot, __u32 reattaches, bool bridge, struct rg_hook_got *got);
void rg_iface_detach(const char *dir, const struct rg_maps *m, __u32 ifindex,
		     const struct rg_iface *ifc, bool forget);
bool rg_iface_hooked(const char *dir, __u32 ifindex, const struct rg_iface *ifc);
void rg_clsact_detach(unsigned int ifindex, const struct rg_iface *ifc);

/* migrate.c: whether a map of type from can be carried into one of type to;
 * copy every entry of old into new (rg_map_migrate, part: see put_cpu_lines)
 * or each CPU's region of a map of cache lines (rg_map_migrate_regions).
 */
struct bpf_map_info;
bool rg_map_migratable(__u32 from, __u32 to);
int rg_map_migrate(int old, const struct bpf_map_info *oi, int new,
		   const struct bpf_map_info *ni, size_t part);
int rg_map_migrate_regions(int old, const struct bpf_map_info *oi, int new,
			   const struct bpf_map_info *ni);

#endif
