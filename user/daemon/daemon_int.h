/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daemon_int.h - what the daemon's files share and nothing else includes:
 * struct daemon (the loop's whole state), its timings, and the steps one
 * file runs for another. daemon.c: setup, the loop, cleanup; sync.c: the plan;
 * netwatch.c: netlink and the drift watch; mode.c: the mode and the confirm
 * window; serve.c: the listener's pages and the violation log.
 */
#ifndef RG_DAEMON_INT_H
#define RG_DAEMON_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include "kernel/attach.h"
#include "daemon/confirm.h"
#include "daemon/daemon.h"
#include "daemon/lifeline.h"
#include "daemon/planwatch.h"
#include "kernel/owner.h"
#include "lib/log.h"

#define PLAN_DEBOUNCE_MS	150
#define LINK_DEBOUNCE_MS	30
#define TICK_MS			1000
/* lifeline rounds: twice a second while an enforce is unconfirmed, else at
 * this pace (the lifeline metrics, and the "answered before" of a switch:
 * a switch takes the lifelines' state as it is, never waiting for probes)
 */
#define PROBE_WINDOW_MS		500
#define PROBE_IDLE_MS		2000
/* the drift watch: what events marked is checked this long after them; a
 * full pass every DRIFT_FULL_MS besides; a pass that could not read the
 * kernel's state is tried again after DRIFT_RETRY_MS
 */
#define DRIFT_DEBOUNCE_MS	100
#define DRIFT_FULL_MS		(5 * 60 * 1000)
#define DRIFT_RETRY_MS		5000
/* after an edit (live.c keeps no whole plan) the watch parses the file
 * again; edits in a row share one parse
 */
#define DRIFT_RELOAD_MS		1000
/* a route flap of a router's table is thousands of messages at once */
#define NETLINK_RCVBUF		(8 << 20)
/* /healthz fails when the kernel has not done what the daemon reports
 * for this long: time for a lost hook to be attached again (at once, then
 * every 5 s)
 */
#define NOT_BACKED_MS		15000
/* /healthz fails when the loop has not come round for this long */
#define STALE_MS		20000
/* a plan read that failed for want of descriptors or memory: again after */
#define READ_RETRY_MS		1000
/* the plan file's content checked against the last read this often */
#define HASH_CHECK_MS		60000

enum { PFD_SIG, PFD_INOTIFY, PFD_NETLINK, PFD_PROBE6, PFD_PROBE4, PFD_EVENTS, NPFD };

struct daemon {
	const struct rg_daemon_opts *o;
	/* resources: every one is released by daemon_cleanup() */
	struct rg_loader l;
	struct rg_owner owner;	/* this namespace is this daemon's (owner.h) */
	/* the kernel does what it reports: WATCHDOG=1 only then; /healthz
	 * fails once it has not for NOT_BACKED_MS (the listener reads it)
	 */
	_Atomic bool backed;
	_Atomic long long unbacked_since;	/* ms, 0 while backed */
	long long retry_at;	/* while not: when to attach again */
	bool loaded;
	bool fresh;		/* attached by this daemon: undone if the start fails */
	/* a fresh attach's --mode against a plan that declares nothing: the
	 * first apply_mode() switches to it (an override from then on)
	 */
	bool start_override;
	__u32 start_mode;
	int sfd, nlfd;
	struct rg_planwatch pw;	/* the plan file, through swaps (planwatch.c) */
	struct rg_http *http;	/* --metrics */
	struct ring_buffer *rb;
	__u64 lease;		/* the events lease this daemon last wrote */
	struct rg_prober probe;
	struct rg_live *live;	/* the plan in force, for edits (live.c) */
	struct rg_drift *drift;	/* the host against the plan (drift.c), under mu */
	long long drift_due, drift_full_due;
	bool drift_reload;	/* an edit went in: the watch reads the plan again */
	__u64 drift_seq;	/* of the pinned list (rg_drift) */
	__u64 drift_changes;	/* checks that started or stopped failing */
	bool drift_published;	/* the records were written once */
	pthread_mutex_t mu;	/* probe states and the drift watch: the listener reads them */
	/* what to enforce */
	struct rg_host_if want[RG_MAX_IFACES];
	int nwant;
	bool missing[RG_MAX_IFACES];
	__u32 declared;		/* this host's mode in the plan last read valid */
	__u8 rejected_sha[32];	/* the plan last rejected: read again, it counts once */
	bool rejected_valid;
	bool probe_warned;
	/* timers: ms on CLOCK_MONOTONIC, 0 = nothing pending */
	long long plan_due, link_due, probe_due, tick_due, watchdog_due;
	long long watchdog_ms;	/* half of $WATCHDOG_USEC, 0: no watchdog */
	bool force_sync;
	__u32 mode_seen;	/* the effective mode at the last look */
	struct rg_window win;	/* the enforce being confirmed (confirm.h) */
	bool win_set;		/* win is this daemon's view of a window open now */
	/* a new plan went in while enforcing: its window is armed after the
	 * interfaces follow it, guarding the lifelines that answered before
	 */
	bool rearm;
	__u64 rearm_before;
	__s64 mono_to_real;
	/* read by the listener's thread */
	_Atomic long long alive_ms;
	_Atomic bool ready;
	/* the plan file: a read that failed for lack of descriptors is retried */
	bool read_retry;
	/* the plan file as last read (disk_read: it could be), against the
	 * plan in force for ringguard_plan_file_differs
	 */
	__u8 disk_sha[32];
	bool disk_read;
	long long hash_due;
	_Atomic int disk_differs;
};

/* daemon.c */
long long now_ms(void);
/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The pinned meta and config, read under the state lock; state_commit
 * writes what changed (the config first: the datapath acts on it, the meta
 * only explains it) and unlocks. A lock that cannot be taken skips the step:
 * it comes again.
 */
struct locked_state {
	int lock;
	struct rg_meta meta;
	struct rg_config cfg;
};
int state_begin(struct daemon *d, struct locked_state *p);
int state_commit(struct daemon *d, struct locked_state *p, bool cfg, bool meta);

/* sync.c: the plan */
/* Interfaces to enforce on: given on the command line, else the plan's host line. */
int wanted_ifaces(struct daemon *d, const struct rg_plan *plan);
/* Reads (unless *text already holds it) and validates the plan: 0, or the
 * number of errors (or -errno), held in errors (free it).
 */
int read_plan(struct daemon *d, struct rg_plan *plan, char **text, size_t *len,
	      struct rg_log_capture *errors);
/* The plan file's text, read as sync reads it, its errors not logged. */
int read_plan_quietly(struct daemon *d, char **text, size_t *len);
/* The plan file into the kernel if it changed (or force). */
int sync_plan(struct daemon *d, bool force);
/* Once a second: a plan file that changed where no watch saw it. */
void check_plan_file(struct daemon *d);
/* The attached interfaces made to match d->want. */
void reconcile(struct daemon *d);

/* netwatch.c: netlink and the drift watch */
void on_netlink(struct daemon *d);
/* The plan just installed to the drift watch, which takes it over. */
void drift_plan(struct daemon *d, struct rg_plan *plan);
void drift_pass(struct daemon *d);
void drift_publish(struct daemon *d, bool changed, bool watching);

/* mode.c: the mode and the confirm window */
void apply_mode(struct daemon *d, bool at_start);
void rearm_window(struct daemon *d);
void watch_mode(struct daemon *d);

/* serve.c: the listener's pages, violations into the log */
unsigned int serve_page(void *ctx, const char *url, FILE *f);
int start_violation_log(struct daemon *d);

#endif
