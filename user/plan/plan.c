// SPDX-License-Identifier: GPL-2.0-only
/*
 * plan.c - parse, validate and compile a plan file.
 *
 * Compilation folds the plan's rules into one value per trie entry so the
 * datapath decides with a single longest-prefix match per address:
 *   bucket(a): the most specific prefix containing a, else the zone, else
 *              unplanned;
 *   breaks(a, R): a lies in a zone whose role is not R and no prefix
 *              containing a allows R.
 * Because CIDRs either nest or are disjoint, everything that holds for the
 * addresses whose longest match is entry E follows from E's ancestors.
 *
 * This file: reading, tokens, the order of the steps, and lookups in a
 * parsed plan. One parser per kind of line: lines.c; the whole-plan checks
 * and the compilation: compile.c; what they share: plan_int.h.
 */
#include <stdarg.h>
#include <string.h>
#include <nettle/sha2.h>
#include "plan/plan_int.h"
#include "lib/grow.h"
#include "lib/file.h"
#include "lib/huge.h"
#include "lib/log.h"

void perr(struct rg_parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (RG_GROW(p->errs, p->nerrs, p->caperrs, 16))
		return;
	p->errs[p->nerrs].line = line;
	p->errs[p->nerrs].seq = p->nerrs;
	va_start(ap, fmt);
	vsnprintf(p->errs[p->nerrs].msg, sizeof(p->errs[0].msg), fmt, ap);
	va_end(ap);
	p->nerrs++;
}

const char *rg_role_name(uint32_t role)
{
	switch (role) {
	case RG_ROLE_MESH:
		return "mesh";
	case RG_ROLE_EGRESS:
		return "egress";
	default:
		return "none";
	}
}

int rg_role_parse(const char *s)
{
	if (!strcmp(s, "mesh"))
		return RG_ROLE_MESH;
	if (!strcmp(s, "egress"))
		return RG_ROLE_EGRESS;
	return -1;
}

