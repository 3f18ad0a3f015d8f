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
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <nettle/sha2.h>
#include "plan/plan.h"
#include "lib/grow.h"
#include "lib/file.h"
#include "lib/hashidx.h"
#include "lib/huge.h"

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

static void perr(struct rg_parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct rg_parser *p, int line, const char *fmt, ...)
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

static int rg_mode_of(const char *s)
{
	return !strcmp(s, "monitor") ? RG_MODE_MONITOR : !strcmp(s, "enforce") ? RG_MODE_ENFORCE : -1;
}

void rg_sha256_hex(const uint8_t sha[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", sha[i]);
}

/* Letters, digits, '-', '_' and '.' (what isalnum() takes in the C locale). */
static const bool name_char[256] = {
	['-'] = 1, ['.'] = 1, ['_'] = 1,
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

static bool valid_name(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!name_char[(unsigned char)s[n]])
			return false;
	return n > 0 && n < max;
}

static bool check_name(struct rg_parser *p, int line, const char *what,
		       const char *name, size_t max)
{
	if (valid_name(name, max))
		return true;
	/* the message has a fixed size: say how long, not the whole name */
	if (strlen(name) >= max) {
		perr(p, line, "%s name '%.20s...' is %zu characters long, the limit is %zu",
		     what, name, strlen(name), max - 1);
		return false;
	}
	perr(p, line, "bad %s name '%s': use 1-%zu letters, digits, '-', '_' or '.'",
	     what, name, max - 1);
	return false;
}

/* A zeroed entry at the end. rg_plan_parse sizes the array for the whole
 * file at once (it may be 100k entries: huge pages, see huge.h); a single
 * line parsed on its own grows it.
 */
static struct rg_entry *add_entry(struct rg_parser *p)
{
	struct rg_plan *pl = p->plan;

	if (pl->nentries >= p->entcap) {
		int cap = p->entcap ? 2 * p->entcap : 64;
		struct rg_entry *v = rg_huge_calloc(cap, sizeof(*v));

		if (!v)
			return NULL;
		if (pl->nentries)
			memcpy(v, pl->entries, pl->nentries * sizeof(*v));
		rg_huge_free(pl->entries);
		pl->entries = v;
		p->entcap = cap;
	}
	return &pl->entries[pl->nentries++];
}

#define MAX_TOKENS 512

/* How the parser sees a character of a line. */
enum { CH_FIELD, CH_BLANK, CH_END };

static const unsigned char char_class[256] = {
	[' '] = CH_BLANK, ['\t'] = CH_BLANK, ['\r'] = CH_BLANK, ['\v'] = CH_BLANK,
	['\f'] = CH_BLANK,
	['\0'] = CH_END, ['#'] = CH_END,	/* the line's end, a comment's start */
};

static int parse_allow(struct rg_parser *p, int line, char *list, uint32_t *allow)
{
	char *save = NULL;
	int bad = 0;

	if (!*list || list[strlen(list) - 1] == ',') {
		perr(p, line, "'allow' needs ROLE[,ROLE] (mesh, egress)");
		return -EINVAL;
	}
	for (char *r = strtok_r(list, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		int role = rg_role_parse(r);

		if (role < 0) {
			perr(p, line, "unknown role '%s' in allow (expected mesh or egress)", r);
			bad = 1;
			continue;
		}
		*allow |= RG_BREAKS(role);
	}
	return bad ? -EINVAL : 0;
}

/* The region IPv4 is keyed in (see struct rg_lpm_key). */
static const struct rg_cidr v4_region = { .addr = { [10] = 0xff, [11] = 0xff }, .len = 96 };

/* IPv4 and IPv6 are judged apart: an IPv6 CIDR inside ::ffff:0:0/96 would
 * stand for IPv4-mapped IPv6 addresses only, which is never what a plan
 * means (earlier builds let it match IPv4 traffic).
 */
static bool check_family(struct rg_parser *p, int line, const struct rg_cidr *c, const char *text)
{
	char v4[INET_ADDRSTRLEN];

	if (c->v4 || c->len < 96 || !rg_cidr_contains(&v4_region, c->addr))
		return true;
	inet_ntop(AF_INET, c->addr + 12, v4, sizeof(v4));
	perr(p, line, "'%s' is an IPv4-mapped IPv6 CIDR: ringguard judges IPv4 and IPv6 apart, "
	     "so it would match only IPv6 frames carrying mapped addresses; for IPv4 traffic "
	     "write %s/%u", text, v4, c->len - 96);
	return false;
}

static void parse_zone(struct rg_parser *p, int line, char **tok, int n)
{
	int role, first = 3;
	char why[160];

	if (n < 4) {
		perr(p, line, "zone needs NAME ROLE CIDR [CIDR...]");
		return;
	}
	if (!check_name(p, line, "zone", tok[1], RG_ZONE_LEN))
		return;
	role = rg_role_parse(tok[2]);
	if (role < 0) {
		perr(p, line, "unknown role '%s' (expected mesh or egress)", tok[2]);
		return;
	}
	p->plan->nzones++;
	for (int i = first; i < n; i++) {
		struct rg_entry *e;
		struct rg_cidr c;

		if (rg_cidr_parse(tok[i], &c, why, sizeof(why))) {
			perr(p, line, "%s", why);
			continue;
		}
		if (!check_family(p, line, &c, tok[i]))
			continue;
		e = add_entry(p);
		if (!e)
			return;
		/* check_name() said it fits */
		memcpy(e->name, tok[1], strlen(tok[1]) + 1);
		memcpy(e->zone, tok[1], strlen(tok[1]) + 1);
		e->cidr = c;
		e->kind = RG_KIND_ZONE;
		e->role = role;
		e->line = line;
	}
}

static void parse_prefix(struct rg_parser *p, int line, char **tok, int n)
{
	uint32_t allow = 0;
	struct rg_entry *e;
	struct rg_cidr c;
	char why[160];

	if (n < 3) {
		perr(p, line, "prefix needs NAME CIDR [allow ROLE[,ROLE]]");
		return;
	}
	if (!check_name(p, line, "prefix", tok[1], RG_NAME_LEN))
		return;
	if (rg_cidr_parse(tok[2], &c, why, sizeof(why))) {
		perr(p, line, "%s", why);
		return;
	}
	if (!check_family(p, line, &c, tok[2]))
		return;
	if (n > 3) {
		if (strcmp(tok[3], "allow")) {
			perr(p, line, "unexpected '%s' after the CIDR (expected 'allow ROLE[,ROLE]')",
			     tok[3]);
			return;
		}
		if (n == 4) {
			perr(p, line, "'allow' needs ROLE[,ROLE] (mesh, egress)");
			return;
		}
		if (n > 5) {
			perr(p, line, "unexpected '%s' after the allow list (write roles as mesh,egress)",
			     tok[5]);
			return;
		}
		if (parse_allow(p, line, tok[4], &allow))
			return;
	}
	e = add_entry(p);
	if (!e)
		return;
	memcpy(e->name, tok[1], strlen(tok[1]) + 1);	/* check_name() said it fits */
	e->cidr = c;
	e->kind = RG_KIND_PREFIX;
	e->allow = allow;
	e->line = line;
	p->plan->nprefixes++;
}

void rg_ports_format(const uint16_t *ports, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < RG_ENCAP_PORTS && ports[i] && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%u", i ? "," : "", ports[i]);
	if (!ports[0])
		snprintf(buf, len, "off");
}

/* encap vxlan PORT... | encap geneve PORT... | encap vxlan|geneve off |
 * encap off: which UDP ports carry VXLAN or Geneve (defaults: vxlan 4789
 * 8472, geneve 6081). A kind's line replaces its defaults.
 */
static void parse_encap(struct rg_parser *p, int line, char **tok, int n)
{
	static const char *const kinds[] = { "vxlan", "geneve" };
	uint16_t ports[RG_ENCAP_PORTS] = {};
	int kind, nports = 0;

	if (n == 2 && !strcmp(tok[1], "off")) {
		for (kind = 0; kind < 2; kind++) {
			if (p->encap_line[kind]) {
				perr(p, line, "'encap off' and an 'encap %s' line (line %d): keep one",
				     kinds[kind], p->encap_line[kind]);
				return;
			}
			p->encap_line[kind] = line;
		}
		memset(&p->plan->encap, 0, sizeof(p->plan->encap));
		return;
	}
	if (n < 3) {
		perr(p, line, "encap needs vxlan PORT..., geneve PORT... or off "
		     "(e.g. 'encap vxlan 4789 8472')");
		return;
	}
	for (kind = 0; kind < 2 && strcmp(tok[1], kinds[kind]); kind++)
		;
	if (kind == 2) {
		perr(p, line, "unknown encapsulation '%s' (expected vxlan, geneve or off)", tok[1]);
		return;
	}
	if (p->encap_line[kind]) {
		perr(p, line, "a second 'encap %s' line (first on line %d): list every port on one",
		     kinds[kind], p->encap_line[kind]);
		return;
	}
	if (n == 3 && !strcmp(tok[2], "off")) {
		p->encap_line[kind] = line;
		memset(kind ? p->plan->encap.geneve : p->plan->encap.vxlan, 0, sizeof(ports));
		return;
	}
	for (int i = 2; i < n; i++) {
		char *end;
		unsigned long port;

		errno = 0;
		port = strtoul(tok[i], &end, 10);
		if (!isdigit((unsigned char)tok[i][0]) || *end || errno || !port || port > 65535) {
			perr(p, line, "bad %s port '%s': use 1-65535, or 'off' alone", kinds[kind],
			     tok[i]);
			return;
		}
		if (nports == RG_ENCAP_PORTS) {
			perr(p, line, "more than %d %s ports", RG_ENCAP_PORTS, kinds[kind]);
			return;
		}
		for (int j = 0; j < nports; j++) {
			if (ports[j] == port) {
				perr(p, line, "%s port %lu listed twice", kinds[kind], port);
				return;
			}
		}
		ports[nports++] = port;
	}
	p->encap_line[kind] = line;
	memcpy(kind ? p->plan->encap.geneve : p->plan->encap.vxlan, ports, sizeof(ports));
}

/* After the whole file: a port is VXLAN or Geneve, not both. */
static void check_encap(struct rg_parser *p)
{
	const struct rg_encap_ports *e = &p->plan->encap;

	for (int i = 0; i < RG_ENCAP_PORTS && e->vxlan[i]; i++)
		for (int j = 0; j < RG_ENCAP_PORTS && e->geneve[j]; j++)
			if (e->vxlan[i] == e->geneve[j])
				perr(p, p->encap_line[0] > p->encap_line[1] ? p->encap_line[0]
									     : p->encap_line[1],
				     "port %u is both vxlan and geneve: give each its own ports",
				     e->vxlan[i]);
}

const char *rg_unreadable_name(const struct rg_plan *plan)
{
	return plan->unreadable_pass ? "pass" : "drop";
}

/* unreadable drop | unreadable pass: what enforce mode does with a frame
 * the datapath cannot read (more VLAN tags than it walks, a truncated or
 * invalid header): drop it (the default: whatever it carries would leave
 * unjudged), or pass it as monitor mode does.
 */
static void parse_unreadable(struct rg_parser *p, int line, char **tok, int n)
{
	if (n != 2) {
		perr(p, line, "unreadable needs drop or pass (e.g. 'unreadable drop')");
		return;
	}
	if (p->unreadable_line) {
		perr(p, line, "a second 'unreadable' line (first on line %d): keep one",
		     p->unreadable_line);
		return;
	}
	if (strcmp(tok[1], "drop") && strcmp(tok[1], "pass")) {
		perr(p, line, "unknown unreadable action '%s' (expected drop or pass)", tok[1]);
		return;
	}
	p->unreadable_line = line;
	p->plan->unreadable_pass = !strcmp(tok[1], "pass");
}

static void parse_host(struct rg_parser *p, int line, char **tok, int n)
{
	struct rg_plan *pl = p->plan;
	struct rg_host *h;
	int role = -1, declared = -1;

	if (n >= 2 && !strcmp(tok[n - 2], "mode")) {
		int mode = rg_mode_of(tok[n - 1]);

		if (mode < 0) {
			perr(p, line, "unknown mode '%s' (expected monitor or enforce)", tok[n - 1]);
			return;
		}
		declared = mode;
		n -= 2;
	} else if (n >= 2 && !strcmp(tok[n - 1], "mode")) {
		perr(p, line, "'mode' needs monitor or enforce");
		return;
	}
	for (int i = 2; i < n; i++) {
		if (!strcmp(tok[i], "mode")) {
			perr(p, line, "'mode' goes last: host HOSTNAME ROLE IFNAME... [ROLE IFNAME...] "
			     "[mode monitor|enforce]");
			return;
		}
	}
	if (n < 4) {
		perr(p, line, "host needs HOSTNAME ROLE IFNAME... [ROLE IFNAME...] "
		     "[mode monitor|enforce]");
		return;
	}
	if (!check_name(p, line, "host", tok[1], RG_NAME_LEN))
		return;
	/* a duplicate host is reported by check_hosts(), after the whole file */
	h = calloc(1, sizeof(*h));
	if (!h)
		return;
	snprintf(h->name, sizeof(h->name), "%s", tok[1]);
	h->line = line;
	h->mode_declared = declared >= 0;
	h->mode = declared >= 0 ? (uint32_t)declared : RG_MODE_MONITOR;
	for (int i = 2; i < n; i++) {
		int r = rg_role_parse(tok[i]);
		bool dup = false;

		if (r >= 0) {
			if (role >= 0 && tok[i - 1] && rg_role_parse(tok[i - 1]) >= 0)
				perr(p, line, "role '%s' lists no interface", tok[i - 1]);
			role = r;
			continue;
		}
		if (role < 0) {
			perr(p, line, "unknown role '%s' (expected mesh or egress)", tok[i]);
			goto out;
		}
		if (!check_name(p, line, "interface", tok[i], RG_IFNAME_LEN))
			continue;
		for (int j = 0; j < h->nifs; j++) {
			if (strcmp(h->ifs[j].name, tok[i]))
				continue;
			dup = true;
			if (h->ifs[j].role != (uint32_t)role)
				perr(p, line, "interface '%s' is in two roles (%s and %s)", tok[i],
				     rg_role_name(h->ifs[j].role), rg_role_name(role));
		}
		if (dup)
			continue;
		if (h->nifs == RG_MAX_HOST_IFS) {
			perr(p, line, "host '%s' names more than %d interfaces", h->name,
			     RG_MAX_HOST_IFS);
			goto out;
		}
		snprintf(h->ifs[h->nifs].name, RG_IFNAME_LEN, "%s", tok[i]);
		h->ifs[h->nifs].role = role;
		h->nifs++;
	}
	if (rg_role_parse(tok[n - 1]) >= 0)
		perr(p, line, "role '%s' lists no interface", tok[n - 1]);
	if (RG_GROW(pl->hosts, pl->nhosts, p->hostcap, 16))
		goto out;
	pl->hosts[pl->nhosts++] = *h;
out:
	free(h);
}

/* One address, no prefix length: what a ping goes to. */
static int parse_addr(const char *s, struct rg_lifeline *l, char *why, size_t whylen)
{
	uint8_t v4[4];

	memset(l, 0, sizeof(*l));
	if (strchr(s, '/')) {
		snprintf(why, whylen, "lifeline '%s' is a prefix: give one address (drop the /LENGTH)",
			 s);
		return -EINVAL;
	}
	if (inet_pton(AF_INET6, s, l->addr) == 1) {
		static const uint8_t zero[16];

		if (!memcmp(l->addr, zero, 16) || l->addr[0] == 0xff) {
			snprintf(why, whylen, "lifeline '%s' is not a unicast address", s);
			return -EINVAL;
		}
		return 0;
	}
	if (inet_pton(AF_INET, s, v4) == 1) {
		if ((v4[0] == 0 && !v4[1] && !v4[2] && !v4[3]) || v4[0] >= 224) {
			snprintf(why, whylen, "lifeline '%s' is not a unicast address", s);
			return -EINVAL;
		}
		l->v4 = true;
		l->addr[10] = l->addr[11] = 0xff;
		memcpy(l->addr + 12, v4, 4);
		return 0;
	}
	snprintf(why, whylen, "bad lifeline '%s': not an IPv6 or IPv4 address", s);
	return -EINVAL;
}

static void parse_lifeline(struct rg_parser *p, int line, char **tok, int n)
{
	struct rg_plan *pl = p->plan;
	char why[160];

	if (n < 2) {
		perr(p, line, "lifeline needs ADDR [ADDR...]");
		return;
	}
	for (int i = 1; i < n; i++) {
		struct rg_lifeline l;
		bool dup = false;

		if (parse_addr(tok[i], &l, why, sizeof(why))) {
			perr(p, line, "%s", why);
			continue;
		}
		for (int j = 0; j < pl->nlifelines && !dup; j++) {
			if (memcmp(pl->lifelines[j].addr, l.addr, 16))
				continue;
			perr(p, line, "duplicate lifeline %s (first on line %d)", tok[i],
			     pl->lifelines[j].line);
			dup = true;
		}
		if (dup)
			continue;
		if (pl->nlifelines == RG_MAX_LIFELINES) {
			perr(p, line, "more than %d lifelines: keep the few that prove a host is "
			     "reachable", RG_MAX_LIFELINES);
			return;
		}
		l.line = line;
		pl->lifelines[pl->nlifelines++] = l;
	}
}

/* An entry's CIDR as sort keys (the address as two big-endian halves),
 * and what compile() needs of the entry, packed: the walk over the sorted
 * keys then reads them in order instead of jumping around the entries.
 */
struct sort_key {
	uint64_t hi, lo;
	uint32_t info;	/* len | v4 << 8 | kind << 16 | allow << 24 */
	uint32_t idx;
};

#define KEY_LEN(k)	((k)->info & 0xff)
#define KEY_V4(k)	(((k)->info >> 8) & 1)
#define KEY_KIND(k)	(((k)->info >> 16) & 0xff)
#define KEY_ALLOW(k)	((k)->info >> 24)

_Static_assert(RG_BREAKS(RG_ROLE_MESH) < 256 && RG_BREAKS(RG_ROLE_EGRESS) < 256,
	       "allow bits fit in struct sort_key");

static uint64_t be64_at(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* Byte d of a key, d = 0 the least significant (the length). */
static unsigned int key_byte(const struct sort_key *k, int d)
{
	if (d == 0)
		return KEY_LEN(k);
	return (d <= 8 ? k->lo >> (8 * (d - 1)) : k->hi >> (8 * (d - 9))) & 0xff;
}

/* rg_cidr_contains() on keys: o's first KEY_LEN(o) bits are k's. */
static bool key_contains(const struct sort_key *o, const struct sort_key *k)
{
	unsigned int len = KEY_LEN(o);

	if (len == 0)
		return true;
	if (len <= 64)
		return !((o->hi ^ k->hi) >> (64 - len));
	if (len == 128)
		return o->hi == k->hi && o->lo == k->lo;
	return o->hi == k->hi && !((o->lo ^ k->lo) >> (128 - len));
}

static bool key_same(const struct sort_key *a, const struct sort_key *b)
{
	return a->hi == b->hi && a->lo == b->lo && KEY_LEN(a) == KEY_LEN(b);
}

/* The entries in rg_cidr_cmp() order, equal CIDRs in plan order (as a
 * stable qsort gave them): a least-significant-byte-first radix sort,
 * skipping the bytes every entry shares. NULL when out of memory.
 */
static struct sort_key *sort_by_cidr(const struct rg_plan *pl)
{
	int n = pl->nentries;
	struct sort_key *a = rg_huge_calloc(n, sizeof(*a)), *b = rg_huge_calloc(n, sizeof(*b));
	uint32_t (*count)[256] = calloc(17, sizeof(*count));

	if (!a || !b || !count) {
		rg_huge_free(a);
		a = NULL;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const struct rg_entry *e = &pl->entries[i];

		a[i] = (struct sort_key){
			.hi = be64_at(e->cidr.addr),
			.lo = be64_at(e->cidr.addr + 8),
			.info = e->cidr.len | (uint32_t)e->cidr.v4 << 8 | e->kind << 16 |
				e->allow << 24,
			.idx = i,
		};
		for (int d = 0; d < 17; d++)
			count[d][key_byte(&a[i], d)]++;
	}
	for (int d = 0; d < 17; d++) {
		uint32_t sum = 0, *pos = count[d];
		struct sort_key *t;

		if (pos[key_byte(&a[0], d)] == (uint32_t)n)
			continue;	/* one value: nothing moves */
		for (int v = 0; v < 256; v++) {
			uint32_t c = pos[v];

			pos[v] = sum;
			sum += c;
		}
		for (int i = 0; i < n; i++)
			b[pos[key_byte(&a[i], d)]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
out:
	rg_huge_free(b);
	free(count);
	return a;
}

/* Duplicate names: a zone's name appears once per CIDR, which is fine.
 * Each entry is checked against the last earlier one of its name, found
 * in a hash index of names (entries come in line order).
 */
static void check_names(struct rg_parser *p)
{
	struct rg_plan *pl = p->plan;
	struct rg_hidx last = {};	/* the last entry of each name */

	if (pl->nentries < 2 || rg_hidx_init(&last, pl->nentries))
		return;
	for (int i = 0; i < pl->nentries; i++) {
		struct rg_entry *b = &pl->entries[i], *a = NULL;
		uint64_t h = rg_hash_str(b->name);
		struct rg_hslot *s;

		rg_hidx_for_each(s, &last, h)
			if (!strcmp(pl->entries[s->id].name, b->name))
				break;
		if (s) {
			a = &pl->entries[s->id];
			s->id = i;
		} else if (rg_hidx_add(&last, h, i, 0)) {
			break;
		}
		if (!a || (a->kind == RG_KIND_ZONE && b->kind == RG_KIND_ZONE && a->line == b->line))
			continue;
		perr(p, b->line, "duplicate name '%s' (first on line %d)", b->name, a->line);
	}
	rg_hidx_free(&last);
}

static int cmp_host_ptr(const void *a, const void *b)
{
	const struct rg_host *x = *(const struct rg_host * const *)a;
	const struct rg_host *y = *(const struct rg_host * const *)b;
	int r = strcmp(x->name, y->name);

	return r ? r : x->line - y->line;
}

/* Duplicate hosts, sorted rather than pairwise: a 10k-host plan stays fast. */
static void check_hosts(struct rg_parser *p)
{
	struct rg_plan *pl = p->plan;
	struct rg_host **v;

	if (pl->nhosts < 2)
		return;
	v = malloc(pl->nhosts * sizeof(*v));
	if (!v)
		return;
	for (int i = 0; i < pl->nhosts; i++)
		v[i] = &pl->hosts[i];
	qsort(v, pl->nhosts, sizeof(*v), cmp_host_ptr);
	for (int i = 1, first = 0; i < pl->nhosts; i++) {
		if (strcmp(v[first]->name, v[i]->name))
			first = i;
		else
			perr(p, v[i]->line, "duplicate host '%s' (first on line %d)", v[i]->name,
			     v[first]->line);
	}
	free(v);
}

int rg_lineage_step(const struct rg_lineage *up, const struct rg_entry *e, int idx,
		    struct rg_lineage *out)
{
	int overlaps = -1;

	*out = up ? *up : (struct rg_lineage){ .zone = -1, .pfx = -1 };
	out->allow |= e->allow;
	if (e->kind == RG_KIND_ZONE) {
		overlaps = out->zone;
		out->zone = idx;
	} else {
		out->pfx = idx;
	}
	return overlaps;
}

void rg_entry_compile(struct rg_entry *e, int idx, const struct rg_lineage *l,
		      const struct rg_entry *zone)
{
	e->bucket_of = l->pfx >= 0 ? l->pfx : idx;
	e->breaks = 0;
	if (!e->cidr.v4 && rg_cidr_contains(&e->cidr, v4_region.addr) && e->cidr.len < 96)
		e->breaks |= RG_LPM_V6_WIDE;
	if (!zone) {
		memset(e->zone, 0, sizeof(e->zone));
		return;
	}
	memcpy(e->zone, zone->zone, sizeof(e->zone));
	for (uint32_t role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++)
		if (zone->role != role && !(l->allow & RG_BREAKS(role)))
			e->breaks |= RG_BREAKS(role);
}

/* sort_by_cidr on another thread, while check_names runs. */
struct sort_job {
	const struct rg_plan *pl;
	struct sort_key *v;
	pthread_t thread;
	bool started;
};

static void *sort_thread(void *arg)
{
	struct sort_job *j = arg;

	j->v = sort_by_cidr(j->pl);
	return NULL;
}

static void sort_start(struct sort_job *j, const struct rg_plan *pl)
{
	*j = (struct sort_job){ .pl = pl };
	/* a small plan is not worth a thread */
	if (pl->nentries >= 4096)
		j->started = !pthread_create(&j->thread, NULL, sort_thread, j);
}

static struct sort_key *sort_end(struct sort_job *j)
{
	if (j->started)
		pthread_join(j->thread, NULL);
	else
		j->v = j->pl->nentries ? sort_by_cidr(j->pl) : NULL;
	return j->v;
}

/* Sort by (address, length): every entry's ancestors then sit on a stack. */
static void compile(struct rg_parser *p, struct sort_job *sorted)
{
	struct rg_plan *pl = p->plan;
	int n = pl->nentries, depth = 0;
	struct rg_entry *en = pl->entries;
	const struct sort_key **stack;
	struct rg_lineage *lin;
	struct sort_key *v;
	char a[64], b[64];

	v = sort_end(sorted);
	if (!n)
		return;
	stack = calloc(130, sizeof(*stack));
	lin = rg_huge_calloc(n, sizeof(*lin));	/* by entry: a walk in order jumps */
	if (!v || !stack || !lin)
		goto out;

	for (int i = 0; i < n; i++) {
		const struct sort_key *k = &v[i];
		int idx = k->idx, zone = -1;
		struct rg_lineage *l = &lin[idx];

		if (i > 0 && key_same(&v[i - 1], k)) {
			struct rg_entry *e = &en[idx], *f = &en[v[i - 1].idx];

			rg_cidr_format(&e->cidr, a, sizeof(a));
			perr(p, e->line > f->line ? e->line : f->line,
			     "duplicate CIDR %s ('%s' and '%s')", a, f->name, e->name);
		}
		while (depth && !key_contains(stack[depth - 1], k))
			depth--;
		/* rg_lineage_step() from the nearest ancestor, on the packed keys;
		 * an IPv6 CIDR, however wide, is no ancestor of an IPv4 one
		 */
		if (depth && KEY_V4(stack[depth - 1]) == KEY_V4(k))
			*l = lin[stack[depth - 1]->idx];
		else
			*l = (struct rg_lineage){ .zone = -1, .pfx = -1 };
		l->allow |= KEY_ALLOW(k);
		if (KEY_KIND(k) == RG_KIND_ZONE) {
			zone = l->zone;
			l->zone = idx;
		} else {
			l->pfx = idx;
		}
		if (zone >= 0) {
			struct rg_entry *e = &en[idx], *z = &en[zone];

			rg_cidr_format(&z->cidr, a, sizeof(a));
			rg_cidr_format(&e->cidr, b, sizeof(b));
			perr(p, e->line > z->line ? e->line : z->line,
			     "zone '%s' %s overlaps zone '%s' %s", e->name, b, z->name, a);
		}
		if (depth < 130)
			stack[depth++] = k;
	}

	for (int i = 0; i < n; i++) {
		en[i].lin = lin[i];
		rg_entry_compile(&en[i], i, &en[i].lin, lin[i].zone >= 0 ? &en[lin[i].zone] : NULL);
	}
out:
	rg_huge_free(v);
	free(stack);
	rg_huge_free(lin);
}

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
static int parse_text(char *buf, size_t len, const char *fname, struct rg_plan *plan,
		      FILE *errs)
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
		fprintf(errs, "%s: not a text file (it contains NUL bytes)\n", fname);
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
	for (int i = 0; i < p.nerrs; i++) {
		if (p.errs[i].line)
			fprintf(errs, "%s:%d: %s\n", fname, p.errs[i].line, p.errs[i].msg);
		else	/* about the whole file */
			fprintf(errs, "%s: %s\n", fname, p.errs[i].msg);
	}
	nerrs = p.nerrs;
	free(p.errs);
	return nerrs;
}

int rg_plan_parse(const char *text, size_t len, const char *fname,
		  struct rg_plan *plan, FILE *errs)
{
	char *buf = rg_huge_calloc(len + 1, 1);
	int r;

	if (!buf) {
		memset(plan, 0, sizeof(*plan));
		return -ENOMEM;
	}
	memcpy(buf, text, len);
	r = parse_text(buf, len, fname, plan, errs);
	rg_huge_free(buf);
	return r;
}

#define RG_PLAN_MAX_BYTES (64u << 20)

/* Room for cap bytes of text: malloc'd, or in huge pages (rg_plan_load's,
 * which no one else frees); what the old room held is kept.
 */
/* rg_plan_read, with a byte to spare after the text; errors said on errs.
 * regular: a regular file or nothing, opened without blocking (lib/file.h).
 */
static int read_text(const char *path, char **textp, size_t *lenp, FILE *errs, bool huge,
		     bool regular)
{
	int r = rg_file_read(path, RG_PLAN_MAX_BYTES, (huge ? RG_FILE_HUGE : 0) |
			     (regular ? RG_FILE_REGULAR : 0), textp, lenp);

	switch (r) {
	case 0:
		return 0;
	case -EISDIR:
		fprintf(errs, "%s: is a directory, not a plan: give the plan file in it\n", path);
		return r;
	case -EINVAL:
		fprintf(errs, "%s: is %s, not a regular file: refused (put the plan in a regular "
			"file, or a symlink to one)\n", path, rg_file_kind(path));
		return r;
	case -EFBIG:
		fprintf(errs, "%s: plan file is larger than %u MiB\n", path, RG_PLAN_MAX_BYTES >> 20);
		return 1;
	default:
		fprintf(errs, "%s: cannot read plan: %s\n", path, strerror(-r));
		return r;
	}
}

int rg_plan_read(const char *path, char **textp, size_t *lenp, FILE *errs)
{
	return read_text(path, textp, lenp, errs, false, true);
}

int rg_plan_load(const char *path, struct rg_plan *plan, FILE *errs)
{
	size_t len;
	char *text;
	int r;

	memset(plan, 0, sizeof(*plan));
	r = read_text(path, &text, &len, errs, true, false);
	if (r)
		return r;
	r = parse_text(text, len, path, plan, errs);
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
