/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * logto.h - run a call with every message of the log (user/lib/log.h, the
 * one sink: a plan's FILE:LINE errors, an import's problems) written to a
 * stream of the test's own, so the test can read what a user would see.
 */
#ifndef RG_TEST_LOGTO_H
#define RG_TEST_LOGTO_H

#include "lib/log.h"

#define LOG_TO(f, call) ({							\
	rg_log_setup(RG_LOG_INFO, (f));						\
	__auto_type logto_r_ = (call);						\
	rg_log_setup(RG_LOG_INFO, NULL);					\
	logto_r_;								\
})

#endif
