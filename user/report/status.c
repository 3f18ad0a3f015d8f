// SPDX-License-Identifier: GPL-2.0-only
/*
 * status.c - `ringguard status`: mode, plan, interfaces and their hooks,
 * coverage, the drift list; text for people, -j JSON.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report/events.h"
#include "kernel/head.h"
#include "kernel/hook.h"
#include "report/snapshot.h"

static const char *mode_note(const struct rg_mode_view *v)
{
	if (v->override)
		return "an override by 'ringguard mode' holds";
	if (v->reverted)
		return "reverted to monitor until the plan changes";
	if (!v->known)
		return "no declaration applied yet";
	return v->effective == v->declared ? "as the plan declares" : "switching";
}

/* The daemon's drift watch, as it last published it (rg_drift). */
static struct rg_drift_rec drift_recs[RG_DRIFT_MAX];

static int drift_take(const struct rg_maps *m, struct rg_drift_head *h)
{
	return rg_drift_read(m, h, drift_recs, RG_DRIFT_MAX);
}

static void drift_json(struct rg_json *j, const struct rg_maps *m)
{
	struct rg_drift_head h;
	char at[64];
	time_t t;

	if (drift_take(m, &h) || !h.updated_at) {
		rg_json_null(j, "drift");
		return;
	}
	rg_json_obj(j, "drift");
	rg_json_bool(j, "watched", h.watcher != 0);
	t = h.updated_at;
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	rg_json_str(j, "checked_at", at);
	rg_json_int(j, "failing", h.failing);
	rg_json_arr(j, "checks");
	for (__u32 i = 0; i < h.listed; i++) {
		const struct rg_drift_rec *r = &drift_recs[i];

		rg_json_obj(j, NULL);
		rg_json_strn(j, "check", r->check, sizeof(r->check));
		rg_json_strn(j, "interface", r->ifname, sizeof(r->ifname));
		rg_json_str(j, "role", rg_role_name(r->role));
		if (r->prefix[0]) {
			rg_json_strn(j, "prefix", r->prefix, sizeof(r->prefix));
			rg_json_strn(j, "name", r->name, sizeof(r->name));
		}
		rg_json_strn(j, "detail", r->detail, sizeof(r->detail));
		t = r->since;
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		rg_json_str(j, "since", at);
		rg_json_end(j);
	}
	rg_json_end(j);
	rg_json_end(j);
}

static void drift_text(const struct rg_maps *m)
{
	struct rg_drift_head h;
	char at[64];
	time_t t;

	if (drift_take(m, &h) || !h.updated_at)
		return;
	t = h.updated_at;
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (!h.watcher)
		printf("drift       not watched (no daemon); at %s %u check%s failed\n", at,
		       h.failing, h.failing == 1 ? "" : "s");
	else if (!h.failing)
		printf("drift       none: routes, addresses and MTUs match the plan (checked %s)\n",
		       at);
	else
		printf("drift       %u check%s failing (checked %s):\n", h.failing,
		       h.failing == 1 ? "" : "s", at);
	for (__u32 i = 0; i < h.listed && h.watcher; i++) {
		const struct rg_drift_rec *r = &drift_recs[i];

		if (r->prefix[0])
			printf("              %s %s %s: %s\n", r->check, r->prefix, r->name, r->detail);
		else
			printf("              %s: %s\n", r->check, r->detail);
	}
	if (h.listed < h.failing && h.watcher)
		printf("              ... and %u more (the daemon's /metrics lists them all)\n",
		       h.failing - h.listed);
}

/* "tcx", or what keeps ringguard from running first there */
static const char *tc_name(const struct iface_row *r)
{
	if (r->ifc.tc_kind != RG_TC_TCX || !displaced(r))
		return rg_tc_kind_name(r->ifc.tc_kind);
	for (int d = 0; d < RG_DIR_MAX; d++)
		if (r->head[d].state == RG_HEAD_MISSING)
			return "tcx-MISSING";
	return "tcx-DISPLACED";
}

