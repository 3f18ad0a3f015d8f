// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_values.c - the small parsers every command leans on: CIDRs and
 * addresses (user/lib/addr.c) and option values (user/cmd/opts.c: numbers,
 * durations, interface lists). Any string: no crash, no undefined
 * behaviour; what one accepts prints and parses back to the same value,
 * and a value in range is in range.
 */
#include "fuzz.h"
#include "lib/addr.h"
#include "cmd/opts.h"
#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size), buf[128], why[160];
	struct rg_cidr c, back;
	struct rg_iflist l = {};
	unsigned __int128 v, v2;
	bool has_len, v4, v4b;
	long n;

	if (!rg_cidr_parse(s, &c, why, sizeof(why))) {
		rg_cidr_format(&c, buf, sizeof(buf));
		fuzz_assert(!rg_cidr_parse(buf, &back, why, sizeof(why)) &&
			    !rg_cidr_cmp(&c, &back) && c.v4 == back.v4,
			    "'%s' prints as '%s', which does not parse back (%s)", s, buf, why);
		fuzz_assert(!rg_cidr_has_host_bits(&c), "'%s' has host bits", s);
	}
	if (!rg_cidr_parse_loose(s, &c, &has_len, NULL, 0)) {
		rg_cidr_format(&c, buf, sizeof(buf));
		fuzz_assert(!rg_cidr_parse_loose(buf, &back, &has_len, NULL, 0) &&
			    !rg_cidr_cmp(&c, &back), "'%s' prints as '%s' (loose)", s, buf);
	}
	if (!rg_addr_parse(s, &v, &v4)) {
		rg_u128_format(v, v4, buf, sizeof(buf));
		fuzz_assert(!rg_addr_parse(buf, &v2, &v4b) && v == v2 && v4 == v4b,
			    "'%s' prints as '%s', which does not parse back", s, buf);
	}
	if (!rg_parse_num("n", s, -5, 100000, &n, fuzz_sink()))
		fuzz_assert(n >= -5 && n <= 100000 && n == strtol(s, NULL, 10), "'%s' -> %ld", s, n);
	if (!rg_parse_duration("d", s, 1, 86400, &n, fuzz_sink()))
		fuzz_assert(n >= 1 && n <= 86400, "'%s' -> %ld s", s, n);
	if (!rg_parse_iflist("i", s, RG_ROLE_MESH, &l, fuzz_sink())) {
		fuzz_assert(l.n >= 1 && l.n <= RG_MAX_HOST_IFS, "%d interfaces", l.n);
		for (int i = 0; i < l.n; i++)
			fuzz_assert(l.ifs[i].name[0] && strlen(l.ifs[i].name) < RG_IFNAME_LEN,
				    "interface %d of '%s'", i, s);
	}
	free(s);
	return 0;
}
