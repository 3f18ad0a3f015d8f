// SPDX-License-Identifier: GPL-2.0-only
/*
 * lifeline.c - echo probes of the plan's lifelines (see lifeline.h).
 *
 * Raw sockets, filtered in the kernel to echo replies (ICMP6_FILTER,
 * ICMP_FILTER); a reply counts when its identifier is ours, its sequence is
 * one of the rounds still remembered and not yet overdue, and it comes from
 * the lifeline's address. Sending never waits for replies: a round in flight
 * does not make the one before it worthless, so a 600 ms link with rounds
 * every 500 ms answers every probe.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include "daemon/lifeline.h"
#include "kernel/state.h"

#define PAYLOAD "ringguard-lifeline"

/* <linux/icmp.h>'s, which clashes with <netinet/ip_icmp.h> */
#ifndef ICMP_FILTER
#define ICMP_FILTER	1
#endif
struct rg_icmp_filter {
	__u32 data;
};

void rg_prober_init(struct rg_prober *p)
{
	memset(p, 0, sizeof(*p));
	p->fd6 = p->fd4 = -1;
	p->ident = (getpid() ^ (time(NULL) << 4)) & 0xffff;
}

static int open6(void)
{
	struct icmp6_filter f;
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);

	if (fd < 0)
		return -errno;
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
	setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	return fd;
}

static int open4(void)
{
	struct rg_icmp_filter f = { .data = ~(1u << ICMP_ECHOREPLY) };
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	return fd;
}

int rg_prober_set(struct rg_prober *p, const struct rg_plan *plan)
{
	struct rg_lifeline_state next[RG_MAX_LIFELINES];
	bool v4 = false, v6 = false;

	memset(next, 0, sizeof(next));
	for (int i = 0; i < plan->nlifelines; i++) {
		next[i].l = plan->lifelines[i];
		next[i].added_ns = rg_monotonic_ns();
		rg_addr_format(next[i].l.addr, next[i].text, sizeof(next[i].text));
		for (int j = 0; j < p->n; j++) {
			if (memcmp(p->s[j].l.addr, next[i].l.addr, 16))
				continue;
			next[i] = p->s[j];
			next[i].l = plan->lifelines[i];
		}
		v4 |= next[i].l.v4;
		v6 |= !next[i].l.v4;
	}
	memcpy(p->s, next, sizeof(next));
	p->n = plan->nlifelines;
	if (v6 && p->fd6 < 0)
		p->fd6 = open6();
	if (v4 && p->fd4 < 0)
		p->fd4 = open4();
	if ((v6 && p->fd6 < 0) || (v4 && p->fd4 < 0))
		return v6 && p->fd6 < 0 ? p->fd6 : p->fd4;
	return 0;
}

