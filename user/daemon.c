// SPDX-License-Identifier: GPL-2.0-only
/*
 * daemon.c - `ringguard daemon`: keep enforcing, keep the plan in sync.
 *
 * One poll loop over four sources:
 *   inotify  the plan's directory: an edit, a rename over the file, a
 *            ConfigMap `..data` symlink swap; the content hash decides
 *            whether anything changed, after a short debounce
 *   netlink  link events: interfaces that appear, vanish, are recreated
 *            (new ifindex) or renamed are reconciled within 50 ms
 *   signals  SIGHUP forces a sync; SIGTERM/SIGINT exit, leaving enforcement
 *            pinned unless --detach-on-exit
 *   timeout  the debounce deadlines
 * A plan that fails validation is logged with FILE:LINE messages, counted in
 * rg_meta (status shows it) and ignored: the last good plan stays.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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
#include <microhttpd.h>
#include "attach.h"
#include "daemon.h"
#include "install.h"
#include "log.h"
#include "show.h"

#define PLAN_DEBOUNCE_MS	150
#define LINK_DEBOUNCE_MS	30

struct daemon {
	const struct rg_daemon_opts *o;
	struct rg_loader l;
	struct rg_host_if want[RG_MAX_IFACES];
	int nwant;
	bool missing[RG_MAX_IFACES];
	char plan_dir[PATH_MAX];
	long long plan_due;	/* ms on CLOCK_MONOTONIC, 0 = nothing pending */
	long long link_due;
	bool force_sync;
	/* the plan last rejected: the same bad content read again (another
	 * event in its directory) is neither reported nor counted again
	 */
	bool rejected;
	uint8_t rejected_sha[32];
};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rg_vlog(RG_LOG_INFO, fmt, ap);
	va_end(ap);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
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
		logf_("the plan has no host line for '%s': add 'host %s mesh IF... egress IF...' "
		      "or pass --mesh/--egress", d->o->host, d->o->host);
		return -ENOENT;
	}
	if (h->nifs != d->nwant || memcmp(h->ifs, d->want, h->nifs * sizeof(h->ifs[0])))
		memset(d->missing, 0, sizeof(d->missing));
	memcpy(d->want, h->ifs, h->nifs * sizeof(h->ifs[0]));
	d->nwant = h->nifs;
	return 0;
}

static void record_rejection(struct daemon *d, const char *errors, int n)
{
	struct rg_meta meta;
	const char *nl = strchr(errors, '\n');

	if (rg_meta_read(&d->l.m, &meta))
		return;
	meta.rejects++;
	meta.rejected_at = time(NULL);
	memset(meta.last_error, 0, sizeof(meta.last_error));
	snprintf(meta.last_error, sizeof(meta.last_error), "%.*s%s",
		 (int)(nl ? nl - errors : (long)strlen(errors)), errors,
		 n > 1 ? " (and more)" : "");
	rg_meta_write(&d->l.m, &meta);
	notify("STATUS=plan rejected (%u so far): %s", meta.rejects, meta.last_error);
}

/* Reads, validates and installs the plan if its content changed (or force).
 * Returns 1 if a new plan went in, 0 if nothing changed or it was rejected.
 */
static int sync_plan(struct daemon *d, bool force)
{
	char *errors = NULL;
	size_t errlen = 0;
	struct rg_plan plan;
	struct rg_meta meta;
	FILE *ef;
	long long gen;
	int n, lock, r = 0;

	ef = open_memstream(&errors, &errlen);
	if (!ef)
		return -ENOMEM;
	n = rg_plan_load(d->o->plan_path, &plan, ef);
	fclose(ef);
	if (n > 0 && !force && d->rejected &&
	    !memcmp(d->rejected_sha, plan.sha256, sizeof(d->rejected_sha))) {
		free(errors);
		rg_plan_free(&plan);
		return 0;
	}
	d->rejected = n > 0;
	if (n > 0)
		memcpy(d->rejected_sha, plan.sha256, sizeof(d->rejected_sha));
	if (n != 0) {
		/* each error on its own line, FILE:LINE first */
		if (errlen)
			rg_err("%.*s", (int)(errors[errlen - 1] == '\n' ? errlen - 1 : errlen),
			       errors);
		logf_("plan %s rejected (%d error%s): the active plan stays", d->o->plan_path,
		      n < 0 ? 1 : n, n == 1 ? "" : "s");
		record_rejection(d, errors, n < 0 ? 1 : n);
		free(errors);
		rg_plan_free(&plan);
		return 0;
	}
	free(errors);
	if (!force && !rg_meta_read(&d->l.m, &meta) &&
	    !memcmp(meta.sha256, plan.sha256, sizeof(meta.sha256)) &&
	    !strcmp(meta.plan_path, d->o->plan_path)) {
		rg_plan_free(&plan);
		return 0;	/* touched, not changed */
	}
	lock = rg_state_lock(d->l.dir);
	gen = rg_install(&d->l.m, &plan, d->o->plan_path);
	if (lock >= 0)
		close(lock);
	if (gen < 0) {
		logf_("cannot install plan %s: %s (the active plan stays)", d->o->plan_path,
		      strerror((int)-gen));
	} else {
		logf_("plan %s installed: generation %lld, %d entries", d->o->plan_path, gen,
		      plan.nentries);
		notify("STATUS=plan generation %lld in force", gen);
		if (!d->o->nifs && wanted_ifaces(d, &plan) == 0)
			d->link_due = now_ms();
		r = 1;
	}
	rg_plan_free(&plan);
	return r;
}

