// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_opts.c - the option parser every command uses (user/cmd/opts.c): the
 * checked value parsers, and a command table parsed the ways a user types
 * it (--opt=value, bundles, --, prefixes, lists), with the message each
 * mistake gets.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/opts.h"

struct globals {
	bool json, verbose;
	const char *pin;
};

struct args {
	const char *plan;
	bool all;
	long count;
	long watch;
	int mode;
	struct rg_iflist ifs;
};

static const char *const modes[] = { "monitor", "enforce", NULL };
static const int mode_values[] = { 10, 20 };

static const struct rg_opt gopts[] = {
	RG_OPT_FLAG("json", 'j', struct globals, json, "JSON"),
	RG_OPT_FLAG("verbose", 'v', struct globals, verbose, "verbose"),
	RG_OPT_STR("pin-dir", 0, struct globals, pin, "DIR", "pins", .max = 10),
	RG_OPT_END
};

static const struct rg_opt opts[] = {
	RG_OPT_STR("plan", 0, struct args, plan, "FILE", "the plan", .required = true),
	RG_OPT_FLAG("all", 'a', struct args, all, "all"),
	RG_OPT_NUM("count", 'c', struct args, count, "N", "how many", .min = 1, .max = 100),
	RG_OPT_DURATION("watch", 0, struct args, watch, "SECONDS", "how often", .min = 1,
			.max = 7200),
	RG_OPT_CHOICE("mode", 0, struct args, mode, modes, "the mode", .values = mode_values),
	RG_OPT_IFLIST("mesh", 0, struct args, ifs, RG_ROLE_MESH, "mesh"),
	RG_OPT_IFLIST("egress", 0, struct args, ifs, RG_ROLE_EGRESS, "egress"),
	RG_OPT_END
};

static const struct rg_cmd cmd = {
	.name = "thing",
	.args = "FILE [FILE]",
	.min_args = 1,
	.max_args = 2,
	.summary = "a command to test",
	.examples = "  ringguard thing --plan p f\n",
	.opts = opts,
};

struct result {
	int rc;
	struct globals g;
	struct args a;
	struct rg_args pos;
	char *errs;
	size_t len;
};

/* Parses the words (NULL-terminated) as the command's. */
static struct result *parse_words(const char *first, ...)
{
	static struct result r;
	char *words[32];
	const char *w = first;
	va_list ap;
	int n = 0;
	FILE *f;

	free(r.errs);
	memset(&r, 0, sizeof(r));
	va_start(ap, first);
	while (w && n < 31) {
		words[n++] = (char *)w;
		w = va_arg(ap, const char *);
	}
	va_end(ap);
	words[n] = NULL;
	f = open_memstream(&r.errs, &r.len);
	cr_assert_not_null(f);
	rg_opts_globals(gopts, &r.g);
	r.rc = rg_opts_parse(&cmd, n, words, &r.a, &r.pos, f);
	fclose(f);
	return &r;
}

#define P(...) parse_words(__VA_ARGS__, NULL)

Test(opts, numbers_are_checked)
{
	long v = 7;
	FILE *devnull = fopen("/dev/null", "w");

	cr_expect_eq(rg_parse_num("n", "42", 0, 100, &v, devnull), 0);
	cr_expect_eq(v, 42);
	cr_expect_eq(rg_parse_num("n", "-5", -10, 10, &v, devnull), 0);
	cr_expect_eq(v, -5);
	v = 7;
	for (const char *const *bad = (const char *const[]){ "abc", "2abc", "", " 5", "+5",
							     "101", "-1", "99999999999999999999",
							     "0x10", NULL }; *bad; bad++) {
		cr_expect_eq(rg_parse_num("n", *bad, 0, 100, &v, devnull), -EINVAL, "'%s'", *bad);
		cr_expect_eq(v, 7, "'%s' changed the value", *bad);
	}
	fclose(devnull);
}

