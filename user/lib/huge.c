// SPDX-License-Identifier: GPL-2.0-only
/*
 * huge.c - zeroed arrays in transparent huge pages (see huge.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/huge.h"

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
	size_t bytes, maplen, pg = sysconf(_SC_PAGESIZE);
	uint8_t *base, *aligned;
	struct head *h;

	if (size && n > (SIZE_MAX - HEAD - 2 * HUGE_PAGE) / size) {
		errno = ENOMEM;
		return NULL;
	}
	bytes = n * size;
	if (bytes + HEAD < HUGE_MIN) {
		base = aligned_alloc(HEAD, (bytes + 2 * HEAD - 1) / HEAD * HEAD);
		if (!base)
			return NULL;
		memset(base, 0, bytes + HEAD);
		((struct head *)base)->maplen = 0;
		return base + HEAD;
	}
	/* the array starts on a 2 MiB boundary (a huge page must); its head
	 * sits in the small page before, outside any huge page, so an array
	 * barely touched costs no 2 MiB of zeroes. A last part under half a
	 * huge page is mapped to its small pages only, which then hold it: a
	 * huge page is zeroed whole (0.4-0.6 ms per 2 MiB here), a small one
	 * costs a fault each (about 2 us per 4 KiB), and a 400 KiB array
	 * took 2 MiB of zeroes.
	 */
	maplen = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	if (bytes % HUGE_PAGE && bytes % HUGE_PAGE < HUGE_PAGE / 2)
		maplen = bytes / HUGE_PAGE * HUGE_PAGE + (bytes % HUGE_PAGE + pg - 1) / pg * pg;
	base = mmap(NULL, maplen + 2 * HUGE_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	aligned = (uint8_t *)(((uintptr_t)base + pg + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (aligned - pg > base)
		munmap(base, aligned - pg - base);
	munmap(aligned + maplen, base + maplen + 2 * HUGE_PAGE - (aligned + maplen));
	/* no THP (a kernel without it, or "never"): small pages, still correct */
	madvise(aligned, maplen, MADV_HUGEPAGE);
	h = (struct head *)(aligned - HEAD);
	h->maplen = maplen + pg;
	return aligned;
}

void *rg_sparse_calloc(size_t n, size_t size)
{
	uint8_t *base;

	if (size && n > (SIZE_MAX - HEAD) / size) {
		errno = ENOMEM;
		return NULL;
	}
	/* calloc maps a large block fresh: no page is touched before use */
	base = calloc(1, n * size + HEAD);
	if (!base)
		return NULL;
	((struct head *)base)->maplen = 0;
	return base + HEAD;
}

void rg_huge_free(void *p)
{
	struct head *h;

	if (!p)
		return;
	h = (struct head *)((uint8_t *)p - HEAD);
	if (h->maplen)
		munmap((uint8_t *)p - sysconf(_SC_PAGESIZE), h->maplen);
	else
		free(h);
}
