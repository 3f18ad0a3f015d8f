/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * instance.h - a private, unpinned copy of the programs and maps, run with
 * BPF_PROG_TEST_RUN. It touches no live state: tests and benchmarks use it.
 */
#ifndef RG_INSTANCE_H
#define RG_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include "plan/plan.h"
#include "kernel/state.h"

struct ringguard_bpf;

struct rg_instance {
	struct ringguard_bpf *skel;
	struct rg_maps m;
	int xdp_fd;
	int tc_fd;
	int tcin_fd;
	/* RG_DIR_IN runs rg_tc_in (tc ingress, where auto puts veth and tap)
	 * instead of rg_xdp: the verdicts and counters must be the same
	 */
	bool in_at_tc;
};

/* The frames a test run feeds in arrive on the loopback device (ifindex 1),
 * which every network namespace has; rg_instance_role() gives it a role.
 */
#define RG_INSTANCE_IFINDEX	1

int rg_instance_open(struct rg_instance *in, int plan_entries);
/* Counter slots of the next instances (a power of two; 0: sized to the
 * plan, as attach does). Tests make it small, so buckets share slots.
 */
extern __u32 rg_instance_count_slots;
void rg_instance_close(struct rg_instance *in);
int rg_instance_role(struct rg_instance *in, __u32 role);
int rg_instance_mode(struct rg_instance *in, __u32 mode);
/* Runs one frame through the XDP (RG_DIR_IN; rg_tc_in with in_at_tc) or
 * tc (RG_DIR_OUT) program;
 * *dropped tells the verdict. repeat > 1 measures: *ns gets ns per run.
 */
int rg_instance_run(struct rg_instance *in, int dir, const void *frame, size_t len,
		    unsigned int repeat, bool *dropped, __u32 *ns);

#endif /* RG_INSTANCE_H */
