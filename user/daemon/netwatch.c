// SPDX-License-Identifier: GPL-2.0-only
/*
 * netwatch.c - the host as it changes: netlink events and the drift watch.
 * Link events reconcile the attached interfaces; route, address and link
 * events mark what the drift watch (drift.c) checks again, and its results go
 * to the log, the metrics and the pinned rg_drift list (status, events).
 */
#include <errno.h>
#include <stdlib.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include "daemon/drift.h"
#include "lib/json.h"
#include "daemon/daemon_int.h"

/* --- the drift watch (drift.c) ------------------------------------------ */

/* The plan just installed, and the interfaces it gives this host, to the
 * drift watch, which takes the plan over.
 */
void drift_plan(struct daemon *d, struct rg_plan *plan)
{
	int err;

	if (!d->drift)
		return;
	pthread_mutex_lock(&d->mu);
	err = rg_drift_set(d->drift, plan, d->want, d->nwant);
	pthread_mutex_unlock(&d->mu);
	if (err)
		rg_warn("drift watch: cannot take the new plan: %s", strerror(-err));
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
void drift_publish(struct daemon *d, bool changed, bool watching)
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
		rg_warn("drift watch: cannot publish for status: %s", strerror(-err));
}

void drift_pass(struct daemon *d)
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
		struct rg_log_capture quiet;
		struct rg_plan plan = {};
		size_t len = 0;
		char *text = NULL;
		int n = read_plan_quietly(d, &text, &len);

		if (!n) {
			rg_log_capture_begin(&quiet);
			n = rg_plan_parse(text, len, d->o->plan_path, &plan);
			rg_log_capture_free(&quiet);
		}
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
		rg_warn("drift watch: %llu route lookup%s failed (the last: %s); those prefixes "
		     "are looked up again at the next change or full pass",
		     (unsigned long long)(after.lookup_errors - before.lookup_errors),
		     after.lookup_errors - before.lookup_errors == 1 ? "" : "s",
		     strerror(-after.last_lookup_error));
	if (err) {
		rg_warn("drift watch: cannot read routes, addresses or links: %s (a full pass "
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
void on_netlink(struct daemon *d)
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
		rg_warn("netlink overrun: events were lost; links and the drift checks are "
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
