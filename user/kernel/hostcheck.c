// SPDX-License-Identifier: GPL-2.0-only
/*
 * hostcheck.c - the live host against the plan (hostcheck.h): the checks
 * `verify` runs and the daemon's drift watch repeats. What they read of
 * the host (links, addresses, a route lookup) is netstate.c's. Reads
 * kernel state only.
 */
#include <stdarg.h>
#include <net/if.h>		/* before linux/if.h, which then defers to it */
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include "kernel/attach.h"
#include "kernel/hostcheck.h"
#include "lib/grow.h"

/*
 * The plan's MTUs: mesh 9000 (the plan allows 8950-9000), egress 1500.
 *
 * This belongs in the plan file: the plan document states the MTU per zone
 * ("fc00::/8 ... MTU 8950-9000", "fd00::/8 ... MTU 1500"), but the plan
 * format has no MTU yet. Until plan.c parses a `zone NAME ROLE CIDR...
 * mtu LOW[-HIGH]` field, the document's numbers live here, per role.
 */
static const struct {
	uint32_t role;
	uint32_t lo, hi;
} plan_mtu[] = {
	{ RG_ROLE_MESH, 8950, 9000 },
	{ RG_ROLE_EGRESS, 1500, 1500 },
};

/* ---- the report ---------------------------------------------------------- */

/* ---- the records ----------------------------------------------------------- */

static struct rg_check *report_add(struct rg_checks *r, enum rg_check_level level, const char *check,
				 const char *ifname)
{
	struct rg_check *c;

	if (RG_GROW(r->v, r->n, r->cap, 16))
		return NULL;
	c = &r->v[r->n++];
	memset(c, 0, sizeof(*c));
	c->level = level;
	c->check = check;
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname ? ifname : "");
	return c;
}

