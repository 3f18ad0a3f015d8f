// SPDX-License-Identifier: GPL-2.0-only
/*
 * netstate.c - what the host checks read of the kernel (hostcheck.h):
 * links and addresses dumped once per pass, and the route the kernel
 * would use to a given address (`ip route get`), over the one rtnetlink
 * client (netlink.c).
 */
#include <string.h>
#include <linux/rtnetlink.h>
#include "kernel/hostcheck.h"
#include "lib/grow.h"

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFA_MAX + 1] = {};
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	struct rg_netstate *lv = data;
	struct rg_net_addr *v;
	struct rg_cidr c;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	if (rg_nl_attrs(nlh, sizeof(*ifa), tb, IFA_MAX) < 0)
		return MNL_CB_ERROR;
	/* IPv4: IFA_LOCAL is ours, IFA_ADDRESS the peer on point-to-point
	 * links; IPv6 has IFA_LOCAL only on point-to-point, and it is ours
	 */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || !rg_nl_addr(a, ifa->ifa_family, &c))
		return MNL_CB_OK;
	c.len = ifa->ifa_prefixlen + (c.v4 ? 96 : 0);
	if (RG_GROW(lv->addrs, lv->naddrs, lv->capaddrs, 16)) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	v = &lv->addrs[lv->naddrs++];
	v->index = ifa->ifa_index;
	v->scope = ifa->ifa_scope;
	v->a = c;
	return MNL_CB_OK;
}

void rg_netstate_new_plan(struct rg_netstate *h)
{
	if (h->lpm)
		rg_plan_lpm_free(h->lpm);
	h->lpm_entries = NULL;
}

void rg_netstate_free(struct rg_netstate *h)
{
	rg_netstate_new_plan(h);
	free(h->lpm);
	rg_nl_close(&h->nl);
	free(h->links);
	free(h->addrs);
	memset(h, 0, sizeof(*h));
}

static void addrs_restart(void *data)
{
	((struct rg_netstate *)data)->naddrs = 0;
}

/* Links come from links.c's dump, addresses from one RTM_GETADDR dump. */
int rg_netstate_read(struct rg_netstate *h)
{
	uint32_t req[64];	/* aligned for the headers mnl writes into it */
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	int n, err;

	if (!h->lpm) {
		h->lpm = calloc(1, sizeof(*h->lpm));
		if (!h->lpm)
			return -ENOMEM;
	}
	if (!h->nl.sk) {
		err = rg_nl_open(&h->nl);
		if (err)
			return err;
	}
	free(h->links);
	h->links = NULL;
	h->nlinks = 0;
	n = rg_links_dump(&h->links);
	if (n < 0)
		return n;
	h->nlinks = n;
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	return rg_nl_dump(&h->nl, nlh, addr_cb, h, addrs_restart);
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = {};
	const struct rtmsg *rtm;
	struct rg_route *r = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rg_nl_attrs(nlh, sizeof(*rtm), tb, RTA_MAX) < 0 ||
	    (tb[RTA_OIF] && mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) < 0))
		return MNL_CB_ERROR;
	r->found = true;
	r->type = rtm->rtm_type;
	r->oif = tb[RTA_OIF] ? mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	if (tb[RTA_GATEWAY])
		r->has_gw = rg_nl_addr(tb[RTA_GATEWAY], rtm->rtm_family, &r->gw);
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
		r->has_src = rg_nl_addr(tb[RTA_PREFSRC], rtm->rtm_family, &r->src);
	return MNL_CB_OK;
}

/* The route the kernel would use to send to addr (`ip route get`). */
int rg_route_get(struct rg_nl *nl, const struct rg_cidr *addr, struct rg_route *r)
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
	return rg_nl_talk(nl, nlh, route_cb, r);
}
