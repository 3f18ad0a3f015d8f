/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * log.h - what ringguard tells the person running it, by level.
 *
 * error: the operation failed (and what to do next); warn: it goes on, but
 * something is not as asked; info: what changed (attached, migrated,
 * installed), shown by default; debug: the steps taken, and libbpf's own
 * log, shown with -v.
 *
 * One line per call (the newline is added). Messages go to one stream,
 * stderr unless the CLI collects them (-j turns them into {"error": ...}).
 * errno is kept across a call, so it may still be read afterwards; read it
 * before anyway.
 */
#ifndef RG_LOG_H
#define RG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <bpf/libbpf.h>

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

/* For libbpf_set_print(): libbpf's log at debug level (-v), on stderr. */
int rg_log_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap);

#endif /* RG_LOG_H */
