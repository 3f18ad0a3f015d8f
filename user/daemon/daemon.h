/* SPDX-License-Identifier: GPL-2.0-only */
/* daemon.h - `ringguard daemon`, see daemon.c. */
#ifndef RG_DAEMON_H
#define RG_DAEMON_H

#include "plan/plan.h"

enum rg_log_format { RG_LOG_TEXT, RG_LOG_JSON };

#define RG_CONFIRM_WITHIN_DEFAULT	120

struct rg_daemon_opts {
	const char *dir;		/* state directory (per network namespace) */
	const char *plan_path;		/* absolute */
	const char *host;		/* host line to take roles and mode from */
	const struct rg_host_if *ifs;	/* roles given on the command line */
	int nifs;
	__u32 mode;			/* a fresh attach's mode if the plan declares none */
	bool mode_given;
	int want_xdp;
	int want_tc;
	bool detach_on_exit;
	const char *metrics;		/* ADDR:PORT to serve /metrics on, or NULL */
	int confirm_within;		/* seconds an enforce stays unconfirmed */
	int log_format;			/* enum rg_log_format */
	bool log_violations;		/* violations into the log, rate-limited */
	bool standby;			/* another daemon owns the namespace: wait for it */
};

/* Runs until SIGTERM/SIGINT; returns 0, or -errno if it could not start. */
int rg_daemon(const struct rg_daemon_opts *o);

#endif /* RG_DAEMON_H */