static int addcheck(struct rg_checks *r, enum rg_check_level level, const char *check,
		    const char *ifname, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int addcheck(struct rg_checks *r, enum rg_check_level level, const char *check,
		    const char *ifname, const char *fmt, ...)
{
	struct rg_check *c = report_add(r, level, check, ifname);
	va_list ap;

	if (!c)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return 0;
}

/* Appends to a bounded string buffer; silently stops at its end. */
static void cat(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* ---- the plan side -------------------------------------------------------- */

/* The most specific entry containing a: its compiled breaks say on which
 * roles a breaks the plan (see plan.c), inherited allows included.
 */
/* The most specific entry containing a, as the datapath finds it: its
 * compiled breaks say on which roles a breaks the plan (see plan.c),
 * inherited allows included.
 */
static const struct rg_entry *plan_match(const struct rg_netstate *lv, const struct rg_plan *p,
					 const uint8_t a[16])
{
	int i;

	if (!lv->lpm || lv->lpm->plan != p || lv->lpm_entries != p->entries) {
		if (lv->lpm)
			rg_plan_lpm_free(lv->lpm);
		if (!lv->lpm || rg_plan_lpm_build(lv->lpm, p))
			return NULL;
		((struct rg_netstate *)lv)->lpm_entries = p->entries;
	}
	i = rg_plan_lpm_find(lv->lpm, a, rg_addr_is_v4(a));
	return i < 0 ? NULL : &p->entries[i];
}

/* The zone a lies in: the zone of its most specific entry (zones do not
 * overlap, so a wider prefix around a zone is never the answer).
 */
static const struct rg_entry *plan_zone(const struct rg_netstate *lv, const struct rg_plan *p,
					const uint8_t a[16])
{
	const struct rg_entry *m = plan_match(lv, p, a);

	return m && m->lin.zone >= 0 ? &p->entries[m->lin.zone] : NULL;
}

/* The outermost prefix containing a that allows role: names the exception. */
static const struct rg_entry *plan_allower(const struct rg_plan *p, const uint8_t a[16],
					   uint32_t role)
{
	const struct rg_entry *best = NULL;

	for (int i = 0; i < p->nentries; i++) {
		const struct rg_entry *e = &p->entries[i];

		if (e->kind == RG_KIND_PREFIX && (e->allow & RG_BREAKS(role)) &&
		    rg_cidr_contains(&e->cidr, a) && (!best || e->cidr.len < best->cidr.len))
			best = e;
	}
	return best;
}

static void zones_of_role(const struct rg_plan *p, uint32_t role, char *buf, size_t len)
{
	char c[64];

	buf[0] = '\0';
	for (int i = 0; i < p->nentries; i++) {
		const struct rg_entry *e = &p->entries[i];

		if (e->kind != RG_KIND_ZONE || e->role != role)
			continue;
		rg_cidr_format(&e->cidr, c, sizeof(c));
		cat(buf, len, "%s%s %s", buf[0] ? ", " : "", e->name, c);
	}
}

/* The roles on which an entry does not break the plan, as text. */
static const char *allowed_roles(uint32_t breaks)
{
	bool mesh = !(breaks & RG_BREAKS(RG_ROLE_MESH));
	bool egress = !(breaks & RG_BREAKS(RG_ROLE_EGRESS));

	if (mesh && egress)
		return "mesh or egress";
	return mesh ? "mesh" : egress ? "egress" : "no role";
}

static uint32_t role_of(const struct rg_host_if *ifs, int nifs, const char *name)
{
	for (int i = 0; i < nifs; i++)
		if (!strcmp(ifs[i].name, name))
			return ifs[i].role;
	return RG_ROLE_NONE;
}

static const struct rg_link *link_by_name(const struct rg_netstate *lv, const char *name)
{
	return rg_link_find(lv->links, lv->nlinks, name, 0);
}

static const struct rg_link *link_by_index(const struct rg_netstate *lv, unsigned int index)
{
	return rg_link_find(lv->links, lv->nlinks, NULL, index);
}

/* The bridge l is a port of, if any. */
static const struct rg_link *bridge_of(const struct rg_netstate *lv, const struct rg_link *l)
{
	const struct rg_link *m = l && l->master ? link_by_index(lv, l->master) : NULL;

	return m && m->bridge ? m : NULL;
}

/* The role frames leaving through l get: its own, else its bridge's (a role
 * on a bridge covers every port, as attach does).
 */
static uint32_t link_role(const struct rg_host_if *ifs, int nifs, const struct rg_netstate *lv,
			  const struct rg_link *l)
{
	uint32_t role = l ? role_of(ifs, nifs, l->name) : RG_ROLE_NONE;
	const struct rg_link *br = bridge_of(lv, l);

	if (role == RG_ROLE_NONE && br)
		role = role_of(ifs, nifs, br->name);
	return role;
}

/* ---- the checks ------------------------------------------------------------ */

static int check_link(struct rg_checks *r, const struct rg_host_if *hi, const struct rg_link *l)
{
	const char *role = rg_role_name(hi->role);

	if (!l)
		return addcheck(r, RG_CHECK_FAIL, "link", hi->name, "%s (%s): not found", hi->name, role);
	if (!(l->flags & IFF_UP))
		return addcheck(r, RG_CHECK_FAIL, "link", hi->name, "%s (%s): administratively down",
				hi->name, role);
	/* Carrier from the flags: IFF_LOWER_UP follows the driver at once,
	 * while operstate (and IFF_RUNNING) trail it by up to a second of the
	 * kernel's linkwatch delay, so a check right after a change would lie.
	 */
	if (!(l->flags & IFF_LOWER_UP))
		return addcheck(r, RG_CHECK_FAIL, "link", hi->name, "%s (%s): up but no carrier",
				hi->name, role);
	/* carrier, but 802.1X or the like still holds the link back */
	if (l->operstate == IF_OPER_DORMANT)
		return addcheck(r, RG_CHECK_FAIL, "link", hi->name,
				"%s (%s): up, carrier, but operstate dormant", hi->name, role);
	return addcheck(r, RG_CHECK_OK, "link", hi->name, "%s (%s): up, carrier", hi->name, role);
}

/*
 * The rule is the plan's own: on an interface of role R, an address breaks
 * the plan when it lies in a zone of another role and no prefix containing
 * it allows R (so a k8s loopback under `allow mesh` may sit on eth0).
 * Link-local and host-scope addresses carry no routed traffic and are
 * ignored; an address outside every zone (IPv4 here) is not the plan's.
 */
static int check_addrs(struct rg_checks *r, const struct rg_plan *p, const struct rg_netstate *lv,
		       const struct rg_host_if *hi, const struct rg_link *l)
{
	char own[384] = "", bad[384] = "", allowed[384] = "", zones[256], a[64];
	static const struct rg_cidr ll = { .addr = { 0xfe, 0x80 }, .len = 10 };
	const char *role = rg_role_name(hi->role);
	int nown = 0, nbad = 0;

	for (int i = 0; i < lv->naddrs; i++) {
		const struct rg_net_addr *v = &lv->addrs[i];
		const struct rg_entry *m, *z;

		if (v->index != l->ifindex || v->scope != RT_SCOPE_UNIVERSE ||
		    rg_cidr_contains(&ll, v->a.addr))
			continue;
		m = plan_match(lv, p, v->a.addr);
		z = plan_zone(lv, p, v->a.addr);
		if (!m || !z)
			continue;
		rg_cidr_format(&v->a, a, sizeof(a));
		if (z->role == hi->role) {
			cat(own, sizeof(own), "%s%s", nown ? ", " : "", a);
			nown++;
		} else if (m->breaks & RG_BREAKS(hi->role)) {
			cat(bad, sizeof(bad), "%s%s (zone %s, %s)", nbad ? ", " : "", a, z->name,
			    rg_role_name(z->role));
			nbad++;
		} else {
			const struct rg_entry *by = plan_allower(p, v->a.addr, hi->role);

			cat(allowed, sizeof(allowed), "; %s allowed on %s by %s", a, role,
			    by ? by->name : "the plan");
		}
	}
	zones_of_role(p, hi->role, zones, sizeof(zones));
	if (nbad)
		return addcheck(r, RG_CHECK_FAIL, "address", hi->name, "%s (%s): %s break%s the plan on %s%s%s%s",
				hi->name, role, bad, nbad == 1 ? "s" : "", role,
				nown ? "; has " : "; and no address of a zone of its role",
				own, allowed);
	if (!zones[0])
		return addcheck(r, RG_CHECK_OK, "address", hi->name,
				"%s (%s): the plan has no %s zone, nothing to require%s",
				hi->name, role, role, allowed);
	if (!nown)
		return addcheck(r, RG_CHECK_FAIL, "address", hi->name,
				"%s (%s): no global address of a %s zone (%s)%s",
				hi->name, role, role, zones, allowed);
	return addcheck(r, RG_CHECK_OK, "address", hi->name, "%s (%s): %s%s", hi->name, role, own,
			allowed);
}

static int check_mtu(struct rg_checks *r, const struct rg_host_if *hi, const struct rg_link *l)
{
	const char *role = rg_role_name(hi->role);
	char want[32];

	for (size_t i = 0; i < sizeof(plan_mtu) / sizeof(plan_mtu[0]); i++) {
		if (plan_mtu[i].role != hi->role)
			continue;
		if (plan_mtu[i].lo == plan_mtu[i].hi)
			snprintf(want, sizeof(want), "%u", plan_mtu[i].lo);
		else
			snprintf(want, sizeof(want), "%u-%u", plan_mtu[i].lo, plan_mtu[i].hi);
		if (l->mtu < plan_mtu[i].lo || l->mtu > plan_mtu[i].hi)
			return addcheck(r, RG_CHECK_FAIL, "mtu", hi->name, "%s (%s): MTU %u, the plan wants %s",
					hi->name, role, l->mtu, want);
		return addcheck(r, RG_CHECK_OK, "mtu", hi->name, "%s (%s): %u (plan: %s)", hi->name, role,
				l->mtu, want);
	}
	return 0;
}

/*
 * A role on a bridge covers its ports. Each port should be up, take frames
 * as large as the bridge's MTU (the bridge drops what a port cannot send),
 * and carry no address of its own (a port's frames go to the bridge, so the
 * host never answers on an address there: it belongs on the bridge).
 */
static int check_ports(struct rg_checks *r, const struct rg_netstate *lv, const struct rg_host_if *hi,
		       const struct rg_link *br, const struct rg_host_if *ifs, int nifs)
{
	static const struct rg_cidr ll = { .addr = { 0xfe, 0x80 }, .len = 10 };
	const char *role = rg_role_name(hi->role);
	char names[512] = "", a[64];
	int n = 0, err = 0;

	for (int i = 0; i < lv->nlinks && !err; i++) {
		const struct rg_link *pl = &lv->links[i];
		uint32_t own;

		if (pl->master != br->ifindex)
			continue;
		cat(names, sizeof(names), "%s%s", n++ ? ", " : "", pl->name);
		own = role_of(ifs, nifs, pl->name);
		if (!(pl->flags & IFF_UP) || !(pl->flags & IFF_LOWER_UP))
			err = addcheck(r, RG_CHECK_WARN, "port", pl->name, "%s (%s, port of %s): %s",
				       pl->name, role, br->name, !(pl->flags & IFF_UP) ?
				       "administratively down" : "up but no carrier");
		if (!err && pl->mtu < br->mtu)
			err = addcheck(r, RG_CHECK_FAIL, "port", pl->name,
				       "%s (%s, port of %s): MTU %u below the bridge's %u: larger "
				       "frames are dropped", pl->name, role, br->name, pl->mtu, br->mtu);
		if (!err && own != RG_ROLE_NONE && own != hi->role)
			err = addcheck(r, RG_CHECK_WARN, "port", pl->name,
				       "%s is %s in the plan but a port of %s (%s): it keeps its own "
				       "role on that segment", pl->name, rg_role_name(own), br->name, role);
		for (int j = 0; j < lv->naddrs && !err; j++) {
			const struct rg_net_addr *v = &lv->addrs[j];

			if (v->index != pl->ifindex || v->scope != RT_SCOPE_UNIVERSE ||
			    rg_cidr_contains(&ll, v->a.addr))
				continue;
			rg_cidr_format(&v->a, a, sizeof(a));
			err = addcheck(r, RG_CHECK_FAIL, "port", pl->name,
				       "%s (%s, port of %s) has address %s, which the host never "
				       "answers on a bridge port: put it on %s", pl->name, role,
				       br->name, a, br->name);
		}
	}
	if (err)
		return err;
	if (!n)
		return addcheck(r, RG_CHECK_WARN, "ports", hi->name,
				"%s (%s): a bridge without ports: only the host's own traffic "
				"crosses it", hi->name, role);
	return addcheck(r, RG_CHECK_OK, "ports", hi->name, "%s (%s): bridge, %d port%s carry its role: %s",
			hi->name, role, n, n == 1 ? "" : "s", names);
}

/*
 * An address that stands for c in a route lookup: the first address + 1,
 * because the first address of an IPv6 subnet is its subnet-router anycast
 * address, which a forwarding host answers itself (an anycast route to lo)
 * and so says nothing about where the prefix is routed. /127 and /128
 * (IPv4 /31, /32) use their first address.
 */
static void representative(const struct rg_cidr *c, struct rg_cidr *a)
{
	*a = *c;
	a->len = 128;
	if (c->len >= 127)
		return;
	for (int i = 15; i >= 0; i--)
		if (++a->addr[i])
			break;
}

/* A reject route in the kernel answers a route query with an error. */
static const char *reject_kind(int err)
{
	switch (err) {
	case -EHOSTUNREACH:
		return "an unreachable route";
	case -EACCES:
		return "a prohibit route";
	case -EINVAL:
		return "a blackhole route";
	default:
		return NULL;
	}
}

static const char *reject_type(uint8_t type)
{
	switch (type) {
	case RTN_UNREACHABLE:
		return "an unreachable route";
	case RTN_PROHIBIT:
		return "a prohibit route";
	case RTN_BLACKHOLE:
		return "a blackhole route";
	default:
		return NULL;
	}
}

int rg_check_route(struct rg_checks *r, struct rg_netstate *lv, const struct rg_plan *p,
		   const struct rg_host_if *ifs, int nifs, const struct rg_entry *e,
		   unsigned int *oif)
{
	char rep[64], gw[80] = "", src[80] = "", s[64], oifname[2 * IFNAMSIZ + 16];
	const struct rg_entry *z = e->lin.zone >= 0 ? &p->entries[e->lin.zone] : NULL;
	const char *rej = NULL, *want;
	const struct rg_link *ol;
	struct rg_check *c;
	struct rg_cidr ra;
	struct rg_route rt;
	uint32_t role;
	int err;

	representative(&e->cidr, &ra);
	rg_cidr_addr_format(&ra, rep, sizeof(rep));
	*oif = 0;
	err = rg_route_get(&lv->nl, &ra, &rt);
	if (err && err != -ENETUNREACH && !reject_kind(err))
		return err;
	if (!err && !rt.found)
		return -EPROTO;

	c = report_add(r, RG_CHECK_OK, "route", NULL);
	if (!c)
		return -ENOMEM;
	rg_cidr_format(&e->cidr, c->prefix, sizeof(c->prefix));
	if (e->kind == RG_KIND_ZONE)
		snprintf(c->name, sizeof(c->name), "zone %s", e->name);
	else
		snprintf(c->name, sizeof(c->name), "%s", e->name);
	want = allowed_roles(e->breaks);

	if (err == -ENETUNREACH) {
		c->level = RG_CHECK_WARN;
		snprintf(c->detail, sizeof(c->detail), "no route to %s", rep);
		return 0;
	}
	rej = err ? reject_kind(err) : reject_type(rt.type);
	if (rej) {
		/* unallocated zone space that goes nowhere is the plan kept;
		 * a named allocation that goes nowhere deserves a look
		 */
		c->level = e->kind == RG_KIND_ZONE ? RG_CHECK_OK : RG_CHECK_WARN;
		snprintf(c->detail, sizeof(c->detail), "%s: %s, nothing leaves this host", rep, rej);
		return 0;
	}
	if (rt.type == RTN_LOCAL || rt.type == RTN_ANYCAST) {
		snprintf(c->detail, sizeof(c->detail), "%s: %s address of this host", rep,
			 rt.type == RTN_LOCAL ? "local" : "anycast");
		return 0;
	}

	*oif = rt.oif;
	ol = link_by_index(lv, rt.oif);
	if (ol)
		snprintf(oifname, sizeof(oifname), "%s", ol->name);
	else
		snprintf(oifname, sizeof(oifname), "ifindex %u", rt.oif);
	snprintf(c->ifname, sizeof(c->ifname), "%s", ol ? ol->name : "");
	if (rt.has_gw) {
		rg_cidr_addr_format(&rt.gw, s, sizeof(s));
		snprintf(gw, sizeof(gw), " via %s", s);
	}
	if (rt.has_src) {
		rg_cidr_addr_format(&rt.src, s, sizeof(s));
		snprintf(src, sizeof(src), " src %s", s);
	}
	role = link_role(ifs, nifs, lv, ol);
	c->role = role;
	if (ol && bridge_of(lv, ol) && role_of(ifs, nifs, ol->name) == RG_ROLE_NONE)
		cat(oifname, sizeof(oifname), " (port of %s)", bridge_of(lv, ol)->name);
	if (role == RG_ROLE_NONE) {
		c->level = RG_CHECK_FAIL;
		snprintf(c->detail, sizeof(c->detail),
			 "leaves through %s%s, which has no role; the plan puts it on %s",
			 oifname, gw, want);
		return 0;
	}
	if (e->breaks & RG_BREAKS(role)) {
		c->level = RG_CHECK_FAIL;
		snprintf(c->detail, sizeof(c->detail),
			 "leaves through %s (%s)%s; the plan puts it on %s",
			 oifname, rg_role_name(role), gw, want);
		return 0;
	}
	/* The interface is right; the source the kernel picks must be too:
	 * a frame whose source breaks the plan on its interface is as much a
	 * violation as one whose destination does (the plan's rules).
	 */
	if (rt.has_src) {
		const struct rg_entry *m = plan_match(lv, p, rt.src.addr);

		if (m && (m->breaks & RG_BREAKS(role))) {
			c->level = RG_CHECK_FAIL;
			rg_cidr_addr_format(&rt.src, s, sizeof(s));
			snprintf(c->detail, sizeof(c->detail),
				 "-> %s (%s)%s, but with source %s, which breaks the plan on %s",
				 oifname, rg_role_name(role), gw, s, rg_role_name(role));
			return 0;
		}
	}
	snprintf(c->detail, sizeof(c->detail), "-> %s (%s%s)%s%s", oifname, rg_role_name(role),
		 z && z->role != role ? ", allowed by the plan" : "", gw, src);
	return 0;
}

/* ---- ringguard's own hooks ------------------------------------------------- */

/* hi, if ringguard attached it in this namespace: its links still pinned
 * and attached, its filters in place (rg_hooks_check). Interfaces it did
 * not attach get no line: attach and status say what is attached.
 */
static int check_hook(struct rg_checks *r, const char *dir, const struct rg_maps *m,
		      const struct rg_host_if *hi, const struct rg_link *l)
{
	const char *role = rg_role_name(hi->role);
	struct rg_iface ifc;
	__u32 key = l->ifindex;
	char why[512];

	if (bpf_map_lookup_elem(m->ifaces, &key, &ifc) ||
	    strncmp(ifc.name, hi->name, sizeof(ifc.name)))
		return 0;
	if (rg_hooks_check(dir, key, &ifc, why, sizeof(why)))
		return addcheck(r, RG_CHECK_FAIL, "hook", hi->name, "%s (%s): not enforced: %s",
				hi->name, role, why);
	return addcheck(r, RG_CHECK_OK, "hook", hi->name, "%s (%s): ringguard attached (%s, %s), "
			"links pinned", hi->name, role, ifc.xdp_kind == RG_XDP_TC ? "tc-ingress" :
			rg_xdp_kind_name(ifc.xdp_kind), rg_tc_kind_name(ifc.tc_kind));
}

static int check_hooks(struct rg_checks *r, const struct rg_netstate *lv, const char *dir,
		       const struct rg_host_if *ifs, int nifs)
{
	struct rg_maps m;
	int err = 0;

	if (rg_state_open(dir, &m, true))
		return 0;
	for (int i = 0; i < nifs && !err; i++) {
		const struct rg_link *l = link_by_name(lv, ifs[i].name);

		if (l)
			err = check_hook(r, dir, &m, &ifs[i], l);
	}
	rg_maps_close(&m);
	return err;
}

/* ---- the checks together ---------------------------------------------------- */

bool rg_check_route_wanted(const struct rg_entry *e)
{
	return e->zone[0];
}

/* The checks of one kind for ifs[i]; a role interface that is itself a
 * bridge port has its addresses on the bridge.
 */
enum { K_LINK, K_PORTS, K_ADDR, K_MTU, NKINDS };

static int check_kind(struct rg_checks *r, const struct rg_netstate *lv, const struct rg_plan *p,
		      const struct rg_host_if *ifs, int nifs, int i, int kind)
{
	const struct rg_link *l = link_by_name(lv, ifs[i].name);
	int from = r->n, err = 0;

	switch (kind) {
	case K_LINK:
		err = check_link(r, &ifs[i], l);
		break;
	case K_PORTS:
		if (l && l->bridge)
			err = check_ports(r, lv, &ifs[i], l, ifs, nifs);
		break;
	case K_ADDR:
		if (l)
			err = check_addrs(r, p, lv, &ifs[i], bridge_of(lv, l) ? bridge_of(lv, l) : l);
		break;
	case K_MTU:
		if (l)
			err = check_mtu(r, &ifs[i], l);
		break;
	}
	for (int k = from; k < r->n; k++)
		r->v[k].role = ifs[i].role;
	return err;
}

int rg_check_iface(struct rg_checks *r, struct rg_netstate *h, const struct rg_plan *p,
		   const struct rg_host_if *ifs, int nifs, int i)
{
	int err = 0;

	for (int kind = 0; kind < NKINDS && !err; kind++)
		err = check_kind(r, h, p, ifs, nifs, i, kind);
	return err;
}

int rg_check_all(struct rg_checks *r, struct rg_netstate *h, const struct rg_plan *p,
		 const struct rg_host_if *ifs, int nifs, const char *state_dir, char *what,
		 size_t whatlen)
{
	int err, nroutes = 0, count[3] = {};

	snprintf(what, whatlen, "cannot read interfaces and addresses");
	err = rg_netstate_read(h);
	if (err)
		return err;
	snprintf(what, whatlen, "interface checks");
	/* by kind, as the plan's section goes: links, ports, addresses, MTUs */
	for (int kind = 0; kind < NKINDS && !err; kind++)
		for (int i = 0; i < nifs && !err; i++)
			err = check_kind(r, h, p, ifs, nifs, i, kind);
	if (!err && state_dir)
		err = check_hooks(r, h, state_dir, ifs, nifs);
	for (int i = 0; i < p->nentries && !err; i++) {
		const struct rg_entry *e = &p->entries[i];
		unsigned int oif;

		if (!rg_check_route_wanted(e))
			continue;
		err = rg_check_route(r, h, p, ifs, nifs, e, &oif);
		if (err) {
			char cidr[64];

			rg_cidr_format(&e->cidr, cidr, sizeof(cidr));
			snprintf(what, whatlen, "route lookup for %s failed", cidr);
			return err;
		}
		nroutes++;
		count[r->v[r->n - 1].level]++;
	}
	if (err)
		return err;
	snprintf(what, whatlen, "route summary");
	return addcheck(r, count[RG_CHECK_FAIL] ? RG_CHECK_FAIL : RG_CHECK_OK, "routes", NULL,
			"%d prefixes checked, %d ok, %d wrong, %d warning%s", nroutes,
			count[RG_CHECK_OK], count[RG_CHECK_FAIL], count[RG_CHECK_WARN],
			count[RG_CHECK_WARN] == 1 ? "" : "s");
}

int rg_checks_failed(const struct rg_checks *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].level == RG_CHECK_FAIL)
			return 1;
	return 0;
}

void rg_checks_free(struct rg_checks *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

uint32_t rg_netstate_link_role(const struct rg_netstate *h, const struct rg_host_if *ifs, int nifs,
			       unsigned int ifindex)
{
	return link_role(ifs, nifs, h, link_by_index(h, ifindex));
}
