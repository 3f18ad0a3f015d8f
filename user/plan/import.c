// SPDX-License-Identifier: GPL-2.0-only
/*
 * import.c - turn a markdown allocation plan into a ringguard plan.
 *
 * What the importer reads, and nothing else (prose, bullets outside the
 * allocation strategy and fenced code blocks are examples and proposals,
 * not allocations):
 *   - zones: top-level bullets "**CIDR** -> description" in a section whose
 *     heading says "Allocation Strategy"; the description's words give the
 *     role (internal/fast-ring/mesh: mesh, external/routable/egress: egress);
 *   - a heading that starts with a CIDR: a prefix named after the heading;
 *   - every table cell that is an address, a CIDR or a range, named after
 *     the row's host/node/device (or purpose) column and the section;
 *   - "Range: A - B" lines, checked against the section's prefix;
 *   - "Mesh (IF)" / "Egress (IF)" table columns: host lines.
 * Addresses written as ADDR/LEN in an address column are interface
 * addresses (the /LEN is the link): they become /128 (/32) entries. In a
 * subnet/prefix/CIDR column or a heading, host bits are a mistake.
 *
 * Every CIDR is emitted once, under the name of its first occurrence; the
 * comment of each line names every source line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plan/import.h"
#include "lib/log.h"
#include "lib/json.h"
#include "plan/plan.h"
#include "lib/file.h"
#include "lib/grow.h"
#include "lib/hashidx.h"


#include "plan/import_int.h"


void imp_problem(struct importer *im, int line, bool note, const char *fmt, ...)
{
	struct imp_problem *p;
	va_list ap;

	if (RG_GROW(im->p, im->np, im->capp, 16)) {
		im->err = -ENOMEM;
		return;
	}
	p = &im->p[im->np];
	p->line = line;
	p->seq = im->np++;
	p->note = note;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
	if (note)
		im->nnotes++;
	else
		im->nerrors++;
}

/* ---- the index ---------------------------------------------------------- */

typedef bool (*imp_match_fn)(const struct importer *im, int id, const void *key);

/* The first id added under hash whose match() says yes, or -1. */
static int index_find(const struct importer *im, const struct rg_hidx *x, uint64_t hash,
		      imp_match_fn match, const void *key)
{
	struct rg_hslot *s;

	rg_hidx_for_each(s, x, hash)
		if (match(im, s->id, key))
			return s->id;
	return -1;
}

static int index_add(struct importer *im, struct rg_hidx *x, uint64_t hash, int id)
{
	if (rg_hidx_add(x, hash, id, 0)) {
		im->err = -ENOMEM;
		return -ENOMEM;
	}
	return 0;
}

/* ---- entries ------------------------------------------------------------ */

static bool match_name(const struct importer *im, int id, const void *key)
{
	return !strcmp(im->e[id].name, key);
}

static bool name_used(const struct importer *im, const char *name)
{
	return index_find(im, &im->by_name, rg_hash_str(name), match_name, name) >= 0;
}

struct suffix_key {
	const char *base;
	size_t size;
};

static bool match_suffix(const struct importer *im, int id, const void *key)
{
	const struct suffix_key *k = key;

	return im->suf[id].size == k->size && !strcmp(im->suf[id].base, k->base);
}

/* Where the -2, -3... search for base starts: names are never taken back,
 * so every suffix below it is still in use.
 */
static struct imp_suffix *suffix_of(struct importer *im, const char *base, size_t size)
{
	struct suffix_key k = { base, size };
	uint64_t h = rg_hash_mix(rg_hash_bytes(rg_hash_bytes(RG_HASH_SEED, base, strlen(base)), &size,
					 sizeof(size)));
	int id = index_find(im, &im->suffixes, h, match_suffix, &k);
	struct imp_suffix *s;

	if (id >= 0)
		return &im->suf[id];
	if (RG_GROW(im->suf, im->nsuf, im->capsuf, 64)) {
		im->err = -ENOMEM;
		return NULL;
	}
	s = &im->suf[im->nsuf];
	s->base = strdup(base);
	s->size = size;
	s->next = 2;
	if (!s->base || index_add(im, &im->suffixes, h, im->nsuf)) {
		free(s->base);
		im->err = -ENOMEM;
		return NULL;
	}
	im->nsuf++;
	return s;
}

