/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * file.h - whole files in and out: the one reader of plans and documents,
 * and the one atomic writer (a file another process watches is never seen
 * half-written). Errors are returned, not printed: the caller says them in
 * its own words.
 */
#ifndef RG_FILE_H
#define RG_FILE_H

#include <stddef.h>
#include <sys/types.h>

enum {
	/* a regular file or nothing, opened without blocking: a FIFO renamed
	 * over a file the daemon reads would hold it in open() until a writer
	 * came (-EINVAL for anything else; rg_file_kind() says what it is)
	 */
	RG_FILE_REGULAR	= 1 << 0,
	/* the text in transparent huge pages (lib/huge.h): plan-sized files */
	RG_FILE_HUGE	= 1 << 1,
};

/* The whole of path into *text (a NUL after the last byte, *len bytes
 * before it): 0, -EFBIG for more than max bytes, -EISDIR, -EINVAL (see
 * RG_FILE_REGULAR), or -errno. Free with rg_file_free(text, flags).
 */
int rg_file_read(const char *path, size_t max, unsigned int flags, char **text, size_t *len);
void rg_file_free(char *text, unsigned int flags);
/* "a FIFO", "a socket", ...: what a refused path is, for the message */
const char *rg_file_kind(const char *path);

/* data into path by a rename from beside it, fsync'd, with mode: 0 or -errno */
int rg_file_write_atomic(const char *path, const char *data, size_t len, mode_t mode);

#endif /* RG_FILE_H */
