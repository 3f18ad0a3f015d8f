// SPDX-License-Identifier: GPL-2.0-only
/*
 * drift.c - the drift watch (drift.h): what a route, address or link event
 * touches, checked again; each check that starts or stops failing reported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "daemon/drift.h"
#include "kernel/netlink.h"
#include "lib/grow.h"
#include "plan/lpm.h"
#include "report/show.h"

/* One thing checked: a role interface (its link, ports, address and MTU
 * checks) or a planned prefix (its route check), with what failed at its
 * last check.
 */
struct subject {
	bool dirty;
	bool checked;		/* checked at least once */
	unsigned int oif;	/* a route: the link the last lookup left through */
	struct rg_check *fail;
	int nfail, capfail;
};

struct rg_drift {
	struct rg_plan plan;
	bool have_plan;
	struct rg_host_if ifs[RG_MAX_HOST_IFS];
	int nifs;
	struct rg_netstate ns;
	bool ns_stale;		/* links and addresses to read again */
	bool full;		/* everything at the next run */
	struct subject iface[RG_MAX_HOST_IFS];
	int *route;		/* entries with a route check, by first address */
	struct subject *rsub;	/* rsub[i]: route[i] */
	int nroute;
	int *pos;		/* pos[entry]: its place in route[], -1 if none */
	struct rg_plan_lpm lpm;	/* the plan's entries by CIDR */
	/* failures of subjects a new plan dropped: reported cleared at the
	 * next run
	 */
	struct rg_check *gone;
	int ngone, capgone;
	int ndirty;		/* subjects marked since the last run */
	int cursor;		/* where the next run goes on in route[] */
	bool in_full;		/* a full pass is under way */
	bool have_checked;	/* a pass has run since the watch began */
	struct rg_drift_stats st;
	const struct rg_check **failing;
	int nfailing, capfailing;
};

/* route lookups a run makes at most (about 25 ms); the rest waits for the
 * next run, which the caller makes at once (rg_drift_pending)
 */
#define RG_DRIFT_BUDGET		1000

static long long mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

struct rg_drift *rg_drift_new(void)
{
	struct rg_drift *d = calloc(1, sizeof(*d));

	if (d)
		d->full = true;
	return d;
}

static void subject_clear(struct subject *s)
{
	free(s->fail);
	memset(s, 0, sizeof(*s));
}

static void routes_free(struct rg_drift *d)
{
	for (int i = 0; i < d->nroute; i++)
		subject_clear(&d->rsub[i]);
	free(d->route);
	free(d->rsub);
	free(d->pos);
	rg_plan_lpm_free(&d->lpm);
	d->route = NULL;
	d->rsub = NULL;
	d->pos = NULL;
	d->nroute = 0;
}

void rg_drift_free(struct rg_drift *d)
{
	if (!d)
		return;
	routes_free(d);
	for (int i = 0; i < RG_MAX_HOST_IFS; i++)
		subject_clear(&d->iface[i]);
	if (d->have_plan)
		rg_plan_free(&d->plan);
	rg_netstate_free(&d->ns);
	free(d->failing);
	free(d->gone);
	free(d);
}

static int cmp_route(const void *a, const void *b, void *arg)
{
	const struct rg_plan *p = arg;

	return rg_cidr_cmp(&p->entries[*(const int *)a].cidr, &p->entries[*(const int *)b].cidr);
}

/* ---- what a check is, and what changed ----------------------------------- */

/* A failure is the same one while its subject fails the same check: a
 * route's by its prefix (it may move from one wrong link to another), an
 * interface's by the check and the interface it names.
 */
static bool same_failure(const struct rg_check *a, const struct rg_check *b)
{
	if (strcmp(a->check, b->check))
		return false;
	if (a->prefix[0] || b->prefix[0])
		return !strcmp(a->prefix, b->prefix);
	return !strcmp(a->ifname, b->ifname);
}

static const struct rg_check *find_failure(const struct rg_check *v, int n,
					   const struct rg_check *c)
{
	for (int i = 0; i < n; i++)
		if (same_failure(&v[i], c))
			return &v[i];
	return NULL;
}

/* The subject's new records: its failures replace the old ones, and what
 * started or stopped failing goes to fn.
 */
