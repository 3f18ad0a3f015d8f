// SPDX-License-Identifier: GPL-2.0-only
/*
 * daemon.c - `ringguard daemon`: keep enforcing, keep the plan in sync, put
 * this host in the mode the plan declares for it, and undo an enforce that
 * cuts the host off.
 *
 * One poll loop over these sources:
 *   inotify  the plan's directory: an edit, a rename over the file, a
 *            ConfigMap `..data` symlink swap; the content hash decides
 *            whether anything changed, after a short debounce
 *   netlink  link events: interfaces that appear, vanish, are recreated
 *            (new ifindex) or renamed are reconciled within 50 ms; route,
 *            address and link events feed the drift watch (drift.c), which
 *            checks what they touch against the plan within 100 ms
 *   signals  SIGHUP forces a sync; SIGTERM/SIGINT exit, leaving enforcement
 *            pinned unless --detach-on-exit
 *   probes   echo replies from the plan's lifelines (user/daemon/lifeline.c)
 *   events   violations for the log (--log-violations), from the ring buffer
 *   timeout  the debounce deadlines, probe rounds, and a one-second tick
 *            (the confirm window, systemd's watchdog, /healthz)
 * A plan that fails validation is logged with FILE:LINE messages, counted in
 * rg_meta (status shows it) and ignored: the last good plan stays.
 *
 * The mode (user/kernel/fleet.c): the plan's declaration for this host, unless a
 * person's `ringguard mode` overrides it or a revert holds. Every switch to
 * enforce opens a confirm window (--confirm-within, user/daemon/confirm.h):
 * the lifelines that answer at the switch are guarded; the daemon reverts
 * to monitor when one of them goes silent, and confirms once the window's
 * length has passed and they all answered since. The in-kernel deadline is
 * the dead man's switch: the daemon keeps it a few seconds ahead while it
 * waits, so the datapath reverts by itself only when the daemon is gone.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <nettle/sha2.h>
#include <bpf/libbpf.h>
#include "kernel/attach.h"
#include "kernel/head.h"
#include "daemon/daemon.h"
#include "daemon/drift.h"
#include "daemon/http.h"
#include "report/events.h"
#include "kernel/fleet.h"
#include "kernel/install.h"
#include "kernel/owner.h"
#include "lib/json.h"
#include "daemon/confirm.h"
#include "daemon/lifeline.h"
#include "daemon/planwatch.h"
#include "daemon/live.h"
#include "lib/log.h"
#include "report/show.h"

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
	bool backed;		/* the kernel does what it reports: WATCHDOG=1 only then */
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

/* --- log ------------------------------------------------------------------ */

/* Every message goes through log.h: text for a terminal and journald (which
 * stamps it), or with --log-format json one object a line for Loki or ELK.
 */
#define dlog(level, ...)	rg_log(level, __VA_ARGS__)
#define INFO	RG_LOG_INFO
#define WARN	RG_LOG_WARN
#define ERROR	RG_LOG_ERROR

/* A plan's FILE:LINE errors, a line each. */
static void log_errors(const char *errors)
{
	size_t len = errors ? strlen(errors) : 0;

	if (len)
		dlog(ERROR, "%.*s", (int)(errors[len - 1] == '\n' ? len - 1 : len), errors);
}

static long long now_ms(void)
{
	return rg_monotonic_ns() / 1000000;
}

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void notify(const char *fmt, ...)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[512];
	va_list ap;
	socklen_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

/* --- pinned state, under the state lock -------------------------------- */

struct pinned {
	int lock;
	struct rg_meta meta;
	struct rg_config cfg;
};

static int pinned_begin(struct daemon *d, struct pinned *p)
{
	int err;

	p->lock = rg_state_lock(d->l.dir);
	if (p->lock < 0) {
		dlog(ERROR, "cannot lock %s: %s (the step is skipped and comes again)",
		     rg_state_display(d->l.dir), strerror(-p->lock));
		return p->lock;
	}
	err = rg_meta_read(&d->l.m, &p->meta);
	if (!err)
		err = rg_config_read(&d->l.m, &p->cfg);
	if (err)
		close(p->lock);
	return err;
}

/* The config first: the datapath acts on it, the meta only explains it. */
static int pinned_commit(struct daemon *d, struct pinned *p, bool cfg, bool meta)
{
	int err = 0;

	if (cfg)
		err = rg_config_write(&d->l.m, &p->cfg);
	if (!err && meta)
		err = rg_meta_write(&d->l.m, &p->meta);
	close(p->lock);
	if (err)
		dlog(ERROR, "cannot write the pinned state: %s", strerror(-err));
	return err;
}

/* --- the plan -------------------------------------------------------------- */

/* Interfaces to enforce on: given on the command line, else the plan's
 * host line (so a plan edit can move roles too).
 */
static int wanted_ifaces(struct daemon *d, const struct rg_plan *plan)
{
	const struct rg_host *h;

	if (d->o->nifs) {
		memcpy(d->want, d->o->ifs, d->o->nifs * sizeof(d->want[0]));
		d->nwant = d->o->nifs;
		return 0;
	}
	h = rg_plan_host(plan, d->o->host);
	if (!h) {
		dlog(ERROR, "the plan has no host line for '%s': add 'host %s mesh IF... "
		     "egress IF...' or pass --mesh/--egress", d->o->host, d->o->host);
		return -ENOENT;
	}
	if (h->nifs != d->nwant || memcmp(h->ifs, d->want, h->nifs * sizeof(h->ifs[0])))
		memset(d->missing, 0, sizeof(d->missing));
	memcpy(d->want, h->ifs, h->nifs * sizeof(h->ifs[0]));
	d->nwant = h->nifs;
	return 0;
}

/* Reads (unless *text already holds it) and validates the plan: its text
 * (len bytes), and its errors for the log. 0, or the number of errors (or
 * -errno).
 */
static int read_plan(struct daemon *d, struct rg_plan *plan, char **text, size_t *len,
		     char **errors)
{
	size_t elen = 0;
	FILE *ef;
	int n = 0;

	*errors = NULL;
	memset(plan, 0, sizeof(*plan));
	ef = open_memstream(errors, &elen);
	if (!ef)
		return -ENOMEM;
	if (!*text)
		n = rg_plan_read(d->o->plan_path, text, len, ef);
	if (!n)
		n = rg_plan_parse(*text, *len, d->o->plan_path, plan, ef);
	fclose(ef);
	return n;
}

static void record_sync(struct daemon *d, bool ok, const char *errors, int n)
{
	struct pinned p;

	if (pinned_begin(d, &p))
		return;
	p.meta.last_sync_ok = ok;
	p.meta.last_sync_at = time(NULL);
	if (!ok) {
		const char *nl = strchr(errors, '\n');

		p.meta.rejects++;
		p.meta.rejected_at = time(NULL);
		memset(p.meta.last_error, 0, sizeof(p.meta.last_error));
		snprintf(p.meta.last_error, sizeof(p.meta.last_error), "%.*s%s",
			 (int)(nl ? nl - errors : (long)strlen(errors)), errors,
			 n > 1 ? " (and more)" : "");
		notify("STATUS=plan rejected (%u so far): %s", p.meta.rejects, p.meta.last_error);
	}
	pinned_commit(d, &p, false, true);
}

/* The plan's lifelines go to the prober; without CAP_NET_RAW they are only
 * reported, and an enforce is then confirmed like a plan without lifelines.
 */
static void take_lifelines(struct daemon *d, const struct rg_plan *plan)
{
	int err;

	pthread_mutex_lock(&d->mu);
	err = rg_prober_set(&d->probe, plan);
	pthread_mutex_unlock(&d->mu);
	if (err && !d->probe_warned)
		dlog(ERROR, "cannot probe the plan's lifelines: %s (the daemon needs "
		     "CAP_NET_RAW for ICMP echo)", strerror(-err));
	d->probe_warned = err != 0;
}

