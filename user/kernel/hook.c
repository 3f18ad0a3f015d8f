// SPDX-License-Identifier: GPL-2.0-only
/*
 * hook.c - the ingress hook per kind of device (see hook.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/utsname.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include "kernel/attach.h"
#include "kernel/hook.h"
#include "lib/log.h"
#include "ringguard.h"

/* Devices whose frames reach ringguard's ingress as an skb already, by
 * ethtool driver name. Measured (tools/bench/throughput.sh): veth and tap;
 * the rest have no native XDP at all, so auto would have taken generic XDP,
 * which costs more than tc ingress on the same skb.
 */
static const struct {
	const char *driver;
	const char *why;
} skb_devices[] = {
	{ "veth", "veth: the skb exists already; native XDP would copy each GSO/GRO "
		  "aggregate into an XDP buffer, tc reads it as it is" },
	{ "tun", "tun/tap: the skb exists already; a guest's GSO frames would run "
		 "through generic XDP (linearised), tc reads them as they are" },
	/* not measured here (a qemu guest under TCG tells nothing about
	 * speed): attaching XDP makes the driver turn the guest offloads off
	 * (VIRTIO_NET_F_GUEST_TSO*, _CSUM), so the host cuts every aggregate to
	 * MTU-sized frames before they reach the guest
	 */
	{ "virtio_net", "virtio_net: native XDP turns the guest offloads off (the host's "
			"GSO aggregates would arrive cut to MTU); tc keeps them" },
	{ "bridge", "a bridge: no native XDP; its ports keep their own hooks" },
	{ "vxlan", "vxlan: a tunnel, no native XDP: the skb exists already" },
	{ "geneve", "geneve: a tunnel, no native XDP: the skb exists already" },
	{ "macvlan", "macvlan: no native XDP: the skb exists already" },
	{ "ipvlan", "ipvlan: no native XDP: the skb exists already" },
	{ "wireguard", "wireguard: a tunnel, no native XDP: the skb exists already" },
	{ "802.1Q VLAN Support", "a VLAN device: no native XDP: the skb exists already" },
	{ "dummy", "dummy: no native XDP: the skb exists already" },
	{ "team", "team: no native XDP: the skb exists already" },
	{ "vrf", "vrf: no native XDP: the skb exists already" },
	{ "ip_gre", "gre: a tunnel, no native XDP: the skb exists already" },
	{ "ip6_gre", "ip6gre: a tunnel, no native XDP: the skb exists already" },
};

static void driver_of(const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	buf[0] = '\0';
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&di;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		snprintf(buf, len, "%.*s", (int)sizeof(di.driver), di.driver);
	close(fd);
}

enum rg_hook rg_hook_choose(const char *ifname, struct rg_hook_choice *c)
{
	driver_of(ifname, c->driver, sizeof(c->driver));
	c->hook = RG_HOOK_XDP;
	c->why = NULL;
	for (size_t i = 0; i < sizeof(skb_devices) / sizeof(skb_devices[0]); i++) {
		if (!strcmp(c->driver, skb_devices[i].driver)) {
			c->hook = RG_HOOK_TC;
			c->why = skb_devices[i].why;
			break;
		}
	}
	return c->hook;
}

