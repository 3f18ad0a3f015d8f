// SPDX-License-Identifier: GPL-2.0-only
/*
 * log.c - levelled messages (see log.h).
 */
#include <errno.h>
#include "log.h"

static enum rg_log_level log_level = RG_LOG_INFO;
static FILE *log_out;

void rg_log_setup(enum rg_log_level level, FILE *out)
{
	log_level = level;
	log_out = out;
}

bool rg_log_enabled(enum rg_log_level level)
{
	return level <= log_level;
}

void rg_vlog(enum rg_log_level level, const char *fmt, va_list ap)
{
	FILE *out = log_out ? log_out : stderr;
	int saved = errno;

	if (rg_log_enabled(level)) {
		vfprintf(out, fmt, ap);
		fputc('\n', out);
	}
	errno = saved;
}

void rg_log(enum rg_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rg_vlog(level, fmt, ap);
	va_end(ap);
}

int rg_log_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int saved = errno, n = 0;

	/* on the terminal even under -j (not part of an error message); the
	 * lines carry their own newline
	 */
	if (rg_log_enabled(RG_LOG_DEBUG))
		n = vfprintf(stderr, fmt, ap);
	errno = saved;
	return n;
}