/* A new plan under enforce can cut the host off as surely as a switch to
 * enforce: its lifelines are probed before it goes in, and the confirm
 * window is armed after (run_loop).
 */
static void guard_new_plan(struct daemon *d, const uint8_t sha[32])
{
	struct rg_config cfg;
	struct rg_meta meta;

	if (d->probe.n && !rg_meta_read(&d->l.m, &meta) &&
	    memcmp(meta.sha256, sha, sizeof(meta.sha256)) &&
	    !rg_config_read(&d->l.m, &cfg) && cfg.mode == RG_MODE_ENFORCE &&
	    !rg_deadline_passed(&cfg, rg_monotonic_ns())) {
		/* the lifelines as they answer now: probing here would hold
		 * the loop, and with it a window open now (item 5 of issue 17)
		 */
		pthread_mutex_lock(&d->mu);
		rg_prober_expire(&d->probe);
		d->rearm_before = rg_prober_answering(&d->probe);
		pthread_mutex_unlock(&d->mu);
		d->rearm = true;
	}
}

/* The plan file (text, len bytes) edited in a few zone and prefix lines:
 * those lines are compiled and put in (live.c), the rest of a 100k-line
 * plan untouched. 1: installed (the text is the live plan's now); 0:
 * nothing to do; -EAGAIN: take the whole file (the text stays the
 * caller's in both).
 */
/* --- the drift watch (drift.c) ------------------------------------------ */

/* The plan just installed, and the interfaces it gives this host, to the
 * drift watch, which takes the plan over.
 */
static void drift_plan(struct daemon *d, struct rg_plan *plan)
{
	int err;

	if (!d->drift)
		return;
	pthread_mutex_lock(&d->mu);
	err = rg_drift_set(d->drift, plan, d->want, d->nwant);
	pthread_mutex_unlock(&d->mu);
	if (err)
		dlog(WARN, "drift watch: cannot take the new plan: %s", strerror(-err));
	d->drift_reload = false;
	d->drift_due = now_ms() + DRIFT_DEBOUNCE_MS;
}

static void drift_report(void *arg, const struct rg_check *c, bool failing)
{
	struct daemon *d = arg;
	char what[160];

	struct rg_json j;
	char msg[1024];

	d->drift_changes++;
	if (c->prefix[0])
		snprintf(what, sizeof(what), "%s %s %s", c->check, c->prefix, c->name);
	else
		snprintf(what, sizeof(what), "%s %s", c->check, c->ifname);
	if (failing)
		snprintf(msg, sizeof(msg), "drift: %s: %s", what, c->detail);
	else
		snprintf(msg, sizeof(msg), "drift cleared: %s", what);
	/* JSON lines carry the check's fields, for Loki or ELK to select on */
	if (rg_log_is_json()) {
		if (rg_log_record(&j, failing ? RG_LOG_WARN : RG_LOG_INFO, msg)) {
			rg_json_str(&j, "drift", failing ? "failing" : "cleared");
			rg_json_str(&j, "check", c->check);
			rg_json_str(&j, "interface", c->ifname);
			rg_json_str(&j, "role", rg_role_name(c->role));
			rg_json_str(&j, "prefix", c->prefix);
			rg_json_str(&j, "name", c->name);
			rg_json_end(&j);
			rg_json_finish(&j);
		}
		return;
	}
	rg_log(failing ? RG_LOG_WARN : RG_LOG_INFO, "%s", msg);
}

/* The list `status` and `events` read, when it changed (and its head's
 * time at every pass); watcher 0 says no daemon keeps it any more.
 */
static void drift_publish(struct daemon *d, bool changed, bool watching)
{
	static struct rg_drift_rec recs[RG_DRIFT_MAX];
	struct rg_drift_head head;
	int err;

	pthread_mutex_lock(&d->mu);
	rg_drift_pinned(d->drift, &head, recs);
	pthread_mutex_unlock(&d->mu);
	if (changed)
		d->drift_seq++;
	head.seq = d->drift_seq;
	head.updated_at = time(NULL);
	head.watcher = watching ? (__u32)getpid() : 0;
	{
		struct rg_drift_stats st;

		rg_drift_stats(d->drift, &st);
		head.last_full_at = st.last_full_ms ?
			head.updated_at - (now_ms() - st.last_full_ms) / 1000 : 0;
	}
	/* the records only when the list changed: a pass that found the same
	 * failures rewrites the head (its time), not up to 255 records
	 */
	err = rg_drift_write(&d->l.m, &head, changed || !d->drift_published ? recs : NULL);
	if (!err)
		d->drift_published = true;
	if (err)
		dlog(WARN, "drift watch: cannot publish for status: %s", strerror(-err));
}

static void drift_pass(struct daemon *d)
{
	__u64 changes = d->drift_changes;
	struct rg_drift_stats before, after;
	int err;

	d->drift_due = 0;
	if (!d->drift)
		return;
	if (d->drift_reload) {
		/* as sync reads it: a regular file, never a wait (a FIFO put
		 * there since is refused, and the watch keeps its plan)
		 */
		FILE *null = fopen("/dev/null", "w");
		struct rg_plan plan = {};
		size_t len = 0;
		char *text = NULL;
		int n = null ? rg_plan_read(d->o->plan_path, &text, &len, null) : -ENOMEM;

		if (!n)
			n = rg_plan_parse(text, len, d->o->plan_path, &plan, null);
		if (null)
			fclose(null);
		free(text);
		if (n == 0)
			drift_plan(d, &plan);
		else
			rg_plan_free(&plan);
		d->drift_reload = false;
	}
	pthread_mutex_lock(&d->mu);
	rg_drift_stats(d->drift, &before);
	err = rg_drift_run(d->drift, drift_report, d);
	rg_drift_stats(d->drift, &after);
	pthread_mutex_unlock(&d->mu);
	if (after.lookup_errors != before.lookup_errors)
		dlog(WARN, "drift watch: %llu route lookup%s failed (the last: %s); those prefixes "
		     "are looked up again at the next change or full pass",
		     (unsigned long long)(after.lookup_errors - before.lookup_errors),
		     after.lookup_errors - before.lookup_errors == 1 ? "" : "s",
		     strerror(-after.last_lookup_error));
	if (err) {
		dlog(WARN, "drift watch: cannot read routes, addresses or links: %s (a full pass "
		     "again in %d s)", strerror(-err), DRIFT_RETRY_MS / 1000);
		d->drift_due = now_ms() + DRIFT_RETRY_MS;
		return;
	}
	drift_publish(d, d->drift_changes != changes, true);
	/* a large pass goes on in slices between the loop's other work */
	if (rg_drift_pending(d->drift))
		d->drift_due = now_ms();
}

/* What the kernel said on the netlink socket: link events for reconcile,
 * route, address and link events for the drift watch. An overrun lost
 * some: everything is looked at again.
 */
static void on_netlink(struct daemon *d)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct nlmsghdr))));
	bool links = false, overrun = false;
	ssize_t n;

	for (;;) {
		n = recv(d->nlfd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			overrun = true;
			continue;
		}
		if (n <= 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			links |= h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK;
			if (d->drift)
				rg_drift_on_msg(d->drift, h);
		}
	}
	if (overrun) {
		dlog(WARN, "netlink overrun: events were lost; links and the drift checks are "
		     "looked at again in full");
		if (d->drift)
			rg_drift_full(d->drift, true);
		links = true;
	}
	if (links && !d->link_due)
		d->link_due = now_ms() + LINK_DEBOUNCE_MS;
	if (d->drift && rg_drift_pending(d->drift) && !d->drift_due)
		d->drift_due = now_ms() + DRIFT_DEBOUNCE_MS;
}