Test(opts, durations_take_units)
{
	long v = 0;
	FILE *devnull = fopen("/dev/null", "w");

	cr_expect_eq(rg_parse_duration("d", "90", 1, 7200, &v, devnull), 0);
	cr_expect_eq(v, 90);
	cr_expect_eq(rg_parse_duration("d", "90s", 1, 7200, &v, devnull), 0);
	cr_expect_eq(v, 90);
	cr_expect_eq(rg_parse_duration("d", "5m", 1, 7200, &v, devnull), 0);
	cr_expect_eq(v, 300);
	cr_expect_eq(rg_parse_duration("d", "2h", 1, 7200, &v, devnull), 0);
	cr_expect_eq(v, 7200);
	for (const char *const *bad = (const char *const[]){ "3h", "0", "2abc", "5 m", "m", "",
							     "-1", "1d", "99999999999999999h",
							     NULL }; *bad; bad++)
		cr_expect_eq(rg_parse_duration("d", *bad, 1, 7200, &v, devnull), -EINVAL, "'%s'",
			     *bad);
	fclose(devnull);
}

Test(opts, interface_lists)
{
	struct rg_iflist l = {};
	char msg[256] = "";
	FILE *f = fmemopen(msg, sizeof(msg), "w");

	cr_expect_eq(rg_parse_iflist("m", "eth0,eth1", RG_ROLE_MESH, &l, f), 0);
	cr_expect_eq(rg_parse_iflist("m", "eth1", RG_ROLE_MESH, &l, f), 0, "again, same role");
	cr_expect_eq(l.n, 2);
	cr_expect_str_eq(l.ifs[1].name, "eth1");
	cr_expect_eq(rg_parse_iflist("e", "eth2,eth0", RG_ROLE_EGRESS, &l, f), -EINVAL);
	fflush(f);
	cr_expect(strstr(msg, "interface eth0 given as both mesh and egress"), "%s", msg);
	cr_expect_eq(rg_parse_iflist("e", "a,", RG_ROLE_EGRESS, &l, f), -EINVAL);
	cr_expect_eq(rg_parse_iflist("e", "0123456789abcdef", RG_ROLE_EGRESS, &l, f), -EINVAL);
	fclose(f);
}

Test(opts, the_ways_a_user_types_it)
{
	struct result *r;

	r = P("--plan", "p", "f");
	cr_expect_eq(r->rc, 0, "%s", r->errs);
	cr_expect_str_eq(r->a.plan, "p");
	cr_expect_eq(r->pos.n, 1);

	r = P("--plan=p", "--count=5", "--watch=2m", "--mode=enforce", "f", "g");
	cr_expect_eq(r->rc, 0, "%s", r->errs);
	cr_expect_eq(r->a.count, 5);
	cr_expect_eq(r->a.watch, 120);
	cr_expect_eq(r->a.mode, 20, "the value of the word, not its index");
	cr_expect_eq(r->pos.n, 2);

	r = P("-jva", "--pl", "p", "f");
	cr_expect_eq(r->rc, 0, "%s", r->errs);
	cr_expect(r->g.json && r->g.verbose && r->a.all, "bundled short flags");
	cr_expect_str_eq(r->a.plan, "p", "a unique prefix");

	r = P("--plan", "p", "--", "-f", "--all");
	cr_expect_eq(r->rc, 0, "%s", r->errs);
	cr_expect_str_eq(r->pos.v[0], "-f");
	cr_expect_str_eq(r->pos.v[1], "--all");
	cr_expect(!r->a.all, "after --, words only");

	r = P("f", "--plan", "p", "-c5");
	cr_expect_eq(r->rc, 0, "%s", r->errs);
	cr_expect_eq(r->a.count, 5, "a short option's value glued on");
}

Test(opts, interface_lists_on_the_command_line)
{
	struct result *r = P("--plan", "p", "--mesh", "a,b", "c", "--mesh", "d", "--egress", "e",
			     "--all", "f");

	cr_expect_eq(r->rc, 0, "%s", r->errs);
	cr_expect_eq(r->a.ifs.n, 5);
	cr_expect_str_eq(r->a.ifs.ifs[2].name, "c", "a bare word after the option continues it");
	cr_expect_eq(r->a.ifs.ifs[4].role, RG_ROLE_EGRESS);
	cr_expect_eq(r->pos.n, 1, "after another option, a word is a positional");
	cr_expect_str_eq(r->pos.v[0], "f");
}

