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
#include "lib/json.h"
#include "plan/plan.h"
#include "lib/grow.h"


#define IMP_MSG_LEN	384
#define IMP_TITLE_LEN	160
#define IMP_NOTE_LEN	192
#define IMP_MAX_DEPTH	7	/* heading levels 1-6, plus one */
/* names are capped below the plan's limit so that a line stays readable */
#define IMP_WORDS_LEN	41

struct imp_problem {
	int line;
	int seq;
	bool note;
	char msg[IMP_MSG_LEN];
};

struct imp_section {
	int line;
	char title[IMP_TITLE_LEN];
};

struct imp_entry {
	char name[RG_NAME_LEN];
	char host[RG_NAME_LEN];	/* host/node column of the first row, for conflicts */
	char note[IMP_NOTE_LEN];
	struct rg_cidr cidr;
	uint32_t kind;		/* RG_KIND_ZONE or RG_KIND_PREFIX */
	uint32_t role;		/* zones */
	int line;
	int section;		/* index into sections, -1 before any heading */
	int *also;		/* further source lines */
	int nalso, capalso;
};

struct imp_host {
	char name[RG_NAME_LEN];
	int line;
	int nifs;
	struct rg_host_if ifs[RG_MAX_HOST_IFS];
};

struct imp_heading {
	int level;
	int line;
	bool has_cidr;
	struct rg_cidr cidr;		/* the network (host bits cleared) */
	char literal[64];		/* the CIDR as the document writes it */
	char tag[RG_NAME_LEN];		/* short section name for row names */
};

/*
 * An index over entry (or host) numbers: open addressing on a 64-bit hash,
 * so finding a name, a CIDR or a host is O(1) and a document of 10k rows
 * imports in milliseconds, not minutes. The caller hashes the key and says
 * which numbers match it.
 */
struct imp_slot {
	uint64_t hash;
	int id;			/* -1: empty */
};

struct imp_index {
	struct imp_slot *slot;
	size_t cap, n;		/* cap: a power of two, or 0 */
};

/* unique_name(): the next suffix to try for a base, so a label that 10k rows
 * share costs one probe per row, not one per earlier row
 */
struct imp_suffix {
	char *base;
	size_t size;
	int next;
};

struct importer {
	const char *fname;	/* as given: messages */
	const char *base;	/* basename: comments in the plan */
	struct imp_entry *e;
	int n, cap;
	struct imp_host *h;
	int nh, caph;
	struct imp_index by_name, by_cidr, by_host_addr, hosts, suffixes;
	struct imp_suffix *suf;
	int nsuf, capsuf;
	struct imp_problem *p;
	int np, capp;
	struct imp_section *s;
	int ns, caps;
	struct imp_heading stack[IMP_MAX_DEPTH];
	int depth;
	int nerrors, nnotes;
	int err;		/* -ENOMEM, sticky */
};

