/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hook.h - which hook classifies an interface's ingress under --xdp auto,
 * from the kind of device, and the one line that says why (attach's report,
 * status and status -j).
 *
 * Native XDP pays where the driver runs it before an skb exists (a physical
 * NIC's receive ring). Where the skb exists already (veth, tun/tap, tunnels,
 * bridges) native XDP turns the GSO/GRO aggregate back into an XDP buffer (a
 * copy, and the aggregation lost) or runs as generic XDP (linearised), while
 * tc ingress reads the skb as it is: tools/doc/performance.md has the numbers.
 */
#ifndef RG_HOOK_H
#define RG_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum rg_hook { RG_HOOK_XDP, RG_HOOK_TC };

struct rg_hook_choice {
	enum rg_hook hook;	/* auto's choice for this kind of device */
	char driver[32];	/* ethtool's driver name ("veth", "tun", "ixgbe"), "" if none */
	const char *why;	/* the reason, for a tc choice; NULL for XDP */
};

/* Auto's choice for ifname (in this network namespace), from its driver. A
 * device ethtool cannot name gets XDP: native is tried, and a refusal sends
 * ingress to tc (never to generic XDP, which costs more than tc ingress).
 */
enum rg_hook rg_hook_choose(const char *ifname, struct rg_hook_choice *c);

/* How an attached interface's ingress is hooked, and why, in one line:
 * xdp_kind as recorded (enum rg_xdp_kind), holder the program that keeps
 * ringguard off the XDP hook (0: none), want the --xdp given (enum
 * rg_want_xdp) or -1 when no longer known (status), native_err the errno of
 * a refused native attach (0: none).
 */
void rg_hook_note(const char *ifname, __u32 xdp_kind, __u32 holder, bool bridge, int want,
		  int native_err, char *buf, size_t len);

/* Reports (rg_err) why attaching XDP to ifname failed with errno err, and
 * what to do, as far as the driver and the MTU tell: native true for
 * --xdp native's driver mode, false for generic XDP.
 */
void rg_hook_xdp_refused(const char *ifname, bool native, int err);

/* The interface's MTU, 0 if it cannot be read. */
int rg_if_mtu(const char *ifname);

#endif /* RG_HOOK_H */
