// SPDX-License-Identifier: GPL-2.0-only
/*
 * verify.c - `ringguard verify`: the plan's "Validation & Testing" section
 * (ip link, ip addr, ip -6 route get, done by hand) as one command, over
 * rtnetlink with libmnl.
 *
 * Everything is read first (one link dump, one address dump, one route
 * lookup per planned prefix) and printed at the end, so an error half-way
 * never leaves half a report. Nothing in the kernel is changed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>		/* before linux/if.h, which then defers to it */
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <bpf/bpf.h>
#include "lib/json.h"
#include "kernel/attach.h"
#include "kernel/links.h"
#include "kernel/state.h"
#include "cmd/verify.h"

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

/* ---- what the kernel says ------------------------------------------------ */

struct vaddr {
	unsigned int index;
	uint8_t scope;
	struct rg_cidr a;	/* the address with its prefix length; IPv4 mapped */
};

struct live {
	struct rg_link *links;	/* links.c's dump */
	int nlinks;
	struct vaddr *addrs;
	int naddrs, capaddrs;
};

struct vroute {
	bool found;
	uint8_t type;		/* RTN_* */
	unsigned int oif;
	bool has_gw, has_src;
	struct rg_cidr gw, src;	/* len unused */
};

/*
 * Dumps: the kernel fills each datagram up to the reader's buffer, capped at
 * 32 KiB; a smaller buffer could truncate a reply.
 */
#define NL_BUFSZ 32768
#define NL_DUMP_TRIES 3

struct nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	char *buf;
};

static void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

static int nl_open(struct nl *nl)
{
	int err;

	if (!nl->buf) {
		nl->buf = malloc(NL_BUFSZ);
		if (!nl->buf)
			return -ENOMEM;
	}
	nl->sk = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sk)
		return -errno;
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		nl_close(nl);
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	if (!nl->seq)
		nl->seq = (unsigned int)time(NULL);
	return 0;
}

/*
 * Sends one request and runs cb on every reply until the kernel's DONE (a
 * dump) or its ACK (a get: sent with NLM_F_ACK, so the reply has an end and
 * recvfrom never waits for a message that is not coming). Returns -errno:
 * the kernel's own error for a refused request (ENETUNREACH for a
 * destination without a route), -EINTR for a dump the kernel flagged as
 * interrupted by a concurrent change.
 */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned int seq = ++nl->seq;
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sk, nl->buf, NL_BUFSZ);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		errno = 0;
		ret = mnl_cb_run(nl->buf, n, seq, nl->portid, cb, data);
		if (ret < 0)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static void *grow(void *p, int n, int *cap, size_t size)
{
	int c;

	if (n < *cap)
		return p;
	c = *cap ? 2 * *cap : 16;
	p = realloc(p, (size_t)c * size);
	if (p)
		*cap = c;
	return p;
}

static int addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

/* Fills c from a 4- or 16-byte address attribute; false if it is neither. */
static bool attr_addr(const struct nlattr *a, int family, struct rg_cidr *c)
{
	uint16_t len = mnl_attr_get_payload_len(a);

	memset(c, 0, sizeof(*c));
	if (family == AF_INET6 && len == 16) {
		memcpy(c->addr, mnl_attr_get_payload(a), 16);
		return true;
	}
	if (family == AF_INET && len == 4) {
		/* the plan keeps IPv4 as ::ffff:a.b.c.d, so lookups just work */
		rg_cidr_set_v4(c, mnl_attr_get_payload(a));
		return true;
	}
	return false;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFA_MAX + 1] = {};
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	struct live *lv = data;
	struct vaddr *v;
	struct rg_cidr c;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb) < 0)
		return MNL_CB_ERROR;
	/* IPv4: IFA_LOCAL is ours, IFA_ADDRESS the peer on point-to-point
	 * links; IPv6 has IFA_LOCAL only on point-to-point, and it is ours
	 */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || !attr_addr(a, ifa->ifa_family, &c))
		return MNL_CB_OK;
	c.len = ifa->ifa_prefixlen + (c.v4 ? 96 : 0);
	v = grow(lv->addrs, lv->naddrs, &lv->capaddrs, sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	lv->addrs = v;
	v = &lv->addrs[lv->naddrs++];
	v->index = ifa->ifa_index;
	v->scope = ifa->ifa_scope;
	v->a = c;
	return MNL_CB_OK;
}

