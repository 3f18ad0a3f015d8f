// SPDX-License-Identifier: GPL-2.0-only
/*
 * drift.c - rg-bench-drift: the daemon's drift watch at a router's scale,
 * in a network namespace of its own: a plan of N prefixes (half in the
 * mesh zone, half in the egress zone), a route for each through the right
 * interface, then a burst of N route changes (every route moved to the
 * wrong interface, as an FRR session that flaps onto the wrong peer would)
 * and back. Prints the time and CPU of the full pass and of each burst
 * (events read, checks run), and fails when the watch does not end with
 * exactly the failures the burst made.
 *
 *   rg-bench-drift [N]     (default 10000; root)
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "daemon/drift.h"
#include "plan/plan.h"

static struct rg_drift *d;
static int nlfd = -1;
static long started, cleared, nmsgs;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void sh(const char *cmd)
{
	if (system(cmd)) {
		fprintf(stderr, "rg-bench-drift: %s failed\n", cmd);
		exit(2);
	}
}

static void on_change(void *arg, const struct rg_check *c, bool failing)
{
	(void)arg;
	(void)c;
	if (failing)
		started++;
	else
		cleared++;
}

/* Reads what the kernel sent until it has been quiet for quiet_ms, then runs
 * the watch; events are fed as they come, the run is one (as the daemon's
 * debounce makes it).
 */
static void settle(int quiet_ms)
{
	static char buf[1 << 16];

	for (;;) {
		struct pollfd p = { .fd = nlfd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, quiet_ms) <= 0)
			break;
		n = recv(nlfd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			rg_drift_full(d, true);
			continue;
		}
		if (n <= 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			rg_drift_on_msg(d, h);
			nmsgs++;
		}
	}
	do {
		if (rg_drift_run(d, on_change, NULL)) {
			fprintf(stderr, "rg-bench-drift: the watch could not read the kernel's "
				"state\n");
			exit(2);
		}
	} while (rg_drift_pending(d));
}

/* prefix i: fc00:<i>::/48 (even i, mesh) or fd00:<i>::/48 (odd i, egress) */
static void prefix_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%x:%x::/48", i % 2 ? "fd00" : "fc00", i / 65536 + 1, i % 65536);
}

/* every route through dev_even (even prefixes) and dev_odd (odd ones) */
static void routes(int n, const char *verb, const char *even, const char *odd)
{
	char path[] = "/tmp/rg-bench-drift-XXXXXX", p[64], cmd[128];
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f)
		exit(2);
	for (int i = 0; i < n; i++) {
		prefix_of(i, p, sizeof(p));
		fprintf(f, "route %s %s via %s\n", verb, p, i % 2 ? odd : even);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "ip -6 -batch %s", path);
	sh(cmd);
	unlink(path);
}

static void report(const char *what, double t0, double c0, long msgs0, uint64_t checks0)
{
	struct rg_drift_stats st;

	rg_drift_stats(d, &st);
	printf("  %-34s %8.0f ms wall %8.0f ms CPU  %7ld events  %7llu checks  %5d failing\n",
	       what, (now_s() - t0) * 1e3, (cpu_s() - c0) * 1e3, nmsgs - msgs0,
	       (unsigned long long)(st.checks - checks0), st.failing);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK | RTMGRP_IPV6_ROUTE | RTMGRP_IPV4_ROUTE |
					       RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_IFADDR };
	struct rg_host_if ifs[2] = { { "m0", RG_ROLE_MESH }, { "e0", RG_ROLE_EGRESS } };
	int n = argc > 1 ? atoi(argv[1]) : 10000, rcvbuf = 8 << 20, ok = 1;
	struct rg_drift_stats st;
	struct rg_plan plan;
	size_t cap = 256 + (size_t)n * 64, len = 0;
	char *text = malloc(cap), p[64];
	double t0, c0;
	long m0;
	uint64_t k0;

	if (n < 2 || n > 1000000 || !text)
		return 2;
	if (unshare(CLONE_NEWNET)) {
		perror("rg-bench-drift: unshare (run as root)");
		return 2;
	}
	sh("ip link set lo up && ip link add m0 mtu 9000 type veth peer name m0p mtu 9000 && "
	   "ip link add e0 type veth peer name e0p && ip link set m0p up && ip link set e0p up && "
	   "ip link set m0 up && ip link set e0 up && "
	   "ip -6 addr add fc00:ffff::11/64 dev m0 nodad && ip -6 addr add fd00:ffff::11/64 dev e0 nodad");
	len += snprintf(text + len, cap - len,
			"zone internal mesh fc00::/8\nzone external egress fd00::/8\n"
			"host node mesh m0 egress e0\n");
	for (int i = 0; i < n; i++) {
		prefix_of(i, p, sizeof(p));
		len += snprintf(text + len, cap - len, "prefix p%d %s\n", i, p);
	}
	if (rg_plan_parse(text, len, "bench.plan", &plan))
		return 2;
	routes(n, "add", "fc00:ffff::1", "fd00:ffff::1");

	nlfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nlfd < 0 || bind(nlfd, (struct sockaddr *)&sa, sizeof(sa)))
		return 2;
	/* the daemon's own buffer (SO_RCVBUFFORCE as root): a burst fits */
	setsockopt(nlfd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	d = rg_drift_new();
	if (!d)
		return 2;

	printf("drift watch: %d prefixes, %d routes, bursts of %d route changes (times from the "
	       "burst's end; 200 ms of quiet included)\n", n, n, n);
	t0 = now_s(), c0 = cpu_s(), m0 = nmsgs;
	rg_drift_set(d, &plan, ifs, 2);
	settle(0);
	report("full pass (start)", t0, c0, m0, 0);
	rg_drift_stats(d, &st);
	ok &= st.failing == 0;

	k0 = st.checks, m0 = nmsgs;
	routes(n, "replace", "fd00:ffff::1", "fc00:ffff::1");	/* every route wrong */
	t0 = now_s(), c0 = cpu_s();	/* from the burst's end: ip's own work is not ours */
	settle(200);
	report("burst: every route to the wrong side", t0, c0, m0, k0);
	rg_drift_stats(d, &st);
	ok &= st.failing == n;

	k0 = st.checks, m0 = nmsgs;
	routes(n, "replace", "fc00:ffff::1", "fd00:ffff::1");	/* and back */
	t0 = now_s(), c0 = cpu_s();
	settle(200);
	report("burst: every route back", t0, c0, m0, k0);
	rg_drift_stats(d, &st);
	ok &= st.failing == 0;
	printf("  reported: %ld started, %ld cleared; overruns %llu, full passes %llu\n", started,
	       cleared, (unsigned long long)st.overruns, (unsigned long long)st.full_passes);
	ok &= started == n && cleared == n;
	rg_drift_free(d);
	free(text);
	if (!ok)
		fprintf(stderr, "rg-bench-drift: the watch did not end with the failures the bursts made\n");
	return ok ? 0 : 1;
}
