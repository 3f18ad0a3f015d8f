/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * addr128.h - addresses as 128-bit integers, for range arithmetic over
 * CIDRs (plan import's covering prefixes, plan diff's sweeps). IPv4 is the
 * ::ffff:a.b.c.d form the rest of ringguard uses.
 */
#ifndef RG_ADDR128_H
#define RG_ADDR128_H

#include <stdint.h>
#include "plan.h"

typedef unsigned __int128 u128;

#define U128_MAX (~(u128)0)

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

#endif /* RG_ADDR128_H */