static int sync_edit(struct daemon *d, char *text, size_t len)
{
	struct rg_delta delta;
	struct rg_meta meta;
	long long gen;
	int r, lock;

	r = rg_live_change(d->live, &d->l.m, d->o->plan_path, text, len, &delta);
	if (r == 1 && !rg_meta_read(&d->l.m, &meta) &&
	    !strcmp(meta.plan_path, d->o->plan_path) &&
	    meta.generation == rg_live_generation(d->live)) {
		record_sync(d, true, NULL, 0);
		return 0;	/* touched, not changed */
	}
	if (r)
		return -EAGAIN;
	guard_new_plan(d, delta.sha256);
	lock = rg_state_lock(d->l.dir);
	gen = lock < 0 ? lock : rg_install_delta(&d->l.m, &delta, d->o->plan_path);
	if (lock >= 0)
		close(lock);
	if (gen < 0) {
		/* another sync came between, or the kernel said no: the
		 * whole file goes in (or says why not)
		 */
		rg_live_drop(d->live);
		d->rearm = false;
		return -EAGAIN;
	}
	rg_live_commit(d->live, gen);
	d->rejected_valid = false;
	/* changed: kept buckets whose name, zone or trie value moved (the
	 * unplanned bucket's name is rewritten every time)
	 */
	dlog(INFO, "plan %s installed: generation %lld, %d entries (%d added, %d removed, "
	     "%d changed)", d->o->plan_path, gen, delta.nentries, delta.nfresh, delta.nretired,
	     delta.nkept - 1);
	notify("STATUS=plan generation %lld in force", gen);
	record_sync(d, true, "", 0);
	/* the edit path keeps no whole plan: the drift watch reads the file
	 * again, after the edit is in force
	 */
	d->drift_reload = true;
	d->drift_due = now_ms() + DRIFT_RELOAD_MS;
	return 1;
}

static void disk_sha(struct daemon *d, const char *text, size_t len)
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, (const uint8_t *)text);
	sha256_digest(&c, sizeof(d->disk_sha), d->disk_sha);
	d->disk_read = true;
}

/* ringguard_plan_file_differs: the file is not the plan in force */
static void note_disk(struct daemon *d)
{
	struct rg_meta meta;

	atomic_store(&d->disk_differs, !d->disk_read || rg_meta_read(&d->l.m, &meta) ||
		     memcmp(meta.sha256, d->disk_sha, sizeof(meta.sha256)));
}

/* Reads, validates and installs the plan if its content changed (or force).
 * Returns 1 if a new plan went in, 0 if nothing changed or it was rejected.
 */
static int sync_plan_file(struct daemon *d, bool force)
{
	struct rg_plan plan;
	struct rg_meta meta;
	char *errors, *text = NULL;
	__u32 *ids = NULL;
	long long gen;
	size_t len = 0;
	int n, lock, r = 0;

	/* one read of the file: an edit when it can be, else the whole file
	 * (a read error is reported by read_plan's second try)
	 */
	if (!force) {
		FILE *null = fopen("/dev/null", "w");

		if (null && !rg_plan_read(d->o->plan_path, &text, &len, null)) {
			disk_sha(d, text, len);
			r = sync_edit(d, text, len);
			if (r != -EAGAIN) {
				if (r != 1)
					free(text);
				fclose(null);
				return r;
			}
		}
		if (null)
			fclose(null);
		r = 0;
	}
	n = read_plan(d, &plan, &text, &len, &errors);
	if (text && !d->disk_read)
		disk_sha(d, text, len);
	if (n == -EMFILE || n == -ENFILE || n == -ENOMEM) {
		/* out of descriptors (or memory) for a moment: not the
		 * plan's fault, so no rejection; the edit goes in when the
		 * read succeeds
		 */
		if (!d->read_retry)
			dlog(WARN, "cannot read plan %s: %s: retrying every second (the active "
			     "plan stays)", d->o->plan_path, strerror(-n));
		d->read_retry = true;
		d->plan_due = now_ms() + READ_RETRY_MS;
		free(errors);
		free(text);
		rg_plan_free(&plan);
		return 0;
	}
	if (d->read_retry)
		dlog(INFO, "plan %s readable again", d->o->plan_path);
	d->read_retry = false;
	if (n > 0 && !force && d->rejected_valid && !memcmp(d->rejected_sha, plan.sha256, 32)) {
		/* the same bad plan read again (a writer still busy beside
		 * it): one rejection, not two
		 */
		dlog(INFO, "plan %s unchanged since it was rejected: the active plan stays",
		     d->o->plan_path);
		free(errors);
		free(text);
		rg_plan_free(&plan);
		return 0;
	}
	d->rejected_valid = n > 0;
	if (n > 0)
		memcpy(d->rejected_sha, plan.sha256, 32);
	if (n != 0) {
		/* each error on its own line, FILE:LINE first */
		record_sync(d, false, errors ? errors : "", n < 0 ? 1 : n);
		log_errors(errors);
		dlog(ERROR, "plan %s rejected (%d error%s): the active plan stays",
		     d->o->plan_path, n < 0 ? 1 : n, n == 1 ? "" : "s");
		free(errors);
		free(text);
		rg_plan_free(&plan);
		return 0;
	}
	free(errors);
	d->declared = rg_plan_host_mode(&plan, d->o->host, NULL);
	take_lifelines(d, &plan);
	if (!force && !rg_meta_read(&d->l.m, &meta) &&
	    !memcmp(meta.sha256, plan.sha256, sizeof(meta.sha256)) &&
	    !strcmp(meta.plan_path, d->o->plan_path)) {
		record_sync(d, true, NULL, 0);
		free(text);
		rg_plan_free(&plan);
		return 0;	/* touched, not changed */
	}
	guard_new_plan(d, plan.sha256);
	ids = calloc(plan.nentries + 1, sizeof(*ids));
	lock = rg_state_lock(d->l.dir);
	gen = lock < 0 ? lock : ids ? rg_install_ids(&d->l.m, &plan, d->o->plan_path, ids) :
	      -ENOMEM;
	if (lock >= 0)
		close(lock);
	if (gen >= 0 && rg_live_reset(d->live, &plan, d->o->plan_path, text, len, ids, gen))
		dlog(WARN, "cannot keep the plan in memory: every change installs the whole "
		     "file");
	if (gen < 0)
		rg_live_drop(d->live);
	free(ids);
	free(text);
	if (gen < 0) {
		d->rearm = false;
		dlog(ERROR, "cannot install plan %s: %s (the active plan stays)", d->o->plan_path,
		     strerror((int)-gen));
		if (lock < 0)
			d->plan_due = now_ms() + TICK_MS;	/* again, once the lock can be had */
	} else {
		dlog(INFO, "plan %s installed: generation %lld, %d entries", d->o->plan_path, gen,
		     plan.nentries);
		notify("STATUS=plan generation %lld in force", gen);
		if (!d->o->nifs && wanted_ifaces(d, &plan) == 0)
			d->link_due = now_ms();
		drift_plan(d, &plan);
		r = 1;
	}
	record_sync(d, gen >= 0, "", 0);
	rg_plan_free(&plan);
	return r;
}

/* sync_plan_file, noting what is on disk for the periodic checks. */
static int sync_plan(struct daemon *d, bool force)
{
	int r;

	rg_planwatch_reading(&d->pw);
	d->disk_read = false;
	r = sync_plan_file(d, force);
	note_disk(d);
	d->hash_due = now_ms() + HASH_CHECK_MS;
	return r;
}

