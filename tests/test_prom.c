// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_prom.c - label values in the Prometheus text format
 * (user/report/metrics.c, rg_prom_value): what the kernel allows in an
 * interface name ('"', '\\', '{', bytes that are not UTF-8) must not
 * break the node's scrape. tests/staging.sh runs promtool on the real page.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include "report/show.h"

static char *esc(const char *s, size_t max)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	cr_assert_not_null(f);
	rg_prom_value(f, s, max);
	fclose(f);
	return out;
}

static void expect(const char *in, size_t max, const char *want)
{
	char *got = esc(in, max);

	cr_expect_str_eq(got, want, "'%s' -> '%s', want '%s'", in, got, want);
	free(got);
}

Test(prom, plain_names_unchanged)
{
	expect("eth0", 16, "eth0");
	expect("vmbr0.101", 16, "vmbr0.101");
	expect("", 16, "");
}

Test(prom, backslash_quote_newline_escaped)
{
	expect("p\"1\\{", 16, "p\\\"1\\\\{");
	expect("a\nb", 16, "a\\nb");
	expect("\\\\", 16, "\\\\\\\\");
}

Test(prom, utf8_kept)
{
	expect("caf\xc3\xa9", 16, "caf\xc3\xa9");
	expect("\xe2\x82\xac", 16, "\xe2\x82\xac");
	expect("\xf0\x9f\x98\x80", 16, "\xf0\x9f\x98\x80");
}

Test(prom, not_utf8_replaced)
{
	/* a stray byte, an overlong '/', a surrogate, a sequence cut short,
	 * past U+10FFFF: each byte that starts no valid sequence is U+FFFD
	 */
	expect("q\xff", 16, "q\xef\xbf\xbd");
	expect("\xc0\xaf", 16, "\xef\xbf\xbd\xef\xbf\xbd");
	expect("\xed\xa0\x80", 16, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	expect("\xe2\x82", 16, "\xef\xbf\xbd\xef\xbf\xbd");
	expect("\xf4\x90\x80\x80", 16, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

Test(prom, bounded_by_max)
{
	/* a fixed-size name with no NUL, and a sequence cut by the bound */
	expect("abcdef", 4, "abcd");
	expect("ab\xe2\x82\xac", 4, "ab\xef\xbf\xbd\xef\xbf\xbd");
}