void rg_sha256_hex(const uint8_t sha[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", sha[i]);
}

#define MAX_TOKENS 512

/* How the parser sees a character of a line. */
enum { CH_FIELD, CH_BLANK, CH_END };

static const unsigned char char_class[256] = {
	[' '] = CH_BLANK, ['\t'] = CH_BLANK, ['\r'] = CH_BLANK, ['\v'] = CH_BLANK,
	['\f'] = CH_BLANK,
	['\0'] = CH_END, ['#'] = CH_END,	/* the line's end, a comment's start */
};

/* One line of the plan (changed in place: tokens are cut out of it); with
 * entries_only, any line but zone and prefix lines is an error.
 */
static void parse_line(struct rg_parser *p, int lineno, char *line, bool entries_only)
{
	char *tok[MAX_TOKENS], *c = line;
	int n = 0;

	/* fields at blanks, each ended in place, up to the end or a '#' */
	for (;;) {
		char *t;

		while (char_class[(unsigned char)*c] == CH_BLANK)
			c++;
		if (char_class[(unsigned char)*c] == CH_END)
			break;
		for (t = c; char_class[(unsigned char)*c] == CH_FIELD; c++)
			;
		if (n == MAX_TOKENS) {
			perr(p, lineno, "too many fields (more than %d)", MAX_TOKENS);
			return;
		}
		tok[n++] = t;
		if (char_class[(unsigned char)*c] == CH_END) {
			*c = '\0';
			break;
		}
		*c++ = '\0';
	}
	if (n == 0)
		return;
	if (!strcmp(tok[0], "zone"))
		parse_zone(p, lineno, tok, n);
	else if (!strcmp(tok[0], "prefix"))
		parse_prefix(p, lineno, tok, n);
	else if (entries_only)
		perr(p, lineno, "not a zone or prefix line");
	else if (!strcmp(tok[0], "host"))
		parse_host(p, lineno, tok, n);
	else if (!strcmp(tok[0], "lifeline"))
		parse_lifeline(p, lineno, tok, n);
	else if (!strcmp(tok[0], "encap"))
		parse_encap(p, lineno, tok, n);
	else if (!strcmp(tok[0], "unreadable"))
		parse_unreadable(p, lineno, tok, n);
	else
		perr(p, lineno, "unknown keyword '%s' (expected zone, prefix, host, lifeline, "
		     "encap or unreadable)", tok[0]);
}

int rg_plan_parse_entries(const char *line, size_t len, int lineno, struct rg_plan *out)
{
	struct rg_parser p = { .fname = "", .plan = out };
	char *buf = strndup(line, len);

	memset(out, 0, sizeof(*out));
	if (!buf)
		return -ENOMEM;
	parse_line(&p, lineno, buf, true);
	free(buf);
	free(p.errs);
	return p.nerrs;
}

static int cmp_err(const void *a, const void *b)
{
	const struct rg_err *x = a, *y = b;

	return x->line != y->line ? x->line - y->line : x->seq - y->seq;
}

/* rg_plan_parse on buf, len bytes and one more to spare, which it cuts
 * into lines and fields in place.
 */
static int parse_text(char *buf, size_t len, const char *fname, struct rg_plan *plan)
{
	struct rg_parser p = { .fname = fname, .plan = plan };
	struct sort_job sorted;
	struct sha256_ctx sha;
	int lineno = 0, nerrs;
	bool last_nl;

	memset(plan, 0, sizeof(*plan));
	plan->encap = (struct rg_encap_ports){ .vxlan = { RG_VXLAN_PORT, RG_VXLAN_PORT_LINUX },
					       .geneve = { RG_GENEVE_PORT } };
	sha256_init(&sha);
	sha256_update(&sha, len, (const uint8_t *)buf);
	sha256_digest(&sha, sizeof(plan->sha256), plan->sha256);

	if (memchr(buf, '\0', len)) {
		rg_log_at(RG_LOG_ERROR, fname, 0, "not a text file (it contains NUL bytes)");
		return 1;
	}
	/* room for every entry at once: each is a CIDR, with its '/' */
	for (const char *c = buf; (c = memchr(c, '/', buf + len - c)); c++)
		p.entcap++;
	plan->entries = rg_huge_calloc(p.entcap, sizeof(*plan->entries));
	if (!plan->entries)
		return -ENOMEM;

	last_nl = len && buf[len - 1] == '\n';
	/* lines cut at '\n', empty ones counted (line numbers stay true) */
	for (char *c = buf, *end = buf + len;;) {
		char *nl = memchr(c, '\n', end - c);

		*(nl ? nl : end) = '\0';
		lineno++;
		parse_line(&p, lineno, c, false);
		if (!nl)
			break;
		c = nl + 1;
	}
	check_hosts(&p);

	/* a writer that is not done yet (no atomic rename) leaves a last line
	 * without its newline; a file with nothing in it enforces nothing
	 */
	if (len && !last_nl)
		perr(&p, lineno, "the last line has no newline: the file may be half-written "
		     "(end it with a newline)");
	if (!plan->nentries && !p.nerrs)
		perr(&p, 0, "the plan has no zone and no prefix: nothing to enforce");
	if (plan->nentries > RG_MAX_PLAN)
		perr(&p, lineno, "plan has %d zone CIDRs and prefixes, more than the %d the maps hold",
		     plan->nentries, RG_MAX_PLAN);
	sort_start(&sorted, plan);
	check_names(&p);
	check_encap(&p);
	compile(&p, &sorted);

	/* qsort's arguments must not be NULL, even for 0 elements (UBSan) */
	if (p.nerrs > 1)
		qsort(p.errs, p.nerrs, sizeof(*p.errs), cmp_err);
	for (int i = 0; i < p.nerrs; i++)
		rg_log_at(RG_LOG_ERROR, fname, p.errs[i].line, "%s", p.errs[i].msg);
	nerrs = p.nerrs;
	free(p.errs);
	return nerrs;
}

int rg_plan_parse(const char *text, size_t len, const char *fname,
		  struct rg_plan *plan)
{
	char *buf = rg_huge_calloc(len + 1, 1);
	int r;

	if (!buf) {
		memset(plan, 0, sizeof(*plan));
		return -ENOMEM;
	}
	memcpy(buf, text, len);
	r = parse_text(buf, len, fname, plan);
	rg_huge_free(buf);
	return r;
}

#define RG_PLAN_MAX_BYTES (64u << 20)

/* Room for cap bytes of text: malloc'd, or in huge pages (rg_plan_load's,
 * which no one else frees); what the old room held is kept.
 */
/* rg_plan_read, with a byte to spare after the text; errors logged.
 * regular: a regular file or nothing, opened without blocking (lib/file.h).
 */
static int read_text(const char *path, char **textp, size_t *lenp, bool huge,
		     bool regular)
{
	int r = rg_file_read(path, RG_PLAN_MAX_BYTES, (huge ? RG_FILE_HUGE : 0) |
			     (regular ? RG_FILE_REGULAR : 0), textp, lenp);

	switch (r) {
	case 0:
		return 0;
	case -EISDIR:
		rg_log_at(RG_LOG_ERROR, path, 0, "is a directory, not a plan: give the plan file in it");
		return r;
	case -EINVAL:
		rg_log_at(RG_LOG_ERROR, path, 0, "is %s, not a regular file: refused (put the plan "
			  "in a regular file, or a symlink to one)", rg_file_kind(path));
		return r;
	case -EFBIG:
		rg_log_at(RG_LOG_ERROR, path, 0, "plan file is larger than %u MiB",
			  RG_PLAN_MAX_BYTES >> 20);
		return 1;
	default:
		rg_log_at(RG_LOG_ERROR, path, 0, "cannot read plan: %s", strerror(-r));
		return r;
	}
}

int rg_plan_read(const char *path, char **textp, size_t *lenp)
{
	return read_text(path, textp, lenp, false, true);
}

int rg_plan_load(const char *path, struct rg_plan *plan)
{
	size_t len;
	char *text;
	int r;

	memset(plan, 0, sizeof(*plan));
	r = read_text(path, &text, &len, true, false);
	if (r)
		return r;
	r = parse_text(text, len, path, plan);
	rg_file_free(text, RG_FILE_HUGE);
	return r;
}

void rg_plan_free(struct rg_plan *plan)
{
	rg_huge_free(plan->entries);
	free(plan->hosts);
	memset(plan, 0, sizeof(*plan));
}

const struct rg_host *rg_plan_host(const struct rg_plan *plan, const char *name)
{
	for (int i = 0; i < plan->nhosts; i++)
		if (!strcmp(plan->hosts[i].name, name))
			return &plan->hosts[i];
	return NULL;
}

uint32_t rg_plan_host_mode(const struct rg_plan *plan, const char *name, bool *declared)
{
	const struct rg_host *h = rg_plan_host(plan, name);

	if (declared)
		*declared = h && h->mode_declared;
	return h ? h->mode : RG_MODE_MONITOR;
}

int rg_plan_scan(const struct rg_plan *plan, const uint8_t addr[16])
{
	return rg_plan_scan_af(plan, addr, rg_addr_is_v4(addr));
}

int rg_plan_scan_af(const struct rg_plan *plan, const uint8_t addr[16], bool v4)
{
	int best = -1;

	for (int i = 0; i < plan->nentries; i++)
		if (rg_cidr_covers(&plan->entries[i].cidr, addr, v4) &&
		    (best < 0 || plan->entries[i].cidr.len > plan->entries[best].cidr.len))
			best = i;
	return best < 0 ? -1 : plan->entries[best].bucket_of;
}
