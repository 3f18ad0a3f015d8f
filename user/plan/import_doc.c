// SPDX-License-Identifier: GPL-2.0-only
/*
 * import_doc.c - the markdown scanner of `plan import` (import.c says what
 * it reads): headings, the allocation strategy's bullets, tables and range
 * lines, each turned into entries and hosts through import.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "plan/import_int.h"

/* ---- the document ------------------------------------------------------- */

static bool is_fence(const char *line)
{
	int sp = 0;

	while (line[sp] == ' ' && sp < 3)
		sp++;
	return !strncmp(line + sp, "```", 3) || !strncmp(line + sp, "~~~", 3);
}

/* Returns the level, and the heading's text in *text (in place). */
static int heading_level(char *line, char **text)
{
	int level = 0;
	char *end;

	while (line[level] == '#')
		level++;
	if (!level || level > 6 || (line[level] && !isspace((unsigned char)line[level])))
		return 0;
	*text = imp_trim(line + level);
	end = *text + strlen(*text);
	while (end > *text && end[-1] == '#')	/* closing sequence */
		*--end = '\0';
	*text = imp_strip_markup(*text);
	return level;
}

/* Word w of text, case-insensitively, not inside a longer word. */
static const char *find_word(const char *text, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = text; *p; p++) {
		if (strncasecmp(p, w, n))
			continue;
		if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]))
			return p;
	}
	return NULL;
}

/* The first role word of a description decides; -1 if there is none. */
static int role_of(const char *desc)
{
	static const char *const mesh[] = { "internal", "fast-ring", "mesh", NULL };
	static const char *const egress[] = { "external", "routable", "egress", NULL };
	const char *best = NULL;
	int role = -1;

	for (int i = 0; mesh[i]; i++) {
		const char *p = find_word(desc, mesh[i]);

		if (p && (!best || p < best)) {
			best = p;
			role = RG_ROLE_MESH;
		}
	}
	for (int i = 0; egress[i]; i++) {
		const char *p = find_word(desc, egress[i]);

		if (p && (!best || p < best)) {
			best = p;
			role = RG_ROLE_EGRESS;
		}
	}
	return role;
}

/* "- **fc00::/8** -> Internal fast-ring traffic (...)" */
static void zone_bullet(struct importer *im, char *text, int line)
{
	char *tok, *desc, name[RG_ZONE_LEN], cs[64], literal[64];
	struct rg_cidr c;
	bool has_len;
	int role;

	text = imp_strip_markup(text);
	tok = text;
	desc = tok + strcspn(tok, " \t");
	if (*desc)
		*desc++ = '\0';
	if (rg_cidr_parse_loose(tok, &c, &has_len, NULL, 0) || !has_len) {
		if (imp_looks_like_addr(tok))
			imp_problem(im, line, false, "'%s' is not a valid CIDR: zone skipped", tok);
		return;
	}
	snprintf(literal, sizeof(literal), "%s", tok);
	/* the arrow: "->", unicode arrows and dashes, or ':' */
	desc = imp_trim(desc);
	while (*desc && !isalnum((unsigned char)*desc))
		desc++;
	if (rg_cidr_has_host_bits(&c)) {
		rg_cidr_clear_host_bits(&c);
		rg_cidr_format(&c, cs, sizeof(cs));
		imp_problem(im, line, false, "host bits set in %s: the network is %s (used in the plan)",
			literal, cs);
	}
	rg_cidr_format(&c, cs, sizeof(cs));
	role = role_of(desc);
	if (role < 0) {
		imp_problem(im, line, false, "cannot tell the role of zone %s: its description names "
			"neither internal/fast-ring/mesh nor external/routable/egress", cs);
		return;
	}
	for (int i = 0; i < im->n; i++) {
		char os[64];

		if (!rg_cidr_inside(&c, &im->e[i].cidr) && !rg_cidr_inside(&im->e[i].cidr, &c))
			continue;
		rg_cidr_format(&im->e[i].cidr, os, sizeof(os));
		imp_problem(im, line, false, "zone %s overlaps zone %s (line %d): skipped", cs, os,
			im->e[i].line);
		return;
	}
	imp_kebab(desc, name, sizeof(name) - 1);
	name[strcspn(name, "-")] = '\0';
	if (!*name)
		snprintf(name, sizeof(name), "%s", rg_role_name(role));
	imp_add_entry(im, RG_KIND_ZONE, role, &c, name, "", line, -1);
}

