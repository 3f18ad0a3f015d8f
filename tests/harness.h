/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * harness.h - shared pieces of the BPF_PROG_TEST_RUN tests: a private
 * instance with a plan installed, and counter snapshots by bucket name.
 */
#ifndef RG_HARNESS_H
#define RG_HARNESS_H

#include <criterion/criterion.h>
#include <string.h>
#include <bpf/bpf.h>
#include "kernel/install.h"
#include "kernel/instance.h"
#include "plan/plan.h"
#include "logto.h"

static inline void h_install(struct rg_instance *in, struct rg_plan *plan, const char *text)
{
	char errs[4096] = "";
	FILE *f = fmemopen(errs, sizeof(errs), "w");
	int n = LOG_TO(f, rg_plan_parse(text, strlen(text), "test.plan", plan));
	long long gen;

	fclose(f);
	cr_assert_eq(n, 0, "plan rejected: %s", errs);
	gen = rg_install(&in->m, plan, "test.plan");
	cr_assert_gt(gen, 0, "install failed: %s", strerror((int)-gen));
}

/* Bucket id of a name in the active plan ("unplanned" is 0). */
static inline __u32 h_bucket(struct rg_instance *in, const char *name)
{
	static __u32 ids[RG_MAX_BUCKETS];
	static struct rg_bucket_info infos[RG_MAX_BUCKETS];
	struct rg_meta meta;
	int n;

	cr_assert_eq(rg_meta_read(&in->m, &meta), 0);
	n = rg_active_buckets(&in->m, 0, meta.generation, ids, infos);
	for (int i = 0; i < n; i++)
		if (!strcmp(infos[i].name, name))
			return ids[i];
	cr_assert_fail("no bucket named %s", name);
	return 0;
}

static inline struct rg_bucket_counters h_bc(struct rg_instance *in, __u32 id)
{
	struct rg_bucket_counters c;

	cr_assert_eq(rg_bucket_read(&in->m, &id, 1, &c), 0);
	return c;
}

static inline struct rg_dir_counters h_dc(struct rg_instance *in, int dir)
{
	struct rg_if_counters c;

	cr_assert_eq(rg_if_sum(&in->m, 0, &c), 0);
	return c.dir[dir];
}

static inline bool h_run(struct rg_instance *in, int dir, const void *frame, size_t len)
{
	bool dropped = false;
	int err = rg_instance_run(in, dir, frame, len, 1, &dropped, NULL);

	cr_assert_eq(err, 0, "BPF_PROG_TEST_RUN: %s", strerror(-err));
	return dropped;
}

#endif /* RG_HARNESS_H */
