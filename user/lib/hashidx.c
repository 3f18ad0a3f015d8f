// SPDX-License-Identifier: GPL-2.0-only
/*
 * hashidx.c - the hash index (hashidx.h). Kept at most 70% full, tombstones
 * counted, so a probe always ends at an empty slot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hashidx.h"

uint64_t rg_hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

uint64_t rg_hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

uint64_t rg_hash_str(const char *s)
{
	return rg_hash_mix(rg_hash_bytes(RG_HASH_SEED, s, strlen(s)));
}

static int alloc_slots(struct rg_hidx *x, uint32_t want)
{
	uint32_t size = 64;
	struct rg_hslot *s;

	while (size < 2 * want)
		size *= 2;
	s = malloc(size * sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (uint32_t i = 0; i < size; i++)
		s[i].id = -1;
	x->slot = s;
	x->mask = size - 1;
	x->filled = 0;
	return 0;
}

int rg_hidx_init(struct rg_hidx *x, uint32_t want)
{
	rg_hidx_free(x);
	return alloc_slots(x, want);
}

void rg_hidx_free(struct rg_hidx *x)
{
	free(x->slot);
	*x = (struct rg_hidx){};
}

static void put(struct rg_hidx *x, const struct rg_hslot *v)
{
	uint32_t i = v->hash & x->mask;

	while (x->slot[i].id >= 0)
		i = (i + 1) & x->mask;
	if (x->slot[i].id == -1)
		x->filled++;
	x->slot[i] = *v;
}

/* Rehashes into an index twice the live slots (tombstones go). */
static int grow(struct rg_hidx *x)
{
	struct rg_hidx old = *x, nx;
	uint32_t live = 0;

	for (uint32_t i = 0; old.slot && i <= old.mask; i++)
		live += old.slot[i].id >= 0;
	if (alloc_slots(&nx, live + 1 > (old.mask + 1) / 4 ? live + 1 : (old.mask + 1) / 4))
		return -ENOMEM;
	for (uint32_t i = 0; old.slot && i <= old.mask; i++)
		if (old.slot[i].id >= 0)
			put(&nx, &old.slot[i]);
	free(old.slot);
	*x = nx;
	return 0;
}

int rg_hidx_add(struct rg_hidx *x, uint64_t hash, int id, int n)
{
	if ((!x->slot || (x->filled + 1) * 10 > (x->mask + 1) * 7) && grow(x))
		return -ENOMEM;
	put(x, &(struct rg_hslot){ .hash = hash, .id = id, .n = n });
	return 0;
}

/* From slot i on: the first live slot of hash, or NULL at an empty one. */
static struct rg_hslot *scan(const struct rg_hidx *x, uint32_t i, uint64_t hash)
{
	for (;; i = (i + 1) & x->mask) {
		struct rg_hslot *s = &x->slot[i];

		if (s->id == -1)
			return NULL;
		if (s->id >= 0 && s->hash == hash)
			return s;
	}
}

struct rg_hslot *rg_hidx_first(const struct rg_hidx *x, uint64_t hash)
{
	return x->slot ? scan(x, hash & x->mask, hash) : NULL;
}

struct rg_hslot *rg_hidx_next(const struct rg_hidx *x, const struct rg_hslot *s, uint64_t hash)
{
	return scan(x, ((s - x->slot) + 1) & x->mask, hash);
}