void imp_find_zones(struct importer *im, char **lines, int nlines)
{
	bool fence = false, strategy = false;

	/* on copies: the main scan reads the same lines afterwards */
	for (int i = 0; i < nlines && !im->err; i++) {
		char *buf, *text;

		if (is_fence(lines[i])) {
			fence = !fence;
			continue;
		}
		if (fence)
			continue;
		buf = strdup(lines[i]);
		if (!buf) {
			im->err = -ENOMEM;
			return;
		}
		if (heading_level(buf, &text))
			strategy = strcasestr(text, "allocation strategy") != NULL;
		else if (strategy && buf[0] && strchr("-*+", buf[0]) &&
			 isspace((unsigned char)buf[1]))
			zone_bullet(im, buf + 2, i + 1);
		free(buf);
	}
}

/* The innermost enclosing heading that names a CIDR. */
static const struct imp_heading *cidr_parent(const struct importer *im)
{
	for (int i = im->depth - 1; i >= 0; i--)
		if (im->stack[i].has_cidr)
			return &im->stack[i];
	return NULL;
}

static void check_inside(struct importer *im, const struct rg_cidr *c, const char *what,
			 int line, int idx)
{
	const struct imp_heading *up = cidr_parent(im);

	if (!up || up->cidr.v4 != c->v4 || rg_cidr_inside(c, &up->cidr))
		return;
	imp_problem(im, line, false, "%s is listed under %s (line %d) but is not inside it",
		what, up->literal, up->line);
	if (idx >= 0 && im->e[idx].line == line)
		imp_append_note(&im->e[idx], "listed under %s but not inside it", up->literal);
}

static void heading(struct importer *im, int level, char *text, int line)
{
	struct imp_heading *hd;
	char tok[128], name[RG_NAME_LEN], cs[64], *rest, *dash, *paren;
	struct rg_cidr c;
	bool has_len, masked = false;
	size_t toklen;
	int section, idx;

	while (im->depth && im->stack[im->depth - 1].level >= level)
		im->depth--;
	section = imp_add_section(im, line, text);

	toklen = strcspn(text, " \t");
	snprintf(tok, sizeof(tok), "%.*s", (int)toklen, text);
	rest = text + toklen;
	while (*tok && strchr(":,", tok[strlen(tok) - 1]))
		tok[strlen(tok) - 1] = '\0';

	hd = &im->stack[im->depth < IMP_MAX_DEPTH ? im->depth : IMP_MAX_DEPTH - 1];
	memset(hd, 0, sizeof(*hd));
	hd->level = level;
	hd->line = line;

	if (rg_cidr_parse_loose(tok, &c, &has_len, NULL, 0)) {
		if (imp_looks_like_addr(tok))
			imp_problem(im, line, false, "'%s' looks like an address but is not a valid "
				"address or CIDR: heading skipped", tok);
		imp_section_tag(text, hd->tag, sizeof(hd->tag));
		goto push;
	}
	/* the name: after " - " (or an em dash), else whatever follows the CIDR */
	dash = strstr(rest, " - ");
	if (!dash)
		dash = strstr(rest, " \xe2\x80\x94 ");	/* em dash */
	if (dash)
		rest = dash + (dash[1] == '-' ? 3 : 5);
	while (*rest && !isalnum((unsigned char)*rest))
		rest++;
	imp_section_tag(rest, hd->tag, sizeof(hd->tag));
	paren = strchr(rest, '(');
	if (paren)
		*paren = '\0';
	imp_kebab(rest, name, IMP_WORDS_LEN - 1);
	snprintf(hd->literal, sizeof(hd->literal), "%s", tok);
	if (has_len && rg_cidr_has_host_bits(&c)) {
		rg_cidr_clear_host_bits(&c);
		rg_cidr_format(&c, cs, sizeof(cs));
		imp_problem(im, line, false, "host bits set in %s: the network is %s (used in the plan)",
			tok, cs);
		masked = true;
	}
	if (!*name) {
		rg_cidr_format(&c, cs, sizeof(cs));
		snprintf(name, sizeof(name), "net-");
		imp_kebab(cs, name + 4, sizeof(name) - 5);
	}
	hd->has_cidr = true;
	hd->cidr = c;
	idx = imp_add_entry(im, RG_KIND_PREFIX, 0, &c, name, "", line, section);
	if (idx >= 0 && im->e[idx].line == line && masked)
		imp_append_note(&im->e[idx], "doc: %s (host bits set)", tok);
	check_inside(im, &c, tok, line, idx);
push:
	if (im->depth < IMP_MAX_DEPTH)
		im->depth++;
}

