// SPDX-License-Identifier: GPL-2.0-only
/*
 * netlink.c - the rtnetlink client (netlink.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include "kernel/netlink.h"

#define NL_DUMP_TRIES 3

void rg_nl_close(struct rg_nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
	free(nl->buf);
	nl->buf = NULL;
}

int rg_nl_open(struct rg_nl *nl)
{
	int err;

	if (!nl->buf) {
		nl->buf = malloc(RG_NL_BUFSZ);
		if (!nl->buf)
			return -ENOMEM;
	}
	nl->sk = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sk) {
		err = -errno;
		rg_nl_close(nl);
		return err;
	}
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		rg_nl_close(nl);
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	if (!nl->seq)
		nl->seq = (unsigned int)time(NULL);
	return 0;
}

int rg_nl_talk(struct rg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned int seq = ++nl->seq;
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sk, nl->buf, RG_NL_BUFSZ);
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

int rg_nl_dump(struct rg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	       void (*restart)(void *data))
{
	int err = 0;

	for (int try = 0; try < NL_DUMP_TRIES; try++) {
		if (try) {
			struct rg_nl fresh = { .seq = nl->seq };

			err = rg_nl_open(&fresh);
			if (err)
				return err;
			rg_nl_close(nl);
			*nl = fresh;
		}
		if (restart)
			restart(data);
		err = rg_nl_talk(nl, nlh, cb, data);
		if (err != -EINTR)
			return err;
	}
	return err;
}

struct attr_table {
	const struct nlattr **tb;
	int max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct attr_table *t = data;

	if (mnl_attr_type_valid(a, t->max) < 0)
		return MNL_CB_OK;	/* newer than our headers */
	t->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

int rg_nl_attrs(const struct nlmsghdr *nlh, unsigned int hdrlen, const struct nlattr **tb,
		int max)
{
	struct attr_table t = { tb, max };

	return mnl_attr_parse(nlh, hdrlen, attr_cb, &t) < 0 ? -1 : 0;
}

int rg_nl_nested(const struct nlattr *a, const struct nlattr **tb, int max)
{
	struct attr_table t = { tb, max };

	return mnl_attr_parse_nested(a, attr_cb, &t) < 0 ? -1 : 0;
}

bool rg_nl_addr(const struct nlattr *a, int family, struct rg_cidr *c)
{
	uint16_t len = mnl_attr_get_payload_len(a);

	memset(c, 0, sizeof(*c));
	if (family == AF_INET6 && len == 16) {
		memcpy(c->addr, mnl_attr_get_payload(a), 16);
		return true;
	}
	if (family == AF_INET && len == 4) {
		rg_cidr_set_v4(c, mnl_attr_get_payload(a));
		return true;
	}
	return false;
}
