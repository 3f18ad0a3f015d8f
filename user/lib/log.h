/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * log.h - what ringguard tells the person running it, by level.
 *
 * error: the operation failed (and what to do next); warn: it goes on, but
 * something is not as asked; info: what changed (attached, migrated,
 * installed), shown by default; debug: the steps taken, and libbpf's own
 * log, shown with -v.
 *
 * This is the one sink for every message of the CLI and the daemon: an
 * error a command fails with, a plan's FILE:LINE errors, a warning, the
 * daemon's log. One line per call (the newline is added). Messages go to
 * one stream (stderr by default) as text, or as JSON lines (the daemon's
 * --log-format json), or are held as records (a capture: the CLI holds
 * them until it knows whether -j is on, and then builds {"error": ...,
 * "problems": [...]} from them; the daemon holds a plan's errors to count
 * them before it logs them). errno is kept across a call, so it may still
 * be read afterwards; read it before anyway.
 */
#ifndef RG_LOG_H
#define RG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum rg_log_level {
	RG_LOG_ERROR,
	RG_LOG_WARN,
	RG_LOG_INFO,
	RG_LOG_DEBUG,
};

/* Shows messages up to level on out (NULL: stderr). The default: info on
 * stderr.
 */
void rg_log_setup(enum rg_log_level level, FILE *out);
bool rg_log_enabled(enum rg_log_level level);

void rg_log(enum rg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rg_vlog(enum rg_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* A message about a place in a file (a plan's line 12): text
 * "FILE:LINE: message" (line 0: "FILE: message", about the whole file;
 * "warning: " or "note: " before the message at those levels);
 * JSON lines and held records keep file and line as fields of their own.
 */
void rg_log_at(enum rg_log_level level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define rg_err(...)	rg_log(RG_LOG_ERROR, __VA_ARGS__)
#define rg_warn(...)	rg_log(RG_LOG_WARN, __VA_ARGS__)
#define rg_info(...)	rg_log(RG_LOG_INFO, __VA_ARGS__)
#define rg_debug(...)	rg_log(RG_LOG_DEBUG, __VA_ARGS__)

/* JSON lines instead of text (the daemon's --log-format json): each
 * message becomes {"time": "...Z", "level": "info", "msg": "..."}.
 */
void rg_log_json(bool on);
bool rg_log_is_json(void);
/* A record with fields of its own, in JSON mode: opens the object with
 * time, level and msg on the log's stream; the caller adds its fields and
 * closes it with rg_json_end(). Returns false (nothing opened) when the
 * level is not shown.
 */
struct rg_json;
bool rg_log_record(struct rg_json *j, enum rg_log_level level, const char *msg);

/* A capture: while one is open, messages are held in it instead of
 * written (up to the level shown). Captures nest: rg_log_capture_end
 * closes the last one opened. rg_log_replay writes the records to
 * whatever holds messages now (the stream, or an outer capture).
 */
struct rg_log_rec {
	enum rg_log_level level;
	char *file;		/* NULL: not about a place in a file */
	int line;		/* with file; 0: the whole file */
	char *msg;
};

struct rg_log_capture {
	struct rg_log_rec *recs;
	int n, cap;
	int dropped;		/* records that found no memory (still counted here) */
	struct rg_log_capture *outer;
};

void rg_log_capture_begin(struct rg_log_capture *c);
void rg_log_capture_end(struct rg_log_capture *c);
void rg_log_replay(const struct rg_log_capture *c);
void rg_log_capture_free(struct rg_log_capture *c);
/* The first held record at level or worse, NULL if none. */
const struct rg_log_rec *rg_log_first(const struct rg_log_capture *c, enum rg_log_level level);
/* "error", "warning", "note" (info) or "debug": a problem's severity under -j */
const char *rg_log_severity(enum rg_log_level level);

#endif /* RG_LOG_H */