/* Once a second: a plan file that changed where no watch saw it (a swap
 * higher up its path) is read again; every HASH_CHECK_MS its content is
 * hashed, the safety net for what even the stat missed.
 */
static void check_plan_file(struct daemon *d)
{
	long long now = now_ms();
	__u8 was[32];
	bool known = d->disk_read;
	char *text = NULL;
	size_t len;
	FILE *null;

	note_disk(d);
	if (d->plan_due)
		return;
	if (rg_planwatch_check(&d->pw)) {
		dlog(INFO, "plan %s changed where no watch saw it: reading it again",
		     d->o->plan_path);
		d->plan_due = now;
		return;
	}
	if (now < d->hash_due)
		return;
	d->hash_due = now + HASH_CHECK_MS;
	null = fopen("/dev/null", "w");
	if (!null)
		return;
	memcpy(was, d->disk_sha, sizeof(was));
	if (!rg_plan_read(d->o->plan_path, &text, &len, null)) {
		disk_sha(d, text, len);
		if (!known || memcmp(was, d->disk_sha, sizeof(was))) {
			dlog(WARN, "plan %s is not the file last read, and no change was seen: "
			     "reading it again", d->o->plan_path);
			d->plan_due = now;
		}
		note_disk(d);
	}
	free(text);
	fclose(null);
}

static void reconcile(struct daemon *d)
{
	int lock = rg_state_lock(d->l.dir), n;

	if (lock < 0) {
		dlog(ERROR, "cannot lock %s: %s (the interfaces are reconciled again in a second)",
		     rg_state_display(d->l.dir), strerror(-lock));
		d->link_due = now_ms() + TICK_MS;
		return;
	}
	n = rg_reconcile(&d->l, d->want, d->nwant, d->missing);
	close(lock);
	if (n < 0)
		dlog(ERROR, "cannot attach: %s (will retry on the next link event)", strerror(-n));
	/* a link event may come with a program put before ringguard's */
	if (rg_head_hold(&d->l) > 0)
		d->link_due = now_ms();
}

/* --- the mode ---------------------------------------------------------- */

static void lifeline_list(struct daemon *d, __u64 mask, bool in, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < d->probe.n; i++)
		if (!!(mask & (1ull << i)) == in)
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
				      d->probe.s[i].text);
}

/* The lifelines that answer now (lifeline.c), for the guarded set of a
 * switch: their state as the rounds left it, never a wait for probes.
 */
static __u64 answering(struct daemon *d)
{
	__u64 m;

	pthread_mutex_lock(&d->mu);
	rg_prober_expire(&d->probe);
	m = rg_prober_answering(&d->probe);
	pthread_mutex_unlock(&d->mu);
	return m;
}

/* The window as this daemon follows it, from now; a round goes out at
 * once, so the guarded lifelines' first answers after the switch come in
 * milliseconds.
 */
static void window_start(struct daemon *d, __u64 now, __u64 guarded)
{
	d->win = (struct rg_window){
		.switched_ns = now,
		.confirm_ns = now + (__u64)d->o->confirm_within * 1000000000ull,
		.guarded = guarded,
	};
	d->win_set = true;
	pthread_mutex_lock(&d->mu);
	if (d->probe.n)
		rg_prober_round(&d->probe);
	pthread_mutex_unlock(&d->mu);
	d->probe_due = now_ms() + PROBE_WINDOW_MS;
}

/* Arms the daemon's confirm window on an enforce that has none; before:
 * the lifelines that answered before the switch (they are guarded).
 */
static void arm_window(struct daemon *d, struct pinned *p, __u64 before, const char *why)
{
	char guarded[1024], silent[1024];
	__u64 until = rg_monotonic_ns() + (__u64)d->o->confirm_within * 1000000000ull;

	p->cfg.mode = RG_MODE_ENFORCE;
	p->cfg.enforce_until = until;
	p->meta.armed_until = until;
	p->meta.lifelines_before = before;
	p->meta.confirm_within = d->o->confirm_within;
	if (pinned_commit(d, p, true, true))
		return;
	d->mode_seen = RG_MODE_ENFORCE;
	window_start(d, rg_monotonic_ns(), before);
	lifeline_list(d, before, true, guarded, sizeof(guarded));
	lifeline_list(d, before, false, silent, sizeof(silent));
	if (!d->probe.n)
		dlog(INFO, "enforce mode (%s): the plan names no lifeline, so it is confirmed "
		     "in %d s if this daemon is still running", why, d->o->confirm_within);
	else
		dlog(INFO, "enforce mode (%s): confirmed in %d s unless a lifeline stops "
		     "answering; guarding %s%s%s%s", why, d->o->confirm_within,
		     *guarded ? guarded : "none", *silent ? " (not answering before the switch, "
		     "so not guarded: " : "", silent, *silent ? ")" : "");
	notify("STATUS=enforce, confirm window %d s", d->o->confirm_within);
}

/* A new plan while enforcing: the window again, unless the mode moved. */
static void rearm_window(struct daemon *d)
{
	struct pinned p;

	d->rearm = false;
	if (pinned_begin(d, &p))
		return;
	if (p.cfg.mode != RG_MODE_ENFORCE || rg_deadline_passed(&p.cfg, rg_monotonic_ns()) ||
	    (p.cfg.enforce_until && p.meta.armed_until != p.cfg.enforce_until)) {
		close(p.lock);
		return;
	}
	arm_window(d, &p, d->rearm_before, "a new plan while enforcing");
}

/* Switches to enforce with the window armed, guarding the lifelines that
 * answer now. recheck: ask the rules again (a person may have spoken).
 */
static void switch_enforce(struct daemon *d, bool recheck)
{
	struct pinned p;
	char note[512];
	__u64 before = answering(d);

	if (pinned_begin(d, &p))
		return;
	if (recheck &&
	    rg_fleet_want(&p.meta, &p.cfg, d->declared, note, sizeof(note)) != RG_MODE_ENFORCE) {
		pinned_commit(d, &p, false, true);
		return;
	}
	arm_window(d, &p, before, p.meta.fleet & RG_FLEET_OVERRIDE ? "an override holds" :
		   "the plan declares it for this host");
}

static void revert(struct daemon *d, struct pinned *p, const char *why)
{
	p->cfg.mode = RG_MODE_MONITOR;
	p->cfg.enforce_until = 0;
	rg_fleet_revert(&p->meta, why);
	if (pinned_commit(d, p, true, true))
		return;
	d->mode_seen = RG_MODE_MONITOR;
	d->win_set = false;
	if (rg_log_is_json()) {
		struct rg_json j;

		if (rg_log_record(&j, RG_LOG_WARN, "reverted to monitor")) {
			rg_json_str(&j, "event", "revert");
			rg_json_str(&j, "reason", why);
			rg_json_end(&j);
			rg_json_finish(&j);
		}
	} else {
		dlog(WARN, "reverted to monitor: %s", why);
	}
	notify("STATUS=reverted to monitor: %s", why);
}

