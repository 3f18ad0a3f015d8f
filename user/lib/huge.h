/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * huge.h - zeroed arrays of a plan's size (100k entries: megabytes) in
 * transparent huge pages.
 *
 * A command runs once and touches its arrays once, so what it pays for
 * them is mostly the first touch of each page. On a VM that backs guest
 * memory lazily (Firecracker) a fresh 4 KiB page costs about 15 us: 16 MiB
 * took 60 ms, the same in 2 MiB pages (MADV_HUGEPAGE) 1.2 ms. Small arrays
 * come from calloc as usual.
 *
 *	struct x *v = rg_huge_calloc(n, sizeof(*v));
 *	...
 *	rg_huge_free(v);
 */
#ifndef RG_HUGE_H
#define RG_HUGE_H

#include <stddef.h>

/* n zeroed elements of size bytes, 64-byte aligned; NULL (errno set) when
 * there is no room. n == 0 gives a valid pointer to nothing.
 */
void *rg_huge_calloc(size_t n, size_t size);
/* The same in small pages, for an array of a plan's size that is mostly
 * left untouched (the few entries a sync changes): a huge page touched is
 * 2 MiB zeroed. 16-byte aligned.
 */
void *rg_sparse_calloc(size_t n, size_t size);
/* Either kind. */
void rg_huge_free(void *p);

#endif /* RG_HUGE_H */
