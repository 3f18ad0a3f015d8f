// SPDX-License-Identifier: GPL-2.0-only
/*
 * instance.c - private program instances for BPF_PROG_TEST_RUN.
 */
#include <errno.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/attach.h"
#include "kernel/instance.h"
#include "ringguard.skel.h"

#define RG_TC_ACT_SHOT 2

__u32 rg_instance_count_slots;

int rg_instance_open(struct rg_instance *in, int plan_entries)
{
	struct rg_meta meta = { .layout_version = RG_LAYOUT_VERSION };
	int err;

	memset(in, 0, sizeof(*in));
	rg_maps_init(&in->m);
	in->skel = ringguard_bpf__open();
	if (!in->skel)
		return -errno;
	rg_skel_size_counts(in->skel, rg_instance_count_slots ? rg_instance_count_slots :
				      rg_count_slots_for(plan_entries));
	err = ringguard_bpf__load(in->skel);
	if (err) {
		ringguard_bpf__destroy(in->skel);
		in->skel = NULL;
		if (rg_bpf_retry_without_exact(err))
			return rg_instance_open(in, plan_entries);
		return err;
	}
	rg_maps_from_skel(in->skel, &in->m);
	in->xdp_fd = bpf_program__fd(in->skel->progs.rg_xdp);
	in->tc_fd = bpf_program__fd(in->skel->progs.rg_tc);
	in->tcin_fd = bpf_program__fd(in->skel->progs.rg_tc_in);
	err = rg_meta_write(&in->m, &meta);
	if (!err)
		err = rg_instance_role(in, RG_ROLE_MESH);
	if (err)
		rg_instance_close(in);
	return err;
}

void rg_instance_close(struct rg_instance *in)
{
	/* the skeleton owns the fds */
	ringguard_bpf__destroy(in->skel);
	memset(in, 0, sizeof(*in));
	rg_maps_init(&in->m);
}

int rg_instance_role(struct rg_instance *in, __u32 role)
{
	struct rg_iface ifc = { .role = role, .slot = 0, .name = "lo" };
	__u32 key = RG_INSTANCE_IFINDEX;

	return rg_iface_put(&in->m, key, &ifc);
}

int rg_instance_mode(struct rg_instance *in, __u32 mode)
{
	return rg_mode_write(&in->m, mode);
}

int rg_instance_run(struct rg_instance *in, int dir, const void *frame, size_t len,
		    unsigned int repeat, bool *dropped, __u32 *ns)
{
	struct __sk_buff sctx = { .ifindex = RG_INSTANCE_IFINDEX };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .repeat = repeat ? repeat : 1);
	int fd;

	if (dir == RG_DIR_IN && !in->in_at_tc) {
		/* no ctx: the kernel then feeds the frame in on the loopback
		 * device, and ctx rules for data_end differ between kernels
		 */
		fd = in->xdp_fd;
	} else {
		fd = dir == RG_DIR_IN ? in->tcin_fd : in->tc_fd;
		o.ctx_in = &sctx;
		o.ctx_size_in = sizeof(sctx);
	}
	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	if (dropped)
		*dropped = dir == RG_DIR_IN && !in->in_at_tc ? o.retval == XDP_DROP :
			   o.retval == RG_TC_ACT_SHOT;
	if (ns)
		*ns = o.duration;
	return 0;
}
