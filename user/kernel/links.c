// SPDX-License-Identifier: GPL-2.0-only
/*
 * links.c - one RTM_GETLINK dump (libmnl): names, bridges, masters, state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "kernel/links.h"
#include "kernel/netlink.h"

struct dump {
	struct rg_link *ls;
	int n, cap;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {}, *info[IFLA_INFO_MAX + 1] = {};
	const struct ifinfomsg *ifm;
	struct dump *d = data;
	struct rg_link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return MNL_CB_OK;
	ifm = mnl_nlmsg_get_payload(nlh);
	if (rg_nl_attrs(nlh, sizeof(*ifm), tb, IFLA_MAX) < 0)
		return MNL_CB_ERROR;
	if (!tb[IFLA_IFNAME] || mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	if (d->n == d->cap) {
		int cap = d->cap ? 2 * d->cap : 32;

		l = realloc(d->ls, cap * sizeof(*l));
		if (!l) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		d->ls = l;
		d->cap = cap;
	}
	l = &d->ls[d->n++];
	memset(l, 0, sizeof(*l));
	l->ifindex = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER] && mnl_attr_validate(tb[IFLA_MASTER], MNL_TYPE_U32) == 0)
		l->master = mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_MTU] && mnl_attr_validate(tb[IFLA_MTU], MNL_TYPE_U32) == 0)
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_OPERSTATE] && mnl_attr_validate(tb[IFLA_OPERSTATE], MNL_TYPE_U8) == 0)
		l->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_LINKINFO] && rg_nl_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX) >= 0 &&
	    info[IFLA_INFO_KIND] &&
	    mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING) == 0) {
		snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(info[IFLA_INFO_KIND]));
		l->bridge = !strcmp(l->kind, "bridge");
	}
	return MNL_CB_OK;
}

static void dump_restart(void *data)
{
	((struct dump *)data)->n = 0;
}

int rg_links_dump(struct rg_link **out)
{
	uint32_t req[64];	/* aligned for the headers mnl writes into it */
	struct rg_nl nl = {};
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct dump d = {};
	int err;

	*out = NULL;
	err = rg_nl_open(&nl);
	if (err)
		return err;
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	err = rg_nl_dump(&nl, nlh, link_cb, &d, dump_restart);
	rg_nl_close(&nl);
	if (err) {
		free(d.ls);
		return err;
	}
	*out = d.ls;
	return d.n;
}

const struct rg_link *rg_link_find(const struct rg_link *ls, int n, const char *name,
				   unsigned int ifindex)
{
	for (int i = 0; i < n; i++)
		if (name ? !strcmp(ls[i].name, name) : ls[i].ifindex == ifindex)
			return &ls[i];
	return NULL;
}
