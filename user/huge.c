// SPDX-License-Identifier: GPL-2.0-only
/*
 * huge.c - zeroed arrays in transparent huge pages (see huge.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "huge.h"

#define HUGE_PAGE	(2u << 20)
/* below this an array is a few pages: calloc's are as cheap */
#define HUGE_MIN	(64u << 10)
#define HEAD		64u	/* keeps the array 64-byte aligned */

/* before every array: how it was allocated */
struct head {
	size_t maplen;		/* 0: calloc, else the mapping's length */
};

_Static_assert(sizeof(struct head) <= HEAD, "struct head fits before the array");

void *rg_huge_calloc(size_t n, size_t size)
{
	size_t bytes, maplen;
	uint8_t *base, *aligned;
	struct head *h;

	if (size && n > (SIZE_MAX - HEAD - 2 * HUGE_PAGE) / size) {
		errno = ENOMEM;
		return NULL;
	}
	bytes = HEAD + n * size;
	if (bytes < HUGE_MIN) {
		base = aligned_alloc(HEAD, (bytes + HEAD - 1) / HEAD * HEAD);
		if (!base)
			return NULL;
		memset(base, 0, bytes);
		((struct head *)base)->maplen = 0;
		return base + HEAD;
	}
	/* a huge page must start on a 2 MiB boundary: map one more and trim */
	maplen = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	base = mmap(NULL, maplen + HUGE_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	aligned = (uint8_t *)(((uintptr_t)base + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (aligned > base)
		munmap(base, aligned - base);
	if (aligned + maplen < base + maplen + HUGE_PAGE)
		munmap(aligned + maplen, base + maplen + HUGE_PAGE - (aligned + maplen));
	/* no THP (a kernel without it, or "never"): 4 KiB pages, still correct */
	madvise(aligned, maplen, MADV_HUGEPAGE);
	h = (struct head *)aligned;
	h->maplen = maplen;
	return aligned + HEAD;
}

void rg_huge_free(void *p)
{
	struct head *h;

	if (!p)
		return;
	h = (struct head *)((uint8_t *)p - HEAD);
	if (h->maplen)
		munmap(h, h->maplen);
	else
		free(h);
}
