// SPDX-License-Identifier: GPL-2.0-only
/*
 * sync.c - the plan into the kernel: read, validate, install, follow.
 * A plan file that changed is read (regular files only, lib/file.c), checked,
 * and put in force as an edit of the live tries (live.c) when it can be, else
 * as a whole atomic install (kernel/install.c); a plan that fails validation
 * is logged with its FILE:LINE errors and counted, and the last good plan
 * stays. The interfaces follow the roles (rg_reconcile).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <nettle/sha2.h>
#include <string.h>
#include "kernel/head.h"
#include "kernel/fleet.h"
#include "daemon/live.h"
#include "daemon/daemon_int.h"

/* --- the plan -------------------------------------------------------------- */

/* Interfaces to enforce on: given on the command line, else the plan's
 * host line (so a plan edit can move roles too).
 */
int wanted_ifaces(struct daemon *d, const struct rg_plan *plan)
{
	const struct rg_host *h;

	if (d->o->nifs) {
		memcpy(d->want, d->o->ifs, d->o->nifs * sizeof(d->want[0]));
		d->nwant = d->o->nifs;
		return 0;
	}
	h = rg_plan_host(plan, d->o->host);
	if (!h) {
		rg_err("the plan has no host line for '%s': add 'host %s mesh IF... "
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
 * (len bytes), and its errors held in errors (a log capture: free it). 0,
 * or the number of errors (or -errno).
 */
int read_plan(struct daemon *d, struct rg_plan *plan, char **text, size_t *len,
	      struct rg_log_capture *errors)
{
	int n = 0;

	memset(plan, 0, sizeof(*plan));
	rg_log_capture_begin(errors);
	if (!*text)
		n = rg_plan_read(d->o->plan_path, text, len);
	if (!n)
		n = rg_plan_parse(*text, *len, d->o->plan_path, plan);
	rg_log_capture_end(errors);
	return n;
}

/* The plan file's text, its errors not logged (the sync that reads it for
 * good logs them): 0 or as rg_plan_read.
 */
int read_plan_quietly(struct daemon *d, char **text, size_t *len)
{
	struct rg_log_capture quiet;
	int n;

	rg_log_capture_begin(&quiet);
	n = rg_plan_read(d->o->plan_path, text, len);
	rg_log_capture_free(&quiet);
	return n;
}

/* The first error, as status shows it: FILE:LINE: message (and more). */
static void first_error(const struct rg_log_capture *errors, int n, char *buf, size_t len)
{
	const struct rg_log_rec *r = errors ? rg_log_first(errors, RG_LOG_ERROR) : NULL;
	const char *more = n > 1 ? " (and more)" : "";

	if (!r)	/* valid, but the kernel did not take it */
		snprintf(buf, len, "%s", "the plan could not be installed (see the log)");
	else if (r->file && r->line)
		snprintf(buf, len, "%s:%d: %s%s", r->file, r->line, r->msg, more);
	else if (r->file)
		snprintf(buf, len, "%s: %s%s", r->file, r->msg, more);
	else
		snprintf(buf, len, "%s%s", r->msg, more);
}

static void record_sync(struct daemon *d, bool ok, const struct rg_log_capture *errors, int n)
{
	struct locked_state p;

	if (state_begin(d, &p))
		return;
	p.meta.last_sync_ok = ok;
	p.meta.last_sync_at = time(NULL);
	if (!ok) {
		p.meta.rejects++;
		p.meta.rejected_at = time(NULL);
		memset(p.meta.last_error, 0, sizeof(p.meta.last_error));
		first_error(errors, n, p.meta.last_error, sizeof(p.meta.last_error));
		notify("STATUS=plan rejected (%u so far): %s", p.meta.rejects, p.meta.last_error);
	}
	state_commit(d, &p, false, true);
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
		rg_err("cannot probe the plan's lifelines: %s (the daemon needs "
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
	rg_info("plan %s installed: generation %lld, %d entries (%d added, %d removed, "
	     "%d changed)", d->o->plan_path, gen, delta.nentries, delta.nfresh, delta.nretired,
	     delta.nkept - 1);
	notify("STATUS=plan generation %lld in force", gen);
	record_sync(d, true, NULL, 0);
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
	struct rg_log_capture errors;
	char *text = NULL;
	__u32 *ids = NULL;
	long long gen;
	size_t len = 0;
	int n, lock, r = 0;

	/* one read of the file: an edit when it can be, else the whole file
	 * (a read error is reported by read_plan's second try)
	 */
	if (!force) {
		if (!read_plan_quietly(d, &text, &len)) {
			disk_sha(d, text, len);
			r = sync_edit(d, text, len);
			if (r != -EAGAIN) {
				if (r != 1)
					free(text);
				return r;
			}
		}
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
			rg_warn("cannot read plan %s: %s: retrying every second (the active "
			     "plan stays)", d->o->plan_path, strerror(-n));
		d->read_retry = true;
		d->plan_due = now_ms() + READ_RETRY_MS;
		rg_log_capture_free(&errors);
		free(text);
		rg_plan_free(&plan);
		return 0;
	}
	if (d->read_retry)
		rg_info("plan %s readable again", d->o->plan_path);
	d->read_retry = false;
	if (n > 0 && !force && d->rejected_valid && !memcmp(d->rejected_sha, plan.sha256, 32)) {
		/* the same bad plan read again (a writer still busy beside
		 * it): one rejection, not two
		 */
		rg_info("plan %s unchanged since it was rejected: the active plan stays",
		     d->o->plan_path);
		rg_log_capture_free(&errors);
		free(text);
		rg_plan_free(&plan);
		return 0;
	}
	d->rejected_valid = n > 0;
	if (n > 0)
		memcpy(d->rejected_sha, plan.sha256, 32);
	if (n != 0) {
		/* each error a line of its own, FILE:LINE first (JSON: fields) */
		record_sync(d, false, &errors, n < 0 ? 1 : n);
		rg_log_replay(&errors);
		rg_err("plan %s rejected (%d error%s): the active plan stays",
		     d->o->plan_path, n < 0 ? 1 : n, n == 1 ? "" : "s");
		rg_log_capture_free(&errors);
		free(text);
		rg_plan_free(&plan);
		return 0;
	}
	rg_log_capture_free(&errors);
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
		rg_warn("cannot keep the plan in memory: every change installs the whole "
		     "file");
	if (gen < 0)
		rg_live_drop(d->live);
	free(ids);
	free(text);
	if (gen < 0) {
		d->rearm = false;
		rg_err("cannot install plan %s: %s (the active plan stays)", d->o->plan_path,
		     strerror((int)-gen));
		if (lock < 0)
			d->plan_due = now_ms() + TICK_MS;	/* again, once the lock can be had */
	} else {
		rg_info("plan %s installed: generation %lld, %d entries", d->o->plan_path, gen,
		     plan.nentries);
		notify("STATUS=plan generation %lld in force", gen);
		if (!d->o->nifs && wanted_ifaces(d, &plan) == 0)
			d->link_due = now_ms();
		drift_plan(d, &plan);
		r = 1;
	}
	record_sync(d, gen >= 0, NULL, 0);
	rg_plan_free(&plan);
	return r;
}

/* sync_plan_file, noting what is on disk for the periodic checks. */
int sync_plan(struct daemon *d, bool force)
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
void check_plan_file(struct daemon *d)
{
	long long now = now_ms();
	__u8 was[32];
	bool known = d->disk_read;
	char *text = NULL;
	size_t len;

	note_disk(d);
	if (d->plan_due)
		return;
	if (rg_planwatch_check(&d->pw)) {
		rg_info("plan %s changed where no watch saw it: reading it again",
		     d->o->plan_path);
		d->plan_due = now;
		return;
	}
	if (now < d->hash_due)
		return;
	d->hash_due = now + HASH_CHECK_MS;
	memcpy(was, d->disk_sha, sizeof(was));
	if (!read_plan_quietly(d, &text, &len)) {
		disk_sha(d, text, len);
		if (!known || memcmp(was, d->disk_sha, sizeof(was))) {
			rg_warn("plan %s is not the file last read, and no change was seen: "
			     "reading it again", d->o->plan_path);
			d->plan_due = now;
		}
		note_disk(d);
	}
	free(text);
}

void reconcile(struct daemon *d)
{
	int lock = rg_state_lock(d->l.dir), n;

	if (lock < 0) {
		rg_err("cannot lock %s: %s (the interfaces are reconciled again in a second)",
		     rg_state_display(d->l.dir), strerror(-lock));
		d->link_due = now_ms() + TICK_MS;
		return;
	}
	n = rg_reconcile(&d->l, d->want, d->nwant, d->missing);
	close(lock);
	if (n < 0)
		rg_err("cannot attach: %s (will retry on the next link event)", strerror(-n));
	/* a link event may come with a program put before ringguard's */
	if (rg_head_hold(&d->l) > 0)
		d->link_due = now_ms();
}