static void problem(struct importer *im, int line, bool note, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void problem(struct importer *im, int line, bool note, const char *fmt, ...)
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

/* ---- addresses ---------------------------------------------------------- */

/*
 * The parsers below read what a document writes, not what a plan does:
 * ranges "A-B" with shortened ends, and words that merely look like an
 * address. Single addresses and CIDRs go through addr.c.
 */

/*
 * "A-B": B is a whole address or replaces A's last group ("fd00:70::21-ff"
 * is fd00:70::21 - fd00:70::ff). Returns -ERANGE when B < A.
 */
static int parse_range(const char *s, u128 *lo, u128 *hi, bool *v4)
{
	const char *dash = strchr(s, '-');
	char a[64], b[96];
	size_t alen;
	bool v4b;

	if (!dash || strchr(dash + 1, '-') || strchr(s, '/'))
		return -EINVAL;
	alen = dash - s;
	if (!alen || alen >= sizeof(a) || !dash[1] || strlen(dash + 1) >= 48)
		return -EINVAL;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (rg_addr_parse(a, lo, v4))
		return -EINVAL;
	if (rg_addr_parse(dash + 1, hi, &v4b) || v4b != *v4) {
		const char *sep = strrchr(a, *v4 ? '.' : ':');
		size_t keep = sep - a + 1;

		for (const char *t = dash + 1; *t; t++)
			if (*v4 ? !isdigit((unsigned char)*t) : !isxdigit((unsigned char)*t))
				return -EINVAL;
		memcpy(b, a, keep);
		snprintf(b + keep, sizeof(b) - keep, "%s", dash + 1);
		if (rg_addr_parse(b, hi, &v4b) || v4b != *v4)
			return -EINVAL;
	}
	return *hi < *lo ? -ERANGE : 0;
}

/* The smallest CIDR holding [lo, hi]; true when it holds nothing else. */
static bool covering(u128 lo, u128 hi, bool v4, struct rg_cidr *c)
{
	u128 x = lo ^ hi;
	int len = 0;

	while (len < 128 && !(x & ((u128)1 << (127 - len))))
		len++;
	memset(c, 0, sizeof(*c));
	c->len = len;
	c->v4 = v4 && len >= 96;
	from_u128(lo & ~host_mask(len), c->addr);
	return cidr_first(c) == lo && cidr_last(c) == hi;
}

/*
 * A word that a reader would take for an address (so a typo in one is
 * reported rather than dropped): hex groups with "::" or eight groups, or a
 * dotted quad, possibly with placeholders (X) and a length or a range.
 */
static bool looks_like_addr(const char *s)
{
	int colons = 0, dots = 0, digits = 0;

	for (const char *p = s; *p; p++) {
		if (*p == ':')
			colons++;
		else if (*p == '.')
			dots++;
		else if (isdigit((unsigned char)*p))
			digits++;
		else if (!isxdigit((unsigned char)*p) && !strchr("/-xX", *p))
			return false;
	}
	if (colons)
		return strstr(s, "::") || colons == 7;
	return dots == 3 && digits >= 4;
}

/* ---- text --------------------------------------------------------------- */

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Markdown emphasis and code spans are only decoration around a value. */
static char *strip_markup(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++)
		if (*r != '`' && *r != '*')
			*w++ = *r;
	*w = '\0';
	return trim(s);
}

/* lowercase words joined by '-', cut at a word boundary to fit max chars */
static void kebab(const char *in, char *out, size_t max)
{
	char full[512];
	size_t n = 0;
	bool sep = false;

	for (const char *p = in; *p && n < sizeof(full) - 2; p++) {
		unsigned char c = *p;

		if (!isalnum(c)) {
			sep = true;
			continue;
		}
		if (sep && n)
			full[n++] = '-';
		sep = false;
		full[n++] = tolower(c);
	}
	full[n] = '\0';
	if (n > max) {
		bool mid_word = full[max] != '-';
		char *dash;

		full[max] = '\0';
		dash = strrchr(full, '-');
		/* drop a cut word, unless that leaves too little */
		if (mid_word && dash && dash > full + max / 2)
			*dash = '\0';
		n = strlen(full);
		while (n && full[n - 1] == '-')
			full[--n] = '\0';
	}
	memcpy(out, full, n + 1);
}

static bool has_word(const char *kebabbed, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = kebabbed; (p = strstr(p, word)); p++)
		if ((p == kebabbed || p[-1] == '-') && (p[n] == '\0' || p[n] == '-'))
			return true;
	return false;
}

static const char *const generic_words[] = {
	"network", "networks", "net", "k8s", "kubernetes", "node", "nodes", "proxmox",
	"pve", "infrastructure", "cidr", "ip", "ips", "the", "and", "of", "for", "block",
	"a", "an", NULL,
};

static bool generic(const char *w)
{
	for (int i = 0; generic_words[i]; i++)
		if (!strcmp(w, generic_words[i]))
			return true;
	return false;
}

/*
 * A short name for a section, to tell apart rows of different sections:
 * the first two distinctive words before any "(", "+" or "/" ("K8s Node
 * Egress/Management (VLAN 101)" -> "egress", "Ceph Public Network" ->
 * "ceph-public").
 */
