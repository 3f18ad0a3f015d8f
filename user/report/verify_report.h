/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * verify_report.h - the host checks as `verify` prints them.
 */
#ifndef RG_VERIFY_REPORT_H
#define RG_VERIFY_REPORT_H

#include <stdio.h>
#include "kernel/hostcheck.h"

/* One line a check, then "verify HOST: N checks, N failed, N warnings". */
void rg_checks_print_text(const struct rg_checks *r, const char *host, FILE *out);
/* {"host", "checks": [{"check", "interface", "ok", "warning", "prefix",
 * "name", "detail"}], "ok"}
 */
void rg_checks_print_json(const struct rg_checks *r, const char *host, FILE *out);

#endif /* RG_VERIFY_REPORT_H */