static void live_free(struct live *lv)
{
	free(lv->links);
	free(lv->addrs);
	memset(lv, 0, sizeof(*lv));
}

/*
 * One address dump (links come from links.c). A dump that a concurrent
 * change interrupts (NLM_F_DUMP_INTR) may miss entries: start it again on a
 * fresh socket (the old one still holds the rest of the aborted dump).
 */
static int addr_dump(struct nl *nl, struct live *lv)
{
	uint32_t req[64];	/* aligned for the headers mnl writes into it */
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	int err = 0;

	for (int try = 0; try < NL_DUMP_TRIES; try++) {
		if (try) {
			nl_close(nl);
			err = nl_open(nl);
			if (err)
				return err;
		}
		lv->naddrs = 0;
		nlh = mnl_nlmsg_put_header(req);
		nlh->nlmsg_type = RTM_GETADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_UNSPEC;
		err = nl_talk(nl, nlh, addr_cb, lv);
		if (err != -EINTR)
			return err;
	}
	return err;
}

static int route_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, RTA_MAX) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = {};
	const struct rtmsg *rtm;
	struct vroute *r = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb) < 0)
		return MNL_CB_ERROR;
	r->found = true;
	r->type = rtm->rtm_type;
	r->oif = tb[RTA_OIF] ? mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	if (tb[RTA_GATEWAY])
		r->has_gw = attr_addr(tb[RTA_GATEWAY], rtm->rtm_family, &r->gw);
	else if (tb[RTA_VIA] && mnl_attr_get_payload_len(tb[RTA_VIA]) >= sizeof(struct rtvia)) {
		/* an IPv4 route via an IPv6 next hop (RFC 5549) */
		const struct rtvia *via = mnl_attr_get_payload(tb[RTA_VIA]);
		uint16_t alen = mnl_attr_get_payload_len(tb[RTA_VIA]) - sizeof(*via);

		if (via->rtvia_family == AF_INET6 && alen == 16) {
			memset(&r->gw, 0, sizeof(r->gw));
			memcpy(r->gw.addr, via->rtvia_addr, 16);
			r->has_gw = true;
		}
	}
	if (tb[RTA_PREFSRC])
		r->has_src = attr_addr(tb[RTA_PREFSRC], rtm->rtm_family, &r->src);
	return MNL_CB_OK;
}

/* The route the kernel would use to send to addr (`ip route get`). */
static int route_get(struct nl *nl, const struct rg_cidr *addr, struct vroute *r)
{
	uint32_t req[64];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	memset(r, 0, sizeof(*r));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = addr->v4 ? AF_INET : AF_INET6;
	rtm->rtm_dst_len = addr->v4 ? 32 : 128;
	if (addr->v4)
		mnl_attr_put(nlh, RTA_DST, 4, addr->addr + 12);
	else
		mnl_attr_put(nlh, RTA_DST, 16, addr->addr);
	return nl_talk(nl, nlh, route_cb, r);
}

/* ---- the report ---------------------------------------------------------- */

enum vlevel { V_OK, V_WARN, V_FAIL };

struct vcheck {
	enum vlevel level;
	const char *check;
	char ifname[IFNAMSIZ];	/* "" if none */
	char prefix[64];	/* route checks: the planned CIDR */
	char name[RG_NAME_LEN + 8];	/* route checks: prefix name or "zone NAME" */
	char detail[768];
};

struct vreport {
	struct vcheck *v;
	int n, cap;
};

