/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * plan_int.h - inside plan/ only: the parser's state, shared by plan.c
 * (reading, tokens, the order of the steps), lines.c (one parser per kind
 * of line) and compile.c (whole-plan checks, the compilation).
 */
#ifndef RG_PLAN_INT_H
#define RG_PLAN_INT_H

#include <pthread.h>
#include "plan/plan.h"

struct rg_err {
	int line;
	int seq;	/* keeps errors of one line in the order found */
	char msg[256];
};

struct rg_parser {
	const char *fname;
	struct rg_plan *plan;
	int encap_line[2];	/* the vxlan and geneve lines (0: defaults) */
	int unreadable_line;	/* the unreadable line (0: the default, drop) */
	struct rg_err *errs;
	int nerrs, caperrs;
	int entcap, hostcap;
};

/* An error of the plan at line (0: the plan as a whole); the parser goes on. */
void perr(struct rg_parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The region IPv4 is keyed in (see struct rg_lpm_key). */
static const struct rg_cidr v4_region = { .addr = { [10] = 0xff, [11] = 0xff }, .len = 96 };

/* lines.c: one line each, tok[0..n) its fields */
void parse_zone(struct rg_parser *p, int line, char **tok, int n);
void parse_prefix(struct rg_parser *p, int line, char **tok, int n);
void parse_encap(struct rg_parser *p, int line, char **tok, int n);
void parse_unreadable(struct rg_parser *p, int line, char **tok, int n);
void parse_host(struct rg_parser *p, int line, char **tok, int n);
void parse_lifeline(struct rg_parser *p, int line, char **tok, int n);
/* after every line: the encap lines against each other */
void check_encap(struct rg_parser *p);

/* compile.c */
struct sort_key;
/* sort_by_cidr on another thread, while check_names runs. */
struct sort_job {
	const struct rg_plan *pl;
	struct sort_key *v;
	pthread_t thread;
	bool started;
};

/* Sorts the entries by CIDR, on a thread for a large plan. */
void sort_start(struct sort_job *j, const struct rg_plan *pl);
/* Names unique among prefixes and zones; hosts unique. */
void check_names(struct rg_parser *p);
void check_hosts(struct rg_parser *p);
/* Folds each entry's ancestors into its value (needs sort_start before). */
void compile(struct rg_parser *p, struct sort_job *sorted);

#endif