/* The mode the rules want (fleet.c), applied; after every plan read. */
static void apply_mode(struct daemon *d, bool at_start)
{
	struct pinned p;
	char note[512];
	__u32 want;

	if (pinned_begin(d, &p))
		return;
	if (rg_deadline_passed(&p.cfg, rg_monotonic_ns())) {
		/* the kernel's deadline is the dead man's switch: a daemon
		 * that is alive keeps it ahead (confirm.h), so it passed
		 * while none ran, or while this one was stuck
		 */
		const char *why = at_start ?
			"the confirm deadline passed while no daemon was running; the kernel "
			"went back to monitor by itself" :
			p.meta.armed_until == p.cfg.enforce_until ?
			"the confirm deadline passed before the daemon could confirm (its loop "
			"was stuck longer than the deadline's lease)" :
			"the deadline of 'mode enforce --confirm-within' passed without "
			"'ringguard mode confirm'";

		revert(d, &p, why);
		if (pinned_begin(d, &p))
			return;
	}
	want = rg_fleet_want(&p.meta, &p.cfg, d->declared, note, sizeof(note));
	if (*note)
		dlog(INFO, "%s", note);
	if (at_start && d->start_override)
		want = d->start_mode;	/* the override --mode set, not yet applied */
	if (want == RG_MODE_MONITOR && p.cfg.mode != RG_MODE_MONITOR) {
		p.cfg.mode = RG_MODE_MONITOR;
		p.cfg.enforce_until = 0;
		p.meta.armed_until = 0;
		if (!pinned_commit(d, &p, true, true))
			dlog(INFO, "monitor mode (%s)", p.meta.fleet & RG_FLEET_OVERRIDE ?
			     "an override holds" : p.meta.fleet & RG_FLEET_REVERTED ?
			     "a revert holds until the plan changes" :
			     "the plan declares it for this host");
		d->mode_seen = RG_MODE_MONITOR;
		d->win_set = false;
		return;
	}
	pinned_commit(d, &p, false, true);
	d->mode_seen = p.cfg.mode;
	if (want == RG_MODE_ENFORCE && p.cfg.mode != RG_MODE_ENFORCE)
		switch_enforce(d, !(at_start && d->start_override));
}

/* The window's step, at every probe round and tick (confirm.h): revert
 * when a guarded lifeline went silent; confirm (the daemon's own window
 * only) when the rule says so; else keep the kernel's deadline ahead.
 */
static void confirm_step(struct daemon *d, struct pinned *p, bool ours, __u64 now)
{
	enum rg_confirm_step step;
	__u64 until;
	int lost;

	pthread_mutex_lock(&d->mu);
	rg_prober_expire(&d->probe);
	step = rg_confirm_step(&d->win, &d->probe, now, &lost);
	pthread_mutex_unlock(&d->mu);
	if (step == RG_CONFIRM_REVERT) {
		char why[RG_PATH_LEN];

		snprintf(why, sizeof(why), "lifeline %s stopped answering %.1f s after the switch "
			 "to enforce (it answered before)%s", d->probe.s[lost].text,
			 (now - d->win.switched_ns) / 1e9,
			 p->meta.declared_mode == RG_MODE_ENFORCE &&
			 !(p->meta.fleet & RG_FLEET_OVERRIDE) ? "; monitor until the plan changes" : "");
		revert(d, p, why);
		return;
	}
	if (!ours) {
		close(p->lock);	/* a person's --confirm-within: theirs to confirm */
		return;
	}
	if (step == RG_CONFIRM_NOW) {
		p->cfg.enforce_until = 0;
		p->meta.armed_until = 0;
		if (!pinned_commit(d, p, true, true))
			dlog(INFO, "enforce confirmed: %s", d->probe.n ?
			     "every guarded lifeline still answers" :
			     "no lifelines, and the daemon is alive at the deadline");
		notify("STATUS=enforce, confirmed");
		d->win_set = false;
		return;
	}
	/* waiting, alive: the deadline stays a lease ahead of this daemon */
	until = rg_confirm_lease(p->cfg.enforce_until, now);
	if (until < p->cfg.enforce_until + 250000000ull) {
		close(p->lock);
		return;
	}
	p->cfg.enforce_until = until;
	p->meta.armed_until = until;
	pinned_commit(d, p, true, true);
}

/* In a confirm window: the window's step. Also notices an enforce that a
 * person switched on, and arms the window for it.
 */
static void watch_mode(struct daemon *d)
{
	struct pinned p;
	__u64 now;

	if (pinned_begin(d, &p))
		return;
	now = rg_monotonic_ns();
	if (rg_deadline_passed(&p.cfg, now)) {
		close(p.lock);
		d->win_set = false;
		apply_mode(d, false);
		return;
	}
	if (p.cfg.mode == RG_MODE_ENFORCE && d->mode_seen != RG_MODE_ENFORCE) {
		__u64 before = answering(d);

		d->mode_seen = RG_MODE_ENFORCE;
		if (!p.cfg.enforce_until) {
			arm_window(d, &p, before, "switched by 'ringguard mode'");
			return;
		}
		/* a person's own --confirm-within: guard it, leave the confirming to them */
		p.meta.lifelines_before = before;
		pinned_commit(d, &p, false, true);
		window_start(d, now, before);
		return;
	}
	d->mode_seen = p.cfg.mode;
	if (p.cfg.mode != RG_MODE_ENFORCE || !p.cfg.enforce_until) {
		d->win_set = false;
		close(p.lock);
		return;
	}
	if (!d->win_set)	/* adopted in the window (a restart): it starts again now */
		window_start(d, now, p.meta.lifelines_before);
	confirm_step(d, &p, p.meta.armed_until == p.cfg.enforce_until, now);
}

/* --- the listener: /metrics, /healthz, /readyz ------------------------- */

static void daemon_metrics(struct daemon *d, FILE *f)
{
	struct rg_meta meta;
	struct rg_config cfg;
	bool window = !rg_meta_read(&d->l.m, &meta) && !rg_config_read(&d->l.m, &cfg) &&
		      cfg.mode == RG_MODE_ENFORCE && cfg.enforce_until &&
		      !rg_deadline_passed(&cfg, rg_monotonic_ns());

	fprintf(f, "# HELP ringguard_plan_file_differs 1 when the plan file the daemon follows "
		"(--plan) is not the plan in force: rejected, unreadable, or installed elsewhere\n"
		"# TYPE ringguard_plan_file_differs gauge\nringguard_plan_file_differs %d\n",
		atomic_load(&d->disk_differs));
	fprintf(f, "# HELP ringguard_confirm_window_seconds The daemon's --confirm-within\n"
		"# TYPE ringguard_confirm_window_seconds gauge\n"
		"ringguard_confirm_window_seconds %d\n", d->o->confirm_within);
	fprintf(f, "# HELP ringguard_lifeline_up 1 while the lifeline answers echo requests from "
		"this host, 0 once it missed %d rounds\n# TYPE ringguard_lifeline_up gauge\n",
		RG_LIFELINE_MISSES);
	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < d->probe.n; i++)
		if (d->probe.s[i].known) {
			fprintf(f, "ringguard_lifeline_up{address=\"");
			rg_prom_value(f, d->probe.s[i].text, sizeof(d->probe.s[i].text));
			fprintf(f, "\"} %d\n", d->probe.s[i].up);
		}
	fprintf(f, "# HELP ringguard_lifeline_guarded 1 for a lifeline whose silence reverts "
		"the enforce being confirmed now\n# TYPE ringguard_lifeline_guarded gauge\n");
	for (int i = 0; i < d->probe.n; i++) {
		fprintf(f, "ringguard_lifeline_guarded{address=\"");
		rg_prom_value(f, d->probe.s[i].text, sizeof(d->probe.s[i].text));
		fprintf(f, "\"} %d\n", window && (meta.lifelines_before & (1ull << i)));
	}
	if (d->drift)
		rg_drift_metrics(d->drift, f);
	pthread_mutex_unlock(&d->mu);
}

