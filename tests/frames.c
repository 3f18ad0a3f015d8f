// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include "frames.h"

static const uint8_t mac_dst[6] = { 0x02, 0x52, 0x47, 0x00, 0x00, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0x52, 0x47, 0x00, 0x00, 0x01 };

static size_t l2(uint8_t *buf, const uint16_t *tags, int ntags, uint16_t ethertype)
{
	size_t off = 12;

	memcpy(buf, mac_dst, 6);
	memcpy(buf + 6, mac_src, 6);
	for (int i = 0; i < ntags; i++) {
		buf[off++] = tags[i] >> 8;
		buf[off++] = tags[i] & 0xff;
		buf[off++] = 0x00;		/* PCP 0, VID 100 + i */
		buf[off++] = 100 + i;
	}
	buf[off++] = ethertype >> 8;
	buf[off++] = ethertype & 0xff;
	return off;
}

/* The IPv4 header checksum (RFC 791), which the stack checks before
 * PREROUTING: frames that should reach it must carry a right one.
 */
static void ipv4_csum(uint8_t *ip)
{
	uint32_t sum = 0;

	ip[10] = ip[11] = 0;
	for (int i = 0; i < 20; i += 2)
		sum += ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = ~sum >> 8;
	ip[11] = ~sum & 0xff;
}

static size_t frame_ip(uint8_t *buf, size_t cap, const char *src, const char *dst,
		       const uint16_t *tags, int ntags, size_t total, uint8_t proto);

size_t rg_frame_ip(uint8_t *buf, size_t cap, const char *src, const char *dst,
		   const uint16_t *tags, int ntags, size_t total)
{
	return frame_ip(buf, cap, src, dst, tags, ntags, total, 0);
}

size_t rg_frame_udp(uint8_t *buf, size_t cap, const char *src, const char *dst,
		    const uint16_t *tags, int ntags, uint16_t dport, const uint8_t *payload,
		    size_t plen)
{
	bool v6 = strchr(src, ':') != NULL;
	size_t l4 = 14 + 4 * ntags + (v6 ? 40 : 20);
	size_t len = frame_ip(buf, cap, src, dst, tags, ntags, l4 + 8 + plen, 17);
	uint16_t ulen = 8 + plen;

	if (!len)
		return 0;
	buf[l4] = 0xc3;		/* source port 50000, as a tunnel's hashed one */
	buf[l4 + 1] = 0x50;
	buf[l4 + 2] = dport >> 8;
	buf[l4 + 3] = dport & 0xff;
	buf[l4 + 4] = ulen >> 8;
	buf[l4 + 5] = ulen & 0xff;
	memcpy(buf + l4 + 8, payload, plen);
	return len;
}

size_t rg_frame_encap(uint8_t *buf, size_t cap, int kind, uint32_t vni, int optwords,
		      uint16_t proto, const uint8_t *inner, size_t ilen)
{
	size_t hdr = 8 + (kind == 2 ? 4 * optwords : 0);

	if (hdr + ilen > cap)
		return 0;
	memset(buf, 0, hdr);
	if (kind == 2) {
		buf[0] = optwords & 0x3f;
		buf[2] = proto >> 8;
		buf[3] = proto & 0xff;
		for (int i = 0; i < optwords; i++)
			buf[8 + 4 * i] = 0x01;	/* option class bytes, never parsed */
	} else {
		buf[0] = 0x08;		/* I: the VNI is valid */
	}
	buf[4] = vni >> 16;
	buf[5] = vni >> 8;
	buf[6] = vni;
	memcpy(buf + hdr, inner, ilen);
	return hdr + ilen;
}

static size_t frame_ip(uint8_t *buf, size_t cap, const char *src, const char *dst,
		       const uint16_t *tags, int ntags, size_t total, uint8_t proto)
{
	uint8_t s[16], d[16];
	bool v6 = strchr(src, ':') != NULL;
	size_t off, hdr, len;

	if (v6 ? inet_pton(AF_INET6, src, s) != 1 || inet_pton(AF_INET6, dst, d) != 1
	       : inet_pton(AF_INET, src, s) != 1 || inet_pton(AF_INET, dst, d) != 1)
		return 0;
	hdr = 14 + 4 * ntags + (v6 ? 40 : 20);
	len = total < hdr ? hdr : total;
	if (len > cap)
		return 0;
	memset(buf, 0, len);
	off = l2(buf, tags, ntags, v6 ? 0x86dd : 0x0800);
	if (v6) {
		uint16_t plen = len - off - 40;

		buf[off] = 0x60;
		buf[off + 4] = plen >> 8;
		buf[off + 5] = plen & 0xff;
		buf[off + 6] = proto ? proto : 59;	/* no next header */
		buf[off + 7] = 64;
		memcpy(buf + off + 8, s, 16);
		memcpy(buf + off + 24, d, 16);
	} else {
		uint16_t tot = len - off;

		buf[off] = 0x45;
		buf[off + 2] = tot >> 8;
		buf[off + 3] = tot & 0xff;
		buf[off + 8] = 64;
		buf[off + 9] = proto ? proto : 253;	/* experimental */
		memcpy(buf + off + 12, s, 4);
		memcpy(buf + off + 16, d, 4);
		ipv4_csum(buf + off);
	}
	return len;
}

size_t rg_frame_other(uint8_t *buf, size_t cap, uint16_t ethertype,
		      const uint16_t *tags, int ntags, size_t total)
{
	size_t hdr = 14 + 4 * ntags, len = total < hdr ? hdr : total;

	if (len > cap)
		return 0;
	memset(buf, 0, len);
	l2(buf, tags, ntags, ethertype);
	return len;
}

size_t rg_frame_wrap(uint8_t *f, size_t len, size_t cap, int ntags, uint16_t wrap)
{
	static const uint8_t mpls[] = { 0x00, 0x01, 0x01, 0x40 };	/* label 16, bottom, TTL 64 */
	static const uint8_t pppoe[] = { 0x11, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x57 };
	static const uint8_t pbb[] = { 0x00, 0x01, 0x86, 0xa1, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1,
				       0x86, 0xdd };	/* I-SID 100001, inner MACs, IPv6 */
	const uint8_t *h = wrap == 0x8864 ? pppoe : wrap == 0x88e7 ? pbb : mpls;
	size_t hl = wrap == 0x8864 ? sizeof(pppoe) : wrap == 0x88e7 ? sizeof(pbb) : sizeof(mpls);
	size_t l2 = 14 + 4 * (size_t)ntags;

	if (len < l2 || len + hl > cap)
		return 0;
	memmove(f + l2 + hl, f + l2, len - l2);
	memcpy(f + l2, h, hl);
	f[l2 - 2] = wrap >> 8;
	f[l2 - 1] = wrap & 0xff;
	return len + hl;
}