Test(opts, mistakes_name_the_option)
{
	static const struct {
		const char *words[6];
		const char *msg;
	} cases[] = {
		{ { "f", "--plan" }, "option '--plan' needs a value (see 'ringguard help thing')\n" },
		{ { "f", "--plan", "--all" }, "option '--plan' needs a value, not the option '--all'" },
		{ { "f", "--plan", "p", "--count", "abc" },
		  "option '--count' needs a whole number from 1 to 100, not 'abc'\n" },
		{ { "f", "--plan", "p", "-c", "2abc" }, "option '-c' needs a whole number" },
		{ { "f", "--plan", "p", "--watch", "2abc" }, "option '--watch' needs a duration" },
		{ { "f", "--plan", "p", "--mode", "off" },
		  "option '--mode': unknown value 'off': use monitor or enforce\n" },
		{ { "f", "--plan", "p", "--bogus" }, "thing: unknown option '--bogus'" },
		{ { "f", "--plan", "p", "-x" }, "thing: unknown option '-x'" },
		{ { "f", "--plan", "p", "--all=1" }, "thing: option '--all' takes no value" },
		{ { "f", "--plan", "p", "--m", "x" }, "thing: option '--m' is ambiguous" },
		{ { "f", "--plan", "p", "--plan", "q" }, "option '--plan' given twice" },
		{ { "f" }, "thing needs --plan FILE (see 'ringguard help thing')\n" },
		{ { "--plan", "p" }, "thing needs FILE [FILE] (see 'ringguard help thing')\n" },
		{ { "--plan", "p", "f", "g", "h" }, "thing: unexpected argument 'h'" },
		{ { "--plan", "p", "f", "--pin-dir", "0123456789a" },
		  "option '--pin-dir': '0123456789a...' is 11 characters long, the limit is 10\n" },
		{ { "--plan", "", "f" }, "option '--plan' needs a value, not an empty word\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *w = cases[i].words;
		struct result *r = parse_words(w[0], w[1], w[2], w[3], w[4], w[5], NULL);

		cr_expect_eq(r->rc, -EINVAL, "case %zu", i);
		cr_expect(strstr(r->errs, cases[i].msg), "case %zu: got '%s', want '%s'", i, r->errs,
			  cases[i].msg);
	}
}

Test(opts, help_anywhere)
{
	struct result *r;

	cr_redirect_stdout();
	r = P("--plan", "p", "--help");
	cr_expect_eq(r->rc, RG_OPTS_HELP);
	r = P("-h");
	cr_expect_eq(r->rc, RG_OPTS_HELP, "even without the required options");
	fflush(stdout);
	cr_expect_stdout_neq_str("");
}

Test(opts, usage_comes_from_the_table)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	rg_opts_globals(gopts, NULL);
	rg_opts_usage(&cmd, f);
	fclose(f);
	cr_expect(strstr(text, "Usage: ringguard thing --plan FILE [OPTIONS] FILE [FILE]\n"), "%s",
		  text);
	cr_expect(strstr(text, "  -c, --count N"), "%s", text);
	cr_expect(strstr(text, "      --mode monitor|enforce"), "%s", text);
	cr_expect(strstr(text, "      --mesh IF[,IF...]"), "%s", text);
	cr_expect(strstr(text, "  -j, --json"), "%s", text);
	cr_expect(strstr(text, "Examples:\n  ringguard thing --plan p f\n"), "%s", text);
	free(text);
}

static const struct rg_cmd sub_a = { .name = "top alpha", .summary = "a" };
static const struct rg_cmd sub_b = { .name = "top alps", .summary = "b" };
static const struct rg_cmd *const subs[] = { &sub_a, &sub_b, NULL };
static const struct rg_cmd top = { .name = "top", .summary = "t", .subs = subs };

Test(opts, subcommands_by_prefix)
{
	char msg[256] = "";
	FILE *f = fmemopen(msg, sizeof(msg), "w");

	cr_expect_eq(rg_opts_find(&top, "alpha", f), &sub_a);
	cr_expect_eq(rg_opts_find(&top, "alps", f), &sub_b);
	cr_expect_eq(rg_opts_find(&top, "alpi", f), NULL);
	cr_expect_eq(rg_opts_find(&top, "al", f), NULL);
	fclose(f);
	cr_expect(strstr(msg, "unknown top command 'alpi' (see 'ringguard help top')"), "%s", msg);
	cr_expect(strstr(msg, "top command 'al' is ambiguous"), "%s", msg);
}
