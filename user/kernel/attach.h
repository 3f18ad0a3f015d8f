/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach.h - load the programs (adopting pinned maps and links), attach them
 * to interfaces, keep the attached set in line with the plan, take it all
 * down again.
 */
#ifndef RG_ATTACH_H
#define RG_ATTACH_H

#include <stdio.h>
#include "plan/plan.h"
#include "kernel/state.h"

/* --xdp: auto takes XDP (native, else generic) when the hook is free and
 * classifies ingress at tc when another program holds it; off always uses tc.
 */
enum rg_want_xdp { RG_WANT_XDP_AUTO, RG_WANT_XDP_NATIVE, RG_WANT_XDP_GENERIC, RG_WANT_XDP_OFF };
enum rg_want_tc { RG_WANT_TC_AUTO, RG_WANT_TC_TCX, RG_WANT_TC_CLSACT };

struct ringguard_bpf;
struct bpf_map;

/* The skeleton's map of RG_MAPS entry id, and all their fds (owned by the
 * skeleton) as a struct rg_maps.
 */
struct bpf_map *rg_skel_map(struct ringguard_bpf *s, enum rg_map_id id);
void rg_maps_from_skel(struct ringguard_bpf *s, struct rg_maps *m);
/* Before load: the counter slots per CPU (rg_counts, a power of two), their
 * mask and shift, and the region of every possible CPU in the maps that
 * keep one (RG_MAPF_CPU_LINES, rg_cache).
 */
void rg_skel_size_counts(struct ringguard_bpf *s, __u32 slots);
/* The same with the exact-table probes as given, not as rg_bpf_exact_ok
 * says (a thread that must not read it while another load may clear it).
 */
void rg_skel_size_counts_ok(struct ringguard_bpf *s, __u32 slots, bool exact_ok);
/* Whether the programs probe the exact tables (set by rg_skel_size_counts).
 * A load that the kernel's verifier refuses as too complex (-E2BIG: Debian
 * 12's 6.1) clears it and loads again: same verdicts, from the trie alone.
 */
extern bool rg_bpf_exact_ok;
/* After a failed load: true (and the warning given once) when it is worth
 * loading again without the exact-table probes.
 */
bool rg_bpf_retry_without_exact(int err);

/* A loaded build of the programs, pinned under dir. */
struct rg_loader {
	struct ringguard_bpf *skel;
	struct rg_maps m;	/* owned by skel */
	int xdp_fd;		/* -1 until needed when rg_load_begin was told so */
	int tc_fd;
	int tcin_fd;		/* tc ingress, where XDP is taken; -1 until needed */
	bool tcin_pinned;
	struct ringguard_bpf *tcin_skel;	/* the instance that loaded it */
	struct ringguard_bpf *xdp_skel;		/* the one that loaded xdp late */
	struct ringguard_bpf *prog_skel;	/* the one that loaded xdp and tc */
	unsigned int progs;	/* RG_PROG_*: what the first load verifies */
	/* a second copy of rg_tc and rg_tc_in (-1 until needed): a tcx chain
	 * holds a program once, so taking its head back attaches the copy
	 * that the link does not run (kernel/head.c)
	 */
	struct ringguard_bpf *alt_skel;
	int alt_tc_fd;
	int alt_tcin_fd;
	struct load_async *async;	/* rg_load_begin's programs, until finished */
	bool loaded;		/* rg_load_begin did all of rg_load */
	char dir[PATH_MAX];
	bool adopted;		/* pinned state existed: maps reused or migrated */
	int uncovered;		/* interfaces the last rg_reconcile left out (the limit) */
	int want_xdp;
	int want_tc;
};

/* These report what they change and why they fail through log.h. */

/* Loads this build's programs with the maps pinned in dir: reuses maps of
 * the same layout, migrates maps whose values grew (old value copied into
 * the front of the new), pins what is new, and moves every pinned link and
 * clsact filter to the new programs in place (no gap in enforcement).
 * plan_entries sizes the counter slots of a new state (0: the minimum).
 */
int rg_load(struct rg_loader *l, const char *dir, int plan_entries);
/* The same in two halves for a large plan: the maps, created and pinned,
 * then (l->m usable from here) the programs, verified on another thread
 * until rg_load_finish, which takes them in and pins them (rg_loader_close
 * waits for them too). For a small plan, rg_load at once. progs (RG_PROG_*)
 * says which programs the interfaces to come will need, so that only those
 * are verified (rg_tc always); one missed is loaded at its first need
 * (rg_load_xdp, rg_load_tcin).
 */