static int update(struct subject *s, const struct rg_check *v, int n, rg_drift_fn fn, void *arg)
{
	struct rg_check *now = NULL;
	int nnow = 0, cap = 0;

	for (int i = 0; i < n; i++) {
		if (v[i].level != RG_CHECK_FAIL)
			continue;
		if (RG_GROW(now, nnow, cap, 4)) {
			free(now);
			return -ENOMEM;
		}
		now[nnow++] = v[i];
	}
	for (int i = 0; i < nnow; i++) {
		const struct rg_check *was = find_failure(s->fail, s->nfail, &now[i]);

		now[i].since = was ? was->since : (uint64_t)time(NULL);
		if (fn && !was)
			fn(arg, &now[i], true);
	}
	for (int i = 0; i < s->nfail; i++)
		if (fn && !find_failure(now, nnow, &s->fail[i]))
			fn(arg, &s->fail[i], false);
	free(s->fail);
	s->fail = now;
	s->nfail = nnow;
	s->capfail = cap;
	s->dirty = false;
	s->checked = true;
	return 0;
}

/* ---- the plan ------------------------------------------------------------ */

static void mark_ifaces(struct rg_drift *d);

/* What a route check of e depends on besides the kernel: its name, the
 * roles it breaks, its zone.
 */
static bool same_rules(const struct rg_entry *a, const struct rg_entry *b)
{
	return a->breaks == b->breaks && a->kind == b->kind && !strcmp(a->name, b->name) &&
	       !strcmp(a->zone, b->zone);
}

/* A subject the new plan drops: what it failed is reported cleared. */
static int retire(struct rg_drift *d, struct subject *sub)
{
	for (int k = 0; k < sub->nfail; k++) {
		if (RG_GROW(d->gone, d->ngone, d->capgone, 16))
			return -ENOMEM;
		d->gone[d->ngone++] = sub->fail[k];
	}
	subject_clear(sub);
	return 0;
}

/* The place of the entry with CIDR c in route[] (by the new plan), or -1. */
static int find_route(const struct rg_plan *p, const int *route, int n, const struct rg_cidr *c)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (rg_cidr_cmp(&p->entries[route[mid]].cidr, c) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !rg_cidr_cmp(&p->entries[route[lo]].cidr, c) ? lo : -1;
}

int rg_drift_set(struct rg_drift *d, struct rg_plan *plan, const struct rg_host_if *ifs,
		 int nifs)
{
	struct subject iface[RG_MAX_HOST_IFS] = {};
	struct rg_plan_lpm lpm;
	int n = 0, *route, *pos, err;
	struct subject *rsub;
	bool same_ifs;

	if (nifs > RG_MAX_HOST_IFS)
		nifs = RG_MAX_HOST_IFS;
	route = malloc((plan->nentries + 1) * sizeof(*route));
	pos = malloc((plan->nentries + 1) * sizeof(*pos));
	rsub = calloc(plan->nentries + 1, sizeof(*rsub));
	err = route && pos && rsub ? rg_plan_lpm_build(&lpm, plan) : -ENOMEM;
	if (err) {
		free(route);
		free(pos);
		free(rsub);
		return err;
	}
	for (int i = 0; i < plan->nentries; i++)
		if (rg_check_route_wanted(&plan->entries[i]))
			route[n++] = i;
	qsort_r(route, n, sizeof(*route), cmp_route, plan);
	for (int i = 0; i < plan->nentries; i++)
		pos[i] = -1;
	for (int i = 0; i < n; i++)
		pos[route[i]] = i;

	/* a prefix or an interface both plans have keeps what it failed, so
	 * only real changes are reported; the rest retires
	 */
	for (int i = 0; i < d->nroute; i++) {
		const struct rg_entry *was = &d->plan.entries[d->route[i]];
		int at = find_route(plan, route, n, &was->cidr);

		if (at >= 0) {
			rsub[at] = d->rsub[i];
			memset(&d->rsub[i], 0, sizeof(d->rsub[i]));
			/* the same verdict rules, the same lookup: no new check */
			rsub[at].dirty |= !same_rules(was, &plan->entries[route[at]]);
		} else if (retire(d, &d->rsub[i])) {
			err = -ENOMEM;
		}
	}
	for (int i = 0; i < n; i++)
		if (!rsub[i].checked)
			rsub[i].dirty = true;	/* new to the watch */
	for (int i = 0; i < d->nifs; i++) {
		int at = -1;

		for (int k = 0; k < nifs && at < 0; k++)
			if (!strcmp(ifs[k].name, d->ifs[i].name) && ifs[k].role == d->ifs[i].role)
				at = k;
		if (at >= 0) {
			iface[at] = d->iface[i];
			memset(&d->iface[i], 0, sizeof(d->iface[i]));
		} else if (retire(d, &d->iface[i])) {
			err = -ENOMEM;
		}
	}
	same_ifs = nifs == d->nifs;
	for (int i = 0; i < nifs && same_ifs; i++)
		same_ifs = !strcmp(ifs[i].name, d->ifs[i].name) && ifs[i].role == d->ifs[i].role;
	routes_free(d);
	if (d->have_plan)
		rg_plan_free(&d->plan);
	d->plan = *plan;
	memset(plan, 0, sizeof(*plan));
	d->have_plan = true;
	lpm.plan = &d->plan;
	d->lpm = lpm;
	d->route = route;
	d->rsub = rsub;
	d->pos = pos;
	d->nroute = n;
	memcpy(d->iface, iface, sizeof(iface));
	memcpy(d->ifs, ifs, nifs * sizeof(*ifs));
	d->nifs = nifs;
	rg_netstate_new_plan(&d->ns);
	d->ndirty = 0;
	for (int i = 0; i < n; i++)
		d->ndirty += d->rsub[i].dirty;
	/* other interfaces or roles change every verdict; else only the
	 * prefixes the plan changed are looked up again (an edit of a large
	 * plan costs a few lookups, not a pass)
	 */
	if (!d->have_checked || !same_ifs)
		rg_drift_full(d, false);
	else
		mark_ifaces(d);
	return err;
}

