/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz.h - what the libFuzzer targets share: the input as a file (the
 * commands read paths), a sink for their output, and a loud failure when
 * an invariant breaks (libFuzzer keeps the input that did it).
 */
#ifndef RG_FUZZ_H
#define RG_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

/* The bytes as a file the commands can open: "/proc/self/fd/N" of a memfd,
 * no disk involved. Close *fd when done.
 */
static inline const char *fuzz_file(const uint8_t *data, size_t size, int *fd, char *path,
				    size_t len)
{
	*fd = memfd_create("fuzz", 0);
	if (*fd < 0 || write(*fd, data, size) != (ssize_t)size) {
		perror("fuzz: memfd");
		abort();
	}
	snprintf(path, len, "/proc/self/fd/%d", *fd);
	return path;
}

/* Output nobody reads (fopen once: the targets run millions of times) */
static inline FILE *fuzz_sink(void)
{
	static FILE *sink;

	if (!sink)
		sink = fopen("/dev/null", "w");
	return sink;
}

#define fuzz_assert(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "fuzz: invariant broken: %s: ", #cond);	\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

#endif /* RG_FUZZ_H */