/* base, else base-v4 for IPv4 (the v6 twin came first), else base-2, -3... */
static void unique_name(struct importer *im, const char *base, bool v4,
			size_t size, char *out)
{
	size_t max = size - 1;
	struct imp_suffix *suf;

	snprintf(out, size, "%.*s", (int)max, base);
	if (!name_used(im, out))
		return;
	if (v4) {
		snprintf(out, size, "%.*s-v4", (int)(max - 3), base);
		if (!name_used(im, out))
			return;
	}
	suf = suffix_of(im, base, size);
	for (int k = suf ? suf->next : 2;; k++) {
		char suffix[16];
		int sl = snprintf(suffix, sizeof(suffix), "-%d", k);

		snprintf(out, size, "%.*s%s", (int)(max - sl), base, suffix);
		if (!name_used(im, out)) {
			if (suf)
				suf->next = k + 1;
			return;
		}
	}
}

static void add_also(struct importer *im, struct imp_entry *e, int line)
{
	if (line == e->line)
		return;
	for (int i = 0; i < e->nalso; i++)
		if (e->also[i] == line)
			return;
	if (RG_GROW(e->also, e->nalso, e->capalso, 4)) {
		im->err = -ENOMEM;
		return;
	}
	e->also[e->nalso++] = line;
}

