// SPDX-License-Identifier: GPL-2.0-only
/*
 * opts.c - the option parser of every command (see opts.h): getopt_long's
 * tables and the usage text are built from one table per command, so the
 * two cannot drift, and every value goes through one checked parser.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/opts.h"

static const struct rg_opt *g_opts;
static void *g_cfg;

void rg_opts_globals(const struct rg_opt *opts, void *cfg)
{
	g_opts = opts;
	g_cfg = cfg;
}

static int count(const struct rg_opt *o)
{
	int n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

int rg_parse_num(const char *what, const char *s, long min, long max, long *out, FILE *errs)
{
	char *end;
	long v;

	if (!min && !max)
		max = LONG_MAX;
	errno = 0;
	v = strtol(s, &end, 10);
	/* strtol takes leading blanks and signs that a number here never has */
	if (!*s || end == s || *end || errno || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) ||
	    v < min || v > max) {
		fprintf(errs, "%s needs a whole number from %ld to %ld, not '%s'\n", what, min,
			max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int rg_parse_duration(const char *what, const char *s, long min, long max, long *out,
		      FILE *errs)
{
	long v, unit = 1;
	char *end;

	if (!min && !max)
		max = LONG_MAX;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end != s && s[0] >= '0' && s[0] <= '9' && !errno) {
		if (!strcmp(end, "s") || !*end)
			unit = 1;
		else if (!strcmp(end, "m"))
			unit = 60;
		else if (!strcmp(end, "h"))
			unit = 3600;
		else
			unit = 0;
		if (unit && v <= LONG_MAX / unit && v * unit >= min && v * unit <= max) {
			*out = v * unit;
			return 0;
		}
	}
	fprintf(errs, "%s needs a duration from %ld to %ld seconds (like 30, 30s, 5m or 1h), "
		"not '%s'\n", what, min, max, s);
	return -EINVAL;
}

static int add_iface(const char *what, const char *name, unsigned int role,
		     struct rg_iflist *l, FILE *errs)
{
	size_t len = strlen(name);

	if (!len) {
		fprintf(errs, "%s has an empty interface name: separate names with one comma\n",
			what);
		return -EINVAL;
	}
	if (len >= RG_IFNAME_LEN) {
		fprintf(errs, "%s: interface name '%.*s...' is %zu characters long, the limit is "
			"%d\n", what, RG_IFNAME_LEN - 1, name, len, RG_IFNAME_LEN - 1);
		return -EINVAL;
	}
	for (int i = 0; i < l->n; i++) {
		if (strcmp(l->ifs[i].name, name))
			continue;
		if (l->ifs[i].role == role)
			return 0;
		fprintf(errs, "interface %s given as both %s and %s\n", name,
			rg_role_name(l->ifs[i].role), rg_role_name(role));
		return -EINVAL;
	}
	if (l->n == RG_MAX_HOST_IFS) {
		fprintf(errs, "%s: more than %d interfaces\n", what, RG_MAX_HOST_IFS);
		return -E2BIG;
	}
	memcpy(l->ifs[l->n].name, name, len + 1);
	l->ifs[l->n].role = role;
	l->n++;
	return 0;
}

int rg_parse_iflist(const char *what, const char *s, unsigned int role, struct rg_iflist *l,
		    FILE *errs)
{
	const char *p = s;
	char name[RG_IFNAME_LEN + 1];
	int err;

	for (;;) {
		size_t n = strcspn(p, ",");
		char *big = NULL;

		if (n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			err = add_iface(what, name, role, l, errs);
		} else {
			big = strndup(p, n);
			err = big ? add_iface(what, big, role, l, errs) : -ENOMEM;
			free(big);
		}
		if (err)
			return err;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* "option '--plan'" or "option '-o'", as the user typed it */
static void opt_label(const struct rg_opt *o, bool as_short, char *buf, size_t len)
{
	if (as_short)
		snprintf(buf, len, "option '-%c'", o->short_name);
	else
		snprintf(buf, len, "option '--%s'", o->name);
}

static int set_value(const struct rg_opt *o, void *cfg, const char *v, const char *label,
		     FILE *errs)
{
	void *at = (char *)cfg + o->off;
	long n;
	int err;

	switch (o->kind) {
	case RG_OPT_FLAG:
		*(bool *)at = true;
		return 0;
	case RG_OPT_STR:
		if (o->max && (long)strlen(v) > o->max) {
			fprintf(errs, "%s: '%.20s...' is %zu characters long, the limit is %ld\n",
				label, v, strlen(v), o->max);
			return -EINVAL;
		}
		if (!*v) {
			fprintf(errs, "%s needs a value, not an empty word\n", label);
			return -EINVAL;
		}
		*(const char **)at = v;
		return 0;
	case RG_OPT_NUM:
		err = rg_parse_num(label, v, o->min, o->max, &n, errs);
		if (!err)
			*(long *)at = n;
		return err;
	case RG_OPT_DURATION:
		err = rg_parse_duration(label, v, o->min, o->max, &n, errs);
		if (!err)
			*(long *)at = n;
		return err;
	case RG_OPT_CHOICE:
		for (int i = 0; o->choices[i]; i++) {
			if (strcmp(v, o->choices[i]))
				continue;
			*(int *)at = o->values ? o->values[i] : i;
			return 0;
		}
		fprintf(errs, "%s: unknown value '%s': use ", label, v);
		for (int i = 0; o->choices[i]; i++)
			fprintf(errs, "%s%s", i ? (o->choices[i + 1] ? ", " : " or ") : "",
				o->choices[i]);
		fputc('\n', errs);
		return -EINVAL;
	case RG_OPT_IFLIST:
		return rg_parse_iflist(label, v, o->role, at, errs);
	}
	return -EINVAL;
}

static const char *name_of(const struct rg_cmd *cmd)
{
	return cmd->name ? cmd->name : "ringguard";
}

static void see_help(const struct rg_cmd *cmd, FILE *errs)
{
	if (cmd->name)
		fprintf(errs, "(see 'ringguard help %s')\n", cmd->name);
	else
		fprintf(errs, "(see 'ringguard help')\n");
}

/* One run of the parser: getopt_long's tables built from the command's
 * options and the global ones (index i < nc: the command's).
 */
struct parser {
	const struct rg_cmd *cmd;
	void *cfg;
	FILE *errs;
	int nc, n;
	struct option *lo;
	char *so;
	char **av;		/* argv with a program name in front */
	int ac;
	unsigned char *seen;	/* options given, by index */
	const struct rg_opt *list;	/* the IFLIST that bare words continue */
	void *list_cfg;
};

static const struct rg_opt *opt_at(const struct parser *p, int i)
{
	return i < p->nc ? &p->cmd->opts[i] : &g_opts[i - p->nc];
}

static int usage_error(const struct parser *p)
{
	see_help(p->cmd, p->errs);
	return -EINVAL;
}

static int parser_init(struct parser *p, const struct rg_cmd *cmd, int argc, char **argv,
		       void *cfg, FILE *errs)
{
	size_t sl = 0;

	*p = (struct parser){ .cmd = cmd, .cfg = cfg, .errs = errs, .nc = count(cmd->opts),
			      .ac = argc + 1 };
	p->n = p->nc + count(g_opts);
	p->lo = calloc(p->n + 2, sizeof(*p->lo));
	p->so = calloc(3 * p->n + 8, 1);
	p->av = calloc(argc + 2, sizeof(*p->av));
	p->seen = calloc(p->n + 1, 1);
	if (!p->lo || !p->so || !p->av || !p->seen)
		return -ENOMEM;
	/* "-": bare words come back in order (as 1), so a word after --mesh
	 * can continue its list; ":": a missing value is told apart
	 */
	p->so[sl++] = '-';
	p->so[sl++] = ':';
	p->so[sl++] = 'h';
	for (int i = 0; i < p->n; i++) {
		const struct rg_opt *o = opt_at(p, i);
		bool val = o->kind != RG_OPT_FLAG;

		p->lo[i] = (struct option){ o->name, val ? required_argument : no_argument, NULL,
					    256 + i };
		if (o->short_name) {
			p->so[sl++] = o->short_name;
			if (val)
				p->so[sl++] = ':';
		}
	}
	p->lo[p->n] = (struct option){ "help", no_argument, NULL, 'h' };
	/* getopt wants a program name in argv[0]: a copy with the command's */
	p->av[0] = (char *)name_of(cmd);
	memcpy(p->av + 1, argv, argc * sizeof(*p->av));
	return 0;
}

static void parser_free(struct parser *p)
{
	free(p->lo);
	free(p->so);
	free(p->av);
	free(p->seen);
}

/* getopt_long's '?' (unknown, ambiguous, a value where none goes) and ':'
 * (a value missing), as a message naming the option.
 */
static int getopt_error(const struct parser *p, int c)
{
	const char *w = p->av[optind - 1], *name = name_of(p->cmd);
	int len = strcspn(w, "="), nmatch = 0;
	char label[160];

	if (c == ':') {
		if (optopt >= 256)
			opt_label(opt_at(p, optopt - 256), false, label, sizeof(label));
		else
			snprintf(label, sizeof(label), "option '-%c'", optopt);
		fprintf(p->errs, "%s needs a value ", label);
		return usage_error(p);
	}
	/* optopt: the short option, or the long one's val when it was given
	 * a value it takes none; 0 for a long one unknown or ambiguous
	 */
	for (int i = 0; !optopt && w[0] == '-' && w[1] == '-' && i <= p->n; i++)
		nmatch += !strncmp(p->lo[i].name, w + 2, len - 2);
	if (optopt >= 256)
		fprintf(p->errs, "%s: option '%.*s' takes no value ", name, len, w);
	else if (optopt)
		fprintf(p->errs, "%s: unknown option '-%c' ", name, optopt);
	else if (nmatch > 1)
		fprintf(p->errs, "%s: option '%.*s' is ambiguous: say more ", name, len, w);
	else
		fprintf(p->errs, "%s: unknown option '%.*s' ", name, len, w);
	return usage_error(p);
}

/* An option getopt_long returned (c: 256 + index, or the short name). */
static int take_option(struct parser *p, int c)
{
	const struct rg_opt *o;
	void *cfg = p->cfg;
	bool as_short = c < 256;
	char label[160];
	int idx = -1;

	if (as_short) {
		for (int i = 0; i < p->n && idx < 0; i++)
			if (opt_at(p, i)->short_name == c)
				idx = i;
	} else {
		idx = c - 256;
	}
	if (idx < 0 || idx >= p->n)
		return -EINVAL;
	o = opt_at(p, idx);
	if (idx >= p->nc)
		cfg = g_cfg;
	opt_label(o, as_short, label, sizeof(label));
	/* "--plan --mesh eth0": getopt takes --mesh as the plan; a value
	 * that looks like an option is one, unless given as --plan=--x
	 */
	if (optarg && optarg == p->av[optind - 1] && optarg[0] == '-' && optarg[1] == '-') {
		fprintf(p->errs, "%s needs a value, not the option '%s' ", label, optarg);
		return usage_error(p);
	}
	if (p->seen[idx] && o->kind != RG_OPT_IFLIST && o->kind != RG_OPT_FLAG) {
		fprintf(p->errs, "%s given twice: give it once\n", label);
		return -EINVAL;
	}
	p->seen[idx] = 1;
	p->list = o->kind == RG_OPT_IFLIST ? o : NULL;
	p->list_cfg = cfg;
	return set_value(o, cfg, optarg, label, p->errs);
}

/* A bare word: more of an interface list, or a positional. */
static int take_word(struct parser *p, const char *w, struct rg_args *pos)
{
	char label[160];

	if (p->list) {
		opt_label(p->list, false, label, sizeof(label));
		return rg_parse_iflist(label, w, p->list->role,
				       (void *)((char *)p->list_cfg + p->list->off), p->errs);
	}
	if (pos->n == RG_MAX_ARGS || pos->n >= p->cmd->max_args) {
		fprintf(p->errs, "%s: unexpected argument '%s' ", name_of(p->cmd), w);
		return usage_error(p);
	}
	pos->v[pos->n++] = w;
	return 0;
}

/* What the whole command line must have: the required options, enough
 * positionals.
 */
static int check_complete(const struct parser *p, const struct rg_args *pos)
{
	const struct rg_cmd *cmd = p->cmd;

	for (int i = 0; i < p->nc; i++) {
		const struct rg_opt *o = &cmd->opts[i];

		if (!o->required || p->seen[i])
			continue;
		fprintf(p->errs, "%s needs --%s ", name_of(cmd), o->name);
		if (o->kind == RG_OPT_CHOICE)
			for (int k = 0; o->choices[k]; k++)
				fprintf(p->errs, "%s%s", k ? "|" : "", o->choices[k]);
		else if (o->arg)
			fprintf(p->errs, "%s", o->arg);
		fputc(' ', p->errs);
		return usage_error(p);
	}
	if (pos->n < cmd->min_args) {
		fprintf(p->errs, "%s needs %s ", name_of(cmd), cmd->args ? cmd->args : "arguments");
		return usage_error(p);
	}
	return 0;
}

int rg_opts_parse(const struct rg_cmd *cmd, int argc, char **argv, void *cfg,
		  struct rg_args *pos, FILE *errs)
{
	struct parser p;
	int err, c;

	memset(pos, 0, sizeof(*pos));
	err = parser_init(&p, cmd, argc, argv, cfg, errs);
	if (err)
		goto out;
	opterr = 0;
	optind = 0;	/* glibc: a full reset, the parser may have run before */
	while ((c = getopt_long(p.ac, p.av, p.so, p.lo, NULL)) != -1) {
		if (c == 1 && cmd->subs && !p.list) {
			/* the subcommand: the words after it are its own */
			pos->v[pos->n++] = optarg;
			pos->rest = argv + optind - 1;
			pos->nrest = argc + 1 - optind;
			break;
		}
		if (c == 1) {
			err = take_word(&p, optarg, pos);
		} else if (c == 'h') {
			rg_opts_usage(cmd, stdout);
			err = RG_OPTS_HELP;
		} else if (c == '?' || c == ':') {
			err = getopt_error(&p, c);
		} else {
			err = take_option(&p, c);
		}
		if (err)
			goto out;
	}
	/* after "--": positionals only */
	p.list = NULL;
	if (cmd->subs && !pos->n && optind < p.ac) {
		pos->v[pos->n++] = argv[optind - 1];
		pos->rest = argv + optind;
		pos->nrest = argc - optind;
	}
	for (int i = optind; !cmd->subs && i < p.ac && !err; i++)
		err = take_word(&p, p.av[i], pos);
	if (!err)
		err = check_complete(&p, pos);
out:
	parser_free(&p);
	return err;
}

static void print_opt(const struct rg_opt *o, FILE *f)
{
	char left[64];
	int w;

	if (o->short_name)
		w = snprintf(left, sizeof(left), "-%c, --%s", o->short_name, o->name);
	else
		w = snprintf(left, sizeof(left), "    --%s", o->name);
	if (o->kind == RG_OPT_CHOICE) {
		w += snprintf(left + w, sizeof(left) - w, " ");
		for (int i = 0; o->choices[i] && w < (int)sizeof(left); i++)
			w += snprintf(left + w, sizeof(left) - w, "%s%s", i ? "|" : "",
				      o->choices[i]);
	} else if (o->arg && w < (int)sizeof(left)) {
		snprintf(left + w, sizeof(left) - w, " %s", o->arg);
	}
	if (strlen(left) <= 22)
		fprintf(f, "  %-22s  %s\n", left, o->help);
	else
		fprintf(f, "  %s\n  %-22s  %s\n", left, "", o->help);
}

void rg_opts_usage(const struct rg_cmd *cmd, FILE *f)
{
	int nc = count(cmd->opts);

	fprintf(f, "Usage: ringguard%s%s", cmd->name ? " " : "", cmd->name ? cmd->name : "");
	for (int i = 0; i < nc; i++)
		if (cmd->opts[i].required)
			fprintf(f, " --%s %s", cmd->opts[i].name, cmd->opts[i].arg);
	if (nc)
		fprintf(f, " [OPTIONS]");
	if (cmd->subs)
		fprintf(f, " COMMAND");
	if (cmd->args)
		fprintf(f, " %s", cmd->args);
	fprintf(f, "\n\n%s\n", cmd->summary);
	if (cmd->description)
		fprintf(f, "\n%s", cmd->description);
	if (cmd->subs) {
		fprintf(f, "\nCommands:\n");
		for (int i = 0; cmd->subs[i]; i++)
			fprintf(f, "  %-22s  %s\n", cmd->subs[i]->name +
				(cmd->name ? strlen(cmd->name) + 1 : 0),
				cmd->subs[i]->summary);
	}
	if (nc) {
		fprintf(f, "\nOptions:\n");
		for (int i = 0; i < nc; i++)
			print_opt(&cmd->opts[i], f);
	}
	fprintf(f, "\nGlobal options:\n");
	for (int i = 0; g_opts && g_opts[i].name; i++)
		print_opt(&g_opts[i], f);
	fprintf(f, "  %-22s  %s\n", "-h, --help", "this help");
	if (cmd->examples)
		fprintf(f, "\nExamples:\n%s", cmd->examples);
	fprintf(f, "\nExit status: 0 ok, 1 a finding (plans differ, would drop, verify failed,\n"
		"import found inconsistencies), 2 usage error or failure.\n");
}

const struct rg_cmd *rg_opts_find(const struct rg_cmd *parent, const char *word, FILE *errs)
{
	const struct rg_cmd *const *tab = parent->subs, *match = NULL;
	size_t len = strlen(word);

	for (int i = 0; len && tab[i]; i++) {
		const char *name = strrchr(tab[i]->name, ' ');

		name = name ? name + 1 : tab[i]->name;
		if (!strcmp(name, word))
			return tab[i];
		if (strncmp(name, word, len))
			continue;
		if (match) {
			fprintf(errs, "ringguard: %s%scommand '%s' is ambiguous: say more ",
				parent->name ? parent->name : "", parent->name ? " " : "", word);
			see_help(parent, errs);
			return NULL;
		}
		match = tab[i];
	}
	if (!match) {
		fprintf(errs, "ringguard: unknown %s%scommand '%s' ",
			parent->name ? parent->name : "", parent->name ? " " : "", word);
		see_help(parent, errs);
	}
	return match;
}