/* The listener's pages (http.c runs the listener, on its own thread). */
static unsigned int page(void *ctx, const char *url, FILE *f)
{
	struct daemon *d = ctx;
	long long stale = now_ms() - atomic_load(&d->alive_ms);

	if (!strcmp(url, "/healthz")) {
		/* alive: the loop comes round, and the state is still pinned */
		if (atomic_load(&d->ready) && stale > STALE_MS) {
			fprintf(f, "the daemon's loop has not run for %lld s\n", stale / 1000);
			return 503;
		}
		if (atomic_load(&d->ready) && !rg_state_exists(d->o->dir)) {
			fprintf(f, "the state is not pinned in %s\n", rg_state_display(d->o->dir));
			return 503;
		}
		fprintf(f, "ok\n");
		return 200;
	}
	if (!strcmp(url, "/readyz")) {
		if (atomic_load(&d->ready)) {
			fprintf(f, "ready\n");
			return 200;
		}
		fprintf(f, "starting: not attached yet\n");
		return 503;
	}
	if (strcmp(url, "/metrics")) {
		fprintf(f, "ringguard: /metrics, /healthz and /readyz are here\n");
		return 404;
	}
	if (!atomic_load(&d->ready)) {
		fprintf(f, "starting: no metrics yet\n");
		return 503;
	}
	if (rg_metrics(&d->l.m, f)) {
		fprintf(f, "cannot read the maps\n");
		return 500;
	}
	daemon_metrics(d, f);
	return 200;
}

/* --- violations into the log ------------------------------------------- */

static int on_violation(void *ctx, void *data, size_t size)
{
	struct daemon *d = ctx;
	const struct rg_event *ev = data;

	if (size < sizeof(*ev))
		return 0;
	if (rg_log_is_json()) {
		struct rg_json j;

		if (rg_log_record(&j, ev->dropped ? RG_LOG_WARN : RG_LOG_INFO, "violation")) {
			rg_event_fields(&j, &d->l.m, ev, d->mono_to_real, false);
			rg_json_end(&j);
			rg_json_finish(&j);
		}
	} else {
		fprintf(stderr, "violation: ");
		rg_event_text(&d->l.m, ev, d->mono_to_real, false, stderr);
		fflush(stderr);
	}
	return 0;
}

static int start_violation_log(struct daemon *d)
{
	if (!d->o->log_violations)
		return 0;
	d->mono_to_real = rg_mono_to_real();
	d->rb = ring_buffer__new(d->l.m.events, on_violation, d, NULL);
	if (!d->rb) {
		int err = -errno;

		dlog(ERROR, "cannot open the event ring buffer: %s", strerror(errno));
		return err;
	}
	dlog(INFO, "logging violations (at most %d a second per bucket, as 'ringguard events')",
	     RG_EVENTS_PER_SEC);
	d->lease = rg_monotonic_ns() + RG_EVENTS_LEASE_S * 1000000000ull;
	return rg_events_lease(&d->l.m, d->lease);
}

/* --- setup and start ----------------------------------------------------- */

static int open_netlink(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK | RTMGRP_IPV6_ROUTE | RTMGRP_IPV4_ROUTE |
					       RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_IFADDR };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	int rcvbuf = NETLINK_RCVBUF;

	if (fd < 0)
		return -errno;
	/* past the rmem limit as root; without the privilege the default
	 * stays, and an overrun is caught all the same (a full pass)
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void daemon_init(struct daemon *d, const struct rg_daemon_opts *o)
{
	memset(d, 0, sizeof(*d));
	d->o = o;
	d->sfd = d->nlfd = d->pw.fd = -1;
	d->owner.fd = -1;
	d->backed = true;
	rg_maps_init(&d->l.m);
	rg_prober_init(&d->probe);
	d->live = rg_live_new();
	d->drift = rg_drift_new();
	pthread_mutex_init(&d->mu, NULL);
	rg_log_json(o->log_format == RG_LOG_JSON);
	atomic_store(&d->alive_ms, now_ms());
}

/* Signals, the plan's directory and link events. */
static int setup_watches(struct daemon *d)
{
	sigset_t mask;
	int err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sfd < 0)
		goto fail;
	err = rg_planwatch_open(&d->pw, d->o->plan_path);
	if (err)
		return err;	/* said why */
	d->nlfd = open_netlink();
	if (d->nlfd < 0) {
		errno = -d->nlfd;
		goto fail;
	}
	return 0;
fail:
	err = -errno;
	dlog(ERROR, "cannot set up signal, inotify or netlink watches: %s", strerror(errno));
	return err;
}

/* A fresh state: validate the plan before anything touches the kernel,
 * then load. The mode starts as monitor; apply_mode() switches to the
 * declared one (probing lifelines first when that is enforce).
 */
static int attach_fresh(struct daemon *d)
{
	struct rg_plan plan;
	struct rg_meta meta = { .layout_version = RG_LAYOUT_VERSION };
	char *errors, *text = NULL;
	bool declared_given;
	size_t len;
	__u32 mode;
	int n, err;

	n = read_plan(d, &plan, &text, &len, &errors);
	log_errors(errors);
	free(errors);
	free(text);
	if (n != 0) {
		dlog(ERROR, "plan %s invalid and nothing is attached yet: fix the plan, then "
		     "start again", d->o->plan_path);
		rg_plan_free(&plan);
		return -EINVAL;
	}
	err = d->o->nifs ? 0 : wanted_ifaces(d, &plan);
	d->declared = rg_plan_host_mode(&plan, d->o->host, &declared_given);
	n = plan.nentries;
	rg_plan_free(&plan);
	if (err)
		return err;
	mode = rg_fleet_fresh(&meta, d->declared, declared_given,
			      d->o->mode_given ? d->o->mode : RG_MODE_MONITOR);
	d->start_override = meta.fleet & RG_FLEET_OVERRIDE;
	d->start_mode = mode;
	if (declared_given && d->o->mode_given && d->o->mode != d->declared)
		dlog(WARN, "--mode %s ignored: the plan declares %s for %s",
		     rg_mode_name(d->o->mode), rg_mode_name(d->declared), d->o->host);
	err = rg_load(&d->l, d->o->dir, n);
	if (err)
		return err;
	d->loaded = true;
	err = rg_meta_write(&d->l.m, &meta);
	if (!err)
		err = rg_mode_write(&d->l.m, RG_MODE_MONITOR);
	if (err) {
		dlog(ERROR, "cannot initialise maps: %s", strerror(-err));
		return err;
	}
	dlog(INFO, "attaching (the mode goes to %s once attached%s)", rg_mode_name(mode),
	     declared_given ? ", as the plan declares" : d->o->mode_given ? ", from --mode" : "");
	return 0;
}

/* Pinned state: adopt it (maps, links, counters) and swap in this build's
 * programs in place. Its mode stays; --mode is for fresh attaches only.
 */
static int adopt(struct daemon *d)
{
	struct rg_meta meta = {};
	__u32 mode = 0;
	int err;

	err = rg_load(&d->l, d->o->dir, 0);
	if (err)
		return err;
	d->loaded = true;
	rg_meta_read(&d->l.m, &meta);
	rg_mode_read(&d->l.m, &mode);
	dlog(INFO, "adopted pinned state in %s: plan generation %llu, %s mode",
	     rg_state_display(d->o->dir), (unsigned long long)meta.generation, rg_mode_name(mode));
	if (d->o->mode_given)
		dlog(INFO, "--mode %s not applied: it is for a fresh attach; the mode comes from "
		     "the plan's host line or 'ringguard mode'", rg_mode_name(d->o->mode));
	return 0;
}

/* The interfaces of the plan on disk, when it was rejected at start (the
 * pinned plan stays in force): keep what is attached as it is.
 */
static bool wanted_from_disk(struct daemon *d)
{
	struct rg_plan plan;
	char *errors, *text = NULL;
	size_t len;
	int n = read_plan(d, &plan, &text, &len, &errors);

	free(errors);
	free(text);
	if (n == 0)
		wanted_ifaces(d, &plan);
	rg_plan_free(&plan);
	return n == 0;
}