static void section_tag(const char *title, char *out, size_t size)
{
	char cut[256], k[256], *save = NULL;
	size_t n = 0;
	int words = 0;

	snprintf(cut, sizeof(cut), "%s", title);
	cut[strcspn(cut, "(+/")] = '\0';
	kebab(cut, k, sizeof(k) - 1);
	out[0] = '\0';
	for (char *w = strtok_r(k, "-", &save); w && words < 2; w = strtok_r(NULL, "-", &save)) {
		if (generic(w))
			continue;
		n += snprintf(out + n, n < size ? size - n : 0, "%s%s", words ? "-" : "", w);
		words++;
	}
	if (n >= size)
		out[size - 1] = '\0';
	if (!words) {
		kebab(cut, k, sizeof(k) - 1);
		k[strcspn(k, "-")] = '\0';
		snprintf(out, size, "%s", k);
	}
}

/* ---- the index ---------------------------------------------------------- */

/* FNV-1a, then a final mix: names differ in their last characters */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

#define HASH_SEED 0xcbf29ce484222325ull

static uint64_t hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_str(const char *s)
{
	return hash_mix(hash_bytes(HASH_SEED, s, strlen(s)));
}

typedef bool (*imp_match_fn)(const struct importer *im, int id, const void *key);

/* The first id added under hash whose match() says yes, or -1. */
static int index_find(const struct importer *im, const struct imp_index *x, uint64_t hash,
		      imp_match_fn match, const void *key)
{
	if (!x->cap)
		return -1;
	for (size_t i = hash & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
		const struct imp_slot *s = &x->slot[i];

		if (s->id < 0)
			return -1;
		if (s->hash == hash && match(im, s->id, key))
			return s->id;
	}
}

static int index_add(struct importer *im, struct imp_index *x, uint64_t hash, int id)
{
	size_t i;

	if (2 * (x->n + 1) > x->cap) {	/* at most half full: probes stay short */
		size_t cap = x->cap ? 2 * x->cap : 256;
		struct imp_slot *slot = malloc(cap * sizeof(*slot));

		if (!slot) {
			im->err = -ENOMEM;
			return -ENOMEM;
		}
		for (i = 0; i < cap; i++)
			slot[i].id = -1;
		for (size_t j = 0; j < x->cap; j++) {
			if (x->slot[j].id < 0)
				continue;
			for (i = x->slot[j].hash & (cap - 1); slot[i].id >= 0; i = (i + 1) & (cap - 1))
				;
			slot[i] = x->slot[j];
		}
		free(x->slot);
		x->slot = slot;
		x->cap = cap;
	}
	for (i = hash & (x->cap - 1); x->slot[i].id >= 0; i = (i + 1) & (x->cap - 1))
		;
	x->slot[i] = (struct imp_slot){ hash, id };
	x->n++;
	return 0;
}

static void index_free(struct imp_index *x)
{
	free(x->slot);
	memset(x, 0, sizeof(*x));
}

/* ---- entries ------------------------------------------------------------ */

static bool match_name(const struct importer *im, int id, const void *key)
{
	return !strcmp(im->e[id].name, key);
}

