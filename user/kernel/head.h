/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * head.h - ringguard first in every tcx chain it is on, and its XDP and tcx
 * links still attached.
 *
 * A tcx chain runs its programs in order until one returns a verdict other
 * than TCX_NEXT: a program attached later with BPF_F_BEFORE that returns
 * TC_ACT_OK ends the chain before ringguard sees the frame. No link event
 * tells of it, so the daemon looks every second (rg_head_hold) and takes the
 * head back; status and metrics ask the kernel (rg_head_query).
 */
#ifndef RG_HEAD_H
#define RG_HEAD_H

#include "kernel/attach.h"

/* enum rg_head_state and struct rg_head: in attach.h (struct rg_attached). */

const char *rg_head_state_name(__u32 state);

/* Where ringguard stands in the tcx chain of ifindex (ingress or egress).
 * Its programs are those that use its maps (m). 0 or -errno.
 */
int rg_head_query(const struct rg_maps *m, __u32 ifindex, bool ingress, struct rg_head *h);

/* For the daemon, every second and after link events: every tcx link that
 * is no longer first gets a new link at the head, with the other copy of
 * the program (l->alt_*), pinned over the old one (rename: the old link
 * goes only once the new one runs). A hook that is taken again and again
 * is taken back at growing intervals (1 s doubling to 64 s), and said so.
 * A link found detached (bpftool link detach) is unpinned: returns > 0 when
 * the caller should reconcile to attach it again, else 0 or -errno.
 */
int rg_head_hold(struct rg_loader *l);

#endif /* RG_HEAD_H */