void imp_append_note(struct imp_entry *e, const char *fmt, ...)
{
	size_t n = strlen(e->note);
	va_list ap;

	if (n && n < sizeof(e->note) - 2) {
		e->note[n++] = ';';
		e->note[n++] = ' ';
		e->note[n] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(e->note + n, sizeof(e->note) - n, fmt, ap);
	va_end(ap);
}

static uint64_t hash_cidr(const struct rg_cidr *c)
{
	return rg_hash_mix(rg_hash_bytes(rg_hash_bytes(RG_HASH_SEED, c->addr, 16), &c->len, 1));
}

static bool match_cidr(const struct importer *im, int id, const void *key)
{
	return !rg_cidr_cmp(&im->e[id].cidr, key);
}

int imp_find_cidr(const struct importer *im, const struct rg_cidr *c)
{
	return index_find(im, &im->by_cidr, hash_cidr(c), match_cidr, c);
}

/* The same network address with the host's name: another length of it */
struct host_addr {
	const char *host;
	const uint8_t *addr;
};

static uint64_t hash_host_addr(const char *host, const uint8_t addr[16])
{
	return rg_hash_mix(rg_hash_bytes(rg_hash_bytes(RG_HASH_SEED, host, strlen(host) + 1), addr, 16));
}

static bool match_host_addr(const struct importer *im, int id, const void *key)
{
	const struct host_addr *k = key;

	return !strcmp(im->e[id].host, k->host) && !memcmp(im->e[id].cidr.addr, k->addr, 16);
}

/*
 * Adds an entry, or merges it into the first one with the same CIDR.
 * host: the row's host/node label ("" if none): the same CIDR for two hosts,
 * or two lengths of one network address for the same host, contradict.
 * Returns the entry's index, or -1 when it was dropped.
 */
int imp_add_entry(struct importer *im, uint32_t kind, uint32_t role,
		  const struct rg_cidr *c, const char *base, const char *host, int line,
		  int section)
{
	char cs[64], other[64];
	struct imp_entry *e;
	int i = imp_find_cidr(im, c);

	rg_cidr_format(c, cs, sizeof(cs));
	if (i >= 0) {
		e = &im->e[i];
		if (*host && *e->host && strcmp(host, e->host))
			imp_problem(im, line, false, "%s is listed for %s, but line %d lists it for %s "
				"(keeping the first)", cs, host, e->line, e->host);
		add_also(im, e, line);
		return i;
	}
	if (*host) {
		struct host_addr k = { host, c->addr };

		i = index_find(im, &im->by_host_addr, hash_host_addr(host, c->addr),
			       match_host_addr, &k);
		if (i >= 0) {
			e = &im->e[i];
			rg_cidr_format(&e->cidr, other, sizeof(other));
			imp_problem(im, line, false, "%s has %s here, but line %d gives it %s "
				"(keeping the first)", host, cs, e->line, other);
			return -1;
		}
	}
	if (RG_GROW(im->e, im->n, im->cap, 64)) {
		im->err = -ENOMEM;
		return -1;
	}
	e = &im->e[im->n];
	memset(e, 0, sizeof(*e));
	unique_name(im, *base ? base : "net", c->v4,
		    kind == RG_KIND_ZONE ? RG_ZONE_LEN : RG_NAME_LEN, e->name);
	snprintf(e->host, sizeof(e->host), "%s", host);
	e->cidr = *c;
	e->kind = kind;
	e->role = role;
	e->line = line;
	e->section = section;
	if (index_add(im, &im->by_name, rg_hash_str(e->name), im->n) ||
	    index_add(im, &im->by_cidr, hash_cidr(c), im->n) ||
	    (*host && index_add(im, &im->by_host_addr, hash_host_addr(host, c->addr), im->n)))
		return -1;
	return im->n++;
}

/* The same interfaces in the same roles, in any order (columns may differ
 * in order from one table to the next). Field by field: a struct compare
 * would read the bytes after each name's NUL.
 */
static bool same_ifs(const struct rg_host_if *a, int na, const struct rg_host_if *b, int nb)
{
	if (na != nb)
		return false;
	for (int i = 0; i < na; i++) {
		bool found = false;

		for (int j = 0; j < nb && !found; j++)
			found = !strcmp(a[i].name, b[j].name) && a[i].role == b[j].role;
		if (!found)
			return false;
	}
	return true;
}

static bool match_host(const struct importer *im, int id, const void *key)
{
	return !strcmp(im->h[id].name, key);
}

void imp_add_host(struct importer *im, const char *name, const struct rg_host_if *ifs,
		  int nifs, int line)
{
	uint64_t hash = rg_hash_str(name);
	int i = index_find(im, &im->hosts, hash, match_host, name);
	struct imp_host *h;

	if (i >= 0) {
		h = &im->h[i];
		if (!same_ifs(h->ifs, h->nifs, ifs, nifs))
			imp_problem(im, line, false, "host %s: other interfaces than on line %d "
				"(keeping the first)", name, h->line);
		return;
	}
	if (RG_GROW(im->h, im->nh, im->caph, 16)) {
		im->err = -ENOMEM;
		return;
	}
	if (index_add(im, &im->hosts, hash, im->nh))
		return;
	h = &im->h[im->nh++];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->line = line;
	h->nifs = nifs;
	memcpy(h->ifs, ifs, nifs * sizeof(*ifs));
}

int imp_add_section(struct importer *im, int line, const char *title)
{
	if (RG_GROW(im->s, im->ns, im->caps, 32)) {
		im->err = -ENOMEM;
		return -1;
	}
	im->s[im->ns].line = line;
	snprintf(im->s[im->ns].title, IMP_TITLE_LEN, "%s", title);
	return im->ns++;
}

/* ---- output ------------------------------------------------------------- */

static void comment(const struct importer *im, const struct imp_entry *e, FILE *f)
{
	fprintf(f, "# %s:%d", im->base, e->line);
	for (int i = 0; i < e->nalso; i++)
		fprintf(f, "%s%d", i ? ", " : ", also ", e->also[i]);
	if (*e->note)
		fprintf(f, "; %s", e->note);
	fputc('\n', f);
}

static void write_plan(const struct importer *im, FILE *f)
{
	int wname = 0, wcidr = 0, wzone = 0, section = -2;
	char cs[64];

	for (int i = 0; i < im->n; i++) {
		const struct imp_entry *e = &im->e[i];
		int n = strlen(e->name);

		rg_cidr_format(&e->cidr, cs, sizeof(cs));
		if (e->kind == RG_KIND_ZONE) {
			wzone = n > wzone ? n : wzone;
			continue;
		}
		wname = n > wname ? n : wname;
		wcidr = (int)strlen(cs) > wcidr ? (int)strlen(cs) : wcidr;
	}
	fprintf(f, "# Generated by 'ringguard plan import' from %s.\n"
		"# Each line names the document's line(s) it comes from. The importer\n"
		"# writes no 'allow': add the exceptions the document states in prose\n"
		"# by hand, then check with 'ringguard plan check' and compare with\n"
		"# 'ringguard plan diff'.\n", im->base);
	if (im->nerrors)
		fprintf(f, "# The document has %d inconsistenc%s (see the import report);\n"
			"# the lines concerned say how they were resolved.\n", im->nerrors,
			im->nerrors == 1 ? "y" : "ies");

	fprintf(f, "\n# Zones\n");
	for (int i = 0; i < im->n; i++) {
		const struct imp_entry *e = &im->e[i];

		if (e->kind != RG_KIND_ZONE)
			continue;
		rg_cidr_format(&e->cidr, cs, sizeof(cs));
		fprintf(f, "zone   %-*s %-6s  %-*s  ", wzone, e->name, rg_role_name(e->role),
			wcidr, cs);
		comment(im, e, f);
	}
	for (int i = 0; i < im->n; i++) {
		const struct imp_entry *e = &im->e[i];

		if (e->kind != RG_KIND_PREFIX)
			continue;
		if (e->section != section) {
			section = e->section;
			if (section >= 0)
				fprintf(f, "\n# %s (line %d)\n", im->s[section].title,
					im->s[section].line);
			else
				fputc('\n', f);
		}
		rg_cidr_format(&e->cidr, cs, sizeof(cs));
		fprintf(f, "prefix %-*s  %-*s  ", wname, e->name, wcidr, cs);
		comment(im, e, f);
	}
	if (im->nh) {
		fprintf(f, "\n# Hosts (from the tables' role (interface) columns)\n");
		for (int i = 0; i < im->nh; i++) {
			const struct imp_host *h = &im->h[i];

			fprintf(f, "host   %s ", h->name);
			for (uint32_t role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++) {
				bool any = false;

				for (int j = 0; j < h->nifs; j++) {
					if (h->ifs[j].role != role)
						continue;
					fprintf(f, any ? " %s" : " %s %s", any ? h->ifs[j].name :
						rg_role_name(role), h->ifs[j].name);
					any = true;
				}
			}
			fprintf(f, "  # %s:%d\n", im->base, h->line);
		}
	}
}

/* The plan as text in *plan (replacing what was there): 0 or -errno. */
static int plan_text(const struct importer *im, char **plan, size_t *len)
{
	FILE *f;

	free(*plan);
	*plan = NULL;
	f = open_memstream(plan, len);
	if (!f)
		return -errno;
	write_plan(im, f);
	return fclose(f) ? -ENOMEM : 0;
}

/* The document line a plan line names in its comment ("# DOC.md:LINE"), 0 if none. */
static int source_line(const struct importer *im, const char *plan, size_t len, int line)
{
	const char *p = plan, *end = plan + len, *nl, *c;
	size_t blen = strlen(im->base);

	for (int i = 1; i < line && p < end; i++) {
		nl = memchr(p, '\n', end - p);
		p = nl ? nl + 1 : end;
	}
	nl = memchr(p, '\n', end - p);
	if (!nl)
		nl = end;
	c = memchr(p, '#', nl - p);
	if (!c || (size_t)(nl - c) < blen + 4 || c[1] != ' ' || memcmp(c + 2, im->base, blen) ||
	    c[2 + blen] != ':')
		return 0;
	return atoi(c + 3 + blen);
}

/*
 * The plan about to be written goes through the real parser: whatever
 * `plan check` would reject (an interface in two roles, zones that overlap,
 * too many entries, nothing at all) is an inconsistency of the document, on
 * the line the plan line came from. Returns how many were found.
 */
static int check_output(struct importer *im, const char *plan, size_t len)
{
	struct rg_log_capture errs;
	struct rg_plan p;
	int found = 0, r;

	rg_log_capture_begin(&errs);
	r = rg_plan_parse(plan, len, "<import>", &p);
	rg_log_capture_end(&errs);
	rg_plan_free(&p);
	if (r < 0 || errs.dropped)
		im->err = r < 0 ? r : -ENOMEM;
	for (int i = 0; !im->err && i < errs.n; i++) {
		const struct rg_log_rec *e = &errs.recs[i];

		imp_problem(im, e->line ? source_line(im, plan, len, e->line) : 0, false,
			    "the plan would not pass 'plan check': %s", e->msg);
		found++;
	}
	rg_log_capture_free(&errs);
	return im->err ? 0 : found;
}

static int cmp_problem(const void *a, const void *b)
{
	const struct imp_problem *x = a, *y = b;

	return x->line != y->line ? x->line - y->line : x->seq - y->seq;
}

/* A document to import: text, whole (lib/file.h), logged if not. */
static int read_file(const char *path, char **text, size_t *len)
{
	int err = rg_file_read(path, (size_t)1 << 30, 0, text, len);

	if (err) {
		rg_log_at(RG_LOG_ERROR, path, 0, "cannot read: %s", strerror(-err));
		return err;
	}
	if (memchr(*text, '\0', *len)) {
		rg_log_at(RG_LOG_ERROR, path, 0, "not a text file (it contains NUL bytes)");
		return -EINVAL;
	}
	return 0;
}

/* The plan written: another process may be watching it (the daemon reloads
 * the plan on change), so it is never seen half-written.
 */
static int write_atomic(const char *path, const char *data, size_t len)
{
	int err = rg_file_write_atomic(path, data, len, 0644);

	if (err)
		rg_log_at(RG_LOG_ERROR, path, 0, "cannot write: %s", strerror(-err));
	return err;
}

static void importer_free(struct importer *im)
{
	for (int i = 0; i < im->n; i++)
		free(im->e[i].also);
	free(im->e);
	free(im->h);
	free(im->p);
	free(im->s);
	for (int i = 0; i < im->nsuf; i++)
		free(im->suf[i].base);
	free(im->suf);
	rg_hidx_free(&im->by_name);
	rg_hidx_free(&im->by_cidr);
	rg_hidx_free(&im->by_host_addr);
	rg_hidx_free(&im->hosts);
	rg_hidx_free(&im->suffixes);
}

int rg_plan_import(const char *doc, const char *output, struct rg_import *res)
{
	const char *slash;
	struct importer im = {};
	char *text = NULL, *plan = NULL, **lines = NULL, *save, *l;
	size_t len, plan_len = 0;
	int nlines = 0, err;

	*res = (struct rg_import){};
	err = read_file(doc, &text, &len);
	if (err)
		goto out;
	im.fname = doc;
	slash = strrchr(doc, '/');
	im.base = slash ? slash + 1 : doc;

	/* lines keep their numbers: strsep keeps empty ones */
	for (size_t i = 0; i < len; i++)
		nlines += text[i] == '\n';
	lines = calloc(nlines + 2, sizeof(*lines));
	nlines = 0;
	if (!lines) {
		err = -ENOMEM;
		goto out;
	}
	save = text;
	while ((l = strsep(&save, "\n")) != NULL) {
		l[strcspn(l, "\r")] = '\0';
		lines[nlines++] = l;
	}
	imp_find_zones(&im, lines, nlines);
	imp_scan(&im, lines, nlines);
	if (im.err) {
		err = im.err;
		rg_log_at(RG_LOG_ERROR, doc, 0, "%s", strerror(-err));
		goto out;
	}
	if (im.np)
		qsort(im.p, im.np, sizeof(*im.p), cmp_problem);

	err = plan_text(&im, &plan, &plan_len);
	if (err)
		goto out;
	if (check_output(&im, plan, plan_len)) {
		/* again, so that the plan's header counts these too */
		qsort(im.p, im.np, sizeof(*im.p), cmp_problem);
		err = plan_text(&im, &plan, &plan_len);
		if (err)
			goto out;
	}
	if (im.err) {
		err = im.err;
		rg_log_at(RG_LOG_ERROR, doc, 0, "%s", strerror(-err));
		goto out;
	}
	if (output) {
		err = write_atomic(output, plan, plan_len);
		if (err)
			goto out;
	}
	res->problems = calloc(im.np ? im.np : 1, sizeof(*res->problems));
	if (!res->problems) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < im.np; i++)
		res->problems[i] = (struct rg_import_problem){
			.line = im.p[i].line, .note = im.p[i].note,
		};
	/* the messages stay in im.p: handed over whole */
	res->msgs = im.p;
	for (int i = 0; i < im.np; i++)
		res->problems[i].msg = im.p[i].msg;
	im.p = NULL;
	res->nproblems = im.np;
	res->entries = im.n;
	res->hosts = im.nh;
	res->nerrors = im.nerrors;
	res->nnotes = im.nnotes;
	res->plan = plan;
	res->plan_len = plan_len;
	plan = NULL;
	err = im.nerrors ? 1 : 0;
out:
	importer_free(&im);
	free(lines);
	free(text);
	free(plan);
	return err;
}

void rg_import_free(struct rg_import *res)
{
	free(res->problems);
	free(res->msgs);
	free(res->plan);
	*res = (struct rg_import){};
}
