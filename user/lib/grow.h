/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * grow.h - room for one more element at the end of an array that doubles
 * (git's ALLOC_GROW): appends stay O(1) amortised, and the realloc idiom
 * lives in one place.
 *
 *	if (RG_GROW(v, n, cap, 16))
 *		return -ENOMEM;
 *	v[n++] = x;
 *
 * v, n and cap are lvalues (v a pointer, n and cap ints); first is the size
 * of the first allocation. Evaluates to 0, or to -ENOMEM with v unchanged.
 */
#ifndef RG_GROW_H
#define RG_GROW_H

#include <errno.h>
#include <stdlib.h>

#define RG_GROW(v, n, cap, first) ({						\
	int grow_err_ = 0;							\
	if ((n) >= (cap)) {							\
		int grow_cap_ = (cap) ? 2 * (cap) : (first);			\
		__typeof__(v) grow_v_ = realloc((v), (size_t)grow_cap_ * sizeof(*(v))); \
										\
		if (grow_v_) {							\
			(v) = grow_v_;						\
			(cap) = grow_cap_;					\
		} else {							\
			grow_err_ = -ENOMEM;					\
		}							\
	}									\
	grow_err_;								\
})

#endif /* RG_GROW_H */