/* "Range: A - B" under a CIDR heading must span that CIDR. */
static void range_line(struct importer *im, char *text, int line)
{
	const struct imp_heading *up = cidr_parent(im);
	char a[64], dash[8], b[64], f[64], l[64], cs[64];
	struct rg_cidr exact;
	u128 lo, hi, first, last;
	bool v4a, v4b;
	int idx;

	if (!up || sscanf(text, "%63s %7s %63s", a, dash, b) != 3)
		return;
	if (strcmp(dash, "-") && strcmp(dash, "\xe2\x80\x93") && strcmp(dash, "to"))
		return;
	if (rg_addr_parse(a, &lo, &v4a) || rg_addr_parse(b, &hi, &v4b) || v4a != v4b ||
	    v4a != up->cidr.v4)
		return;
	first = cidr_first(&up->cidr);
	last = cidr_last(&up->cidr);
	/* "first usable - last usable", the IPv4 habit, is the same range */
	if ((lo == first || lo == first + 1) && (hi == last || hi == last - 1) && lo < hi)
		return;
	rg_u128_format(first, v4a, f, sizeof(f));
	rg_u128_format(last, v4a, l, sizeof(l));
	rg_cidr_format(&up->cidr, cs, sizeof(cs));
	if (lo <= hi && imp_covering(lo, hi, v4a, &exact)) {
		char es[64];

		rg_cidr_format(&exact, es, sizeof(es));
		imp_problem(im, line, false, "stated range %s - %s does not match %s, which spans "
			"%s - %s (the stated range is %s)", a, b, up->literal, f, l, es);
	} else {
		imp_problem(im, line, false, "stated range %s - %s does not match %s, which spans "
			"%s - %s", a, b, up->literal, f, l);
	}
	idx = imp_find_cidr(im, &up->cidr);
	if (idx >= 0)
		imp_append_note(&im->e[idx], "stated range on line %d does not match", line);
}

enum col_kind {
	COL_ADDR,	/* "IP", "Address": ADDR/LEN is an interface address */
	COL_NET,	/* "Subnet", "Prefix", "CIDR": ADDR/LEN is a network */
};

struct table_col {
	char head[128];		/* lowercase, markup stripped */
	int kind;
	bool generic;		/* the header says only "this is an address" */
	bool host_label;
	bool desc_label;
	int role;		/* "Mesh (eth0)": the role, -1 if none */
	char ifname[RG_IFNAME_LEN];
};

#define MAX_COLS 32

static int split_row(char *line, char **cells)
{
	int n = 0;
	char *p = imp_trim(line);

	if (*p == '|')
		p++;
	while (*p && n < MAX_COLS) {
		char *bar = strchr(p, '|');

		if (bar)
			*bar = '\0';
		cells[n++] = imp_strip_markup(p);
		if (!bar)
			break;
		p = bar + 1;
	}
	/* the trailing '|' leaves an empty last cell */
	if (n && !*cells[n - 1] && !*p)
		n--;
	return n;
}

static bool is_separator(char **cells, int n)
{
	for (int i = 0; i < n; i++) {
		if (!*cells[i])
			return false;
		for (const char *p = cells[i]; *p; p++)
			if (!strchr("-: ", *p))
				return false;
	}
	return n > 0;
}

