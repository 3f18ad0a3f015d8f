// SPDX-License-Identifier: GPL-2.0-only
/*
 * log.c - levelled messages (see log.h).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "lib/json.h"
#include "lib/log.h"

static enum rg_log_level log_level = RG_LOG_INFO;
static FILE *log_out;
static bool log_as_json;

void rg_log_json(bool on)
{
	log_as_json = on;
}

bool rg_log_is_json(void)
{
	return log_as_json;
}

bool rg_log_record(struct rg_json *j, enum rg_log_level level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	struct timespec ts;
	char when[64];
	struct tm tm;

	if (!rg_log_enabled(level))
		return false;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ",
		 ts.tv_nsec / 1000000);
	rg_json_init(j, log_out ? log_out : stderr);
	rg_json_obj(j, NULL);
	rg_json_str(j, "time", when);
	rg_json_str(j, "level", names[level]);
	rg_json_str(j, "msg", msg);
	return true;
}

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

	if (rg_log_enabled(level) && log_as_json) {
		struct rg_json j;
		char msg[2048];

		vsnprintf(msg, sizeof(msg), fmt, ap);
		/* a message of several lines (plan errors) is one record a line */
		for (char *line = msg, *nl; line; line = nl) {
			nl = strchr(line, '\n');
			if (nl)
				*nl++ = '\0';
			if (!*line)
				continue;
			rg_log_record(&j, level, line);
			rg_json_end(&j);
		}
		fflush(out);
	} else if (rg_log_enabled(level)) {
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
