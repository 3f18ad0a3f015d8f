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
 *
 * This file: setup, the loop and cleanup. The plan: sync.c; netlink and the
 * drift watch: netwatch.c; the mode and the confirm window: mode.c; the
 * listener's pages and the violation log: serve.c. struct daemon, the
 * loop's whole state, is in daemon_int.h.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <linux/rtnetlink.h>
#include <bpf/libbpf.h>
#include "kernel/head.h"
#include "daemon/drift.h"
#include "daemon/http.h"
#include "report/events.h"
#include "kernel/fleet.h"
#include "daemon/live.h"

#include "daemon/daemon_int.h"

/* --- helpers the daemon's files share (daemon_int.h) ------------------- */

long long now_ms(void)
{
	return rg_monotonic_ns() / 1000000;
}

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
void notify(const char *fmt, ...)
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


int state_begin(struct daemon *d, struct locked_state *p)
{
	int err;

	p->lock = rg_state_lock(d->l.dir);
	if (p->lock < 0) {
		rg_err("cannot lock %s: %s (the step is skipped and comes again)",
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
int state_commit(struct daemon *d, struct locked_state *p, bool cfg, bool meta)
{
	int err = 0;

	if (cfg)
		err = rg_config_write(&d->l.m, &p->cfg);
	if (!err && meta)
		err = rg_meta_write(&d->l.m, &p->meta);
	close(p->lock);
	if (err)
		rg_err("cannot write the pinned state: %s", strerror(-err));
	return err;
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
	rg_err("cannot set up signal, inotify or netlink watches: %s", strerror(errno));
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
	struct rg_log_capture errors;
	char *text = NULL;
	bool declared_given;
	size_t len;
	__u32 mode;
	int n, err;

	n = read_plan(d, &plan, &text, &len, &errors);
	rg_log_replay(&errors);
	rg_log_capture_free(&errors);
	free(text);
	if (n != 0) {
		rg_err("plan %s invalid and nothing is attached yet: fix the plan, then "
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
		rg_warn("--mode %s ignored: the plan declares %s for %s",
		     rg_mode_name(d->o->mode), rg_mode_name(d->declared), d->o->host);
	err = rg_load(&d->l, d->o->dir, n);
	if (err)
		return err;
	d->loaded = true;
	err = rg_meta_write(&d->l.m, &meta);
	if (!err)
		err = rg_mode_write(&d->l.m, RG_MODE_MONITOR);
	if (err) {
		rg_err("cannot initialise maps: %s", strerror(-err));
		return err;
	}
	rg_info("attaching (the mode goes to %s once attached%s)", rg_mode_name(mode),
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
	rg_info("adopted pinned state in %s: plan generation %llu, %s mode",
	     rg_state_display(d->o->dir), (unsigned long long)meta.generation, rg_mode_name(mode));
	if (d->o->mode_given)
		rg_info("--mode %s not applied: it is for a fresh attach; the mode comes from "
		     "the plan's host line or 'ringguard mode'", rg_mode_name(d->o->mode));
	return 0;
}

/* The interfaces of the plan on disk, when it was rejected at start (the
 * pinned plan stays in force): keep what is attached as it is.
 */
static bool wanted_from_disk(struct daemon *d)
{
	struct rg_plan plan;
	struct rg_log_capture errors;
	char *text = NULL;
	size_t len;
	int n = read_plan(d, &plan, &text, &len, &errors);

	rg_log_capture_free(&errors);
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
		rg_err("cannot lock %s: %s", rg_state_display(d->o->dir), strerror(-lock));
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
		rg_warn("keeping the interfaces attached as they are until a valid plan "
		     "arrives");
	} else {
		reconcile(d);
	}
	{
		struct rg_meta meta;

		/* the window length a person's `mode enforce` gets, for status */
		if (!rg_meta_read(&d->l.m, &meta) && meta.confirm_within != (__u32)d->o->confirm_within) {
			struct locked_state p;

			if (!state_begin(d, &p)) {
				p.meta.confirm_within = d->o->confirm_within;
				state_commit(d, &p, false, true);
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
	rg_info("systemd watchdog: a ping every %lld ms", d->watchdog_ms);
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
			rg_err("%s", why);
			return err;
		}
		err = rg_owner_take(d->o->dir, &d->owner, who, sizeof(who));
		if (err != -EBUSY)
			break;
		if (!d->o->standby) {
			rg_owner_stop_hint(who, hint, sizeof(hint));
			rg_err("another ringguard daemon owns this network namespace (%s; state "
			     "in %s): one daemon per namespace; stop it first (%s), or start this "
			     "one with --standby to take over when it exits", who, show, hint);
			return -EBUSY;
		}
		if (!waiting)
			rg_info("standby: %s owns this network namespace; taking over when it "
			     "exits", who);
		waiting = true;
		notify("STATUS=standby: %s owns this network namespace\nEXTEND_TIMEOUT_USEC=3000000",
		       who);
		if (poll(&p, 1, 1000) > 0 && on_signals(d))
			return 1;
	}
	if (err) {
		rg_err("cannot take this network namespace's state in %s: %s", show,
		     strerror(-err));
		return err;
	}
	rg_info("%sthis network namespace's state in %s is this daemon's (%s)",
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
		rg_err("this daemon's hold on %s was removed (ringguard detach --force?): "
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
			rg_err("cannot lock %s: %s (the lost hook is attached again once it can)",
			     rg_state_display(d->l.dir), strerror(-lock));
		} else {
			b = backing(d, why, sizeof(why));
			if (b == RG_BACKING_UNKNOWN) {
				close(lock);
				return 0;
			}
			if (b == RG_HOOKS_LOST) {
				rg_warn("%s: attaching again", why);
				rg_reconcile(&d->l, d->want, d->nwant, d->missing);
				b = backing(d, why, sizeof(why));
			}
			close(lock);
		}
		d->retry_at = now_ms() + 5000;
	}
	if (b == RG_STATE_LOST) {
		rg_err("%s: exiting (nothing of this daemon's is attached)", why);
		notify("STATUS=exiting: %s", why);
		return -ENOLINK;
	}
	if (b != RG_BACKED && d->backed) {
		rg_err("not enforcing what this daemon reports: %s; no watchdog pings "
		     "until it does", why);
		notify("STATUS=not enforcing: %s", why);
	} else if (b == RG_BACKED && !d->backed) {
		rg_info("every hook is in place again");
		notify("STATUS=attached, watching %s", d->o->plan_path);
	}
	if (b == RG_BACKED)
		d->unbacked_since = 0;
	else if (!d->unbacked_since)
		d->unbacked_since = now_ms();
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
		rg_info("SIGHUP: syncing the plan");
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
		rg_info("exiting: detached (--detach-on-exit)");
	} else if (stopped) {
		rg_info("exiting: enforcement stays in place (pinned in %s)",
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
		err = rg_http_start(&d.http, o->metrics, serve_page, &d);
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
			rg_info("metrics on http://%s/metrics (and /healthz, /readyz)", o->metrics);
		notify("READY=1\nSTATUS=attached, watching %s", o->plan_path);
		rg_info("watching %s and %d interface%s", o->plan_path, d.nwant,
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
