// SPDX-License-Identifier: GPL-2.0-only
/*
 * lpm.c - longest-prefix match over a plan's entries (lpm.h).
 */
#include <string.h>
#include "plan/lpm.h"

static uint64_t key_hash(const uint8_t addr[16], int len, bool v4)
{
	uint8_t k[18];

	memcpy(k, addr, 16);
	k[16] = len;
	k[17] = v4;
	return rg_hash_mix(rg_hash_bytes(RG_HASH_SEED, k, sizeof(k)));
}

static void mask(const uint8_t addr[16], int len, uint8_t out[16])
{
	for (int i = 0; i < 16; i++) {
		int bits = len - 8 * i;

		out[i] = bits >= 8 ? addr[i] : bits <= 0 ? 0 : addr[i] & (0xff << (8 - bits));
	}
}

int rg_plan_lpm_build(struct rg_plan_lpm *l, const struct rg_plan *p)
{
	int err;

	memset(l, 0, sizeof(*l));
	l->plan = p;
	err = rg_hidx_init(&l->by_cidr, p->nentries);
	for (int i = 0; i < p->nentries && !err; i++) {
		const struct rg_cidr *c = &p->entries[i].cidr;

		l->count[c->len]++;
		err = rg_hidx_add(&l->by_cidr, key_hash(c->addr, c->len, c->v4), i, 0);
	}
	if (err)
		rg_plan_lpm_free(l);
	return err;
}

void rg_plan_lpm_free(struct rg_plan_lpm *l)
{
	rg_hidx_free(&l->by_cidr);
	memset(l, 0, sizeof(*l));
}

int rg_plan_lpm_exact(const struct rg_plan_lpm *l, const uint8_t addr[16], int len, bool v4)
{
	struct rg_hslot *s;
	uint8_t m[16];

	if (len < 0 || len > 128 || !l->count[len])
		return -1;
	mask(addr, len, m);
	rg_hidx_for_each(s, &l->by_cidr, key_hash(m, len, v4)) {
		const struct rg_cidr *c = &l->plan->entries[s->id].cidr;

		if (c->len == len && c->v4 == v4 && !memcmp(c->addr, m, 16))
			return s->id;
	}
	return -1;
}

int rg_plan_lpm_find(const struct rg_plan_lpm *l, const uint8_t addr[16], bool v4)
{
	/* an IPv4 CIDR is kept mapped: ::ffff:a.b.c.d/(96 + n) */
	for (int len = 128; len >= (v4 ? 96 : 0); len--) {
		int i = rg_plan_lpm_exact(l, addr, len, v4);

		if (i >= 0)
			return i;
	}
	return -1;
}
