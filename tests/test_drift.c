// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_drift.c - the daemon's drift watch (daemon/drift.c) against a real
 * network namespace: each test unshares its own, builds a node with a mesh
 * and an egress veth, and feeds the watch the rtnetlink events the kernel
 * sends, as the daemon does. A wrong-role route for a planned prefix shows
 * as a failing check and clears when it goes; a route for an unplanned
 * prefix is no failure; an address of the wrong zone and a wrong MTU show;
 * a new plan clears what it no longer names. Root.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <criterion/criterion.h>
#include "daemon/drift.h"
#include "plan/plan.h"
#include "logto.h"

static const char plan_text[] =
	"zone   internal mesh   fc00::/8\n"
	"zone   external egress fd00::/8\n"
	"prefix ceph-public     fc00:20::/64\n"
	"prefix k8s-pods        fd00:101:44::/60 allow mesh\n"
	"host   node mesh m0 egress e0\n";

static struct rg_drift *d;
static struct rg_host_if ifs[2] = { { "m0", RG_ROLE_MESH }, { "e0", RG_ROLE_EGRESS } };
static int nlfd = -1;
static int started, cleared;
static char last[1024];

static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s failed", cmd);
}

static void on_change(void *arg, const struct rg_check *c, bool failing)
{
	(void)arg;
	if (failing)
		started++;
	else
		cleared++;
	snprintf(last, sizeof(last), "%s %s %s %s: %s", failing ? "start" : "clear", c->check,
		 c->prefix, c->ifname, c->detail);
}

static void load_plan(const char *text)
{
	struct rg_plan plan;
	FILE *errs = fopen("/dev/null", "w");
	int n = LOG_TO(errs, rg_plan_parse(text, strlen(text), "test.plan", &plan));

	fclose(errs);
	cr_assert_eq(n, 0, "plan errors");
	cr_assert_eq(rg_drift_set(d, &plan, ifs, 2), 0);
}

/* What the kernel said since the last call, fed to the watch; then a run. */
static void settle(void)
{
	char buf[65536];

	for (;;) {
		struct pollfd p = { .fd = nlfd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			break;
		n = recv(nlfd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			rg_drift_full(d, true);
			continue;
		}
		if (n <= 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n))
			rg_drift_on_msg(d, h);
	}
	do
		cr_assert_eq(rg_drift_run(d, on_change, NULL), 0);
	while (rg_drift_pending(d));
}

static int failing(const char *check, const char *what)
{
	const struct rg_check **v;
	int n = rg_drift_failing(d, &v), hits = 0;

	for (int i = 0; i < n; i++)
		if (!strcmp(v[i]->check, check) &&
		    (!what || !strcmp(v[i]->prefix, what) || !strcmp(v[i]->ifname, what)))
			hits++;
	return hits;
}

