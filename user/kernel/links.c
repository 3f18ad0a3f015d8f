// SPDX-License-Identifier: GPL-2.0-only
/*
 * links.c - one RTM_GETLINK dump (libmnl): names, bridges, masters, state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "kernel/links.h"

/* the kernel fills each datagram up to the reader's buffer, capped at 32 KiB */
#define LINKS_BUFSZ	32768
#define LINKS_TRIES	3

struct dump {
	struct rg_link *ls;
	int n, cap;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, IFLA_MAX) < 0)
		return MNL_CB_OK;	/* newer than our headers */
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int info_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, IFLA_INFO_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {}, *info[IFLA_INFO_MAX + 1] = {};
	const struct ifinfomsg *ifm;
	struct dump *d = data;
	struct rg_link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return MNL_CB_OK;
	ifm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifm), attr_cb, tb) < 0)
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
	if (tb[IFLA_LINKINFO] && mnl_attr_parse_nested(tb[IFLA_LINKINFO], info_cb, info) >= 0 &&
	    info[IFLA_INFO_KIND] &&
	    mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING) == 0) {
		snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(info[IFLA_INFO_KIND]));
		l->bridge = !strcmp(l->kind, "bridge");
	}
	return MNL_CB_OK;
}

/* A dump interrupted by a concurrent change (NLM_F_DUMP_INTR: libmnl
 * reports EINTR) may miss links: it runs again on a fresh socket.
 */
static int dump_once(struct dump *d, char *buf)
{
	uint32_t req[64];
	struct mnl_socket *sk = mnl_socket_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	unsigned int seq = time(NULL), portid;
	ssize_t n;
	int ret, err = 0;

	if (!sk)
		return -errno;
	if (mnl_socket_bind(sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(sk);
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (mnl_socket_sendto(sk, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	d->n = 0;
	for (;;) {
		n = mnl_socket_recvfrom(sk, buf, LINKS_BUFSZ);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		errno = 0;
		ret = mnl_cb_run(buf, n, seq, portid, link_cb, d);
		if (ret < 0) {
			err = errno ? -errno : -EIO;
			break;
		}
		if (ret == MNL_CB_STOP)
			break;
	}
out:
	mnl_socket_close(sk);
	return err;
}

int rg_links_dump(struct rg_link **out)
{
	struct dump d = {};
	char *buf = malloc(LINKS_BUFSZ);
	int err = -ENOMEM;

	*out = NULL;
	if (!buf)
		return err;
	for (int try = 0; try < LINKS_TRIES; try++) {
		err = dump_once(&d, buf);
		if (err != -EINTR)
			break;
	}
	free(buf);
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