static struct vcheck *report_add(struct vreport *r, enum vlevel level, const char *check,
				 const char *ifname)
{
	struct vcheck *c = grow(r->v, r->n, &r->cap, sizeof(*c));

	if (!c)
		return NULL;
	r->v = c;
	c = &r->v[r->n++];
	memset(c, 0, sizeof(*c));
	c->level = level;
	c->check = check;
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname ? ifname : "");
	return c;
}

static int addcheck(struct vreport *r, enum vlevel level, const char *check,
		    const char *ifname, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int addcheck(struct vreport *r, enum vlevel level, const char *check,
		    const char *ifname, const char *fmt, ...)
{
	struct vcheck *c = report_add(r, level, check, ifname);
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
static const struct rg_entry *plan_match(const struct rg_plan *p, const uint8_t a[16])
{
	const struct rg_entry *best = NULL;

	for (int i = 0; i < p->nentries; i++) {
		const struct rg_entry *e = &p->entries[i];

		if (rg_cidr_contains(&e->cidr, a) && (!best || e->cidr.len > best->cidr.len))
			best = e;
	}
	return best;
}

static const struct rg_entry *plan_zone(const struct rg_plan *p, const uint8_t a[16])
{
	for (int i = 0; i < p->nentries; i++)
		if (p->entries[i].kind == RG_KIND_ZONE && rg_cidr_contains(&p->entries[i].cidr, a))
			return &p->entries[i];
	return NULL;
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

static const struct rg_link *link_by_name(const struct live *lv, const char *name)
{
	return rg_link_find(lv->links, lv->nlinks, name, 0);
}

static const struct rg_link *link_by_index(const struct live *lv, unsigned int index)
{
	return rg_link_find(lv->links, lv->nlinks, NULL, index);
}

/* The bridge l is a port of, if any. */
static const struct rg_link *bridge_of(const struct live *lv, const struct rg_link *l)
{
	const struct rg_link *m = l && l->master ? link_by_index(lv, l->master) : NULL;

	return m && m->bridge ? m : NULL;
}

/* The role frames leaving through l get: its own, else its bridge's (a role
 * on a bridge covers every port, as attach does).
 */
static uint32_t link_role(const struct rg_host_if *ifs, int nifs, const struct live *lv,
			  const struct rg_link *l)
{
	uint32_t role = l ? role_of(ifs, nifs, l->name) : RG_ROLE_NONE;
	const struct rg_link *br = bridge_of(lv, l);

	if (role == RG_ROLE_NONE && br)
		role = role_of(ifs, nifs, br->name);
	return role;
}

/* ---- the checks ------------------------------------------------------------ */

static int check_link(struct vreport *r, const struct rg_host_if *hi, const struct rg_link *l)
{
	const char *role = rg_role_name(hi->role);

	if (!l)
		return addcheck(r, V_FAIL, "link", hi->name, "%s (%s): not found", hi->name, role);
	if (!(l->flags & IFF_UP))
		return addcheck(r, V_FAIL, "link", hi->name, "%s (%s): administratively down",
				hi->name, role);
	/* Carrier from the flags: IFF_LOWER_UP follows the driver at once,
	 * while operstate (and IFF_RUNNING) trail it by up to a second of the
	 * kernel's linkwatch delay, so a check right after a change would lie.
	 */
	if (!(l->flags & IFF_LOWER_UP))
		return addcheck(r, V_FAIL, "link", hi->name, "%s (%s): up but no carrier",
				hi->name, role);
	/* carrier, but 802.1X or the like still holds the link back */
	if (l->operstate == IF_OPER_DORMANT)
		return addcheck(r, V_FAIL, "link", hi->name,
				"%s (%s): up, carrier, but operstate dormant", hi->name, role);
	return addcheck(r, V_OK, "link", hi->name, "%s (%s): up, carrier", hi->name, role);
}

/*
 * The rule is the plan's own: on an interface of role R, an address breaks
 * the plan when it lies in a zone of another role and no prefix containing
 * it allows R (so a k8s loopback under `allow mesh` may sit on eth0).
 * Link-local and host-scope addresses carry no routed traffic and are
 * ignored; an address outside every zone (IPv4 here) is not the plan's.
 */
static int check_addrs(struct vreport *r, const struct rg_plan *p, const struct live *lv,
		       const struct rg_host_if *hi, const struct rg_link *l)
{
	char own[384] = "", bad[384] = "", allowed[384] = "", zones[256], a[64];
	static const struct rg_cidr ll = { .addr = { 0xfe, 0x80 }, .len = 10 };
	const char *role = rg_role_name(hi->role);
	int nown = 0, nbad = 0;

	for (int i = 0; i < lv->naddrs; i++) {
		const struct vaddr *v = &lv->addrs[i];
		const struct rg_entry *m, *z;

		if (v->index != l->ifindex || v->scope != RT_SCOPE_UNIVERSE ||
		    rg_cidr_contains(&ll, v->a.addr))
			continue;
		m = plan_match(p, v->a.addr);
		z = plan_zone(p, v->a.addr);
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
		return addcheck(r, V_FAIL, "address", hi->name, "%s (%s): %s break%s the plan on %s%s%s%s",
				hi->name, role, bad, nbad == 1 ? "s" : "", role,
				nown ? "; has " : "; and no address of a zone of its role",
				own, allowed);
	if (!zones[0])
		return addcheck(r, V_OK, "address", hi->name,
				"%s (%s): the plan has no %s zone, nothing to require%s",
				hi->name, role, role, allowed);
	if (!nown)
		return addcheck(r, V_FAIL, "address", hi->name,
				"%s (%s): no global address of a %s zone (%s)%s",
				hi->name, role, role, zones, allowed);
	return addcheck(r, V_OK, "address", hi->name, "%s (%s): %s%s", hi->name, role, own,
			allowed);
}

static int check_mtu(struct vreport *r, const struct rg_host_if *hi, const struct rg_link *l)
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
			return addcheck(r, V_FAIL, "mtu", hi->name, "%s (%s): MTU %u, the plan wants %s",
					hi->name, role, l->mtu, want);
		return addcheck(r, V_OK, "mtu", hi->name, "%s (%s): %u (plan: %s)", hi->name, role,
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
static int check_ports(struct vreport *r, const struct live *lv, const struct rg_host_if *hi,
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
			err = addcheck(r, V_WARN, "port", pl->name, "%s (%s, port of %s): %s",
				       pl->name, role, br->name, !(pl->flags & IFF_UP) ?
				       "administratively down" : "up but no carrier");
		if (!err && pl->mtu < br->mtu)
			err = addcheck(r, V_FAIL, "port", pl->name,
				       "%s (%s, port of %s): MTU %u below the bridge's %u: larger "
				       "frames are dropped", pl->name, role, br->name, pl->mtu, br->mtu);
		if (!err && own != RG_ROLE_NONE && own != hi->role)
			err = addcheck(r, V_WARN, "port", pl->name,
				       "%s is %s in the plan but a port of %s (%s): it keeps its own "
				       "role on that segment", pl->name, rg_role_name(own), br->name, role);
		for (int j = 0; j < lv->naddrs && !err; j++) {
			const struct vaddr *v = &lv->addrs[j];

			if (v->index != pl->ifindex || v->scope != RT_SCOPE_UNIVERSE ||
			    rg_cidr_contains(&ll, v->a.addr))
				continue;
			rg_cidr_format(&v->a, a, sizeof(a));
			err = addcheck(r, V_FAIL, "port", pl->name,
				       "%s (%s, port of %s) has address %s, which the host never "
				       "answers on a bridge port: put it on %s", pl->name, role,
				       br->name, a, br->name);
		}
	}
	if (err)
		return err;
	if (!n)
		return addcheck(r, V_WARN, "ports", hi->name,
				"%s (%s): a bridge without ports: only the host's own traffic "
				"crosses it", hi->name, role);
	return addcheck(r, V_OK, "ports", hi->name, "%s (%s): bridge, %d port%s carry its role: %s",
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

static int check_route(struct vreport *r, struct nl *nl, const struct rg_plan *p,
		       const struct live *lv, const struct rg_host_if *ifs, int nifs,
		       const struct rg_entry *e)
{
	char rep[64], gw[80] = "", src[80] = "", s[64], oifname[2 * IFNAMSIZ + 16];
	const struct rg_entry *z = plan_zone(p, e->cidr.addr);
	const char *rej = NULL, *want;
	const struct rg_link *ol;
	struct vcheck *c;
	struct rg_cidr ra;
	struct vroute rt;
	uint32_t role;
	int err;

	representative(&e->cidr, &ra);
	rg_cidr_addr_format(&ra, rep, sizeof(rep));
	err = route_get(nl, &ra, &rt);
	if (err && err != -ENETUNREACH && !reject_kind(err))
		return err;
	if (!err && !rt.found)
		return -EPROTO;

	c = report_add(r, V_OK, "route", NULL);
	if (!c)
		return -ENOMEM;
	rg_cidr_format(&e->cidr, c->prefix, sizeof(c->prefix));
	if (e->kind == RG_KIND_ZONE)
		snprintf(c->name, sizeof(c->name), "zone %s", e->name);
	else
		snprintf(c->name, sizeof(c->name), "%s", e->name);
	want = allowed_roles(e->breaks);

	if (err == -ENETUNREACH) {
		c->level = V_WARN;
		snprintf(c->detail, sizeof(c->detail), "no route to %s", rep);
		return 0;
	}
	rej = err ? reject_kind(err) : reject_type(rt.type);
	if (rej) {
		/* unallocated zone space that goes nowhere is the plan kept;
		 * a named allocation that goes nowhere deserves a look
		 */
		c->level = e->kind == RG_KIND_ZONE ? V_OK : V_WARN;
		snprintf(c->detail, sizeof(c->detail), "%s: %s, nothing leaves this host", rep, rej);
		return 0;
	}
	if (rt.type == RTN_LOCAL || rt.type == RTN_ANYCAST) {
		snprintf(c->detail, sizeof(c->detail), "%s: %s address of this host", rep,
			 rt.type == RTN_LOCAL ? "local" : "anycast");
		return 0;
	}

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
	if (ol && bridge_of(lv, ol) && role_of(ifs, nifs, ol->name) == RG_ROLE_NONE)
		cat(oifname, sizeof(oifname), " (port of %s)", bridge_of(lv, ol)->name);
	if (role == RG_ROLE_NONE) {
		c->level = V_FAIL;
		snprintf(c->detail, sizeof(c->detail),
			 "leaves through %s%s, which has no role; the plan puts it on %s",
			 oifname, gw, want);
		return 0;
	}
	if (e->breaks & RG_BREAKS(role)) {
		c->level = V_FAIL;
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
		const struct rg_entry *m = plan_match(p, rt.src.addr);

		if (m && (m->breaks & RG_BREAKS(role))) {
			c->level = V_FAIL;
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
static int check_hook(struct vreport *r, const char *dir, const struct rg_maps *m,
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
		return addcheck(r, V_FAIL, "hook", hi->name, "%s (%s): not enforced: %s", hi->name,
				role, why);
	return addcheck(r, V_OK, "hook", hi->name, "%s (%s): ringguard attached (%s, %s), "
			"links pinned", hi->name, role, ifc.xdp_kind == RG_XDP_TC ? "tc-ingress" :
			rg_xdp_kind_name(ifc.xdp_kind), rg_tc_kind_name(ifc.tc_kind));
}

/* ---- output ---------------------------------------------------------------- */

static const char *level_name(enum vlevel l)
{
	return l == V_OK ? "ok" : l == V_WARN ? "warn" : "FAIL";
}

static void print_human(const struct vreport *r, const char *host, FILE *out)
{
	int wp = 0, wn = 0, nchecks = 0, nfail = 0, nwarn = 0;

	for (int i = 0; i < r->n; i++) {
		const struct vcheck *c = &r->v[i];

		if (!c->prefix[0])
			continue;
		if ((int)strlen(c->prefix) > wp)
			wp = strlen(c->prefix);
		if ((int)strlen(c->name) > wn)
			wn = strlen(c->name);
	}
	for (int i = 0; i < r->n; i++) {
		const struct vcheck *c = &r->v[i];

		/* the route summary repeats what the route lines counted */
		if (strcmp(c->check, "routes")) {
			nchecks++;
			nfail += c->level == V_FAIL;
			nwarn += c->level == V_WARN;
		}
		if (c->prefix[0])
			fprintf(out, "%-4s  %-7s  %-*s  %-*s  %s\n", level_name(c->level), c->check,
				wp, c->prefix, wn, c->name, c->detail);
		else
			fprintf(out, "%-4s  %-7s  %s\n", level_name(c->level), c->check, c->detail);
	}
	fprintf(out, "%-4s  %-7s  %s: %d checks, %d failed, %d warning%s\n",
		nfail ? "FAIL" : "ok", "verify", host, nchecks, nfail, nwarn, nwarn == 1 ? "" : "s");
}

static int print_json(const struct vreport *r, const char *host, FILE *out)
{
	struct rg_json j;
	bool ok = true;

	for (int i = 0; i < r->n; i++)
		ok &= r->v[i].level != V_FAIL;
	rg_json_init(&j, out);
	rg_json_obj(&j, NULL);
	rg_json_str(&j, "host", host);
	rg_json_arr(&j, "checks");
	for (int i = 0; i < r->n; i++) {
		const struct vcheck *c = &r->v[i];
		char detail[sizeof(c->prefix) + sizeof(c->name) + sizeof(c->detail) + 8];

		rg_json_obj(&j, NULL);
		rg_json_str(&j, "check", c->check);
		rg_json_str(&j, "interface", c->ifname[0] ? c->ifname : NULL);
		rg_json_bool(&j, "ok", c->level != V_FAIL);
		rg_json_bool(&j, "warning", c->level == V_WARN);
		if (c->prefix[0]) {
			rg_json_str(&j, "prefix", c->prefix);
			rg_json_str(&j, "name", c->name);
			snprintf(detail, sizeof(detail), "%s %s: %s", c->prefix, c->name, c->detail);
		} else {
			snprintf(detail, sizeof(detail), "%s", c->detail);
		}
		rg_json_str(&j, "detail", detail);
		rg_json_end(&j);
	}
	rg_json_end(&j);
	rg_json_bool(&j, "ok", ok);
	rg_json_end(&j);
	return 0;
}

/* The host whose `host` line the caller took ifs from, else our hostname. */
static const char *host_name(const struct rg_plan *p, const struct rg_host_if *ifs,
			     char *buf, size_t len)
{
	for (int i = 0; i < p->nhosts; i++)
		if (ifs == p->hosts[i].ifs)
			return p->hosts[i].name;
	if (gethostname(buf, len) < 0)
		snprintf(buf, len, "?");
	buf[len - 1] = '\0';
	return buf;
}

int rg_cmd_verify(const struct rg_plan *plan, const struct rg_host_if *ifs, int nifs,
		  const char *state_dir, bool json, FILE *out, FILE *errs)
{
	int err, nroutes = 0, rok = 0, rwrong = 0, rwarn = 0;
	struct vreport r = {};
	struct live lv = {};
	struct nl nl = {};
	char hbuf[256];
	const char *host = host_name(plan, ifs, hbuf, sizeof(hbuf));

	if (nifs <= 0) {
		fprintf(errs, "verify: no interfaces to check: give --host NAME or --mesh IF... --egress IF...\n");
		return -EINVAL;
	}
	err = nl_open(&nl);
	if (err) {
		fprintf(errs, "verify: cannot open rtnetlink: %s\n", strerror(-err));
		goto out;
	}
	lv.nlinks = rg_links_dump(&lv.links);
	err = lv.nlinks < 0 ? lv.nlinks : addr_dump(&nl, &lv);
	if (err) {
		fprintf(errs, "verify: cannot read interfaces and addresses: %s\n", strerror(-err));
		goto out;
	}

	for (int i = 0; i < nifs && !err; i++)
		err = check_link(&r, &ifs[i], link_by_name(&lv, ifs[i].name));
	/* a bridge's ports; a role interface that is itself a bridge port
	 * has its addresses on the bridge
	 */
	for (int i = 0; i < nifs && !err; i++) {
		const struct rg_link *l = link_by_name(&lv, ifs[i].name);

		if (l && l->bridge)
			err = check_ports(&r, &lv, &ifs[i], l, ifs, nifs);
	}
	for (int i = 0; i < nifs && !err; i++) {
		const struct rg_link *l = link_by_name(&lv, ifs[i].name);

		if (l)
			err = check_addrs(&r, plan, &lv, &ifs[i], bridge_of(&lv, l) ?
					  bridge_of(&lv, l) : l);
	}
	for (int i = 0; i < nifs && !err; i++) {
		const struct rg_link *l = link_by_name(&lv, ifs[i].name);

		if (l)
			err = check_mtu(&r, &ifs[i], l);
	}
	if (!err && state_dir) {
		struct rg_maps m;

		if (!rg_state_open(state_dir, &m, true)) {
			for (int i = 0; i < nifs && !err; i++) {
				const struct rg_link *l = link_by_name(&lv, ifs[i].name);

				if (l)
					err = check_hook(&r, state_dir, &m, &ifs[i], l);
			}
			rg_maps_close(&m);
		}
	}
	if (err) {
		fprintf(errs, "verify: %s\n", strerror(-err));
		goto out;
	}

	/* Every zone CIDR and every prefix inside a zone: prefixes outside
	 * the zones (IPv4 in sol.plan) break the plan nowhere, so any route
	 * is right for them.
	 */
	for (int i = 0; i < plan->nentries; i++) {
		const struct rg_entry *e = &plan->entries[i];
		char cidr[64];

		if (!e->zone[0])
			continue;
		err = check_route(&r, &nl, plan, &lv, ifs, nifs, e);
		if (err) {
			rg_cidr_format(&e->cidr, cidr, sizeof(cidr));
			fprintf(errs, "verify: route lookup for %s failed: %s\n", cidr, strerror(-err));
			goto out;
		}
		nroutes++;
		switch (r.v[r.n - 1].level) {
		case V_OK:
			rok++;
			break;
		case V_WARN:
			rwarn++;
			break;
		case V_FAIL:
			rwrong++;
			break;
		}
	}
	err = addcheck(&r, rwrong ? V_FAIL : V_OK, "routes", NULL,
		       "%d prefixes checked, %d ok, %d wrong, %d warning%s", nroutes, rok, rwrong,
		       rwarn, rwarn == 1 ? "" : "s");
	if (err) {
		fprintf(errs, "verify: %s\n", strerror(-err));
		goto out;
	}

	if (json) {
		err = print_json(&r, host, out);
		if (err) {
			fprintf(errs, "verify: %s\n", strerror(-err));
			goto out;
		}
	} else {
		print_human(&r, host, out);
	}
	err = 0;
	for (int i = 0; i < r.n; i++)
		if (r.v[i].level == V_FAIL)
			err = 1;
out:
	nl_close(&nl);
	free(nl.buf);
	live_free(&lv);
	free(r.v);
	return err;
}
