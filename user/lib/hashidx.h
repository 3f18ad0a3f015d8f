/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hashidx.h - the one hash index of user/: ids (positions in the caller's
 * own array) found by a 64-bit hash, open addressing with linear probes.
 * The index keeps no keys: a caller walks the slots of a hash and compares
 * its own records, so one index serves names, CIDRs, lines and pairs.
 *
 *	struct rg_hidx by_name = {};
 *	rg_hidx_add(&by_name, rg_hash_str(e->name), i, 0);
 *	rg_hidx_for_each(s, &by_name, h)
 *		if (!strcmp(v[s->id].name, name))
 *			return s->id;
 *
 * A slot carries one int of the caller's (n: a count of entries sharing the
 * key, say). rg_hidx_del() leaves a tombstone that probes walk over and the
 * next growth drops. A zeroed struct is an empty index.
 */
#ifndef RG_HASHIDX_H
#define RG_HASHIDX_H

#include <stddef.h>
#include <stdint.h>

#define RG_HASH_SEED	0xcbf29ce484222325ull

struct rg_hslot {
	uint64_t hash;
	int id;		/* -1 empty, -2 removed */
	int n;		/* the caller's */
};

struct rg_hidx {
	struct rg_hslot *slot;
	uint32_t mask;		/* size - 1; size a power of two */
	uint32_t filled;	/* slots not empty, removed ones included */
};

/* Room for want ids without growing; drops what the index held. */
int rg_hidx_init(struct rg_hidx *x, uint32_t want);
void rg_hidx_free(struct rg_hidx *x);
/* 0 or -ENOMEM (the index unchanged) */
int rg_hidx_add(struct rg_hidx *x, uint64_t hash, int id, int n);
/* The live slots whose hash is hash, in probe order; NULL after the last. */
struct rg_hslot *rg_hidx_first(const struct rg_hidx *x, uint64_t hash);
struct rg_hslot *rg_hidx_next(const struct rg_hidx *x, const struct rg_hslot *s, uint64_t hash);
static inline void rg_hidx_del(struct rg_hslot *s)
{
	s->id = -2;
}

#define rg_hidx_for_each(s, x, h) \
	for ((s) = rg_hidx_first((x), (h)); (s); (s) = rg_hidx_next((x), (s), (h)))

/* FNV-1a over bytes, chained from h (RG_HASH_SEED to start) */
uint64_t rg_hash_bytes(uint64_t h, const void *p, size_t n);
/* a final mix, so keys that differ only at their end spread over the index */
uint64_t rg_hash_mix(uint64_t h);
uint64_t rg_hash_str(const char *s);

#endif /* RG_HASHIDX_H */