/* First start: attach from scratch; later starts adopt the pinned state.
 * Then the first sync (a fresh state needs its plan; an adopted one
 * re-syncs so this build's trie layout is the one in use), the interfaces
 * and the mode.
 */
static int attach_or_adopt(struct daemon *d)
{
	bool existed = rg_state_exists(d->o->dir);
	int lock, err;

	if (d->o->nifs)
		wanted_ifaces(d, NULL);
	lock = rg_state_lock(d->o->dir);
	if (lock < 0) {
		dlog(ERROR, "cannot lock %s: %s", rg_state_display(d->o->dir), strerror(-lock));
		return lock;
	}
	d->fresh = !existed;
	err = existed ? adopt(d) : attach_fresh(d);
	close(lock);
	if (err)
		return err;
	d->l.want_xdp = d->o->want_xdp;
	d->l.want_tc = d->o->want_tc;

	if (sync_plan(d, true) <= 0 && !existed)
		return -EINVAL;
	if (existed && d->nwant == 0 && !wanted_from_disk(d)) {
		dlog(WARN, "keeping the interfaces attached as they are until a valid plan "
		     "arrives");
	} else {
		reconcile(d);
	}
	{
		struct rg_meta meta;

		/* the window length a person's `mode enforce` gets, for status */
		if (!rg_meta_read(&d->l.m, &meta) && meta.confirm_within != (__u32)d->o->confirm_within) {
			struct pinned p;

			if (!pinned_begin(d, &p)) {
				p.meta.confirm_within = d->o->confirm_within;
				pinned_commit(d, &p, false, true);
			}
		}
	}
	/* probe once now, so the first switch has fresh answers (before the
	 * loop: the only wait for probes there is)
	 */
	pthread_mutex_lock(&d->mu);
	if (d->probe.n)
		rg_prober_probe_now(&d->probe, 2000);
	pthread_mutex_unlock(&d->mu);
	rg_mode_read(&d->l.m, &d->mode_seen);
	apply_mode(d, true);
	return 0;
}

static void watchdog_setup(struct daemon *d)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	long long us = usec ? atoll(usec) : 0;

	if (us <= 0 || (pid && atoi(pid) != getpid()))
		return;
	d->watchdog_ms = us / 2000;
	if (d->watchdog_ms < 1)
		d->watchdog_ms = 1;
	d->watchdog_due = now_ms();
	dlog(INFO, "systemd watchdog: a ping every %lld ms", d->watchdog_ms);
}

/* --- one owner, and what backs it (user/kernel/owner.c) ------------------ */

static int on_signals(struct daemon *d);

/* One daemon per namespace: this one takes it, or refuses naming the one
 * that has it, or (--standby) waits for it to exit. 0, 1 if a signal
 * stopped the wait, -errno.
 */
static int take_namespace(struct daemon *d)
{
	const char *show = rg_state_display(d->o->dir);
	char who[256], hint[320], why[1024];
	bool waiting = false;
	int err;

	for (;;) {
		struct pollfd p = { .fd = d->sfd, .events = POLLIN };

		/* an owner that detached on exit took the directory along */
		err = rg_state_trust(d->o->dir, true, why, sizeof(why));
		if (err) {
			dlog(ERROR, "%s", why);
			return err;
		}
		err = rg_owner_take(d->o->dir, &d->owner, who, sizeof(who));
		if (err != -EBUSY)
			break;
		if (!d->o->standby) {
			rg_owner_stop_hint(who, hint, sizeof(hint));
			dlog(ERROR, "another ringguard daemon owns this network namespace (%s; state "
			     "in %s): one daemon per namespace; stop it first (%s), or start this "
			     "one with --standby to take over when it exits", who, show, hint);
			return -EBUSY;
		}
		if (!waiting)
			dlog(INFO, "standby: %s owns this network namespace; taking over when it "
			     "exits", who);
		waiting = true;
		notify("STATUS=standby: %s owns this network namespace\nEXTEND_TIMEOUT_USEC=3000000",
		       who);
		if (poll(&p, 1, 1000) > 0 && on_signals(d))
			return 1;
	}
	if (err) {
		dlog(ERROR, "cannot take this network namespace's state in %s: %s", show,
		     strerror(-err));
		return err;
	}
	dlog(INFO, "%sthis network namespace's state in %s is this daemon's (%s)",
	     waiting ? "taking over: " : "", show, d->owner.who);
	return 0;
}

static enum rg_backing backing(struct daemon *d, char *why, size_t len)
{
	enum rg_backing b = rg_backing(d->o->dir, &d->l.m, why, len);

	/* an interface that just appeared is attached by the link debounce */
	if (b == RG_BACKED && !d->link_due &&
	    rg_wanted_unattached(&d->l.m, d->want, d->nwant, why, len))
		b = RG_HOOKS_LOST;
	return b;
}

/* Every tick: does the kernel still do what this daemon reports? A hook
 * lost (a link pin removed, a link detached) is attached again; a state
 * removed (detach --force) or replaced ends the daemon with an error, not
 * a daemon that runs on with nothing attached. Until it enforces again it
 * sends no WATCHDOG=1.
 */
static int check_backing(struct daemon *d)
{
	char why[512];
	enum rg_backing b;
	int lock;

	b = backing(d, why, sizeof(why));
	if (b == RG_BACKING_UNKNOWN)
		return 0;	/* short of descriptors: the next tick looks again */
	if (b != RG_STATE_LOST && !rg_owner_held(d->o->dir, &d->owner)) {
		dlog(ERROR, "this daemon's hold on %s was removed (ringguard detach --force?): "
		     "exiting", rg_state_display(d->o->dir));
		return -ENOLINK;
	}
	/* a lost hook at once; one that would not come back every 5 s */
	if (b == RG_HOOKS_LOST && (d->backed || now_ms() >= d->retry_at)) {
		/* under the state lock: a detach in progress finishes first,
		 * and is not undone
		 */
		lock = rg_state_lock(d->l.dir);
		if (lock < 0) {
			/* never without the lock: the next tick tries again */
			dlog(ERROR, "cannot lock %s: %s (the lost hook is attached again once it can)",
			     rg_state_display(d->l.dir), strerror(-lock));
		} else {
			b = backing(d, why, sizeof(why));
			if (b == RG_BACKING_UNKNOWN) {
				close(lock);
				return 0;
			}
			if (b == RG_HOOKS_LOST) {
				dlog(WARN, "%s: attaching again", why);
				rg_reconcile(&d->l, d->want, d->nwant, d->missing);
				b = backing(d, why, sizeof(why));
			}
			close(lock);
		}
		d->retry_at = now_ms() + 5000;
	}
	if (b == RG_STATE_LOST) {
		dlog(ERROR, "%s: exiting (nothing of this daemon's is attached)", why);
		notify("STATUS=exiting: %s", why);
		return -ENOLINK;
	}
	if (b != RG_BACKED && d->backed) {
		dlog(ERROR, "not enforcing what this daemon reports: %s; no watchdog pings "
		     "until it does", why);
		notify("STATUS=not enforcing: %s", why);
	} else if (b == RG_BACKED && !d->backed) {
		dlog(INFO, "every hook is in place again");
		notify("STATUS=attached, watching %s", d->o->plan_path);
	}
	d->backed = b == RG_BACKED;
	return 0;
}

/* --- the loop -------------------------------------------------------------- */