/* ---- marking --------------------------------------------------------------- */

static void mark(struct rg_drift *d, struct subject *s)
{
	if (!s->dirty) {
		s->dirty = true;
		d->ndirty++;
	}
}

static void mark_ifaces(struct rg_drift *d)
{
	for (int i = 0; i < d->nifs; i++)
		mark(d, &d->iface[i]);
	d->ns_stale = true;
}

static void mark_oif(struct rg_drift *d, unsigned int ifindex)
{
	for (int i = 0; i < d->nroute; i++)
		if (d->rsub[i].oif == ifindex)
			mark(d, &d->rsub[i]);
}

/* The planned prefixes whose route lookup a route for c may change: those
 * inside c, and those whose looked-up address (hostcheck's representative:
 * the first address + 1) lies in c.
 */
static void mark_cidr(struct rg_drift *d, const struct rg_cidr *c)
{
	const struct rg_entry *en = d->plan.entries;
	u128 first = to_u128(c->addr), last = first | host_mask(c->len);
	int lo = 0, hi = d->nroute;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (to_u128(en[d->route[mid]].cidr.addr) < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo; i < d->nroute && to_u128(en[d->route[i]].cidr.addr) <= last; i++)
		if (en[d->route[i]].cidr.v4 == c->v4)
			mark(d, &d->rsub[i]);
	/* the wider prefixes around c, one probe per length the plan has */
	for (int len = c->len - 1; len >= (c->v4 ? 96 : 0); len--) {
		int e = rg_plan_lpm_exact(&d->lpm, c->addr, len, c->v4), at;
		u128 rep;

		if (e < 0 || (at = d->pos[e]) < 0)
			continue;
		rep = to_u128(en[e].cidr.addr) + (len >= 127 ? 0 : 1);
		if (rep >= first && rep <= last)
			mark(d, &d->rsub[at]);
	}
}

