// SPDX-License-Identifier: GPL-2.0-only
/*
 * lines.c - the plan's lines, one parser each (zone, prefix, encap,
 * unreadable, host, lifeline), and the checks of names, families and ports
 * they share. Each reports what is wrong through perr() (plan_int.h) with
 * its line, and goes on: one read of a plan names every error.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include "plan/plan_int.h"
#include "lib/grow.h"
#include "lib/huge.h"

/* Letters, digits, '-', '_' and '.' (what isalnum() takes in the C locale). */
static const bool name_char[256] = {
	['-'] = 1, ['.'] = 1, ['_'] = 1,
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

static int rg_mode_of(const char *s)
{
	return !strcmp(s, "monitor") ? RG_MODE_MONITOR : !strcmp(s, "enforce") ? RG_MODE_ENFORCE : -1;
}

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

void parse_zone(struct rg_parser *p, int line, char **tok, int n)
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

void parse_prefix(struct rg_parser *p, int line, char **tok, int n)
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
void parse_encap(struct rg_parser *p, int line, char **tok, int n)
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
void check_encap(struct rg_parser *p)
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
void parse_unreadable(struct rg_parser *p, int line, char **tok, int n)
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

void parse_host(struct rg_parser *p, int line, char **tok, int n)
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

void parse_lifeline(struct rg_parser *p, int line, char **tok, int n)
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