static void reconcile(struct daemon *d)
{
	int lock = rg_state_lock(d->l.dir), n;

	n = rg_reconcile(&d->l, d->want, d->nwant, d->missing);
	if (lock >= 0)
		close(lock);
	if (n < 0)
		logf_("cannot attach: %s (will retry on the next link event)", strerror(-n));
}

/* --metrics: Prometheus scrapes GET /metrics (libmicrohttpd, its own thread;
 * map reads are syscalls, safe beside the main loop).
 */
static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
			     const char *method, const char *version, const char *upload,
			     size_t *upload_size, void **req)
{
	struct daemon *d = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	unsigned int code = MHD_HTTP_OK;
	FILE *f;

	if (strcmp(method, "GET"))
		return MHD_NO;
	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	if (strcmp(url, "/metrics")) {
		fprintf(f, "ringguard: metrics are at /metrics\n");
		code = MHD_HTTP_NOT_FOUND;
	} else if (rg_metrics(&d->l.m, f)) {
		fprintf(f, "cannot read the maps\n");
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	fclose(f);
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ADDR:PORT, [ADDR6]:PORT or PORT (then 127.0.0.1: metrics stay local
 * unless asked otherwise).
 */
static struct MHD_Daemon *start_metrics(struct daemon *d, const char *spec)
{
	struct sockaddr_storage ss = {};
	char host[128] = "127.0.0.1";
	const char *colon = strrchr(spec, ':');
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	long port;

	if (colon) {
		size_t n = colon - spec;

		if (spec[0] == '[' && n >= 2 && spec[n - 1] == ']')
			snprintf(host, sizeof(host), "%.*s", (int)(n - 2), spec + 1);
		else
			snprintf(host, sizeof(host), "%.*s", (int)n, spec);
	}
	port = strtol(colon ? colon + 1 : spec, NULL, 10);
	if (port <= 0 || port > 65535) {
		logf_("bad --metrics '%s': use ADDR:PORT or PORT", spec);
		return NULL;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		flags |= MHD_USE_IPv6;
	} else if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	} else {
		logf_("bad --metrics address '%s': give an IP address", host);
		return NULL;
	}
	return MHD_start_daemon(flags, port, NULL, NULL, serve, d, MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_END);
}

static int open_netlink(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Reads the plan directory's events: true when one of them completes a
 * change of the plan itself (a rename onto it, a write closed on it, a
 * ConfigMap's ..data swap). The file is whole then and is read at once;
 * other events (a ConfigMap's new directory, a removal) wait for the
 * debounce, which coalesces them.
 */
static bool plan_settled(int fd, const char *plan_path)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *name = strrchr(plan_path, '/') ? strrchr(plan_path, '/') + 1 : plan_path;
	const struct inotify_event *ev;
	bool settled = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p + sizeof(*ev) <= buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if ((ev->mask & (IN_MOVED_TO | IN_CLOSE_WRITE)) && ev->len &&
			    (!strcmp(ev->name, name) || !strcmp(ev->name, "..data")))
				settled = true;
		}
	return settled;
}

static void drain(int fd)
{
	char buf[16384];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* First start: attach from scratch; later starts adopt the pinned state
 * (maps, links, counters) and swap in this build's programs in place.
 */
static int start(struct daemon *d)
{
	bool existed = rg_state_exists(d->o->dir);
	struct rg_plan plan;
	int lock, err, n, entries = 0;

	if (d->o->nifs)
		wanted_ifaces(d, NULL);
	lock = rg_state_lock(d->o->dir);
	if (lock < 0) {
		logf_("cannot lock %s: %s", rg_state_display(d->o->dir), strerror(-lock));
		return lock;
	}
	if (!existed) {
		n = rg_plan_load(d->o->plan_path, &plan, stderr);
		/* validate everything before touching the kernel */
		if (n != 0) {
			logf_("plan %s invalid and nothing is attached yet: fix the plan, then "
			      "start again", d->o->plan_path);
			rg_plan_free(&plan);
			close(lock);
			rmdir(d->o->dir);
			return -EINVAL;
		}
		err = d->o->nifs ? 0 : wanted_ifaces(d, &plan);
		entries = plan.nentries;
		rg_plan_free(&plan);
		if (err) {
			close(lock);
			rmdir(d->o->dir);
			return err;
		}
	}
	err = rg_load(&d->l, d->o->dir, entries);
	if (err) {
		close(lock);
		return err;
	}
	d->l.want_xdp = d->o->want_xdp;
	d->l.want_tc = d->o->want_tc;
	if (existed) {
		struct rg_meta meta;
		__u32 mode = 0;

		rg_meta_read(&d->l.m, &meta);
		if (d->o->mode_given)
			rg_mode_write(&d->l.m, d->o->mode);
		rg_mode_read(&d->l.m, &mode);
		logf_("adopted pinned state in %s: plan generation %llu, %s mode",
		      rg_state_display(d->o->dir), (unsigned long long)meta.generation,
		      rg_mode_name(mode));
	} else {
		struct rg_meta meta = { .layout_version = RG_LAYOUT_VERSION };

		rg_meta_write(&d->l.m, &meta);
		rg_mode_write(&d->l.m, d->o->mode);
		logf_("attaching in %s mode", rg_mode_name(d->o->mode));
	}
	close(lock);

	/* a fresh state needs its first plan; an adopted one re-syncs so this
	 * build's trie layout is the one in use
	 */
	if (sync_plan(d, true) <= 0 && !existed) {
		rg_detach(d->o->dir);
		return -EINVAL;
	}
	if (existed && d->nwant == 0) {
		/* the plan on disk was rejected: keep the interfaces attached */
		FILE *null = fopen("/dev/null", "w");

		n = null ? rg_plan_load(d->o->plan_path, &plan, null) : -ENOMEM;
		if (null)
			fclose(null);
		if (n == 0)
			wanted_ifaces(d, &plan);
		rg_plan_free(&plan);
		if (n != 0) {
			logf_("keeping the interfaces attached as they are until a valid plan arrives");
			return 0;
		}
	}
	reconcile(d);
	return 0;
}

int rg_daemon(const struct rg_daemon_opts *o)
{
	struct daemon d = { .o = o };
	struct MHD_Daemon *mhd = NULL;
	struct pollfd pfd[3];
	sigset_t mask;
	int ifd, nlfd, sfd, err, wd;
	char *slash;

	snprintf(d.plan_dir, sizeof(d.plan_dir), "%s", o->plan_path);
	slash = strrchr(d.plan_dir, '/');
	if (slash)
		*(slash == d.plan_dir ? slash + 1 : slash) = '\0';
	else
		snprintf(d.plan_dir, sizeof(d.plan_dir), ".");

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	nlfd = open_netlink();
	if (sfd < 0 || ifd < 0 || nlfd < 0) {
		int err = -errno;

		logf_("cannot set up signal, inotify or netlink watches: %s", strerror(-err));
		return err;
	}
	/* the directory, not the file: renames and symlink swaps replace it;
	 * IN_CLOSE_WRITE, not IN_MODIFY, so a writer is done before we read
	 */
	wd = inotify_add_watch(ifd, d.plan_dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
			       IN_CREATE | IN_DELETE | IN_ATTRIB);
	if (wd < 0) {
		err = -errno;
		logf_("cannot watch %s: %s", d.plan_dir, strerror(errno));
		return err;
	}

	err = start(&d);
	if (err)
		return err;
	if (o->metrics) {
		mhd = start_metrics(&d, o->metrics);
		if (!mhd) {
			logf_("cannot serve metrics on %s (address in use?)", o->metrics);
			rg_loader_close(&d.l);
			return -EADDRINUSE;
		}
		logf_("metrics on http://%s/metrics", o->metrics);
	}
	notify("READY=1\nSTATUS=attached, watching %s", o->plan_path);
	logf_("watching %s and %d interface%s", o->plan_path, d.nwant, d.nwant == 1 ? "" : "s");

	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = ifd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = nlfd, .events = POLLIN };
	for (;;) {
		long long now = now_ms(), due = 0;
		int timeout = -1;

		if (d.plan_due && (!due || d.plan_due < due))
			due = d.plan_due;
		if (d.link_due && (!due || d.link_due < due))
			due = d.link_due;
		if (due)
			timeout = due > now ? (int)(due - now) : 0;
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR)
			break;

		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					logf_("SIGHUP: syncing the plan");
					notify("RELOADING=1");
					d.force_sync = true;
					d.plan_due = now_ms();
				} else {
					notify("STOPPING=1");
					if (mhd)
						MHD_stop_daemon(mhd);
					if (o->detach_on_exit) {
						rg_loader_close(&d.l);
						rg_detach(o->dir);
						logf_("exiting: detached (--detach-on-exit)");
					} else {
						rg_loader_close(&d.l);
						logf_("exiting: enforcement stays in place (pinned in %s)",
						      rg_state_display(o->dir));
					}
					return 0;
				}
			}
		}
		if (pfd[1].revents & POLLIN)
			d.plan_due = now_ms() + (plan_settled(ifd, o->plan_path) ? 0 :
						 PLAN_DEBOUNCE_MS);
		if (pfd[2].revents & POLLIN) {
			drain(nlfd);
			if (!d.link_due)
				d.link_due = now_ms() + LINK_DEBOUNCE_MS;
		}

		now = now_ms();
		if (d.plan_due && d.plan_due <= now) {
			d.plan_due = 0;
			sync_plan(&d, d.force_sync);
			if (d.force_sync)
				notify("READY=1");
			d.force_sync = false;
		}
		if (d.link_due && d.link_due <= now) {
			d.link_due = 0;
			reconcile(&d);
		}
	}
	return -errno;
}
