// SPDX-License-Identifier: GPL-2.0-only
/*
 * serve.c - what the daemon serves: the listener's pages (/metrics,
 * /healthz, /readyz, through http.c) and violations into the log.
 */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/libbpf.h>
#include "daemon/drift.h"
#include "report/events.h"
#include "kernel/fleet.h"
#include "lib/json.h"
#include "report/show.h"
#include "daemon/daemon_int.h"

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
	fprintf(f, "# HELP ringguard_hooks_in_place 1 while every hook the daemon reports is "
		"in place in the kernel, 0 while one is lost and could not be attached again\n"
		"# TYPE ringguard_hooks_in_place gauge\nringguard_hooks_in_place %d\n",
		atomic_load(&d->backed));
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
unsigned int serve_page(void *ctx, const char *url, FILE *f)
{
	struct daemon *d = ctx;
	long long stale = now_ms() - atomic_load(&d->alive_ms), since;

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
		/* alive, but its hooks are not what it reports and could not
		 * be put back: as systemd's watchdog, a restart makes it loud
		 */
		since = atomic_load(&d->unbacked_since);
		if (since && now_ms() - since > NOT_BACKED_MS) {
			fprintf(f, "not enforcing what it reports for %lld s (see its log and "
				"'ringguard status')\n", (now_ms() - since) / 1000);
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

int start_violation_log(struct daemon *d)
{
	if (!d->o->log_violations)
		return 0;
	d->mono_to_real = rg_mono_to_real();
	d->rb = ring_buffer__new(d->l.m.events, on_violation, d, NULL);
	if (!d->rb) {
		int err = -errno;

		rg_err("cannot open the event ring buffer: %s", strerror(errno));
		return err;
	}
	rg_info("logging violations (at most %d a second per bucket, as 'ringguard events')",
	     RG_EVENTS_PER_SEC);
	d->lease = rg_monotonic_ns() + RG_EVENTS_LEASE_S * 1000000000ull;
	return rg_events_lease(&d->l.m, d->lease);
}
