/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * addr.h - addresses and CIDRs: parse, format, compare, and the same
 * addresses as 128-bit integers for range arithmetic (plan import's
 * covering prefixes, plan diff's sweeps, the veth bench's flattening).
 *
 * IPv4 lives in the IPv6 space as ::ffff:a.b.c.d, as in the datapath's
 * tries: an IPv4 /24 is a /120 there. struct rg_cidr remembers which family
 * it was written in, so it is printed back the same way.
 */
#ifndef RG_ADDR_H
#define RG_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ringguard.h"

struct rg_cidr {
	uint8_t addr[16];	/* IPv4 as ::ffff:a.b.c.d */
	uint8_t len;		/* prefix length in the 128-bit space */
	bool v4;
};

/* A CIDR as a plan writes it: ADDR/LEN, IPv6 or IPv4, no host bits. On
 * error why says what is wrong (and, for host bits, the CIDR meant).
 * Returns 0, -EINVAL or -ERANGE (a length beyond the family's).
 */
int rg_cidr_parse(const char *s, struct rg_cidr *c, char *why, size_t whylen);
/* ADDR or ADDR/LEN, host bits kept as written; without /LEN the length is
 * the whole address and *has_len is false. why may be NULL. Returns as
 * rg_cidr_parse.
 */
int rg_cidr_parse_loose(const char *s, struct rg_cidr *c, bool *has_len,
			char *why, size_t whylen);
/* One address, no length, as a 128-bit integer: 0, or -EINVAL. v4 (may
 * be NULL) says whether it was written as IPv4.
 */
int rg_addr_parse(const char *s, unsigned __int128 *v, bool *v4);

/* ADDR/LEN in the family the CIDR was written in. */
void rg_cidr_format(const struct rg_cidr *c, char *buf, size_t len);
/* The address part of c alone, in its family ("?" if it cannot be). */
void rg_cidr_addr_format(const struct rg_cidr *c, char *buf, size_t len);
/* One address, IPv4 (::ffff:a.b.c.d) written as a.b.c.d. */
void rg_addr_format(const uint8_t a[16], char *buf, size_t len);
/* One address of a known family: v4 written as a.b.c.d, else IPv6 (an
 * IPv4-mapped IPv6 address stays ::ffff:a.b.c.d).
 */
void rg_addr_format_af(const uint8_t a[16], bool v4, char *buf, size_t len);
/* The trie key of c (the plan's CIDRs are the trie's keys). */
void rg_key_of(const struct rg_cidr *c, struct rg_lpm_key *k);
/* A trie key, IPv4 inside ::ffff:0:0/96 written as IPv4. */
void rg_key_format(const struct rg_lpm_key *k, char *buf, size_t len);

/* c = addr/len; IPv4 when it lies inside ::ffff:0:0/96. */
void rg_cidr_set(struct rg_cidr *c, const uint8_t addr[16], int len);
/* c = the IPv4 address v4 (4 bytes, network order) as ::ffff:a.b.c.d;
 * len is left to the caller.
 */
void rg_cidr_set_v4(struct rg_cidr *c, const void *v4);
bool rg_addr_is_v4(const uint8_t a[16]);

/* Whether addr lies in outer (bits only, either family); whether inner
 * lies wholly in outer.
 */
bool rg_cidr_contains(const struct rg_cidr *outer, const uint8_t addr[16]);
/* An address of family v4 in c: only a CIDR of the same family covers it
 * (the plan judges IPv4 and IPv6 apart).
 */
bool rg_cidr_covers(const struct rg_cidr *c, const uint8_t addr[16], bool v4);
bool rg_cidr_inside(const struct rg_cidr *inner, const struct rg_cidr *outer);
bool rg_key_inside(const struct rg_lpm_key *inner, const struct rg_lpm_key *outer);
/* A trie key inside ::ffff:0:0/96: an IPv4 prefix. */
bool rg_key_is_v4(const struct rg_lpm_key *k);
int rg_cidr_cmp(const struct rg_cidr *a, const struct rg_cidr *b);
bool rg_cidr_has_host_bits(const struct rg_cidr *c);
void rg_cidr_clear_host_bits(struct rg_cidr *c);

/* ---- 128-bit integers ---------------------------------------------------- */

typedef unsigned __int128 u128;

#define U128_MAX	(~(u128)0)
/* ::ffff:0.0.0.0 - ::ffff:255.255.255.255 */
#define U128_V4_FIRST	((u128)0xffff << 32)
#define U128_V4_LAST	(U128_V4_FIRST | 0xffffffffu)

static inline u128 to_u128(const uint8_t a[16])
{
	u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = v << 8 | a[i];
	return v;
}

static inline void from_u128(u128 v, uint8_t a[16])
{
	for (int i = 15; i >= 0; i--) {
		a[i] = v & 0xff;
		v >>= 8;
	}
}

static inline bool u128_is_v4(u128 v)
{
	return v >= U128_V4_FIRST && v <= U128_V4_LAST;
}

/* The host part of a /len. */
static inline u128 host_mask(int len)
{
	if (len >= 128)
		return 0;
	if (len <= 0)
		return U128_MAX;
	return ((u128)1 << (128 - len)) - 1;
}

static inline u128 cidr_first(const struct rg_cidr *c)
{
	return to_u128(c->addr) & ~host_mask(c->len);
}

static inline u128 cidr_last(const struct rg_cidr *c)
{
	return cidr_first(c) | host_mask(c->len);
}

/* The length of the largest CIDR that starts at lo and ends at or before
 * hi (lo <= hi): [lo, hi] as the fewest CIDRs takes this one first.
 */
static inline int u128_block_len(u128 lo, u128 hi)
{
	int k = 0;	/* a block of 2^k addresses */

	while (k < 128 && !(lo & ((u128)1 << k)))
		k++;
	while (k > 0 && host_mask(128 - k) > hi - lo)
		k--;
	return 128 - k;
}

/* The address v, as IPv4 when v4 (v then lies in ::ffff:0:0/96). */
void rg_u128_format(u128 v, bool v4, char *buf, size_t len);

/* c = the /len starting at v; IPv4 when inside ::ffff:0:0/96. */
static inline void rg_cidr_from_u128(u128 v, int len, struct rg_cidr *c)
{
	uint8_t a[16];

	from_u128(v, a);
	rg_cidr_set(c, a, len);
}

#endif /* RG_ADDR_H */