static void setup(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK | RTMGRP_IPV6_ROUTE | RTMGRP_IPV4_ROUTE |
					       RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_IFADDR };

	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	sh("ip link set lo up");
	sh("ip link add m0 mtu 9000 type veth peer name m0p mtu 9000");
	sh("ip link add e0 mtu 1500 type veth peer name e0p");
	sh("ip link set m0p up && ip link set e0p up && ip link set m0 up && ip link set e0 up");
	sh("ip -6 addr add fc00:101::11/64 dev m0 nodad");
	sh("ip -6 addr add fd00:101::11/64 dev e0 nodad");
	sh("ip -6 route add fc00::/8 via fc00:101::1 dev m0");
	sh("ip -6 route add fd00::/8 via fd00:101::1 dev e0");
	sh("ip -6 route add default via fd00:101::1 dev e0");
	nlfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	cr_assert_geq(nlfd, 0);
	cr_assert_eq(bind(nlfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	d = rg_drift_new();
	cr_assert_not_null(d);
	started = cleared = 0;
	load_plan(plan_text);
	settle();
}

static void teardown(void)
{
	rg_drift_free(d);
	if (nlfd >= 0)
		close(nlfd);
	/* the namespace goes with this test's process */
}

TestSuite(drift, .init = setup, .fini = teardown);

Test(drift, a_planned_host_is_clean)
{
	cr_expect_eq(failing("route", NULL), 0, "failing route: %s", last);
	cr_expect_eq(failing("address", NULL), 0, "%s", last);
	cr_expect_eq(failing("mtu", NULL), 0, "%s", last);
	cr_expect_eq(started, 0, "%s", last);
}

Test(drift, a_wrong_role_route_shows_and_clears)
{
	sh("ip -6 route add fc00:20::/64 via fd00:101::fffe dev e0");
	settle();
	cr_expect_eq(failing("route", "fc00:20::/64"), 1, "%s", last);
	cr_expect_eq(started, 1, "%s", last);
	cr_expect(strstr(last, "leaves through e0 (egress)"), "%s", last);
	sh("ip -6 route del fc00:20::/64 via fd00:101::fffe dev e0");
	settle();
	cr_expect_eq(failing("route", NULL), 0, "%s", last);
	cr_expect_eq(cleared, 1, "%s", last);
}

Test(drift, a_wider_wrong_route_marks_every_prefix_inside)
{
	/* the zone route itself moves: the zone and the prefix inside it */
	sh("ip -6 route replace fc00::/8 via fd00:101::1 dev e0");
	settle();
	cr_expect_eq(failing("route", "fc00::/8"), 1, "%s", last);
	cr_expect_eq(failing("route", "fc00:20::/64"), 1, "%s", last);
	sh("ip -6 route replace fc00::/8 via fc00:101::1 dev m0");
	settle();
	cr_expect_eq(failing("route", NULL), 0, "%s", last);
}

Test(drift, an_unplanned_route_is_no_failure)
{
	sh("ip -6 route add 2001:db8::/32 via fc00:101::1 dev m0");
	settle();
	cr_expect_eq(failing("route", NULL), 0, "%s", last);
	cr_expect_eq(started, 0, "%s", last);
}

Test(drift, an_allowed_prefix_on_the_mesh_is_no_failure)
{
	sh("ip -6 route add fd00:101:44::/60 via fc00:101::1 dev m0");
	settle();
	cr_expect_eq(failing("route", NULL), 0, "%s", last);
}

Test(drift, a_wrong_zone_address_and_mtu_show)
{
	sh("ip -6 addr add fd00:101::99/64 dev m0 nodad");
	settle();
	cr_expect_eq(failing("address", "m0"), 1, "%s", last);
	sh("ip link set e0 mtu 9000");
	settle();
	cr_expect_eq(failing("mtu", "e0"), 1, "%s", last);
	sh("ip -6 addr del fd00:101::99/64 dev m0");
	sh("ip link set e0 mtu 1500");
	settle();
	cr_expect_eq(failing("address", NULL) + failing("mtu", NULL), 0, "%s", last);
}

Test(drift, a_new_plan_clears_what_it_no_longer_names)
{
	sh("ip -6 route add fc00:20::/64 via fd00:101::fffe dev e0");
	settle();
	cr_expect_eq(failing("route", "fc00:20::/64"), 1, "%s", last);
	/* the prefix leaves the plan: its route is the zone's business, and
	 * the zone's own lookup still goes to the mesh
	 */
	load_plan("zone   internal mesh   fc00::/8\n"
		  "zone   external egress fd00::/8\n"
		  "host   node mesh m0 egress e0\n");
	settle();
	cr_expect_eq(failing("route", NULL), 0, "%s", last);
	cr_expect_eq(cleared, 1, "%s", last);
}

Test(drift, an_overrun_takes_a_full_pass)
{
	struct rg_drift_stats st;

	rg_drift_full(d, true);
	cr_expect(rg_drift_pending(d));
	settle();
	rg_drift_stats(d, &st);
	cr_expect_eq(st.overruns, 1);
	cr_expect_geq(st.full_passes, 2);
	cr_expect(!rg_drift_pending(d));
}

Test(drift, a_plan_edit_checks_what_it_changed)
{
	struct rg_drift_stats a, b;

	sh("ip -6 route add fc00:20::/64 via fd00:101::fffe dev e0");
	settle();
	cr_expect_eq(failing("route", "fc00:20::/64"), 1, "%s", last);
	rg_drift_stats(d, &a);
	/* the same plan but ceph-public allowed on egress: that prefix alone
	 * is looked up again, and its failure ends
	 */
	load_plan("zone   internal mesh   fc00::/8\n"
		  "zone   external egress fd00::/8\n"
		  "prefix ceph-public     fc00:20::/64 allow egress\n"
		  "prefix k8s-pods        fd00:101:44::/60 allow mesh\n"
		  "host   node mesh m0 egress e0\n");
	settle();
	rg_drift_stats(d, &b);
	cr_expect_eq(failing("route", NULL), 0, "%s", last);
	cr_expect_eq(cleared, 1, "%s", last);
	/* 2 interfaces x 4 checks (link, ports, address, mtu: 3 without a
	 * bridge) and one route: no full pass
	 */
	cr_expect_leq(b.checks - a.checks, 10, "%llu checks", (unsigned long long)(b.checks - a.checks));
	cr_expect_eq(b.full_passes, a.full_passes);
}