void rg_hook_note(const char *ifname, __u32 xdp_kind, __u32 holder, bool bridge, int want,
		  int native_err, char *buf, size_t len)
{
	struct rg_hook_choice c;

	rg_hook_choose(ifname, &c);
	if (xdp_kind == RG_XDP_TC && holder)
		snprintf(buf, len, "ingress: tc, XDP held by program %u", holder);
	else if (xdp_kind == RG_XDP_TC && bridge)
		snprintf(buf, len, "ingress: tc (a bridge: no native XDP; its ports keep their own "
			 "hooks)");
	else if (xdp_kind == RG_XDP_TC && want == RG_WANT_XDP_OFF)
		snprintf(buf, len, "ingress: tc (--xdp off)");
	else if (xdp_kind == RG_XDP_TC && c.hook == RG_HOOK_TC)
		snprintf(buf, len, "ingress: tc (%s)", c.why);
	else if (xdp_kind == RG_XDP_TC && native_err)
		snprintf(buf, len, "ingress: tc (the driver refused native XDP: %s; generic XDP "
			 "would cost more than tc)", strerror(native_err));
	else if (xdp_kind == RG_XDP_TC)
		snprintf(buf, len, "ingress: tc (--xdp off, or the driver refused native XDP)");
	else if (xdp_kind == RG_XDP_NATIVE && c.hook == RG_HOOK_TC)
		snprintf(buf, len, "native XDP as --xdp native asked; auto takes tc here (%s)",
			 c.why);
	else if (xdp_kind == RG_XDP_NATIVE)
		snprintf(buf, len, "native XDP: the driver%s%s runs it before an skb exists",
			 c.driver[0] ? " " : "", c.driver);
	else if (xdp_kind == RG_XDP_GENERIC)
		snprintf(buf, len, "generic XDP as --xdp generic asked: ingress costs more than "
			 "at tc");
	else
		snprintf(buf, len, "no ingress hook");
}

int rg_if_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 0;

	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0)
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

/* The driver's reason reaches the kernel's log (netdev_warn) and the
 * netlink extack, not bpf_link_create's errno, so what the errno means is
 * read here from the driver and the MTU. virtio_net (drivers/net/
 * virtio_net.c, virtnet_xdp_set): before Linux 6.3 it takes no multi-buffer
 * XDP, so native XDP needs a frame in one page (an MTU up to about 3,500;
 * the K8s nodes run 9000): EINVAL; a host that offers guest offloads
 * (GRO_HW/CSUM) without VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, which would let
 * the driver turn them off: EOPNOTSUPP; too few queue pairs for XDP_TX on
 * older kernels: ENOMEM.
 */
void rg_hook_xdp_refused(const char *ifname, bool native, int err)
{
	struct rg_hook_choice c;
	struct utsname u = {};
	int mtu = rg_if_mtu(ifname);

	rg_hook_choose(ifname, &c);
	uname(&u);
	if (!native) {
		rg_err("cannot attach generic XDP to %s: %s; --xdp auto classifies ingress at tc "
		       "instead", ifname, strerror(err));
	} else if (!strcmp(c.driver, "virtio_net") && err == EINVAL && mtu > 3000) {
		rg_err("cannot attach native XDP to %s: the virtio_net driver of Linux %s refuses it "
		       "at MTU %d (%s): before Linux 6.3 it runs XDP only on frames that fit one "
		       "page, an MTU of about 3500 at most ('dmesg' names its limit); use --xdp auto "
		       "to classify ingress at tc, which also keeps the guest offloads, or lower "
		       "%s's MTU", ifname, u.release, mtu, strerror(err), ifname);
	} else if (!strcmp(c.driver, "virtio_net") && err == EOPNOTSUPP) {
		rg_err("cannot attach native XDP to %s: the virtio_net driver refuses it (%s): the "
		       "hypervisor gives the guest receive offloads (GRO_HW/CSUM) that the driver "
		       "cannot turn off; use --xdp auto to classify ingress at tc, or turn those "
		       "offloads off in the hypervisor (qemu: guest_tso4=off,guest_tso6=off,"
		       "guest_ecn=off,guest_ufo=off,guest_csum=off)", ifname, strerror(err));
	} else if (!strcmp(c.driver, "virtio_net") && err == ENOMEM) {
		rg_err("cannot attach native XDP to %s: the virtio_net driver refuses it (%s): XDP "
		       "wants a transmit queue per CPU and the VM has too few queues; use --xdp "
		       "auto to classify ingress at tc, or give the NIC more queues (qemu: "
		       "virtio-net-pci,mq=on with queues=N)", ifname, strerror(err));
	} else {
		rg_err("cannot attach native XDP to %s: the %s%sdriver refuses it: %s ('dmesg' may "
		       "say why); use --xdp auto to classify ingress at tc instead, or --xdp "
		       "generic", ifname, c.driver, c.driver[0] ? " " : "", strerror(err));
	}
}
