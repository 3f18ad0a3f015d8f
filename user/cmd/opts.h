/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * opts.h - one option parser for every ringguard command.
 *
 * Each command describes itself once, in a `struct rg_cmd` with a table of
 * `struct rg_opt`; getopt_long's tables, the checks on every value and the
 * command's `--help` text are all built from that description, so every
 * command behaves the same: `--opt value`, `--opt=value`, unique prefixes of
 * long options, bundled short flags (`-jv`), `--` ending the options, a
 * message naming the option on any mistake, `-h`/`--help` anywhere.
 *
 * How to add an option to a command (user/cmd/main.c):
 *
 *	struct attach_args { const char *plan; long secs; int xdp; ... };
 *	static const char *const xdp_modes[] = { "auto", "native", "generic", NULL };
 *	static const struct rg_opt attach_opts[] = {
 *		RG_OPT_STR("plan", 0, struct attach_args, plan, "FILE", "the plan",
 *			   .required = true),
 *		RG_OPT_DURATION("confirm-within", 0, struct attach_args, secs,
 *				"SECONDS", "revert unless confirmed", .min = 1),
 *		RG_OPT_CHOICE("xdp", 0, struct attach_args, xdp, xdp_modes, "XDP mode"),
 *		RG_OPT_END
 *	};
 *
 * then `rg_opts_parse(&attach_cmd, argc, argv, &args, &pos, errs)`: it fills
 * `args` (leave defaults in it beforehand), the positionals in `pos`, and
 * returns 0, RG_OPTS_HELP (the usage went to stdout: exit 0), or -EINVAL
 * (the message went to errs: a usage error, exit RG_EXIT_FAIL).
 *
 * Kinds and what lands at the field (offsetof the command's struct):
 *	RG_OPT_FLAG	bool, set to true
 *	RG_OPT_STR	const char *; .max: longest accepted length (0: any)
 *	RG_OPT_NUM	long; whole decimal number in [.min, .max]
 *	RG_OPT_DURATION	long seconds; "30", "30s", "5m", "2h", in [.min, .max]
 *	RG_OPT_CHOICE	int; .choices[] is a NULL-terminated word list, the
 *			index of the word is stored, or .values[index] if given
 *	RG_OPT_IFLIST	struct rg_iflist; "a,b", repeatable, and bare words
 *			right after the option continue the list; every name
 *			gets .role; options of one struct share the list, so an
 *			interface named under two roles is refused
 * Every option may be given once, except RG_OPT_IFLIST; .required makes the
 * parser refuse a command line without it. Global options (-j, -v,
 * --pin-dir) come from rg_opts_globals() and are accepted by every command.
 */
#ifndef RG_OPTS_H
#define RG_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "plan/plan.h"

/* The exit status of every command. */
enum {
	RG_EXIT_OK	= 0,	/* done, nothing found */
	RG_EXIT_FINDING	= 1,	/* plans differ, would drop, verify failed, import inconsistent */
	RG_EXIT_FAIL	= 2,	/* usage error or failure */
};

enum rg_opt_kind {
	RG_OPT_FLAG,
	RG_OPT_STR,
	RG_OPT_NUM,
	RG_OPT_DURATION,
	RG_OPT_CHOICE,
	RG_OPT_IFLIST,
};

struct rg_opt {
	const char *name;		/* long name without "--"; NULL ends a table */
	int short_name;			/* 'o' for -o, or 0 */
	enum rg_opt_kind kind;
	size_t off;			/* offsetof() the value in the command's struct */
	const char *arg;		/* the value in the usage text: "FILE", "N" */
	const char *help;		/* one line */
	long min, max;			/* NUM, DURATION: range (both 0: 0..LONG_MAX); STR: max length */
	const char *const *choices;	/* CHOICE */
	const int *values;		/* CHOICE: stored instead of the index */
	unsigned int role;		/* IFLIST */
	bool required;
};

#define RG_OPT_(n, s, k, T, f, a, h, ...) \
	{ .name = (n), .short_name = (s), .kind = (k), .off = offsetof(T, f), .arg = (a), \
	  .help = (h), __VA_ARGS__ }
#define RG_OPT_FLAG(n, s, T, f, h, ...)		RG_OPT_(n, s, RG_OPT_FLAG, T, f, NULL, h, __VA_ARGS__)
#define RG_OPT_STR(n, s, T, f, a, h, ...)	RG_OPT_(n, s, RG_OPT_STR, T, f, a, h, __VA_ARGS__)
#define RG_OPT_NUM(n, s, T, f, a, h, ...)	RG_OPT_(n, s, RG_OPT_NUM, T, f, a, h, __VA_ARGS__)
#define RG_OPT_DURATION(n, s, T, f, a, h, ...)	RG_OPT_(n, s, RG_OPT_DURATION, T, f, a, h, __VA_ARGS__)
#define RG_OPT_CHOICE(n, s, T, f, c, h, ...) \
	RG_OPT_(n, s, RG_OPT_CHOICE, T, f, NULL, h, .choices = (c), __VA_ARGS__)
#define RG_OPT_IFLIST(n, s, T, f, r, h, ...) \
	RG_OPT_(n, s, RG_OPT_IFLIST, T, f, "IF[,IF...]", h, .role = (r), __VA_ARGS__)
#define RG_OPT_END { .name = NULL }

/* The interfaces named on the command line, in order. */
struct rg_iflist {
	struct rg_host_if ifs[RG_MAX_HOST_IFS];
	int n;
};

struct rg_cli;

struct rg_cmd {
	int (*run)(struct rg_cli *c);	/* the handler (cmd/cmd_*.c); NULL: subcommands */
	const char *name;		/* as typed: "attach", "plan check"; NULL: ringguard itself */
	const char *args;		/* positionals in the synopsis ("OLD NEW"), or NULL */
	int min_args, max_args;		/* how many positionals */
	const char *summary;		/* one line for `ringguard help` */
	const char *description;	/* for `ringguard help CMD`, lines ending in \n */
	const char *examples;		/* command lines ending in \n */
	const struct rg_opt *opts;	/* RG_OPT_END-terminated, or NULL */
	const struct rg_cmd *const *subs;	/* subcommands (NULL-terminated), or NULL */
};

#define RG_MAX_ARGS 8
struct rg_args {
	const char *v[RG_MAX_ARGS];	/* the positionals */
	int n;
	/* a command with subcommands stops at its first word (v[0]), the
	 * words after it are left for the subcommand
	 */
	char **rest;
	int nrest;
};

#define RG_OPTS_HELP 1

/* The options every command accepts (main's -j, -v, --pin-dir), and where
 * their values go; -h/--help is built in.
 */
void rg_opts_globals(const struct rg_opt *opts, void *cfg);

/* Parses argv[0..argc) (the words after the command's name). */
int rg_opts_parse(const struct rg_cmd *cmd, int argc, char **argv, void *cfg,
		  struct rg_args *pos, FILE *errs);

/* The command's usage: synopsis, description, options, examples. */
void rg_opts_usage(const struct rg_cmd *cmd, FILE *f);

/* The subcommand of parent that word names: its name or an unambiguous
 * prefix; NULL (reported on errs) when none or several do.
 */
const struct rg_cmd *rg_opts_find(const struct rg_cmd *parent, const char *word, FILE *errs);

/* Checked value parsers (the ones the table kinds use), for values that do
 * not come from an option. They return 0 or -EINVAL and leave *out alone on
 * error; `what` names the value in the message written to errs.
 */
int rg_parse_num(const char *what, const char *s, long min, long max, long *out, FILE *errs);
int rg_parse_duration(const char *what, const char *s, long min, long max, long *out,
		      FILE *errs);
int rg_parse_iflist(const char *what, const char *s, unsigned int role, struct rg_iflist *l,
		    FILE *errs);

#endif /* RG_OPTS_H */
