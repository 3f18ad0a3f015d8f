/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netlink.h - the one rtnetlink client (libmnl): a socket, a request and
 * its replies, dumps that start over when a concurrent change interrupts
 * them, and attribute tables. links.c, the host checks and the daemon's
 * drift watch all talk to the kernel through it.
 */
#ifndef RG_NETLINK_H
#define RG_NETLINK_H

#include <stdbool.h>
#include <libmnl/libmnl.h>
#include "lib/addr.h"

/* the kernel fills each datagram up to the reader's buffer, capped at 32 KiB:
 * a smaller buffer could truncate a reply
 */
#define RG_NL_BUFSZ	32768

struct rg_nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	char *buf;		/* RG_NL_BUFSZ */
};

/* 0 or -errno; rg_nl_close() undoes it (a zeroed struct closes fine) */
int rg_nl_open(struct rg_nl *nl);
void rg_nl_close(struct rg_nl *nl);

/*
 * Sends one request and runs cb on every reply until the kernel's DONE (a
 * dump) or its ACK (a get: send it with NLM_F_ACK, so the reply has an end).
 * Returns -errno: the kernel's own error for a refused request (ENETUNREACH
 * for a destination without a route), -EINTR for a dump the kernel flagged
 * as interrupted by a concurrent change.
 */
int rg_nl_talk(struct rg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/*
 * A dump: a dump interrupted by a concurrent change (NLM_F_DUMP_INTR) may
 * miss entries, so it runs again on a fresh socket (the old one still
 * holds the rest of the aborted dump), up to three times; restart(data)
 * runs before each try to drop what the last one collected.
 */
int rg_nl_dump(struct rg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	       void (*restart)(void *data));

/* tb[0..max] from the attributes after nlh's family header of hdrlen bytes
 * (unknown types, newer than our headers, are skipped); -1 if malformed
 */
int rg_nl_attrs(const struct nlmsghdr *nlh, unsigned int hdrlen, const struct nlattr **tb,
		int max);
int rg_nl_nested(const struct nlattr *a, const struct nlattr **tb, int max);

/* c from a 4- or 16-byte address attribute of family (IPv4 mapped, as the
 * plan keeps it); false if it is neither
 */
bool rg_nl_addr(const struct nlattr *a, int family, struct rg_cidr *c);

#endif /* RG_NETLINK_H */