static void head_note(const struct iface_row *r, char *note, size_t len)
{
	for (int d = 0; d < RG_DIR_MAX; d++) {
		const struct rg_head *h = &r->head[d];
		size_t at = strlen(note);

		if (h->state == RG_HEAD_DISPLACED)
			snprintf(note + at, len - at, "%sprogram %u (%s) runs before ringguard in "
				 "the tcx %s chain", at ? "; " : "", h->first_id, h->first_name,
				 d == RG_DIR_IN ? "ingress" : "egress");
		else if (h->state == RG_HEAD_MISSING)
			snprintf(note + at, len - at, "%sringguard is not in the tcx %s chain",
				 at ? "; " : "", d == RG_DIR_IN ? "ingress" : "egress");
	}
}

int rg_show_status(const struct rg_maps *m, const char *state_dir, bool json)
{
	/* why an interface's hook is lost ("" if it is not) */
	static char lost[RG_MAX_IFACES][256];
	const char *dir = rg_state_display(state_dir);
	struct snapshot s;
	char sha[65], when[64];
	long long deadline;
	bool in_ports = false;
	struct rg_uncovered *unc = NULL;
	int err, nunc, problems = 0, nlost = 0;
	time_t t;

	err = snapshot_take(m, &s, SNAP_STATE);
	if (err)
		return err;
	nunc = uncovered(m, &unc);
	problems = nunc > 0 ? nunc : 0;
	for (int i = 0; i < s.nifaces; i++)
		problems += s.ifaces[i].present && displaced(&s.ifaces[i]);
	for (int i = 0; i < s.nifaces; i++) {
		lost[i][0] = '\0';
		if (s.ifaces[i].present &&
		    rg_hooks_check(state_dir, s.ifaces[i].ifindex, &s.ifaces[i].ifc, lost[i],
				   sizeof(lost[i])))
			nlost++;
	}
	problems += nlost;
	/* seconds left on a pending --confirm-within, -1 if none */
	deadline = s.view.deadline_s;
	rg_sha256_hex(s.meta.sha256, sha);
	t = s.meta.installed_at;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));

	if (json) {
		struct rg_json j;
		char at[64];

		rg_json_init(&j, stdout);
		rg_json_obj(&j, NULL);
		rg_json_str(&j, "pin_dir", dir);
		rg_json_str(&j, "mode", rg_mode_name(s.mode));
		rg_json_str(&j, "declared_mode", rg_mode_name(s.view.declared));
		rg_json_bool(&j, "override", s.view.override);
		rg_json_bool(&j, "reverted", s.view.reverted);
		if (deadline < 0) {
			rg_json_null(&j, "confirm_deadline");
			rg_json_null(&j, "confirmed_by");
		} else {
			rg_json_int(&j, "confirm_deadline", deadline);
			rg_json_str(&j, "confirmed_by", s.view.daemon_window ? "daemon" : "person");
		}
		if (s.meta.reverts) {
			t = s.meta.reverted_at;
			strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
			rg_json_obj(&j, "last_revert");
			rg_json_int(&j, "count", s.meta.reverts);
			rg_json_str(&j, "at", at);
			rg_json_strn(&j, "reason", s.meta.revert_reason, sizeof(s.meta.revert_reason));
			rg_json_end(&j);
		} else {
			rg_json_null(&j, "last_revert");
		}
		t = s.meta.last_sync_at;
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		rg_json_obj(&j, "last_sync");
		rg_json_str(&j, "at", s.meta.last_sync_at ? at : NULL);
		rg_json_bool(&j, "ok", s.meta.last_sync_at ? s.meta.last_sync_ok : 1);
		rg_json_end(&j);
		rg_json_bool(&j, "events_listener", rg_events_lease_read(m) > rg_monotonic_ns());
		jplan(&j, &s.meta);
		rg_json_str(&j, "installed_at", when);
		rg_json_int(&j, "entries", s.meta.nentries);
		rg_json_int(&j, "layout_version", s.meta.layout_version);
		rg_json_int(&j, "rejects", s.meta.rejects);
		if (s.meta.rejects)
			rg_json_strn(&j, "last_error", s.meta.last_error, sizeof(s.meta.last_error));
		else
			rg_json_null(&j, "last_error");
		drift_json(&j, m);
		rg_json_arr(&j, "interfaces");
		for (int i = 0; i < s.nifaces; i++) {
			const struct iface_row *r = &s.ifaces[i];
			bool tc_in = r->ifc.xdp_kind == RG_XDP_TC, port = r->bridge[0] && in_ports;

			if (!port && in_ports) {
				rg_json_end(&j);	/* the bridge's ports */
				rg_json_end(&j);	/* the bridge */
				in_ports = false;
			}
			rg_json_obj(&j, NULL);
			rg_json_strn(&j, "name", r->ifc.name, sizeof(r->ifc.name));
			rg_json_int(&j, "ifindex", r->ifindex);
			rg_json_str(&j, "role", rg_role_name(r->ifc.role));
			rg_json_bool(&j, "present", r->present);
			rg_json_int(&j, "mtu", r->ifc.mtu);
			rg_json_str(&j, "ingress", tc_in ? "tc" : "xdp");
			rg_json_str(&j, "xdp", tc_in ? "none" : rg_xdp_kind_name(r->ifc.xdp_kind));
			if (tc_in && r->xdp_holder)
				rg_json_u64(&j, "xdp_held_by", r->xdp_holder);
			else
				rg_json_null(&j, "xdp_held_by");
			rg_json_str(&j, "tc", rg_tc_kind_name(r->ifc.tc_kind));
			if (r->ifc.tc_kind == RG_TC_TCX) {
				rg_json_obj(&j, "tcx_head");
				for (int d = RG_DIR_MAX - 1; d >= 0; d--) {
					const struct rg_head *h = &r->head[d];
					const char *k = d == RG_DIR_IN ? "in" : "out";

					if (h->state == RG_HEAD_NA) {
						rg_json_null(&j, k);
						continue;
					}
					rg_json_obj(&j, k);
					rg_json_str(&j, "state", rg_head_state_name(h->state));
					if (h->first_id) {
						rg_json_u64(&j, "first_id", h->first_id);
						rg_json_str(&j, "first_name", h->first_name);
					}
					rg_json_int(&j, "retakes", r->ifc.retakes[d]);
					rg_json_end(&j);
				}
				rg_json_end(&j);
			} else {
				rg_json_null(&j, "tcx_head");
			}
			if (r->present) {
				char why[256];

				rg_hook_note(r->ifc.name, r->ifc.xdp_kind, r->xdp_holder,
					     r->nports > 0, -1, 0, why, sizeof(why));
				rg_json_str(&j, "hook_reason", why);
			} else {
				rg_json_null(&j, "hook_reason");
			}
			rg_json_int(&j, "reattaches", r->ifc.reattaches);
			rg_json_bool(&j, "hooked", !lost[i][0]);
			rg_json_str(&j, "lost", lost[i][0] ? lost[i] : NULL);
			/* a bridge's ports sit under it, in "ports" */
			if (!port && r->nports) {
				rg_json_arr(&j, "ports");
				in_ports = true;
				continue;
			}
			rg_json_end(&j);
		}
		if (in_ports) {
			rg_json_end(&j);
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_arr(&j, "uncovered");
		for (int i = 0; i < nunc; i++) {
			rg_json_obj(&j, NULL);
			rg_json_str(&j, "name", unc[i].name);
			rg_json_str(&j, "bridge", unc[i].bridge);
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_int(&j, "problems", problems);
		rg_json_end(&j);
		free(unc);
		err = rg_json_finish(&j);
		return err ? err : problems > 0;
	}

	printf("pin dir     %s\n", dir);
	printf("mode        %s%s\n", rg_mode_name(s.mode),
	       s.mode == RG_MODE_MONITOR ? " (violations are counted, not dropped)" : "");
	printf("            declared %s in the plan for this host: %s\n",
	       rg_mode_name(s.view.declared), mode_note(&s.view));
	if (deadline >= 0)
		printf("            reverts to monitor in %lld s unless %s\n", (long long)deadline,
		       s.view.daemon_window ? "confirmed by the daemon (every lifeline that "
		       "answered before the switch still answers)" : "'ringguard mode confirm'");
	if (s.meta.reverts) {
		t = s.meta.reverted_at;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		printf("reverted    %u time%s, last at %s: %s\n", s.meta.reverts,
		       s.meta.reverts == 1 ? "" : "s", when, s.meta.revert_reason);
		t = s.meta.installed_at;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	}
	if (rg_events_lease_read(m) > rg_monotonic_ns())
		printf("events      a listener is attached ('ringguard events')\n");
	printf("plan        %s\n", s.meta.plan_path);
	printf("sha256      %s\n", sha);
	printf("generation  %llu, installed %s, %u entries\n",
	       (unsigned long long)s.meta.generation, when, s.meta.nentries);
	if (s.meta.rejects) {
		t = s.meta.rejected_at;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		printf("rejected    %u plan%s, last at %s: %s\n", s.meta.rejects,
		       s.meta.rejects == 1 ? "" : "s", when, s.meta.last_error);
	}
	drift_text(m);
	printf("\n%-16s %7s %-7s %6s %-12s %-14s %9s %s\n", "INTERFACE", "IFINDEX", "ROLE", "MTU",
	       "XDP", "TC", "REATTACH", "NOTE");
	for (int i = 0; i < s.nifaces; i++) {
		const struct iface_row *r = &s.ifaces[i];
		char note[320] = "", name[RG_IFNAME_LEN + 8];

		if (!r->present)
			snprintf(note, sizeof(note), "interface is gone: re-attach when it is back");
		else if (lost[i][0] || displaced(r)) {
			if (lost[i][0])
				snprintf(note, sizeof(note), "NOT ENFORCED: a hook is lost (below)");
			if (displaced(r)) {
				size_t at = strlen(note);

				if (at)
					snprintf(note + at, sizeof(note) - at, "; ");
				head_note(r, note + strlen(note), sizeof(note) - strlen(note));
			}
		} else
			rg_hook_note(r->ifc.name, r->ifc.xdp_kind, r->xdp_holder, r->nports > 0,
				     -1, 0, note, sizeof(note));
		if (r->nports)
			snprintf(note + strlen(note), sizeof(note) - strlen(note), "%sbridge: %d port%s",
				 note[0] ? "; " : "", r->nports, r->nports == 1 ? "" : "s");
		/* a bridge's ports are indented under it */
		snprintf(name, sizeof(name), "%s%s", r->bridge[0] ? "  " : "", r->ifc.name);
		printf("%-16s %7u %-7s %6u %-12s %-14s %9u %s\n", name, r->ifindex,
		       rg_role_name(r->ifc.role), r->ifc.mtu,
		       /* the hook lost, in its column (egress: TC; ingress: XDP) */
		       lost[i][0] && !strstr(lost[i], "egress") ? "LOST" :
		       r->ifc.xdp_kind == RG_XDP_TC ? "tc-ingress" : rg_xdp_kind_name(r->ifc.xdp_kind),
		       !displaced(r) && strstr(lost[i], "egress") ? "LOST" : tc_name(r),
		       r->ifc.reattaches, note);
	}
	if (nlost) {
		printf("\n");
		for (int i = 0; i < s.nifaces; i++)
			if (lost[i][0])
				printf("lost        %s\n", lost[i]);
		printf("            restart 'ringguard daemon' (it re-attaches), or 'ringguard "
		       "detach' and 'attach' again\n");
	}
	if (nunc > 0) {
		printf("\nNOT COVERED: %d port%s of bridges with a role (their frames are not "
		       "classified):\n", nunc, nunc == 1 ? "" : "s");
		for (int i = 0; i < nunc; i++)
			printf("  %-16s port of %s\n", unc[i].name, unc[i].bridge);
		printf("run 'ringguard daemon' to follow ports that join later; at the interface "
		       "limit (%d), move guests to another bridge\n", RG_MAX_IFACES);
	}
	if (problems)
		printf("\n%d problem%s: see %s above\n", problems, problems == 1 ? "" : "s",
		       nlost ? "lost, NOT COVERED and the TC column" : "NOT COVERED and the TC column");
	free(unc);
	return problems > 0;
}
