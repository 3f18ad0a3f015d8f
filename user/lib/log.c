// SPDX-License-Identifier: GPL-2.0-only
/*
 * log.c - levelled messages, the one sink (see log.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/grow.h"
#include "lib/json.h"
#include "lib/log.h"

static enum rg_log_level log_level = RG_LOG_INFO;
static FILE *log_out;
static bool log_as_json;
static struct rg_log_capture *capture;	/* the innermost open capture */

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void rg_log_json(bool on)
{
	log_as_json = on;
}

bool rg_log_is_json(void)
{
	return log_as_json;
}

static FILE *out_stream(void)
{
	return log_out ? log_out : stderr;
}

bool rg_log_record(struct rg_json *j, enum rg_log_level level, const char *msg)
{
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
	rg_json_init(j, out_stream());
	rg_json_obj(j, NULL);
	rg_json_str(j, "time", when);
	rg_json_str(j, "level", level_names[level]);
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

const char *rg_log_severity(enum rg_log_level level)
{
	return level == RG_LOG_INFO ? "note" : level_names[level];
}

static void hold(struct rg_log_capture *c, enum rg_log_level level, const char *file, int line,
		 const char *msg)
{
	struct rg_log_rec *r;

	if (RG_GROW(c->recs, c->n, c->cap, 16)) {
		c->dropped++;
		return;
	}
	r = &c->recs[c->n];
	*r = (struct rg_log_rec){ .level = level, .line = line, .msg = strdup(msg),
				  .file = file ? strdup(file) : NULL };
	if (!r->msg || (file && !r->file)) {
		free(r->msg);
		free(r->file);
		c->dropped++;
		return;
	}
	c->n++;
}

/* One message, whole, to where messages go now. */
static void put(enum rg_log_level level, const char *file, int line, char *msg)
{
	FILE *out = out_stream();

	if (!rg_log_enabled(level))
		return;
	if (capture) {
		hold(capture, level, file, line, msg);
		return;
	}
	if (log_as_json) {
		struct rg_json j;

		/* a message of several lines is one record a line */
		for (char *l = msg, *nl; l; l = nl) {
			nl = strchr(l, '\n');
			if (nl)
				*nl++ = '\0';
			if (!*l)
				continue;
			rg_log_record(&j, level, l);
			if (file) {
				rg_json_str(&j, "file", file);
				rg_json_int(&j, "line", line);
			}
			rg_json_end(&j);
		}
		fflush(out);
		return;
	}
	/* as a compiler says it: FILE:LINE: [warning: |note: ]message */
	if (file && line)
		fprintf(out, "%s:%d: ", file, line);
	else if (file)
		fprintf(out, "%s: ", file);
	if (file && level == RG_LOG_WARN)
		fputs("warning: ", out);
	else if (file && level == RG_LOG_INFO)
		fputs("note: ", out);
	fprintf(out, "%s\n", msg);
}

static void vput(enum rg_log_level level, const char *file, int line, const char *fmt,
		 va_list ap)
{
	int saved = errno;
	char msg[2048];

	if (rg_log_enabled(level)) {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		put(level, file, line, msg);
	}
	errno = saved;
}

void rg_vlog(enum rg_log_level level, const char *fmt, va_list ap)
{
	vput(level, NULL, 0, fmt, ap);
}

void rg_log(enum rg_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(level, NULL, 0, fmt, ap);
	va_end(ap);
}

void rg_log_at(enum rg_log_level level, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(level, file, line, fmt, ap);
	va_end(ap);
}

void rg_log_capture_begin(struct rg_log_capture *c)
{
	*c = (struct rg_log_capture){ .outer = capture };
	capture = c;
}

void rg_log_capture_end(struct rg_log_capture *c)
{
	if (capture == c)
		capture = c->outer;
}

void rg_log_replay(const struct rg_log_capture *c)
{
	int saved = errno;

	for (int i = 0; i < c->n; i++) {
		/* put() may cut a message at its newlines */
		char *msg = strdup(c->recs[i].msg);

		if (msg)
			put(c->recs[i].level, c->recs[i].file, c->recs[i].line, msg);
		free(msg);
	}
	if (c->dropped)
		put(RG_LOG_WARN, NULL, 0, (char[]){ "(messages lost: out of memory)" });
	errno = saved;
}

void rg_log_capture_free(struct rg_log_capture *c)
{
	rg_log_capture_end(c);
	for (int i = 0; i < c->n; i++) {
		free(c->recs[i].msg);
		free(c->recs[i].file);
	}
	free(c->recs);
	c->recs = NULL;
	c->n = c->cap = c->dropped = 0;
}

const struct rg_log_rec *rg_log_first(const struct rg_log_capture *c, enum rg_log_level level)
{
	for (int i = 0; i < c->n; i++)
		if (c->recs[i].level <= level)
			return &c->recs[i];
	return NULL;
}