static __u16 csum(const void *data, size_t len)
{
	const __u8 *b = data;
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static void send_one(struct rg_prober *p, struct rg_lifeline_state *s)
{
	struct {
		struct icmphdr h;	/* same layout as struct icmp6_hdr's first 8 bytes */
		char payload[sizeof(PAYLOAD)];
	} pkt = {};

	pkt.h.un.echo.id = htons(p->ident);
	pkt.h.un.echo.sequence = htons(p->seq);
	memcpy(pkt.payload, PAYLOAD, sizeof(PAYLOAD));
	if (s->l.v4) {
		struct sockaddr_in sa = { .sin_family = AF_INET };

		if (p->fd4 < 0)
			return;
		pkt.h.type = ICMP_ECHO;
		pkt.h.checksum = csum(&pkt, sizeof(pkt));
		memcpy(&sa.sin_addr, s->l.addr + 12, 4);
		sendto(p->fd4, &pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };

		if (p->fd6 < 0)
			return;
		pkt.h.type = ICMP6_ECHO_REQUEST;	/* the kernel sums ICMPv6 */
		memcpy(&sa.sin6_addr, s->l.addr, 16);
		sendto(p->fd6, &pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof(sa));
	}
}

void rg_prober_round(struct rg_prober *p)
{
	struct rg_probe_round *r;

	rg_prober_expire(p);
	p->seq++;
	r = &p->rounds[p->seq % RG_PROBE_RING];
	/* a round not yet overdue in the slot (rounds sent faster than the
	 * ring holds): its misses count now
	 */
	if (r->sent_ns && !r->expired) {
		for (int i = 0; i < p->n; i++)
			if (p->s[i].added_ns <= r->sent_ns && p->s[i].answered_sent_ns < r->sent_ns)
				p->s[i].misses++;
	}
	*r = (struct rg_probe_round){ .seq = p->seq, .sent_ns = rg_monotonic_ns() };
	for (int i = 0; i < p->n; i++)
		send_one(p, &p->s[i]);
}

static void update_up(struct rg_lifeline_state *s)
{
	s->up = s->answered_sent_ns && s->misses < RG_LIFELINE_MISSES;
	s->known |= s->answered_sent_ns || s->misses >= RG_LIFELINE_MISSES;
}

void rg_prober_expire(struct rg_prober *p)
{
	__u64 now;

	rg_prober_recv(p);
	now = rg_monotonic_ns();
	/* oldest first: a lifeline's misses are the overdue rounds after its
	 * latest answer, in the order they were sent
	 */
	for (int k = RG_PROBE_RING - 1; k >= 0; k--) {
		__u16 seq = p->seq - k;
		struct rg_probe_round *r = &p->rounds[seq % RG_PROBE_RING];

		if (r->seq != seq || !r->sent_ns || r->expired ||
		    now < r->sent_ns + RG_LIFELINE_REPLY_MS * 1000000ull)
			continue;
		r->expired = true;
		for (int i = 0; i < p->n; i++)
			if (p->s[i].added_ns <= r->sent_ns && p->s[i].answered_sent_ns < r->sent_ns)
				p->s[i].misses++;
	}
	for (int i = 0; i < p->n; i++)
		update_up(&p->s[i]);
}

__u64 rg_prober_answering(const struct rg_prober *p)
{
	__u64 m = 0;

	for (int i = 0; i < p->n; i++)
		if (p->s[i].answered_sent_ns && !p->s[i].misses)
			m |= 1ull << i;
	return m;
}

void rg_prober_reply(struct rg_prober *p, const __u8 addr[16], __u16 id, __u16 seq)
{
	const struct rg_probe_round *r = &p->rounds[seq % RG_PROBE_RING];

	/* ours, a round still remembered, and not yet counted as missed */
	if (id != p->ident || r->seq != seq || !r->sent_ns || r->expired)
		return;
	for (int i = 0; i < p->n; i++) {
		struct rg_lifeline_state *s = &p->s[i];

		if (memcmp(s->l.addr, addr, 16) || s->added_ns > r->sent_ns)
			continue;
		s->last_reply_ns = rg_monotonic_ns();
		if (r->sent_ns <= s->answered_sent_ns)
			continue;	/* an older round than one it answered */
		s->answered_sent_ns = r->sent_ns;
		/* the rounds after this one are not overdue either */
		s->misses = 0;
		update_up(s);
	}
}

void rg_prober_recv(struct rg_prober *p)
{
	__u8 buf[1500], addr[16];
	ssize_t n;

	for (;;) {
		struct sockaddr_in6 sa;
		socklen_t sl = sizeof(sa);
		const struct icmp6_hdr *h;

		if (p->fd6 < 0)
			break;
		n = recvfrom(p->fd6, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
		if (n < 0)
			break;
		h = (const struct icmp6_hdr *)buf;
		if (n < (ssize_t)sizeof(*h) || h->icmp6_type != ICMP6_ECHO_REPLY)
			continue;
		rg_prober_reply(p, sa.sin6_addr.s6_addr, ntohs(h->icmp6_id), ntohs(h->icmp6_seq));
	}
	for (;;) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		const struct iphdr *ip = (const struct iphdr *)buf;
		const struct icmphdr *h;

		if (p->fd4 < 0)
			break;
		n = recvfrom(p->fd4, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
		if (n < 0)
			break;
		/* a raw IPv4 socket hands over the IP header too */
		if (n < (ssize_t)sizeof(*ip) || n < ip->ihl * 4 + (ssize_t)sizeof(*h))
			continue;
		h = (const struct icmphdr *)(buf + ip->ihl * 4);
		if (h->type != ICMP_ECHOREPLY)
			continue;
		memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &sa.sin_addr, 4);
		rg_prober_reply(p, addr, ntohs(h->un.echo.id), ntohs(h->un.echo.sequence));
	}
}

__u64 rg_prober_probe_now(struct rg_prober *p, int timeout_ms)
{
	__u64 t0 = rg_monotonic_ns(), end = t0 + timeout_ms * 1000000ull, next = t0;
	__u64 want = p->n >= 64 ? ~0ull : (1ull << p->n) - 1, answered = 0;

	while ((answered & want) != want) {
		struct pollfd pfd[2] = {
			{ .fd = p->fd6, .events = POLLIN },
			{ .fd = p->fd4, .events = POLLIN },
		};
		__u64 now = rg_monotonic_ns(), until;

		if (now >= end)
			break;
		if (now >= next) {
			rg_prober_round(p);
			next = now + 500000000ull;
		}
		until = next < end ? next : end;
		if (poll(pfd, 2, (int)((until - now) / 1000000) + 1) < 0 && errno != EINTR)
			break;
		rg_prober_recv(p);
		for (int i = 0; i < p->n; i++)
			if (p->s[i].answered_sent_ns >= t0)
				answered |= 1ull << i;
	}
	return answered;
}

void rg_prober_close(struct rg_prober *p)
{
	if (p->fd6 >= 0)
		close(p->fd6);
	if (p->fd4 >= 0)
		close(p->fd4);
	p->fd6 = p->fd4 = -1;
}