static void tick(struct daemon *d)
{
	long long now = now_ms();

	atomic_store(&d->alive_ms, now);
	check_plan_file(d);
	if (d->rb) {
		d->lease = rg_monotonic_ns() + RG_EVENTS_LEASE_S * 1000000000ull;
		rg_events_lease(&d->l.m, d->lease);
	}
	watch_mode(d);
	/* no link event tells of a program put before ringguard's: look */
	if (rg_head_hold(&d->l) > 0 && !d->link_due)
		d->link_due = now_ms();
	d->tick_due = now + TICK_MS;
}

static void probe_round(struct daemon *d)
{
	pthread_mutex_lock(&d->mu);
	rg_prober_round(&d->probe);
	pthread_mutex_unlock(&d->mu);
	watch_mode(d);
	/* after the step: the window it opened or closed sets the pace */
	d->probe_due = now_ms() + (d->win_set ? PROBE_WINDOW_MS : PROBE_IDLE_MS);
}

/* The next deadline among the timers, as a poll timeout. */
static int next_timeout(struct daemon *d)
{
	long long due = 0, now = now_ms();
	long long t[] = { d->plan_due, d->link_due, d->probe_due, d->tick_due, d->watchdog_due,
			  d->drift_due, d->drift_full_due };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] && (!due || t[i] < due))
			due = t[i];
	return !due ? -1 : due > now ? (int)(due - now) : 0;
}

/* 1: a signal to exit came. */
static int on_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP)
			return 1;
		dlog(INFO, "SIGHUP: syncing the plan");
		notify("RELOADING=1");
		d->force_sync = true;
		d->plan_due = now_ms();
	}
	return 0;
}

static int run_loop(struct daemon *d)
{
	struct pollfd pfd[NPFD];

	pfd[PFD_SIG] = (struct pollfd){ .fd = d->sfd, .events = POLLIN };
	pfd[PFD_INOTIFY] = (struct pollfd){ .fd = d->pw.fd, .events = POLLIN };
	pfd[PFD_NETLINK] = (struct pollfd){ .fd = d->nlfd, .events = POLLIN };
	pfd[PFD_EVENTS] = (struct pollfd){ .fd = d->rb ? ring_buffer__epoll_fd(d->rb) : -1,
					   .events = POLLIN };
	d->tick_due = now_ms() + TICK_MS;
	d->probe_due = now_ms() + PROBE_WINDOW_MS;
	d->drift_full_due = now_ms() + DRIFT_FULL_MS;
	for (;;) {
		long long now;

		/* the plan may add a family of lifelines: their sockets come then */
		pfd[PFD_PROBE6] = (struct pollfd){ .fd = d->probe.fd6, .events = POLLIN };
		pfd[PFD_PROBE4] = (struct pollfd){ .fd = d->probe.fd4, .events = POLLIN };
		if (poll(pfd, NPFD, next_timeout(d)) < 0 && errno != EINTR)
			return -errno;

		if ((pfd[PFD_SIG].revents & POLLIN) && on_signals(d))
			return 0;
		if (pfd[PFD_INOTIFY].revents & POLLIN) {
			int ev = rg_planwatch_events(&d->pw);

			if (ev != RG_PW_NONE)
				d->plan_due = now_ms() + (ev == RG_PW_SETTLED ? 0 : PLAN_DEBOUNCE_MS);
		}
		if (pfd[PFD_NETLINK].revents & POLLIN)
			on_netlink(d);
		if ((pfd[PFD_PROBE6].revents | pfd[PFD_PROBE4].revents) & POLLIN) {
			pthread_mutex_lock(&d->mu);
			rg_prober_recv(&d->probe);
			pthread_mutex_unlock(&d->mu);
		}
		if (pfd[PFD_EVENTS].revents & POLLIN)
			ring_buffer__consume(d->rb);

		now = now_ms();
		if (d->plan_due && d->plan_due <= now) {
			d->plan_due = 0;
			sync_plan(d, d->force_sync);
			/* new roles first: the lifelines are probed through them,
			 * in the mode the host is in, before any switch to enforce
			 */
			if (d->link_due) {
				d->link_due = 0;
				reconcile(d);
			}
			apply_mode(d, false);
			if (d->rearm)
				rearm_window(d);
			if (d->force_sync)
				notify("READY=1");
			d->force_sync = false;
		}
		if (d->link_due && d->link_due <= now) {
			d->link_due = 0;
			reconcile(d);
		}
		if (d->drift_full_due && d->drift_full_due <= now) {
			if (d->drift)
				rg_drift_full(d->drift, false);
			d->drift_due = now;
			d->drift_full_due = now + DRIFT_FULL_MS;
		}
		if (d->drift_due && d->drift_due <= now)
			drift_pass(d);
		if (d->probe_due && d->probe_due <= now)
			probe_round(d);
		if (d->tick_due && d->tick_due <= now) {
			int err;

			tick(d);
			err = check_backing(d);
			if (err)
				return err;
		}
		if (d->watchdog_due && d->watchdog_due <= now) {
			if (d->backed)
				notify("WATCHDOG=1");
			d->watchdog_due = now + d->watchdog_ms;
		}
	}
}

/* The one way out: everything daemon_init() and the steps set up. */
static void daemon_cleanup(struct daemon *d, bool stopped)
{
	rg_http_stop(d->http);
	if (d->rb) {
		rg_events_lease_end(&d->l.m, d->lease);
		ring_buffer__free(d->rb);
	}
	rg_prober_close(&d->probe);
	rg_live_free(d->live);
	if (d->drift && d->loaded && !(stopped && d->o->detach_on_exit))
		drift_publish(d, false, false);
	rg_drift_free(d->drift);
	if (d->loaded)
		rg_loader_close(&d->l);
	/* after the detach below: a standby takes over a namespace left clean */
	if (!stopped && d->fresh) {
		/* a first start that failed leaves nothing behind */
		libbpf_print_fn_t old = libbpf_set_print(NULL);

		rg_detach(d->o->dir);
		libbpf_set_print(old);
	} else if (stopped && d->o->detach_on_exit && d->loaded) {
		rg_detach(d->o->dir);
		dlog(INFO, "exiting: detached (--detach-on-exit)");
	} else if (stopped) {
		dlog(INFO, "exiting: enforcement stays in place (pinned in %s)",
		     rg_state_display(d->o->dir));
	}
	rg_owner_release(&d->owner);
	if (d->sfd >= 0)
		close(d->sfd);
	rg_planwatch_close(&d->pw);
	if (d->nlfd >= 0)
		close(d->nlfd);
	pthread_mutex_destroy(&d->mu);
}

int rg_daemon(const struct rg_daemon_opts *o)
{
	struct daemon d;
	int err;

	daemon_init(&d, o);
	err = setup_watches(&d);
	if (!err)
		err = take_namespace(&d);
	if (err > 0) {
		daemon_cleanup(&d, false);	/* a standby stopped while it waited */
		return 0;
	}
	if (!err && o->metrics)	/* /readyz says "starting" meanwhile */
		err = rg_http_start(&d.http, o->metrics, page, &d);
	if (!err)
		err = attach_or_adopt(&d);
	if (!err)
		err = start_violation_log(&d);
	if (!err) {
		d.fresh = false;	/* started: from here on an error leaves it all pinned */
		atomic_store(&d.alive_ms, now_ms());
		atomic_store(&d.ready, true);
		watchdog_setup(&d);
		if (o->metrics)
			dlog(INFO, "metrics on http://%s/metrics (and /healthz, /readyz)", o->metrics);
		notify("READY=1\nSTATUS=attached, watching %s", o->plan_path);
		dlog(INFO, "watching %s and %d interface%s", o->plan_path, d.nwant,
		     d.nwant == 1 ? "" : "s");
		err = run_loop(&d);
		if (!err)
			notify("STOPPING=1");
		daemon_cleanup(&d, err == 0);
		return err;
	}
	daemon_cleanup(&d, false);
	return err;
}