static bool in_list(const char *s, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static void classify(struct table_col *col, const char *cell)
{
	static const char *const generic_heads[] = {
		"ip", "ips", "ip address", "address", "addresses", "ipv6", "ipv4",
		"ipv6 address", "ipv4 address", "subnet", "prefix", "cidr", "ipv6 prefix",
		"ipv4 prefix", "ipv6 subnet", "ipv4 subnet", "network", "range", NULL,
	};
	static const char *const host_heads[] = {
		"host", "hostname", "node", "device", "name", "vm", "server", NULL,
	};
	static const char *const desc_heads[] = {
		"service type", "service", "purpose", "description", "location", "role", "use",
		NULL,
	};
	char *open;

	memset(col, 0, sizeof(*col));
	col->role = -1;
	for (size_t i = 0; cell[i] && i < sizeof(col->head) - 1; i++)
		col->head[i] = tolower((unsigned char)cell[i]);
	col->generic = in_list(col->head, generic_heads);
	col->host_label = in_list(col->head, host_heads);
	col->desc_label = in_list(col->head, desc_heads);
	col->kind = strstr(col->head, "subnet") || strstr(col->head, "prefix") ||
		    strstr(col->head, "cidr") || strstr(col->head, "network") ? COL_NET : COL_ADDR;
	/* "Mesh (eth0)": the column of each host's mesh address, and its interface */
	open = strchr(col->head, '(');
	if (open && strchr(open, ')')) {
		char role[16] = "", ifn[32] = "";

		if (sscanf(col->head, "%15[a-z] (%31[a-zA-Z0-9_.-])", role, ifn) == 2 &&
		    rg_role_parse(role) >= 0 && strlen(ifn) < RG_IFNAME_LEN) {
			col->role = rg_role_parse(role);
			snprintf(col->ifname, sizeof(col->ifname), "%s", ifn);
		}
	}
}

/* names a row's entry: LABEL[-SECTION|-COLUMN], or SECTION-ADDRESS */
static void row_name(const struct table_col *lab, const char *label, const struct table_col *col,
		     const char *tag, const char *value, char *out, size_t size)
{
	char l[RG_NAME_LEN], extra[RG_NAME_LEN] = "", head[128];

	imp_kebab(label, l, IMP_WORDS_LEN - 1);
	if (!col->generic) {
		snprintf(head, sizeof(head), "%s", col->head);
		head[strcspn(head, "(")] = '\0';
		imp_kebab(head, extra, IMP_WORDS_LEN - 1);
	} else if (!*l || (lab && lab->host_label)) {
		/* a host has rows in many sections: the section tells them apart */
		snprintf(extra, sizeof(extra), "%s", tag);
	}
	if (!*l) {
		char v[RG_NAME_LEN];

		imp_kebab(value, v, IMP_WORDS_LEN - 1);
		snprintf(out, size, "%s%s%s", extra, *extra ? "-" : "", v);
		return;
	}
	if (*extra && !imp_has_word(l, extra))
		snprintf(out, size, "%.*s-%s", (int)(size - 2 - strlen(extra)), l, extra);
	else
		snprintf(out, size, "%s", l);
}

static void table_cell(struct importer *im, const struct table_col *lab, const char *label,
		       const struct table_col *col, char *cell, int line, int section)
{
	const struct imp_heading *top = im->depth ? &im->stack[im->depth - 1] : NULL;
	char host[RG_NAME_LEN] = "", name[RG_NAME_LEN], cs[64], what[160];
	char *tok = cell, *rest;
	bool has_len, v4, masked = false;
	struct rg_cidr c;
	u128 lo, hi;
	int idx, r;

	if (!*cell || !strcmp(cell, "-"))
		return;
	/* a value with a remark after it: "fd00:10::4 (future)" */
	rest = cell + strcspn(cell, " \t");
	if (*rest) {
		*rest++ = '\0';
		rest = imp_trim(rest);
		if (*rest != '(')
			return;	/* prose */
	}
	if (lab && lab->host_label)
		imp_kebab(label, host, IMP_WORDS_LEN - 1);

	r = imp_parse_range(tok, &lo, &hi, &v4);
	if (r == -ERANGE) {
		imp_problem(im, line, false, "range %s ends before it starts: skipped", tok);
		return;
	}
	if (!r) {
		bool exact = imp_covering(lo, hi, v4, &c);

		rg_cidr_format(&c, cs, sizeof(cs));
		row_name(lab, label, col, top ? top->tag : "", cs, name, sizeof(name));
		idx = imp_add_entry(im, RG_KIND_PREFIX, 0, &c, name, host, line, section);
		if (exact) {
			imp_problem(im, line, true, "%s is a range, not a CIDR: range encoded as %s "
				"(exactly)", tok, cs);
		} else {
			imp_problem(im, line, true, "%s is a range, not a CIDR: range encoded as covering "
				"prefix %s", tok, cs);
		}
		if (idx >= 0 && im->e[idx].line == line)
			imp_append_note(&im->e[idx], "doc: range %s%s", tok, exact ? "" : ", covering prefix");
		snprintf(what, sizeof(what), "%s (%s)", tok, *label ? label : "range");
		check_inside(im, &c, what, line, idx);
		return;
	}
	if (rg_cidr_parse_loose(tok, &c, &has_len, NULL, 0)) {
		if (imp_looks_like_addr(tok))
			imp_problem(im, line, false, "'%s' looks like an address but is not a valid "
				"address or CIDR: skipped", tok);
		return;
	}
	if (has_len && rg_cidr_has_host_bits(&c)) {
		if (col->kind == COL_NET) {
			rg_cidr_clear_host_bits(&c);
			rg_cidr_format(&c, cs, sizeof(cs));
			imp_problem(im, line, false, "host bits set in %s: the network is %s (used in "
				"the plan)", tok, cs);
			masked = true;
		} else {
			/* fc00:20::1/64: the address fc00:20::1 on a /64 link */
			c.len = 128;
		}
	}
	rg_cidr_format(&c, cs, sizeof(cs));
	row_name(lab, label, col, top ? top->tag : "", cs, name, sizeof(name));
	idx = imp_add_entry(im, RG_KIND_PREFIX, 0, &c, name, host, line, section);
	if (idx >= 0 && im->e[idx].line == line && masked)
		imp_append_note(&im->e[idx], "doc: %s (host bits set)", tok);
	if (*label)
		snprintf(what, sizeof(what), "%s (%s)", cs, label);
	else
		snprintf(what, sizeof(what), "%s", cs);
	check_inside(im, &c, what, line, idx);
}

static void table(struct importer *im, char **lines, int first, int end, int section)
{
	struct table_col cols[MAX_COLS];
	char *cells[MAX_COLS];
	int ncols, n, labcol = -1;
	bool roles = false;

	ncols = split_row(lines[first], cells);
	for (int i = 0; i < ncols; i++)
		classify(&cols[i], cells[i]);
	if (first + 1 >= end)
		return;
	n = split_row(lines[first + 1], cells);
	if (!is_separator(cells, n))
		return;
	for (int i = 0; i < ncols && labcol < 0; i++)
		if (cols[i].host_label)
			labcol = i;
	for (int i = 0; i < ncols && labcol < 0; i++)
		if (cols[i].desc_label)
			labcol = i;
	for (int i = 0; i < ncols; i++)
		roles |= cols[i].role >= 0;

	for (int r = first + 2; r < end; r++) {
		const char *label;
		int line = r + 1;

		n = split_row(lines[r], cells);
		label = labcol >= 0 && labcol < n ? cells[labcol] : "";
		if (!strcmp(label, "-"))
			label = "";
		for (int i = 0; i < n && i < ncols; i++) {
			if (i == labcol)
				continue;
			table_cell(im, labcol >= 0 ? &cols[labcol] : NULL, label, &cols[i], cells[i],
				   line, section);
		}
		if (roles && labcol >= 0 && cols[labcol].host_label && *label) {
			struct rg_host_if ifs[RG_MAX_HOST_IFS] = {};
			int nifs = 0;
			bool ok = true;

			for (const char *p = label; *p; p++)
				ok &= isalnum((unsigned char)*p) || strchr("-_.", *p);
			for (int i = 0; ok && i < ncols && nifs < RG_MAX_HOST_IFS; i++) {
				if (cols[i].role < 0)
					continue;
				snprintf(ifs[nifs].name, RG_IFNAME_LEN, "%s", cols[i].ifname);
				ifs[nifs++].role = cols[i].role;
			}
			if (ok && strlen(label) < RG_NAME_LEN)
				imp_add_host(im, label, ifs, nifs, line);
		}
	}
}

void imp_scan(struct importer *im, char **lines, int nlines)
{
	bool fence = false;
	int section = -1;

	/* each line is read once, so it is cut up in place */
	for (int i = 0; i < nlines; i++) {
		char *text;
		int level, j;

		if (is_fence(lines[i])) {
			fence = !fence;
			continue;
		}
		if (fence)
			continue;
		level = heading_level(lines[i], &text);
		if (level) {
			heading(im, level, text, i + 1);
			section = im->ns - 1;
			continue;
		}
		text = imp_trim(lines[i]);
		if (*text == '|') {
			for (j = i; j < nlines && *imp_trim(lines[j]) == '|'; j++)
				;
			table(im, lines, i, j, section);
			i = j - 1;
			continue;
		}
		text = imp_strip_markup(text);
		if (*text && strchr("-*+", *text) && isspace((unsigned char)text[1]))
			text = imp_trim(text + 1);
		if (!strncasecmp(text, "range:", 6))
			range_line(im, text + 6, i + 1);
	}
}

