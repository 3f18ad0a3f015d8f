// SPDX-License-Identifier: GPL-2.0-only
/*
 * tapsend.c - rg-tap: write TCP frames into a tap as a hypervisor's virtio
 * backend does (QEMU, vhost-net): the tap opened with IFF_VNET_HDR, each
 * frame behind a struct virtio_net_hdr_mrg_rxbuf that asks for GSO (TCPv6,
 * segments of MSS) and a partial checksum. The kernel turns each write into
 * one GSO skb that enters the tap's ingress: what a guest's TSO sends.
 *
 *   rg-tap IFNAME SRC DST [-n COUNT] [-l LEN] [-m MSS] [-d MAC] [-s SECONDS]
 *
 * LEN is the frame without the virtio header (Ethernet included; default
 * 65000), MSS the segment size (default 8940: MTU 9000), MAC the
 * destination (default ff:ff:ff:ff:ff:ff). The tap must exist (ip tuntap
 * add dev IFNAME mode tap vnet_hdr). Prints "sent=N failed=F len=L"; with
 * -s, writes for that many seconds instead of COUNT frames and adds
 * "gbit=G cpu=S" (the frames' bits per second, 10^9; the CPU seconds this
 * process used, user + system: the kernel's receive path runs in it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#define FRAME_MAX	65535

static void usage(void)
{
	fprintf(stderr, "usage: rg-tap IFNAME SRC DST [-n COUNT] [-l LEN] [-m MSS] [-d MAC] "
		"[-s SECONDS]\n");
	exit(2);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static uint32_t sum16(const void *p, size_t len, uint32_t s)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	return s;
}

int main(int argc, char **argv)
{
	static uint8_t buf[sizeof(struct virtio_net_hdr_mrg_rxbuf) + FRAME_MAX];
	struct virtio_net_hdr_mrg_rxbuf *vh = (void *)buf;
	uint8_t *f = buf + sizeof(*vh), *ip, *tcp;
	long count = 1, total = 65000, mss = 8940, sent = 0, failed = 0;
	double secs = 0, t0;
	unsigned int mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	int hsz = sizeof(*vh), fd;
	struct ifreq ifr = {};
	char path[64 + IFNAMSIZ];
	uint32_t s;

	if (argc < 4)
		usage();
	for (int i = 4; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(a, "-n"))
			count = atol(v);
		else if (!strcmp(a, "-l"))
			total = atol(v);
		else if (!strcmp(a, "-m"))
			mss = atol(v);
		else if (!strcmp(a, "-s"))
			secs = atof(v);
		else if (!strcmp(a, "-d") && sscanf(v, "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1],
						    &mac[2], &mac[3], &mac[4], &mac[5]) == 6)
			;
		else
			usage();
	}
	if (total < 14 + 40 + 20 + 1 || total > FRAME_MAX || mss < 1 || mss > 65535)
		usage();

	/* Ethernet, IPv6, TCP (ACK|PSH), payload */
	memset(f, 0, total);
	for (int i = 0; i < 6; i++)
		f[i] = mac[i];
	memcpy(f + 6, "\x02\x52\x47\x0a\x00\x01", 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip = f + 14;
	ip[0] = 0x60;
	*(uint16_t *)(ip + 4) = htons(total - 14 - 40);
	ip[6] = 6;		/* TCP */
	ip[7] = 64;
	if (inet_pton(AF_INET6, argv[2], ip + 8) != 1 || inet_pton(AF_INET6, argv[3], ip + 24) != 1)
		usage();
	tcp = ip + 40;
	*(uint16_t *)tcp = htons(40000);
	*(uint16_t *)(tcp + 2) = htons(5201);
	*(uint32_t *)(tcp + 4) = htonl(1);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18;
	*(uint16_t *)(tcp + 14) = htons(65535);
	for (long i = 14 + 40 + 20; i < total; i++)
		f[i] = (uint8_t)i;
	/* CHECKSUM_PARTIAL: the pseudo-header's sum, not inverted, in the
	 * checksum field; whoever segments finishes it
	 */
	s = sum16(ip + 8, 32, 0) + (uint32_t)(total - 14 - 40) + 6;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	*(uint16_t *)(tcp + 16) = htons(s);

	vh->hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->hdr.gso_type = total - 14 - 40 - 20 > mss ? VIRTIO_NET_HDR_GSO_TCPV6 : 0;
	vh->hdr.hdr_len = 14 + 40 + 20;
	vh->hdr.gso_size = mss;
	vh->hdr.csum_start = 14 + 40;
	vh->hdr.csum_offset = 16;
	vh->num_buffers = 0;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("rg-tap: /dev/net/tun");
		return 1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hsz)) {
		fprintf(stderr, "rg-tap: %s: %s (create it with 'ip tuntap add dev %s mode tap "
			"vnet_hdr')\n", argv[1], strerror(errno), argv[1]);
		return 1;
	}
	/* Opening the tap gives it carrier, but the bridge hears of it (and
	 * forwards from the port) only when linkwatch runs, up to a second
	 * later, as it sets the operstate: QEMU's guest is not that quick.
	 */
	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", argv[1]);
	for (t0 = now(); now() - t0 < 3;) {
		FILE *o = fopen(path, "r");
		char st[16] = "";

		if (o) {
			if (!fgets(st, sizeof(st), o))
				st[0] = '\0';
			fclose(o);
		}
		if (!strncmp(st, "up", 2))
			break;
		usleep(10000);
	}
	usleep(20000);
	t0 = now();
	for (long n = 0; secs ? 1 : n < count; n++) {
		if (secs && !(n & 63) && now() - t0 >= secs)
			break;
		if (write(fd, buf, hsz + total) == hsz + total) {
			sent++;
			continue;
		}
		if (errno != ENOBUFS && errno != EAGAIN) {
			fprintf(stderr, "rg-tap: write to %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		failed++;
	}
	if (secs) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		printf("sent=%ld failed=%ld len=%ld gbit=%.2f cpu=%.3f\n", sent, failed, total,
		       sent * total * 8 / (now() - t0) / 1e9,
		       ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	}
	else
		printf("sent=%ld failed=%ld len=%ld\n", sent, failed, total);
	close(fd);
	return 0;
}
