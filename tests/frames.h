/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * frames.h - build Ethernet frames for tests and the lab (rg-inject).
 */
#ifndef RG_FRAMES_H
#define RG_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define RG_FRAME_MAX	16384

/* Builds Ethernet [+ tags] + IPv6 or IPv4 (picked from the address family
 * of src) + zero payload up to total bytes (at least the headers); an
 * IPv4 header carries its checksum, so the stack takes the frame.
 * tags: ethertypes of the VLAN tags, outermost first (0x8100, 0x88a8).
 * Returns the frame length, 0 if an address does not parse.
 */
size_t rg_frame_ip(uint8_t *buf, size_t cap, const char *src, const char *dst,
		   const uint16_t *tags, int ntags, size_t total);

/* Ethernet [+ tags] + IPv6 or IPv4 + UDP to dport, carrying payload. */
size_t rg_frame_udp(uint8_t *buf, size_t cap, const char *src, const char *dst,
		    const uint16_t *tags, int ntags, uint16_t dport, const uint8_t *payload,
		    size_t plen);

/* A VXLAN header (kind 1, VNI vni) or a Geneve one (kind 2) with optwords
 * 4-byte words of options and payload ethertype proto (0x6558: Ethernet),
 * followed by the inner frame. Returns the length, 0 if it does not fit.
 */
size_t rg_frame_encap(uint8_t *buf, size_t cap, int kind, uint32_t vni, int optwords,
		      uint16_t proto, const uint8_t *inner, size_t ilen);

/* A frame of another ethertype (ARP 0x0806, LLDP 0x88cc), total bytes. */
size_t rg_frame_other(uint8_t *buf, size_t cap, uint16_t ethertype,
		      const uint16_t *tags, int ntags, size_t total);

/* The IP frame in f (len bytes, ntags tags) wrapped in EtherType wrap:
 * 0x8847/0x8848 an MPLS label, 0x8864 a PPPoE session and PPP header,
 * 0x88e7 802.1ah's I-TAG and a whole Ethernet header. The new length, 0
 * if it does not fit in cap.
 */
size_t rg_frame_wrap(uint8_t *f, size_t len, size_t cap, int ntags, uint16_t wrap);

#endif /* RG_FRAMES_H */