static bool name_used(const struct importer *im, const char *name)
{
	return index_find(im, &im->by_name, hash_str(name), match_name, name) >= 0;
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
	uint64_t h = hash_mix(hash_bytes(hash_bytes(HASH_SEED, base, strlen(base)), &size,
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

static void append_note(struct imp_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void append_note(struct imp_entry *e, const char *fmt, ...)
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
	return hash_mix(hash_bytes(hash_bytes(HASH_SEED, c->addr, 16), &c->len, 1));
}

static bool match_cidr(const struct importer *im, int id, const void *key)
{
	return !rg_cidr_cmp(&im->e[id].cidr, key);
}

static int find_cidr(const struct importer *im, const struct rg_cidr *c)
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
	return hash_mix(hash_bytes(hash_bytes(HASH_SEED, host, strlen(host) + 1), addr, 16));
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
static int add_entry(struct importer *im, uint32_t kind, uint32_t role,
		     const struct rg_cidr *c, const char *base, const char *host, int line,
		     int section)
{
	char cs[64], other[64];
	struct imp_entry *e;
	int i = find_cidr(im, c);

	rg_cidr_format(c, cs, sizeof(cs));
	if (i >= 0) {
		e = &im->e[i];
		if (*host && *e->host && strcmp(host, e->host))
			problem(im, line, false, "%s is listed for %s, but line %d lists it for %s "
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
			problem(im, line, false, "%s has %s here, but line %d gives it %s "
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
	if (index_add(im, &im->by_name, hash_str(e->name), im->n) ||
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

static void add_host(struct importer *im, const char *name, const struct rg_host_if *ifs,
		     int nifs, int line)
{
	uint64_t hash = hash_str(name);
	int i = index_find(im, &im->hosts, hash, match_host, name);
	struct imp_host *h;

	if (i >= 0) {
		h = &im->h[i];
		if (!same_ifs(h->ifs, h->nifs, ifs, nifs))
			problem(im, line, false, "host %s: other interfaces than on line %d "
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

static int add_section(struct importer *im, int line, const char *title)
{
	if (RG_GROW(im->s, im->ns, im->caps, 32)) {
		im->err = -ENOMEM;
		return -1;
	}
	im->s[im->ns].line = line;
	snprintf(im->s[im->ns].title, IMP_TITLE_LEN, "%s", title);
	return im->ns++;
}

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
	*text = trim(line + level);
	end = *text + strlen(*text);
	while (end > *text && end[-1] == '#')	/* closing sequence */
		*--end = '\0';
	*text = strip_markup(*text);
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

	text = strip_markup(text);
	tok = text;
	desc = tok + strcspn(tok, " \t");
	if (*desc)
		*desc++ = '\0';
	if (rg_cidr_parse_loose(tok, &c, &has_len, NULL, 0) || !has_len) {
		if (looks_like_addr(tok))
			problem(im, line, false, "'%s' is not a valid CIDR: zone skipped", tok);
		return;
	}
	snprintf(literal, sizeof(literal), "%s", tok);
	/* the arrow: "->", unicode arrows and dashes, or ':' */
	desc = trim(desc);
	while (*desc && !isalnum((unsigned char)*desc))
		desc++;
	if (rg_cidr_has_host_bits(&c)) {
		rg_cidr_clear_host_bits(&c);
		rg_cidr_format(&c, cs, sizeof(cs));
		problem(im, line, false, "host bits set in %s: the network is %s (used in the plan)",
			literal, cs);
	}
	rg_cidr_format(&c, cs, sizeof(cs));
	role = role_of(desc);
	if (role < 0) {
		problem(im, line, false, "cannot tell the role of zone %s: its description names "
			"neither internal/fast-ring/mesh nor external/routable/egress", cs);
		return;
	}
	for (int i = 0; i < im->n; i++) {
		char os[64];

		if (!rg_cidr_inside(&c, &im->e[i].cidr) && !rg_cidr_inside(&im->e[i].cidr, &c))
			continue;
		rg_cidr_format(&im->e[i].cidr, os, sizeof(os));
		problem(im, line, false, "zone %s overlaps zone %s (line %d): skipped", cs, os,
			im->e[i].line);
		return;
	}
	kebab(desc, name, sizeof(name) - 1);
	name[strcspn(name, "-")] = '\0';
	if (!*name)
		snprintf(name, sizeof(name), "%s", rg_role_name(role));
	add_entry(im, RG_KIND_ZONE, role, &c, name, "", line, -1);
}

static void find_zones(struct importer *im, char **lines, int nlines)
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
	problem(im, line, false, "%s is listed under %s (line %d) but is not inside it",
		what, up->literal, up->line);
	if (idx >= 0 && im->e[idx].line == line)
		append_note(&im->e[idx], "listed under %s but not inside it", up->literal);
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
	section = add_section(im, line, text);

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
		if (looks_like_addr(tok))
			problem(im, line, false, "'%s' looks like an address but is not a valid "
				"address or CIDR: heading skipped", tok);
		section_tag(text, hd->tag, sizeof(hd->tag));
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
	section_tag(rest, hd->tag, sizeof(hd->tag));
	paren = strchr(rest, '(');
	if (paren)
		*paren = '\0';
	kebab(rest, name, IMP_WORDS_LEN - 1);
	snprintf(hd->literal, sizeof(hd->literal), "%s", tok);
	if (has_len && rg_cidr_has_host_bits(&c)) {
		rg_cidr_clear_host_bits(&c);
		rg_cidr_format(&c, cs, sizeof(cs));
		problem(im, line, false, "host bits set in %s: the network is %s (used in the plan)",
			tok, cs);
		masked = true;
	}
	if (!*name) {
		rg_cidr_format(&c, cs, sizeof(cs));
		snprintf(name, sizeof(name), "net-");
		kebab(cs, name + 4, sizeof(name) - 5);
	}
	hd->has_cidr = true;
	hd->cidr = c;
	idx = add_entry(im, RG_KIND_PREFIX, 0, &c, name, "", line, section);
	if (idx >= 0 && im->e[idx].line == line && masked)
		append_note(&im->e[idx], "doc: %s (host bits set)", tok);
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
	if (lo <= hi && covering(lo, hi, v4a, &exact)) {
		char es[64];

		rg_cidr_format(&exact, es, sizeof(es));
		problem(im, line, false, "stated range %s - %s does not match %s, which spans "
			"%s - %s (the stated range is %s)", a, b, up->literal, f, l, es);
	} else {
		problem(im, line, false, "stated range %s - %s does not match %s, which spans "
			"%s - %s", a, b, up->literal, f, l);
	}
	idx = find_cidr(im, &up->cidr);
	if (idx >= 0)
		append_note(&im->e[idx], "stated range on line %d does not match", line);
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
	char *p = trim(line);

	if (*p == '|')
		p++;
	while (*p && n < MAX_COLS) {
		char *bar = strchr(p, '|');

		if (bar)
			*bar = '\0';
		cells[n++] = strip_markup(p);
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

	kebab(label, l, IMP_WORDS_LEN - 1);
	if (!col->generic) {
		snprintf(head, sizeof(head), "%s", col->head);
		head[strcspn(head, "(")] = '\0';
		kebab(head, extra, IMP_WORDS_LEN - 1);
	} else if (!*l || (lab && lab->host_label)) {
		/* a host has rows in many sections: the section tells them apart */
		snprintf(extra, sizeof(extra), "%s", tag);
	}
	if (!*l) {
		char v[RG_NAME_LEN];

		kebab(value, v, IMP_WORDS_LEN - 1);
		snprintf(out, size, "%s%s%s", extra, *extra ? "-" : "", v);
		return;
	}
	if (*extra && !has_word(l, extra))
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
		rest = trim(rest);
		if (*rest != '(')
			return;	/* prose */
	}
	if (lab && lab->host_label)
		kebab(label, host, IMP_WORDS_LEN - 1);

	r = parse_range(tok, &lo, &hi, &v4);
	if (r == -ERANGE) {
		problem(im, line, false, "range %s ends before it starts: skipped", tok);
		return;
	}
	if (!r) {
		bool exact = covering(lo, hi, v4, &c);

		rg_cidr_format(&c, cs, sizeof(cs));
		row_name(lab, label, col, top ? top->tag : "", cs, name, sizeof(name));
		idx = add_entry(im, RG_KIND_PREFIX, 0, &c, name, host, line, section);
		if (exact) {
			problem(im, line, true, "%s is a range, not a CIDR: range encoded as %s "
				"(exactly)", tok, cs);
		} else {
			problem(im, line, true, "%s is a range, not a CIDR: range encoded as covering "
				"prefix %s", tok, cs);
		}
		if (idx >= 0 && im->e[idx].line == line)
			append_note(&im->e[idx], "doc: range %s%s", tok, exact ? "" : ", covering prefix");
		snprintf(what, sizeof(what), "%s (%s)", tok, *label ? label : "range");
		check_inside(im, &c, what, line, idx);
		return;
	}
	if (rg_cidr_parse_loose(tok, &c, &has_len, NULL, 0)) {
		if (looks_like_addr(tok))
			problem(im, line, false, "'%s' looks like an address but is not a valid "
				"address or CIDR: skipped", tok);
		return;
	}
	if (has_len && rg_cidr_has_host_bits(&c)) {
		if (col->kind == COL_NET) {
			rg_cidr_clear_host_bits(&c);
			rg_cidr_format(&c, cs, sizeof(cs));
			problem(im, line, false, "host bits set in %s: the network is %s (used in "
				"the plan)", tok, cs);
			masked = true;
		} else {
			/* fc00:20::1/64: the address fc00:20::1 on a /64 link */
			c.len = 128;
		}
	}
	rg_cidr_format(&c, cs, sizeof(cs));
	row_name(lab, label, col, top ? top->tag : "", cs, name, sizeof(name));
	idx = add_entry(im, RG_KIND_PREFIX, 0, &c, name, host, line, section);
	if (idx >= 0 && im->e[idx].line == line && masked)
		append_note(&im->e[idx], "doc: %s (host bits set)", tok);
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
				add_host(im, label, ifs, nifs, line);
		}
	}
}

static void scan(struct importer *im, char **lines, int nlines)
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
		text = trim(lines[i]);
		if (*text == '|') {
			for (j = i; j < nlines && *trim(lines[j]) == '|'; j++)
				;
			table(im, lines, i, j, section);
			i = j - 1;
			continue;
		}
		text = strip_markup(text);
		if (*text && strchr("-*+", *text) && isspace((unsigned char)text[1]))
			text = trim(text + 1);
		if (!strncasecmp(text, "range:", 6))
			range_line(im, text + 6, i + 1);
	}
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
	static const char tag[] = "<import>";
	char *msgs = NULL, *line, *save;
	size_t mlen = 0;
	struct rg_plan p;
	int found = 0, r;
	FILE *f;

	f = open_memstream(&msgs, &mlen);
	if (!f) {
		im->err = -errno;
		return 0;
	}
	r = rg_plan_parse(plan, len, tag, &p, f);
	rg_plan_free(&p);
	if (fclose(f)) {
		im->err = -ENOMEM;
		free(msgs);
		return 0;
	}
	if (r < 0) {
		im->err = r;
		free(msgs);
		return 0;
	}
	save = msgs;
	while ((line = strsep(&save, "\n")) != NULL) {
		int pline = 0, n = 0;

		if (strncmp(line, tag, sizeof(tag) - 1) || line[sizeof(tag) - 1] != ':')
			continue;
		line += sizeof(tag);
		if (sscanf(line, "%d: %n", &pline, &n) == 1 && n)
			line += n;
		else
			line += strspn(line, " ");
		problem(im, pline ? source_line(im, plan, len, pline) : 0, false,
			"the plan would not pass 'plan check': %s", line);
		found++;
	}
	free(msgs);
	return found;
}

static int cmp_problem(const void *a, const void *b)
{
	const struct imp_problem *x = a, *y = b;

	return x->line != y->line ? x->line - y->line : x->seq - y->seq;
}

static int read_file(const char *path, char **text, size_t *len, FILE *errs)
{
	size_t cap = 0;
	FILE *f = fopen(path, "r");
	int err;

	*text = NULL;
	*len = 0;
	if (!f) {
		err = -errno;
		fprintf(errs, "%s: cannot read: %s\n", path, strerror(-err));
		return err;
	}
	for (;;) {
		size_t got;

		if (*len + 1 >= cap) {
			char *t;

			cap = cap ? 2 * cap : 65536;
			t = realloc(*text, cap);
			if (!t) {
				fclose(f);
				return -ENOMEM;
			}
			*text = t;
		}
		got = fread(*text + *len, 1, cap - *len - 1, f);
		*len += got;
		if (!got)
			break;
	}
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err) {
		fprintf(errs, "%s: cannot read: %s\n", path, strerror(-err));
		return err;
	}
	(*text)[*len] = '\0';
	if (memchr(*text, '\0', *len)) {
		fprintf(errs, "%s: not a text file (it contains NUL bytes)\n", path);
		return -EINVAL;
	}
	return 0;
}

/*
 * A file another process may be watching (the daemon reloads the plan on
 * change) must never be seen half-written: write beside it, then rename.
 */
static int write_atomic(const char *path, const char *data, size_t len, FILE *errs)
{
	char *tmp = NULL;
	FILE *f;
	int fd, err = 0;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		fprintf(errs, "%s: cannot write: %s\n", path, strerror(-err));
		free(tmp);
		return err;
	}
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto out;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) || fsync(fileno(f)))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
out:
	if (err) {
		fprintf(errs, "%s: cannot write: %s\n", path, strerror(-err));
		unlink(tmp);
	}
	free(tmp);
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
	index_free(&im->by_name);
	index_free(&im->by_cidr);
	index_free(&im->by_host_addr);
	index_free(&im->hosts);
	index_free(&im->suffixes);
}

int rg_cmd_plan_import(const char *doc, const char *output, bool json, FILE *out, FILE *errs)
{
	const char *slash;
	struct importer im = {};
	char *text = NULL, *plan = NULL, **lines = NULL, *save, *l;
	size_t len, plan_len = 0;
	int nlines = 0, err;

	err = read_file(doc, &text, &len, errs);
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
	find_zones(&im, lines, nlines);
	scan(&im, lines, nlines);
	if (im.err) {
		err = im.err;
		fprintf(errs, "%s: %s\n", doc, strerror(-err));
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
		fprintf(errs, "%s: %s\n", doc, strerror(-err));
		goto out;
	}
	if (output) {
		err = write_atomic(output, plan, plan_len, errs);
		if (err)
			goto out;
	}

	if (json) {
		struct rg_json j;

		rg_json_init(&j, out);
		rg_json_obj(&j, NULL);
		rg_json_str(&j, "file", doc);
		rg_json_str(&j, "output", output);
		if (!output)
			rg_json_str(&j, "plan", plan);
		rg_json_int(&j, "entries", im.n);
		rg_json_int(&j, "hosts", im.nh);
		rg_json_int(&j, "errors", im.nerrors);
		rg_json_int(&j, "notes", im.nnotes);
		rg_json_arr(&j, "problems");
		for (int i = 0; i < im.np; i++) {
			rg_json_obj(&j, NULL);
			rg_json_int(&j, "line", im.p[i].line);
			rg_json_str(&j, "severity", im.p[i].note ? "note" : "error");
			rg_json_str(&j, "message", im.p[i].msg);
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_end(&j);
	} else {
		for (int i = 0; i < im.np; i++) {
			if (im.p[i].line)
				fprintf(errs, "%s:%d: ", doc, im.p[i].line);
			else	/* about the whole document */
				fprintf(errs, "%s: ", doc);
			fprintf(errs, "%s%s\n", im.p[i].note ? "note: " : "", im.p[i].msg);
		}
		if (output)
			fprintf(errs, "%s: %d zone CIDRs and prefixes, %d host%s from %s (%d "
				"inconsistenc%s, %d note%s)\n", output, im.n, im.nh,
				im.nh == 1 ? "" : "s", doc, im.nerrors, im.nerrors == 1 ? "y" : "ies",
				im.nnotes, im.nnotes == 1 ? "" : "s");
		else
			fwrite(plan, 1, plan_len, out);
	}
	if (fflush(out)) {
		err = -errno;
		fprintf(errs, "plan import: cannot write the plan: %s\n", strerror(-err));
		goto out;
	}
	err = im.nerrors ? 1 : 0;
out:
	importer_free(&im);
	free(lines);
	free(text);
	free(plan);
	return err;
}
