// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_addr.c - the address module (user/lib/addr.c) every parser and printer
 * shares, the map list (RG_MAPS), and the log levels (user/lib/log.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "lib/addr.h"
#include "lib/log.h"
#include "kernel/state.h"

static struct rg_cidr cidr(const char *s)
{
	struct rg_cidr c;
	char why[256];

	cr_assert_eq(rg_cidr_parse(s, &c, why, sizeof(why)), 0, "%s: %s", s, why);
	return c;
}

static void expect_format(const char *in, const char *out)
{
	struct rg_cidr c = cidr(in);
	char buf[64];

	rg_cidr_format(&c, buf, sizeof(buf));
	cr_expect_str_eq(buf, out, "%s printed as %s, not %s", in, buf, out);
}

Test(addr, cidrs_print_back_as_written)
{
	expect_format("fc00::/8", "fc00::/8");
	expect_format("fd00:255:101::/64", "fd00:255:101::/64");
	expect_format("10.244.0.0/16", "10.244.0.0/16");
	expect_format("0.0.0.0/0", "0.0.0.0/0");
	expect_format("::/0", "::/0");
	/* IPv6 written in the IPv4-mapped range stays IPv6 */
	expect_format("::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104");
}

Test(addr, ipv4_lives_in_the_mapped_range)
{
	struct rg_cidr c = cidr("10.1.2.0/24");

	cr_expect(c.v4);
	cr_expect_eq(c.len, 96 + 24);
	cr_expect(rg_addr_is_v4(c.addr));
	cr_expect(u128_is_v4(cidr_first(&c)));
	cr_expect_eq(cidr_last(&c) - cidr_first(&c), 255);
}

Test(addr, strict_and_loose_parsers)
{
	struct rg_cidr c;
	bool has_len;
	char why[256];

	cr_expect_eq(rg_cidr_parse("fc00::1", &c, why, sizeof(why)), -EINVAL);
	cr_expect_str_eq(why, "bad CIDR 'fc00::1': missing /LENGTH");
	cr_expect_eq(rg_cidr_parse("fc00::1/64", &c, why, sizeof(why)), -EINVAL);
	cr_expect_str_eq(why, "host bits set in 'fc00::1/64': did you mean fc00::/64?");
	cr_expect_eq(rg_cidr_parse("10.0.0.0/33", &c, why, sizeof(why)), -ERANGE);
	cr_expect_str_eq(why, "prefix length 33 out of range in '10.0.0.0/33' (IPv4: 0-32)");
	cr_expect_eq(rg_cidr_parse("fc00::/x", &c, why, sizeof(why)), -EINVAL);
	cr_expect_str_eq(why, "bad CIDR 'fc00::/x': prefix length is not a number");

	/* loose: host bits kept, the length optional (and no message asked) */
	cr_expect_eq(rg_cidr_parse_loose("fc00::1/64", &c, &has_len, NULL, 0), 0);
	cr_expect(has_len);
	cr_expect(rg_cidr_has_host_bits(&c));
	rg_cidr_clear_host_bits(&c);
	cr_expect(!rg_cidr_has_host_bits(&c));
	cr_expect_eq(rg_cidr_parse_loose("192.0.2.7", &c, &has_len, NULL, 0), 0);
	cr_expect(!has_len);
	cr_expect_eq(c.len, 128);
	cr_expect(c.v4);
	cr_expect_eq(rg_cidr_parse_loose("not-an-address", &c, &has_len, NULL, 0), -EINVAL);
}

/* rg_cidr_parse reads the common forms itself (no inet_pton): on every
 * string it must agree with the full parser (rg_cidr_parse_loose plus the
 * host-bit check), valid or not. Strings near the forms: hex groups, '::',
 * dotted quads, leading zeros, lengths around the limits, stray bytes.
 */
Test(addr, quick_cidrs_agree_with_the_full_parser)
{
	static const char *const parts[] = {
		"0", "1", "00", "01", "fc00", "FD00", "abcd", "12345", "ffff", "10", "255",
		"256", "192", "0a", ":", "::", ":::", ".", "/", "/0", "/8", "/24", "/32",
		"/33", "/64", "/096", "/128", "/129", "/0128", "/-1", "/+1", "/ 1", "%", "x",
		"1.2.3.4",
	};
	unsigned int seed = 12345;
	int agreed = 0;

	for (int round = 0; round < 200000; round++) {
		char s[80] = "", why[256];
		struct rg_cidr quick, full;
		bool has_len;
		int n = 1 + (seed = seed * 1103515245 + 12345) % 9, q, f;

		if (round % 2) {
			for (int i = 0; i < n; i++) {
				seed = seed * 1103515245 + 12345;
				strncat(s, parts[(seed >> 8) % (sizeof(parts) / sizeof(parts[0]))],
					sizeof(s) - strlen(s) - 1);
			}
		} else if (round % 4) {
			/* IPv6: n groups, zero or more "::", a length; few host bits */
			int gap = (seed >> 4) % 12, len = (seed >> 9) % 131;

			for (int i = 0; i < n; i++) {
				seed = seed * 1103515245 + 12345;
				sprintf(s + strlen(s), "%s%.*x", i == gap ? "::" : i ? ":" : "",
					1 + (seed >> 20) % 5, i < 2 ? (seed >> 4) & 0xfffff : 0);
			}
			sprintf(s + strlen(s), "%s/%d", gap == n ? "::" : "", len > 64 ? len : 128);
		} else {
			/* IPv4: 3-5 numbers, some with leading zeros, a length */
			seed = seed * 1103515245 + 12345;
			sprintf(s, "%u.%0*u.%u.%u/%u", (seed >> 4) % 260, 1 + (seed >> 12) % 3,
				(seed >> 14) % 256, 0u, 0u, (seed >> 22) % 34);
			if (n == 3)
				strcat(s, ".1");
		}
		q = rg_cidr_parse(s, &quick, why, sizeof(why));
		f = strchr(s, '/') ? rg_cidr_parse_loose(s, &full, &has_len, NULL, 0) : -EINVAL;
		if (!f && rg_cidr_has_host_bits(&full))
			f = -EINVAL;
		cr_assert_eq(!q, !f, "'%s': rg_cidr_parse %d, the full parser %d", s, q, f);
		if (q)
			continue;
		cr_assert(!memcmp(&quick, &full, sizeof(quick)), "'%s': another value", s);
		agreed++;
	}
	/* the mix must reach valid CIDRs, or the test proves nothing */
	cr_expect_gt(agreed, 1000, "only %d valid CIDRs", agreed);
}

Test(addr, single_addresses)
{
	char buf[64];
	bool v4;
	u128 v;

	cr_expect_eq(rg_addr_parse("fc00:101::11", &v, &v4), 0);
	cr_expect(!v4);
	rg_u128_format(v, v4, buf, sizeof(buf));
	cr_expect_str_eq(buf, "fc00:101::11");
	cr_expect_eq(rg_addr_parse("192.0.2.1", &v, &v4), 0);
	cr_expect(v4);
	rg_u128_format(v, v4, buf, sizeof(buf));
	cr_expect_str_eq(buf, "192.0.2.1");
	cr_expect_eq(rg_addr_parse("192.0.2.0/24", &v, NULL), -EINVAL, "a CIDR is not an address");
}

Test(addr, containment)
{
	struct rg_cidr outer = cidr("fd00:101::/32"), inner = cidr("fd00:101:44::/60");
	struct rg_cidr other = cidr("fd00:102::/32");
	struct rg_lpm_key ko = { .prefixlen = outer.len }, ki = { .prefixlen = inner.len };

	cr_expect(rg_cidr_inside(&inner, &outer));
	cr_expect(!rg_cidr_inside(&outer, &inner));
	cr_expect(!rg_cidr_inside(&other, &outer));
	cr_expect(rg_cidr_contains(&outer, inner.addr));
	cr_expect(!rg_cidr_contains(&outer, other.addr));
	memcpy(ko.addr, outer.addr, 16);
	memcpy(ki.addr, inner.addr, 16);
	cr_expect(rg_key_inside(&ki, &ko));
	cr_expect(!rg_key_inside(&ko, &ki));
}

/* [lo, hi] as the fewest CIDRs, each the largest aligned block that fits */
Test(addr, ranges_split_into_blocks)
{
	struct rg_cidr a = cidr("10.0.0.0/24");
	u128 lo = cidr_first(&a) + 1, hi = cidr_last(&a);
	int blocks = 0;

	while (lo <= hi) {
		int len = u128_block_len(lo, hi);

		cr_assert(len >= 96 && len <= 128);
		cr_assert_eq(lo & host_mask(len), 0, "a block starts aligned");
		blocks++;
		if ((lo | host_mask(len)) == hi)
			break;
		lo = (lo | host_mask(len)) + 1;
	}
	/* .1-.255 = /32 + /31 + /30 + /29 + /28 + /27 + /26 + /25 */
	cr_expect_eq(blocks, 8);
	cr_expect_eq(u128_block_len(0, U128_MAX), 0, "the whole space is ::/0");
}

Test(maps, one_list)
{
	cr_expect_eq(RG_NMAPS, 18);	/* rg_cache_ctl retired in layout 4, rg_index in 5, rg_drift in 6 */
	cr_expect_str_eq(rg_map_descs[RG_MAP_ENCAP].name, "rg_encap");
	cr_expect_str_eq(rg_map_descs[RG_MAP_PLAN].name, "rg_plan");
	cr_expect_str_eq(rg_map_descs[RG_MAP_IF_INDEX].name, "rg_if_index");
	cr_expect(rg_map_descs[RG_MAP_EVENT_RATE].flags & RG_MAPF_TRANSIENT);
	cr_expect(rg_map_descs[RG_MAP_CACHE].flags & RG_MAPF_TRANSIENT);
	cr_expect(rg_map_descs[RG_MAP_PLAN].flags & RG_MAPF_FIXED_VALUE);
	cr_expect_eq(rg_map_descs[RG_MAP_COUNTS].flags, RG_MAPF_CPU_LINES);
	cr_expect_eq(rg_map_descs[RG_MAP_IF_STATS].flags, RG_MAPF_CPU_LINES);
	/* a named field and its id are the same fd */
	{
		struct rg_maps m;

		rg_maps_init(&m);
		cr_expect_eq(m.counts, -1);
		m.fd[RG_MAP_META] = 7;
		m.plan = 9;
		cr_expect_eq(m.meta, 7);
		cr_expect_eq(m.fd[RG_MAP_PLAN], 9);
		cr_expect_eq(m.fd[RG_MAP_IF_INDEX], -1);
	}
}

Test(log, levels)
{
	char buf[1024] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	cr_assert(f);
	rg_log_setup(RG_LOG_INFO, f);
	rg_err("an error");
	rg_warn("a warning");
	rg_info("what changed");
	rg_debug("a step");
	errno = EBUSY;
	rg_info("errno stays");
	cr_expect_eq(errno, EBUSY);
	rg_log_setup(RG_LOG_DEBUG, f);
	rg_debug("a step with -v");
	rg_log_setup(RG_LOG_INFO, NULL);
	fclose(f);
	cr_expect_str_eq(buf, "an error\na warning\nwhat changed\nerrno stays\na step with -v\n");
}
