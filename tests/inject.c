// SPDX-License-Identifier: GPL-2.0-only
/*
 * inject.c - rg-inject: send crafted frames out of an interface through an
 * AF_PACKET socket (they pass the interface's tc egress hook, then reach
 * the veth peer's XDP hook). Used by tests/netns.sh and the lab.
 *
 *   rg-inject IFNAME SRC DST [-n COUNT] [-l LEN] [-t 8100,88a8,...] [-c CUT]
 *             [-e vxlan|geneve,PORT,INNER_SRC,INNER_DST[,OPTION_WORDS]]
 *             [-w 8847|8848|8864|88e7]
 *   rg-inject IFNAME --ethertype 0x0806 [-n COUNT] [-l LEN]
 *
 * -t: up to 8 VLAN tags, outermost first (0x8100, 0x88a8, 0x9100, ...).
 * -e sends UDP to PORT carrying a VXLAN or Geneve header (with that many
 * 4-byte Geneve options) and an inner Ethernet frame of LEN bytes.
 * -w wraps the IP packet in MPLS, a PPPoE session or 802.1ah.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include "frames.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: rg-inject IFNAME SRC DST [-n COUNT] [-l LEN] [-t TAG[,TAG...]] [-c CUT]\n"
		"                 [-e vxlan|geneve,PORT,INNER_SRC,INNER_DST[,OPTION_WORDS]]\n"
		"                 [-w 8847|8848|8864|88e7]\n"
		"       rg-inject IFNAME --ethertype TYPE [-n COUNT] [-l LEN] [-t TAG...]\n"
		"  LEN is the whole frame in bytes (L2 header included), CUT truncates it\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static uint8_t frame[RG_FRAME_MAX];
	const char *ifname, *src = NULL, *dst = NULL;
	char *encap = NULL;
	long count = 1, total = 100, cut = 0, ethertype = 0, wrap = 0, sent = 0, failed = 0;
	uint16_t tags[8];
	int ntags = 0, fd, i = 2;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	size_t len;

	if (argc < 3)
		usage();
	ifname = argv[1];
	if (strcmp(argv[2], "--ethertype")) {
		if (argc < 4)
			usage();
		src = argv[2];
		dst = argv[3];
		i = 4;
	}
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(a, "-n"))
			count = atol(v);
		else if (!strcmp(a, "-l"))
			total = atol(v);
		else if (!strcmp(a, "-c"))
			cut = atol(v);
		else if (!strcmp(a, "-e"))
			encap = strdup(v);
		else if (!strcmp(a, "-w"))
			wrap = strtol(v, NULL, 16);
		else if (!strcmp(a, "--ethertype"))
			ethertype = strtol(v, NULL, 0);
		else if (!strcmp(a, "-t")) {
			char *d = strdup(v), *save = NULL;

			for (char *t = strtok_r(d, ",", &save); t && ntags < 8;
			     t = strtok_r(NULL, ",", &save))
				tags[ntags++] = strtol(t, NULL, 16);
			free(d);
		} else
			usage();
		i++;
	}
	if (src && encap) {
		static uint8_t inner[RG_FRAME_MAX], payload[RG_FRAME_MAX];
		char *save = NULL, *kind = strtok_r(encap, ",", &save);
		char *port = strtok_r(NULL, ",", &save), *is = strtok_r(NULL, ",", &save);
		char *id = strtok_r(NULL, ",", &save), *opts = strtok_r(NULL, ",", &save);
		size_t ilen, plen;

		if (!kind || !port || !is || !id || (strcmp(kind, "vxlan") && strcmp(kind, "geneve")))
			usage();
		ilen = rg_frame_ip(inner, sizeof(inner), is, id, NULL, 0, total);
		plen = ilen ? rg_frame_encap(payload, sizeof(payload), strcmp(kind, "vxlan") ? 2 : 1,
					     100101, opts ? atoi(opts) : 0, 0x6558, inner, ilen) : 0;
		len = plen ? rg_frame_udp(frame, sizeof(frame), src, dst, tags, ntags, atoi(port),
					  payload, plen) : 0;
		free(encap);
	} else if (src) {
		len = rg_frame_ip(frame, sizeof(frame), src, dst, tags, ntags, total);
		if (len && wrap)
			len = rg_frame_wrap(frame, len, sizeof(frame), ntags, wrap);
	}
	else
		len = rg_frame_other(frame, sizeof(frame), ethertype, tags, ntags, total);
	if (!len) {
		fprintf(stderr, "rg-inject: bad addresses or length\n");
		return 2;
	}
	if (cut && (size_t)cut < len)
		len = cut;

	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "rg-inject: no interface %s\n", ifname);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("rg-inject: socket");
		return 1;
	}
	sll.sll_halen = 6;
	/* ENOBUFS means the frame left this socket but was dropped on the way
	 * (by a tc drop verdict, or a full veth ring): it passed the local tc
	 * hook once, so it is not sent again. The peer's XDP sees only "sent".
	 */
	for (long n = 0; n < count; n++) {
		if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)len) {
			sent++;
			continue;
		}
		if (errno != ENOBUFS) {
			fprintf(stderr, "rg-inject: send on %s: %s\n", ifname, strerror(errno));
			return 1;
		}
		failed++;
		usleep(200);
	}
	close(fd);
	printf("sent=%ld failed=%ld len=%zu\n", sent, failed, len);
	return 0;
}