#define RG_PROG_XDP	(1u << 0)
#define RG_PROG_TCIN	(1u << 1)
#define RG_PROG_TC	(1u << 2)	/* always loaded: for the second instances */
int rg_load_begin(struct rg_loader *l, const char *dir, int plan_entries, unsigned int progs);
int rg_load_finish(struct rg_loader *l);
void rg_loader_close(struct rg_loader *l);
/* rg_tc_in (l->tcin_fd), rg_xdp (l->xdp_fd, when rg_load_begin left it
 * out), and the second copy of the tc programs (l->alt_*), loaded over l's
 * maps on first need.
 */
int rg_load_tcin(struct rg_loader *l);
int rg_load_xdp(struct rg_loader *l);
int rg_load_alt(struct rg_loader *l);

/* Makes the attached interfaces match want[] and the ports of the bridges
 * in it (which take their bridge's role): attaches what is missing,
 * re-attaches an interface that was recreated (new ifindex) or renamed back,
 * detaches what is no longer wanted or was renamed away. Missing interfaces
 * are reported once (missing[], nwant long, remembers; may be NULL), not
 * fatal. Past RG_MAX_IFACES interfaces, ports that lead off the host go
 * before guests' ports; those left out are logged as an error, by name
 * (once per change of the set), and counted in l->uncovered. Returns the
 * number of changes or -errno.
 */
int rg_reconcile(struct rg_loader *l, const struct rg_host_if *want, int nwant,
		 bool *missing);

struct rg_attach_opts {
	const struct rg_host_if *ifs;
	int nifs;
	__u32 mode;		/* --mode: only when the plan declares none */
	__u32 declared;		/* the plan's mode for this host */
	bool declared_given;
	int want_xdp;
	int want_tc;
	const char *plan_path;	/* stored as given (make it absolute first) */
};

/* attach: fresh state only. On failure nothing is left behind. Returns
 * the mode it attached in (>= 0) or -errno.
 */
int rg_attach(const char *dir, const struct rg_plan *plan,
	      const struct rg_attach_opts *o);

/* Whether ringguard's hooks on ifindex are in place as rg_ifaces records
 * them (ifc): each link still pinned and still attached there, the clsact
 * filters there. 0, or -ENOLINK with why ("eth1: the XDP link is gone
 * ...").
 */
int rg_hooks_check(const char *dir, __u32 ifindex, const struct rg_iface *ifc,
		   char *why, size_t len);

/* Removes links, filters, the qdiscs ringguard created, pins and dir. */
int rg_detach(const char *dir);

/* Where ringguard stands in a tcx chain (kernel/head.h). */
enum rg_head_state {
	RG_HEAD_NA = 0,		/* no tcx link on this hook (XDP, clsact, none) */
	RG_HEAD_FIRST,		/* ringguard runs first */
	RG_HEAD_DISPLACED,	/* another program runs before it */
	RG_HEAD_MISSING,	/* ringguard is not in the chain at all */
};

struct rg_head {
	__u32 state;			/* enum rg_head_state */
	__u32 first_id;			/* the program at the head, if not ours */
	char first_name[16];		/* its name (BPF_OBJ_NAME_LEN) */
};

/* What is attached, for status and attach's report: rows in slot order,
 * each bridge followed by its attached ports.
 */
struct rg_attached {
	__u32 ifindex;
	struct rg_iface ifc;
	bool present;			/* the ifindex still has this name */
	char bridge[RG_IFNAME_LEN];	/* the attached bridge it is a port of, "" if none */
	int nports;			/* for a bridge: its attached ports */
	__u32 xdp_holder;		/* ingress at tc: the program on the XDP hook now */
	struct rg_head head[RG_DIR_MAX];	/* its tcx chains, in and out */
};

int rg_attached_read(const struct rg_maps *m, struct rg_attached *rows, int max);

/* A port of an attached bridge that ringguard does not cover: left out at
 * the limit, or joined after an attach with no daemon to follow it.
 */
struct rg_uncovered {
	char name[RG_IFNAME_LEN];
	char bridge[RG_IFNAME_LEN];
};

/* The uncovered ports, up to max of them in rows (may be NULL); returns how
 * many there are, or -errno.
 */
int rg_uncovered_read(const struct rg_maps *m, struct rg_uncovered *rows, int max);

/* Whether a bridge port faces a guest of this host (a tap, or a name Proxmox
 * VE gives guests: tapVMIDiN, vethVMIDiN, fwprVMIDpN, fwlnVMIDiN) rather
 * than leading off it. kind: IFLA_INFO_KIND.
 */
bool rg_port_is_guest(const char *kind, const char *name);

const char *rg_xdp_kind_name(__u32 kind);
/* The id of the XDP program attached to ifindex in any mode, 0 if none. */
__u32 rg_xdp_holder(unsigned int ifindex);
const char *rg_tc_kind_name(__u32 kind);

#endif /* RG_ATTACH_H */
