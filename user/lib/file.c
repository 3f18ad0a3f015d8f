// SPDX-License-Identifier: GPL-2.0-only
/*
 * file.c - whole files in and out (file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/file.h"
#include "lib/huge.h"

static char *room(char *old, size_t len, size_t cap, unsigned int flags)
{
	char *t;

	if (!(flags & RG_FILE_HUGE))
		return realloc(old, cap);
	t = rg_huge_calloc(cap, 1);
	if (t && len)
		memcpy(t, old, len);
	if (t)
		rg_huge_free(old);
	return t;
}

void rg_file_free(char *text, unsigned int flags)
{
	if (flags & RG_FILE_HUGE)
		rg_huge_free(text);
	else
		free(text);
}

const char *rg_file_kind(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return "missing";
	return S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISCHR(st.st_mode) ? "a character device" :
	       S_ISBLK(st.st_mode) ? "a block device" : S_ISSOCK(st.st_mode) ? "a socket" :
	       S_ISDIR(st.st_mode) ? "a directory" : S_ISREG(st.st_mode) ? "a file" : "not a file";
}

int rg_file_read(const char *path, size_t max, unsigned int flags, char **textp, size_t *lenp)
{
	size_t cap = 0, len = 0;
	char *text = NULL;
	struct stat st;
	int fd, err = 0;

	*textp = NULL;
	*lenp = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | (flags & RG_FILE_REGULAR ? O_NONBLOCK : 0));
	if (fd < 0)
		return -errno;
	/* open takes a directory; read then fails with a bare EIO */
	if (fstat(fd, &st))
		st.st_mode = 0;
	if (S_ISDIR(st.st_mode))
		err = -EISDIR;
	else if ((flags & RG_FILE_REGULAR) && !S_ISREG(st.st_mode))
		err = -EINVAL;
	/* one read for a regular file; a pipe's size is unknown */
	else if (S_ISREG(st.st_mode) && st.st_size > 0 && (size_t)st.st_size < max) {
		cap = st.st_size + 2;	/* the text, its NUL, and room to see the end */
		text = room(NULL, 0, cap, flags);
		if (!text)
			err = -ENOMEM;
	}
	while (!err) {
		ssize_t got;

		if (len + 1 >= cap) {
			char *t;

			if (cap > max) {
				err = -EFBIG;
				break;
			}
			cap = cap ? (2 * cap < max + 1 ? 2 * cap : max + 1) : 65536;
			t = room(text, len, cap, flags);
			if (!t) {
				err = -ENOMEM;
				break;
			}
			text = t;
		}
		got = read(fd, text + len, cap - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			err = -errno;
		else if (!got)
			break;
		else
			len += got;
		if (len > max)
			err = -EFBIG;
	}
	close(fd);
	if (!err && !text) {
		text = room(NULL, 0, 1, flags);
		if (!text)
			err = -ENOMEM;
	}
	if (err) {
		rg_file_free(text, flags);
		return err;
	}
	text[len] = '\0';
	*textp = text;
	*lenp = len;
	return 0;
}

int rg_file_write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char *tmp = NULL;
	FILE *f;
	int fd, err = 0;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	fchmod(fd, mode);
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto out;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) || fsync(fileno(f)))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
out:
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
