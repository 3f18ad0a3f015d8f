// SPDX-License-Identifier: GPL-2.0-only
/*
 * addr.c - addresses and CIDRs: parse, format, compare (see addr.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/addr.h"

static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

bool rg_addr_is_v4(const uint8_t a[16])
{
	return !memcmp(a, v4_mapped, sizeof(v4_mapped));
}

void rg_cidr_set_v4(struct rg_cidr *c, const void *v4)
{
	memcpy(c->addr, v4_mapped, sizeof(v4_mapped));
	memcpy(c->addr + 12, v4, 4);
	c->v4 = true;
}

void rg_cidr_set(struct rg_cidr *c, const uint8_t addr[16], int len)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->addr, addr, 16);
	c->len = len;
	c->v4 = len >= 96 && rg_addr_is_v4(addr);
}

bool rg_cidr_has_host_bits(const struct rg_cidr *c)
{
	return to_u128(c->addr) & host_mask(c->len);
}

void rg_cidr_clear_host_bits(struct rg_cidr *c)
{
	from_u128(cidr_first(c), c->addr);
}

/* why is NULL when the caller only wants the error code. */
#define WHY(...) do { if (why) snprintf(why, whylen, __VA_ARGS__); } while (0)

int rg_cidr_parse_loose(const char *s, struct rg_cidr *c, bool *has_len,
			char *why, size_t whylen)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned long plen = 0;
	uint8_t v4[4];

	memset(c, 0, sizeof(*c));
	*has_len = slash != NULL;
	if (alen == 0 || alen >= sizeof(addr)) {
		WHY("bad CIDR '%s': not an address", s);
		return -EINVAL;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (slash) {
		char *end;

		if (!isdigit((unsigned char)slash[1])) {
			WHY("bad CIDR '%s': prefix length is not a number", s);
			return -EINVAL;
		}
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (*end || errno) {
			WHY("bad CIDR '%s': prefix length is not a number", s);
			return -EINVAL;
		}
	}
	if (inet_pton(AF_INET6, addr, c->addr) == 1) {
		if (!slash)
			plen = 128;
		if (plen > 128) {
			WHY("prefix length %lu out of range in '%s' (IPv6: 0-128)", plen, s);
			return -ERANGE;
		}
		c->len = plen;
	} else if (inet_pton(AF_INET, addr, v4) == 1) {
		if (!slash)
			plen = 32;
		if (plen > 32) {
			WHY("prefix length %lu out of range in '%s' (IPv4: 0-32)", plen, s);
			return -ERANGE;
		}
		rg_cidr_set_v4(c, v4);
		c->len = 96 + plen;
	} else {
		WHY("bad CIDR '%s': '%s' is not an IPv6 or IPv4 address", s, addr);
		return -EINVAL;
	}
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The common forms without inet_pton (a 100k-line plan spent a fifth of
 * its parse there): "h:h:...:h/LEN" with at most one "::", and
 * "d.d.d.d/LEN". Accepts only what inet_pton accepts, with the same value;
 * false for anything else, valid or not (embedded IPv4, leading zeros,
 * errors), which the full parser then judges and explains.
 */
static bool cidr_quick(const char *s, struct rg_cidr *c)
{
	unsigned int plen = 0, ndig = 0;
	const char *p = s;

	memset(c, 0, sizeof(*c));
	if (strchr(s, ':')) {
		uint16_t g[8];
		int n = 0, gap = -1;

		if (p[0] == ':') {
			if (p[1] != ':')
				return false;
			gap = 0;
			p += 2;
		}
		while (*p != '/') {
			unsigned int v = 0, d = 0;
			int x;

			while ((x = hexval(*p)) >= 0 && d < 5) {
				v = v << 4 | x;
				d++;
				p++;
			}
			if (!d || d > 4 || n == 8)
				return false;
			g[n++] = v;
			if (*p == '/')
				break;
			if (*p != ':')
				return false;
			if (p[1] == ':') {
				if (gap >= 0)
					return false;
				gap = n;
				p += 2;
			} else {
				p++;
				if (hexval(*p) < 0)
					return false;
			}
		}
		if (gap < 0 ? n != 8 : n > 7)
			return false;
		for (int i = 0; i < n; i++) {
			int at = gap < 0 || i < gap ? i : 8 - n + i;

			c->addr[2 * at] = g[i] >> 8;
			c->addr[2 * at + 1] = g[i] & 0xff;
		}
	} else {
		uint8_t v4[4];

		for (int i = 0; i < 4; i++) {
			unsigned int v = 0, d = 0;

			while (*p >= '0' && *p <= '9' && d < 4) {
				v = v * 10 + (*p - '0');
				d++;
				p++;
			}
			/* inet_pton takes no leading zero ("010") */
			if (!d || d > 3 || v > 255 || (d > 1 && p[-(int)d] == '0'))
				return false;
			v4[i] = v;
			if (*p != (i < 3 ? '.' : '/'))
				return false;
			p++;
		}
		p--;
		rg_cidr_set_v4(c, v4);
	}
	/* p is at the '/' */
	for (p++; *p >= '0' && *p <= '9' && ndig < 4; p++, ndig++)
		plen = plen * 10 + (*p - '0');
	if (!ndig || ndig > 3 || *p || plen > (c->v4 ? 32u : 128u))
		return false;
	c->len = c->v4 ? 96 + plen : plen;
	return !rg_cidr_has_host_bits(c);
}

int rg_cidr_parse(const char *s, struct rg_cidr *c, char *why, size_t whylen)
{
	bool has_len;
	int err;

	if (cidr_quick(s, c))
		return 0;

	if (!strchr(s, '/')) {
		memset(c, 0, sizeof(*c));
		WHY("bad CIDR '%s': missing /LENGTH", s);
		return -EINVAL;
	}
	err = rg_cidr_parse_loose(s, c, &has_len, why, whylen);
	if (err)
		return err;
	if (rg_cidr_has_host_bits(c)) {
		struct rg_cidr net = *c;
		char fixed[64];

		rg_cidr_clear_host_bits(&net);
		rg_cidr_format(&net, fixed, sizeof(fixed));
		WHY("host bits set in '%s': did you mean %s?", s, fixed);
		return -EINVAL;
	}
	return 0;
}

int rg_addr_parse(const char *s, u128 *v, bool *v4)
{
	struct rg_cidr c;
	bool has_len;

	if (rg_cidr_parse_loose(s, &c, &has_len, NULL, 0) || has_len)
		return -EINVAL;
	*v = to_u128(c.addr);
	if (v4)
		*v4 = c.v4;
	return 0;
}

void rg_cidr_addr_format(const struct rg_cidr *c, char *buf, size_t len)
{
	if (!inet_ntop(c->v4 ? AF_INET : AF_INET6, c->v4 ? c->addr + 12 : c->addr, buf, len))
		snprintf(buf, len, "?");
}

void rg_cidr_format(const struct rg_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	rg_cidr_addr_format(c, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, c->v4 ? c->len - 96 : c->len);
}

void rg_u128_format(u128 v, bool v4, char *buf, size_t len)
{
	struct rg_cidr c = { .v4 = v4 };

	from_u128(v, c.addr);
	rg_cidr_addr_format(&c, buf, len);
}

void rg_addr_format(const uint8_t a[16], char *buf, size_t len)
{
	struct rg_cidr c;

	rg_cidr_set(&c, a, 128);
	rg_cidr_addr_format(&c, buf, len);
}

void rg_key_of(const struct rg_cidr *c, struct rg_lpm_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = c->len;
	memcpy(k->addr, c->addr, 16);
}

void rg_key_format(const struct rg_lpm_key *k, char *buf, size_t len)
{
	struct rg_cidr c;

	rg_cidr_set(&c, k->addr, k->prefixlen);
	rg_cidr_format(&c, buf, len);
}

/* Whether the first len bits of a and net agree. */
static bool same_prefix(const uint8_t *net, unsigned int len, const uint8_t *a)
{
	unsigned int full = len / 8, rest = len % 8;

	if (memcmp(net, a, full))
		return false;
	return !rest || !((net[full] ^ a[full]) & (0xff00 >> rest));
}

bool rg_cidr_contains(const struct rg_cidr *outer, const uint8_t addr[16])
{
	return same_prefix(outer->addr, outer->len, addr);
}

bool rg_cidr_inside(const struct rg_cidr *inner, const struct rg_cidr *outer)
{
	return inner->len >= outer->len && same_prefix(outer->addr, outer->len, inner->addr);
}

bool rg_key_inside(const struct rg_lpm_key *inner, const struct rg_lpm_key *outer)
{
	return inner->prefixlen >= outer->prefixlen &&
	       same_prefix(outer->addr, outer->prefixlen, inner->addr);
}

bool rg_key_is_v4(const struct rg_lpm_key *k)
{
	return k->prefixlen >= 96 && rg_addr_is_v4(k->addr);
}

int rg_cidr_cmp(const struct rg_cidr *a, const struct rg_cidr *b)
{
	int r = memcmp(a->addr, b->addr, 16);

	if (r)
		return r;
	return (int)a->len - (int)b->len;
}

void rg_addr_format_af(const uint8_t a[16], bool v4, char *buf, size_t len)
{
	if (v4)
		inet_ntop(AF_INET, a + 12, buf, len);
	else
		inet_ntop(AF_INET6, a, buf, len);
}

bool rg_cidr_covers(const struct rg_cidr *c, const uint8_t addr[16], bool v4)
{
	return c->v4 == v4 && rg_cidr_contains(c, addr);
}
