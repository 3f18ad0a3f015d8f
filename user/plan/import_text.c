// SPDX-License-Identifier: GPL-2.0-only
/*
 * import_text.c - the words of a markdown plan, for import_doc.c's scanner:
 * ranges with shortened ends and their covering prefix, words that look
 * like an address, markup stripped, names made kebab-case, section tags.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "plan/import_int.h"

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
int imp_parse_range(const char *s, u128 *lo, u128 *hi, bool *v4)
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
bool imp_covering(u128 lo, u128 hi, bool v4, struct rg_cidr *c)
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
bool imp_looks_like_addr(const char *s)
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

char *imp_trim(char *s)
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
char *imp_strip_markup(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++)
		if (*r != '`' && *r != '*')
			*w++ = *r;
	*w = '\0';
	return imp_trim(s);
}

/* lowercase words joined by '-', cut at a word boundary to fit max chars */
void imp_kebab(const char *in, char *out, size_t max)
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

bool imp_has_word(const char *kebabbed, const char *word)
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

static bool imp_generic(const char *w)
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
void imp_section_tag(const char *title, char *out, size_t size)
{
	char cut[256], k[256], *save = NULL;
	size_t n = 0;
	int words = 0;

	snprintf(cut, sizeof(cut), "%s", title);
	cut[strcspn(cut, "(+/")] = '\0';
	imp_kebab(cut, k, sizeof(k) - 1);
	out[0] = '\0';
	for (char *w = strtok_r(k, "-", &save); w && words < 2; w = strtok_r(NULL, "-", &save)) {
		if (imp_generic(w))
			continue;
		n += snprintf(out + n, n < size ? size - n : 0, "%s%s", words ? "-" : "", w);
		words++;
	}
	if (n >= size)
		out[size - 1] = '\0';
	if (!words) {
		imp_kebab(cut, k, sizeof(k) - 1);
		k[strcspn(k, "-")] = '\0';
		snprintf(out, size, "%s", k);
	}
}
