/* SPDX-License-Identifier: GPL-2.0-only */
/* daemon.h - `ringguard daemon`, see daemon.c. */
#ifndef RG_DAEMON_H
#define RG_DAEMON_H

#include "plan.h"

struct rg_daemon_opts {
	const char *dir;		/* state directory (per network namespace) */
	const char *plan_path;		/* absolute */
	const char *host;		/* host line to take roles from, if !nifs */
	const struct rg_host_if *ifs;	/* roles given on the command line */
	int nifs;
	__u32 mode;			/* applied when given (or on a fresh attach) */
	bool mode_given;		/* else an adopted state keeps its own mode */
	int want_xdp;
	int want_tc;
	bool detach_on_exit;
	const char *metrics;		/* ADDR:PORT to serve /metrics on, or NULL */
};

/* Runs until SIGTERM/SIGINT; returns 0, or -errno if it could not start. */
int rg_daemon(const struct rg_daemon_opts *o);

#endif /* RG_DAEMON_H */