static int route_attrs_dst(const struct nlmsghdr *nlh, struct rg_cidr *c)
{
	const struct nlattr *tb[RTA_MAX + 1] = {};
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	int family = rtm->rtm_family;

	if (family != AF_INET && family != AF_INET6)
		return -1;
	if (rg_nl_attrs(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return -1;
	memset(c, 0, sizeof(*c));
	if (tb[RTA_DST]) {
		if (!rg_nl_addr(tb[RTA_DST], family, c))
			return -1;
	} else if (family == AF_INET) {
		static const uint8_t any[4];

		rg_cidr_set_v4(c, any);
	}
	c->len = rtm->rtm_dst_len + (family == AF_INET ? 96 : 0);
	if (c->len > 128)
		return -1;
	/* the kernel keeps the destination masked; a stray host bit would
	 * only widen what is marked
	 */
	return 0;
}

void rg_drift_on_msg(struct rg_drift *d, const struct nlmsghdr *nlh)
{
	struct rg_cidr c;

	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg) ||
		    route_attrs_dst(nlh, &c))
			return;
		mark_cidr(d, &c);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifaddrmsg))
			return;
		mark_ifaces(d);
		/* the source a route picks may change with the addresses */
		mark_oif(d, ((const struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_index);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
			return;
		mark_ifaces(d);
		mark_oif(d, ((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index);
		break;
	default:
		return;
	}
	d->st.events++;
}

void rg_drift_full(struct rg_drift *d, bool overrun)
{
	d->full = true;
	if (overrun)
		d->st.overruns++;
}

bool rg_drift_pending(const struct rg_drift *d)
{
	return d->have_plan && (d->full || d->ndirty);
}

/* ---- running ---------------------------------------------------------------- */

static int check_iface(struct rg_drift *d, int i, rg_drift_fn fn, void *arg)
{
	struct rg_checks r = {};
	int err = rg_check_iface(&r, &d->ns, &d->plan, d->ifs, d->nifs, i);

	if (!err)
		err = update(&d->iface[i], r.v, r.n, fn, arg);
	d->st.checks += r.n;
	rg_checks_free(&r);
	return err;
}

/* A lookup the kernel answers with an error of its own (a link down under
 * the route, say) is that prefix's problem alone: counted, its last result
 * kept, and looked up again at the next mark or full pass; the pass goes
 * on. Only running out of memory stops it.
 */
static int check_route(struct rg_drift *d, int i, rg_drift_fn fn, void *arg)
{
	struct rg_checks r = {};
	unsigned int oif;
	int err = rg_check_route(&r, &d->ns, &d->plan, d->ifs, d->nifs,
				 &d->plan.entries[d->route[i]], &oif);

	if (!err) {
		d->rsub[i].oif = oif;
		err = update(&d->rsub[i], r.v, r.n, fn, arg);
	} else if (err != -ENOMEM) {
		d->st.lookup_errors++;
		d->st.last_lookup_error = err;
		d->rsub[i].dirty = false;
		err = 0;
	}
	d->st.checks += r.n;
	rg_checks_free(&r);
	return err;
}

static int collect_failing(struct rg_drift *d)
{
	d->nfailing = 0;
	for (int i = 0; i < d->nifs; i++)
		for (int k = 0; k < d->iface[i].nfail; k++) {
			if (RG_GROW(d->failing, d->nfailing, d->capfailing, 16))
				return -ENOMEM;
			d->failing[d->nfailing++] = &d->iface[i].fail[k];
		}
	for (int i = 0; i < d->nroute; i++)
		for (int k = 0; k < d->rsub[i].nfail; k++) {
			if (RG_GROW(d->failing, d->nfailing, d->capfailing, 16))
				return -ENOMEM;
			d->failing[d->nfailing++] = &d->rsub[i].fail[k];
		}
	d->st.failing = d->nfailing;
	return 0;
}

int rg_drift_run(struct rg_drift *d, rg_drift_fn fn, void *arg)
{
	long long t0 = mono_us();
	int err = 0, budget = RG_DRIFT_BUDGET;

	if (!d->have_plan)
		return 0;
	for (int i = 0; i < d->ngone && fn; i++)
		fn(arg, &d->gone[i], false);
	d->ngone = 0;
	if (d->full) {
		for (int i = 0; i < d->nifs; i++)
			d->iface[i].dirty = true;
		for (int i = 0; i < d->nroute; i++)
			d->rsub[i].dirty = true;
		d->ndirty = d->nifs + d->nroute;
		d->ns_stale = true;
		d->full = false;
		d->in_full = true;
		d->cursor = 0;
	}
	if (d->ns_stale || !d->ns.nl.sk) {
		err = rg_netstate_read(&d->ns);
		if (err)
			goto out;
		d->ns_stale = false;
	}
	for (int i = 0; i < d->nifs && !err; i++)
		if (d->iface[i].dirty)
			err = check_iface(d, i, fn, arg);
	/* routes a slice at a time from where the last run stopped: a full
	 * pass over a large plan does not hold the daemon's loop
	 */
	for (; d->cursor < d->nroute && budget > 0 && !err; d->cursor++)
		if (d->rsub[d->cursor].dirty) {
			err = check_route(d, d->cursor, fn, arg);
			budget--;
		}
	if (!err && d->cursor >= d->nroute) {
		d->cursor = 0;
		/* marks made behind the cursor during the slices */
		for (int i = 0; i < d->nroute && budget > 0 && !err; i++)
			if (d->rsub[i].dirty) {
				err = check_route(d, i, fn, arg);
				budget--;
			}
	}
	/* whatever happened, the list of failures is rebuilt from what the
	 * subjects hold now: never pointers into arrays a check replaced
	 */
	if (collect_failing(d) && !err)
		err = -ENOMEM;
out:
	if (err) {
		/* the marks stay: the next run tries again, everything */
		d->st.errors++;
		d->full = true;
	} else if (budget > 0) {
		/* all done */
		d->ndirty = 0;
		d->cursor = 0;
		d->have_checked = true;
		if (d->in_full) {
			d->in_full = false;
			d->st.full_passes++;
			d->st.last_full_ms = t0 / 1000;
		}
	}
	d->st.last_run_us = mono_us() - t0;
	return err;
}

int rg_drift_failing(const struct rg_drift *d, const struct rg_check ***v)
{
	*v = d->failing;
	return d->nfailing;
}

void rg_drift_stats(const struct rg_drift *d, struct rg_drift_stats *s)
{
	*s = d->st;
}

/* ---- what it shows ---------------------------------------------------------- */

static void label(FILE *f, const char *name, const char *v, size_t max, bool more)
{
	fprintf(f, "%s=\"", name);
	rg_prom_value(f, v, max);
	fputs(more ? "\"," : "\"", f);
}

void rg_drift_metrics(const struct rg_drift *d, FILE *f)
{
	const struct rg_drift_stats *st = &d->st;

	fprintf(f, "# HELP ringguard_drift_failing 1 for each check of the host against the "
		"plan (verify's: route, address, mtu, link, port) that fails now\n"
		"# TYPE ringguard_drift_failing gauge\n");
	for (int i = 0; i < d->nfailing; i++) {
		const struct rg_check *c = d->failing[i];

		fputs("ringguard_drift_failing{", f);
		label(f, "check", c->check, 32, true);
		label(f, "prefix", c->prefix, sizeof(c->prefix), true);
		label(f, "name", c->name, sizeof(c->name), true);
		label(f, "interface", c->ifname, sizeof(c->ifname), true);
		label(f, "role", rg_role_name(c->role), 16, false);
		fputs("} 1\n", f);
	}
	fprintf(f, "# HELP ringguard_drift_failing_checks Checks of the host against the plan "
		"failing now\n# TYPE ringguard_drift_failing_checks gauge\n"
		"ringguard_drift_failing_checks %d\n", d->nfailing);
	fprintf(f, "# HELP ringguard_drift_checks_total Host checks the drift watch ran\n"
		"# TYPE ringguard_drift_checks_total counter\nringguard_drift_checks_total %llu\n",
		(unsigned long long)st->checks);
	fprintf(f, "# HELP ringguard_drift_full_passes_total Full passes of the drift watch\n"
		"# TYPE ringguard_drift_full_passes_total counter\n"
		"ringguard_drift_full_passes_total %llu\n", (unsigned long long)st->full_passes);
	fprintf(f, "# HELP ringguard_drift_overruns_total Netlink overruns (events lost), each "
		"followed by a full pass\n# TYPE ringguard_drift_overruns_total counter\n"
		"ringguard_drift_overruns_total %llu\n", (unsigned long long)st->overruns);
	fprintf(f, "# HELP ringguard_drift_lookup_errors_total Route lookups of planned prefixes "
		"the kernel answered with an error (the prefix is looked up again later)\n"
		"# TYPE ringguard_drift_lookup_errors_total counter\n"
		"ringguard_drift_lookup_errors_total %llu\n", (unsigned long long)st->lookup_errors);
	fprintf(f, "# HELP ringguard_drift_errors_total Drift passes that could not read the "
		"kernel's routes, addresses or links\n# TYPE ringguard_drift_errors_total counter\n"
		"ringguard_drift_errors_total %llu\n", (unsigned long long)st->errors);
}

void rg_drift_pinned(const struct rg_drift *d, struct rg_drift_head *head,
		     struct rg_drift_rec *recs)
{
	memset(head, 0, sizeof(*head));
	head->checks = d->st.checks;
	head->full_passes = d->st.full_passes;
	head->overruns = d->st.overruns;
	head->errors = d->st.errors;
	head->failing = d->nfailing;
	head->listed = d->nfailing < RG_DRIFT_MAX ? d->nfailing : RG_DRIFT_MAX;
	for (uint32_t i = 0; i < head->listed; i++) {
		const struct rg_check *c = d->failing[i];
		struct rg_drift_rec *r = &recs[i];

		memset(r, 0, sizeof(*r));
		r->since = c->since;
		r->role = c->role;
		snprintf(r->check, sizeof(r->check), "%s", c->check);
		snprintf(r->ifname, sizeof(r->ifname), "%s", c->ifname);
		snprintf(r->prefix, sizeof(r->prefix), "%s", c->prefix);
		snprintf(r->name, sizeof(r->name), "%s", c->name);
		snprintf(r->detail, sizeof(r->detail), "%s", c->detail);
	}
}
