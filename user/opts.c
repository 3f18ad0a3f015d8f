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
#include "opts.h"

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
	if (l->n == RG_MAX_IFACES) {
		fprintf(errs, "%s: more than %d interfaces\n", what, RG_MAX_IFACES);
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

int rg_opts_parse(const struct rg_cmd *cmd, int argc, char **argv, void *cfg,
		  struct rg_args *pos, FILE *errs)
{
	int nc = count(cmd->opts), ng = count(g_opts), n = nc + ng;
	struct option *lo = calloc(n + 2, sizeof(*lo));
	char *so = calloc(3 * n + 8, 1), **av = calloc(argc + 2, sizeof(*av));
	unsigned char *seen = calloc(n + 1, 1);
	const struct rg_opt *list = NULL;	/* the IFLIST bare words continue */
	void *list_cfg = NULL;
	size_t sl = 0;
	int err = 0, c;

	memset(pos, 0, sizeof(*pos));
	if (!lo || !so || !av || !seen) {
		err = -ENOMEM;
		goto out;
	}
	/* "-": bare words come back in order (as 1), so a word after --mesh
	 * can continue its list; ":": a missing value is told apart
	 */
	so[sl++] = '-';
	so[sl++] = ':';
	so[sl++] = 'h';
	for (int i = 0; i < n; i++) {
		const struct rg_opt *o = i < nc ? &cmd->opts[i] : &g_opts[i - nc];
		bool val = o->kind != RG_OPT_FLAG;

		lo[i] = (struct option){ o->name, val ? required_argument : no_argument, NULL,
					 256 + i };
		if (o->short_name) {
			so[sl++] = o->short_name;
			if (val)
				so[sl++] = ':';
		}
	}
	lo[n] = (struct option){ "help", no_argument, NULL, 'h' };
	/* getopt permutes argv; work on a copy, with a dummy argv[0] */
	av[0] = (char *)cmd->name;
	memcpy(av + 1, argv, argc * sizeof(*av));
	opterr = 0;
	optind = 0;	/* glibc: a full reset, the parser may have run before */
	while ((c = getopt_long(argc + 1, av, so, lo, NULL)) != -1) {
		const struct rg_opt *o = NULL;
		bool as_short = false, inline_val;
		void *ocfg = cfg;
		char label[160];
		int idx = -1;

		if (c == 1 && cmd->subs && !list) {
			pos->v[pos->n++] = optarg;
			pos->rest = argv + optind - 1;
			pos->nrest = argc + 1 - optind;
			break;
		}
		if (c == 1) {
			if (list) {
				opt_label(list, false, label, sizeof(label));
				err = rg_parse_iflist(label, optarg, list->role,
						      (void *)((char *)list_cfg + list->off), errs);
				if (err)
					goto out;
				continue;
			}
			if (pos->n == RG_MAX_ARGS || pos->n >= cmd->max_args) {
				fprintf(errs, "%s: unexpected argument '%s' ", name_of(cmd), optarg);
				see_help(cmd, errs);
				err = -EINVAL;
				goto out;
			}
			pos->v[pos->n++] = optarg;
			continue;
		}
		list = NULL;
		if (c == 'h') {
			rg_opts_usage(cmd, stdout);
			err = RG_OPTS_HELP;
			goto out;
		}
		if (c == '?') {
			/* optopt: the short option, or the long one's val when it
			 * was given a value it takes none; 0 for a long one that is
			 * unknown or an ambiguous prefix
			 */
			const char *w = av[optind - 1];
			int len = strcspn(w, "="), nmatch = 0;

			for (int i = 0; !optopt && w[0] == '-' && w[1] == '-' && i <= n; i++)
				nmatch += !strncmp(lo[i].name, w + 2, len - 2);
			if (optopt >= 256)
				fprintf(errs, "%s: option '%.*s' takes no value ", name_of(cmd), len, w);
			else if (optopt)
				fprintf(errs, "%s: unknown option '-%c' ", name_of(cmd), optopt);
			else if (nmatch > 1)
				fprintf(errs, "%s: option '%.*s' is ambiguous: say more ", name_of(cmd),
					len, w);
			else
				fprintf(errs, "%s: unknown option '%.*s' ", name_of(cmd), len, w);
			see_help(cmd, errs);
			err = -EINVAL;
			goto out;
		}
		if (c == ':') {
			if (optopt >= 256) {
				o = optopt - 256 < nc ? &cmd->opts[optopt - 256] : &g_opts[optopt - 256 - nc];
				opt_label(o, false, label, sizeof(label));
			} else {
				snprintf(label, sizeof(label), "option '-%c'", optopt);
			}
			fprintf(errs, "%s needs a value ", label);
			see_help(cmd, errs);
			err = -EINVAL;
			goto out;
		}
		if (c >= 256) {
			idx = c - 256;
		} else {
			for (int i = 0; i < n && idx < 0; i++) {
				const struct rg_opt *x = i < nc ? &cmd->opts[i] : &g_opts[i - nc];

				if (x->short_name == c)
					idx = i;
			}
			as_short = true;
		}
		if (idx < 0) {
			err = -EINVAL;
			goto out;
		}
		o = idx < nc ? &cmd->opts[idx] : &g_opts[idx - nc];
		if (idx >= nc)
			ocfg = g_cfg;
		opt_label(o, as_short, label, sizeof(label));
		/* "--plan --mesh eth0": getopt takes --mesh as the plan; a value
		 * that looks like an option is one, unless given as --plan=--x
		 */
		inline_val = optarg && optarg != av[optind - 1];
		if (optarg && !inline_val && optarg[0] == '-' && optarg[1] == '-') {
			fprintf(errs, "%s needs a value, not the option '%s' ", label, optarg);
			see_help(cmd, errs);
			err = -EINVAL;
			goto out;
		}
		if (seen[idx] && o->kind != RG_OPT_IFLIST && o->kind != RG_OPT_FLAG) {
			fprintf(errs, "%s given twice: give it once\n", label);
			err = -EINVAL;
			goto out;
		}
		seen[idx] = 1;
		err = set_value(o, ocfg, optarg, label, errs);
		if (err)
			goto out;
		if (o->kind == RG_OPT_IFLIST) {
			list = o;
			list_cfg = ocfg;
		}
	}
	/* after "--": positionals only */
	if (cmd->subs && !pos->n && optind < argc + 1) {
		pos->v[pos->n++] = argv[optind - 1];
		pos->rest = argv + optind;
		pos->nrest = argc - optind;
	}
	for (int i = optind; i < argc + 1 && !cmd->subs; i++) {
		if (pos->n == RG_MAX_ARGS || pos->n >= cmd->max_args) {
			fprintf(errs, "%s: unexpected argument '%s' ", name_of(cmd), av[i]);
			see_help(cmd, errs);
			err = -EINVAL;
			goto out;
		}
		pos->v[pos->n++] = av[i];
	}
	for (int i = 0; i < nc; i++) {
		if (!cmd->opts[i].required || seen[i])
			continue;
		fprintf(errs, "%s needs --%s ", name_of(cmd), cmd->opts[i].name);
		if (cmd->opts[i].kind == RG_OPT_CHOICE)
			for (int k = 0; cmd->opts[i].choices[k]; k++)
				fprintf(errs, "%s%s", k ? "|" : "", cmd->opts[i].choices[k]);
		else if (cmd->opts[i].arg)
			fprintf(errs, "%s", cmd->opts[i].arg);
		fputc(' ', errs);
		see_help(cmd, errs);
		err = -EINVAL;
		goto out;
	}
	if (pos->n < cmd->min_args) {
		fprintf(errs, "%s needs %s ", name_of(cmd), cmd->args ? cmd->args : "arguments");
		see_help(cmd, errs);
		err = -EINVAL;
	}
out:
	free(lo);
	free(so);
	free(av);
	free(seen);
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
