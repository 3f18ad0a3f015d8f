// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_plan.c - the plan parser: every rule, every error class, exact
 * messages, and the users' plan (maps/sol.plan).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "plan/plan.h"
#include "logto.h"

static char errbuf[65536];

/* Parses text as "t.plan"; returns the error count, messages in errbuf. */
static int parse(const char *text, struct rg_plan *plan)
{
	FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");
	int n;

	memset(errbuf, 0, sizeof(errbuf));
	n = LOG_TO(f, rg_plan_parse(text, strlen(text), "t.plan", plan));
	fclose(f);
	return n;
}

static void expect_errors(const char *text, const char *messages)
{
	struct rg_plan plan;
	int n = parse(text, &plan), lines = 0;

	for (const char *p = messages; *p; p++)
		lines += *p == '\n';
	cr_expect_str_eq(errbuf, messages);
	cr_expect_eq(n, lines, "%d errors, expected %d", n, lines);
	rg_plan_free(&plan);
}

static const struct rg_entry *entry(const struct rg_plan *plan, const char *name)
{
	for (int i = 0; i < plan->nentries; i++)
		if (!strcmp(plan->entries[i].name, name) &&
		    plan->entries[i].kind == RG_KIND_PREFIX)
			return &plan->entries[i];
	for (int i = 0; i < plan->nentries; i++)
		if (!strcmp(plan->entries[i].name, name))
			return &plan->entries[i];
	cr_assert_fail("no entry %s", name);
	return NULL;
}

static const char *example =
	"# the heart of the users' plan\n"
	"zone   internal mesh   fc00::/8\n"
	"zone   external egress fd00::/8\n"
	"prefix ceph-public  fc00:20::/64\n"
	"prefix k8s-pods     fd00:101:44::/60  allow mesh   # pods ride the mesh\n"
	"prefix k8s-pods-solcp011 fd00:101:44::/64\n"
	"prefix pods-v4 10.244.0.0/16\n"
	"host   solcp011 mesh eth0 egress eth1\n";

Test(plan, example_compiles)
{
	struct rg_plan plan;
	const struct rg_entry *e;

	cr_assert_eq(parse(example, &plan), 0, "%s", errbuf);
	cr_expect_eq(plan.nzones, 2);
	cr_expect_eq(plan.nprefixes, 4);
	cr_expect_eq(plan.nentries, 6);
	cr_expect_eq(plan.nhosts, 1);

	e = entry(&plan, "internal");
	cr_expect_eq(e->breaks, RG_BREAKS(RG_ROLE_EGRESS));
	cr_expect_eq(&plan.entries[e->bucket_of], e);

	e = entry(&plan, "ceph-public");
	cr_expect_str_eq(e->zone, "internal");
	cr_expect_eq(e->breaks, RG_BREAKS(RG_ROLE_EGRESS));

	e = entry(&plan, "k8s-pods");
	cr_expect_str_eq(e->zone, "external");
	cr_expect_eq(e->breaks, 0, "allow mesh: breaks neither role");

	/* allow is inherited by the more specific prefix */
	e = entry(&plan, "k8s-pods-solcp011");
	cr_expect_eq(e->breaks, 0);

	e = entry(&plan, "external");
	cr_expect_eq(e->breaks, RG_BREAKS(RG_ROLE_MESH));

	/* IPv4 outside every zone: counted, never breaks the plan */
	e = entry(&plan, "pods-v4");
	cr_expect_eq(e->breaks, 0);
	cr_expect_str_eq(e->zone, "");
	cr_expect(e->cidr.v4);
	cr_expect_eq(e->cidr.len, 96 + 16);

	cr_expect_eq(plan.hosts[0].nifs, 2);
	cr_expect_str_eq(plan.hosts[0].ifs[0].name, "eth0");
	cr_expect_eq(plan.hosts[0].ifs[0].role, RG_ROLE_MESH);
	cr_expect_str_eq(plan.hosts[0].ifs[1].name, "eth1");
	cr_expect_eq(plan.hosts[0].ifs[1].role, RG_ROLE_EGRESS);
	rg_plan_free(&plan);
}

/* A zone covered by a prefix counts in the prefix: prefixes come first. */
Test(plan, prefix_wider_than_zone_takes_the_bucket)
{
	struct rg_plan plan;
	const struct rg_entry *z, *p;

	cr_assert_eq(parse("zone z mesh fc00::/8\nprefix ula fc00::/7 allow egress\n", &plan), 0,
		     "%s", errbuf);
	z = entry(&plan, "z");
	p = entry(&plan, "ula");
	cr_expect_eq(&plan.entries[z->bucket_of], p);
	cr_expect_eq(z->breaks, 0, "the /7's allow egress covers the zone");
	cr_expect_eq(p->breaks, 0, "the /7 outside the zone is in no zone");
	rg_plan_free(&plan);
}

Test(plan, model_agrees_on_example)
{
	struct rg_plan plan;
	struct rg_cidr c;
	char why[128];
	int b;

	cr_assert_eq(parse(example, &plan), 0);
	cr_assert_eq(rg_cidr_parse("fd00:101:44::7/128", &c, why, sizeof(why)), 0);
	cr_expect_not(rg_model_addr(&plan, c.addr, c.v4, RG_ROLE_MESH, &b));
	cr_expect_str_eq(plan.entries[b].name, "k8s-pods-solcp011");
	cr_assert_eq(rg_cidr_parse("fd00:101:50::1/128", &c, why, sizeof(why)), 0);
	cr_expect(rg_model_addr(&plan, c.addr, c.v4, RG_ROLE_MESH, &b));
	cr_expect_str_eq(plan.entries[b].name, "external");
	cr_assert_eq(rg_cidr_parse("fc00:20::1/128", &c, why, sizeof(why)), 0);
	cr_expect(rg_model_addr(&plan, c.addr, c.v4, RG_ROLE_EGRESS, &b));
	cr_expect_not(rg_model_addr(&plan, c.addr, c.v4, RG_ROLE_MESH, &b));
	cr_assert_eq(rg_cidr_parse("fe80::1/128", &c, why, sizeof(why)), 0);
	cr_expect_not(rg_model_addr(&plan, c.addr, c.v4, RG_ROLE_EGRESS, &b));
	cr_expect_eq(b, -1);
	rg_plan_free(&plan);
}

Test(plan, users_plan_is_valid)
{
	struct rg_plan plan;
	FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");
	const struct rg_host *h;
	int n;

	n = LOG_TO(f, rg_plan_load("maps/sol.plan", &plan));
	fclose(f);
	cr_assert_eq(n, 0, "%s", errbuf);
	cr_expect_eq(plan.nzones, 2);
	cr_expect_geq(plan.nprefixes, 40, "every prefix, VIP, gateway and per-node subnet");
	h = rg_plan_host(&plan, "solcp011");
	cr_assert_not_null(h);
	cr_expect_str_eq(h->ifs[0].name, "eth0");
	cr_expect_eq(h->ifs[0].role, RG_ROLE_MESH);
	for (const char *node = "solcp012\0solcp013\0solwk021\0solwk022\0solwk023\0pve01\0";
	     *node; node += strlen(node) + 1)
		cr_expect_not_null(rg_plan_host(&plan, node), "no host line for %s", node);
	rg_plan_free(&plan);
}

Test(plan, comments_blank_lines_and_line_numbers)
{
	expect_errors("\n# comment\n   \n\tzone a mesh fc00::/8 # trailing\nbogus\n",
		      "t.plan:5: unknown keyword 'bogus' (expected zone, prefix, host, lifeline, "
		      "encap or unreadable)\n");
}

Test(plan, unknown_roles)
{
	expect_errors("zone a wan fc00::/8\n"
		      "prefix p fc00::/16 allow mesh,uplink\n"
		      "host h lan eth0\n",
		      "t.plan:1: unknown role 'wan' (expected mesh or egress)\n"
		      "t.plan:2: unknown role 'uplink' in allow (expected mesh or egress)\n"
		      "t.plan:3: unknown role 'lan' (expected mesh or egress)\n");
}

Test(plan, missing_fields)
{
	expect_errors("zone a mesh\n"
		      "prefix p\n"
		      "host h mesh\n"
		      "prefix q fc00::/16 allow\n"
		      "host h2 mesh eth0 egress\n",
		      "t.plan:1: zone needs NAME ROLE CIDR [CIDR...]\n"
		      "t.plan:2: prefix needs NAME CIDR [allow ROLE[,ROLE]]\n"
		      "t.plan:3: host needs HOSTNAME ROLE IFNAME... [ROLE IFNAME...] "
		      "[mode monitor|enforce]\n"
		      "t.plan:4: 'allow' needs ROLE[,ROLE] (mesh, egress)\n"
		      "t.plan:5: role 'egress' lists no interface\n");
}

Test(plan, bad_cidrs)
{
	expect_errors("prefix a fc00::1\n"
		      "prefix b fc00::zz/64\n"
		      "prefix c fc00::/x\n"
		      "prefix d 10.0.0.0/8 deny mesh\n",
		      "t.plan:1: bad CIDR 'fc00::1': missing /LENGTH\n"
		      "t.plan:2: bad CIDR 'fc00::zz/64': 'fc00::zz' is not an IPv6 or IPv4 address\n"
		      "t.plan:3: bad CIDR 'fc00::/x': prefix length is not a number\n"
		      "t.plan:4: unexpected 'deny' after the CIDR (expected 'allow ROLE[,ROLE]')\n");
}

Test(plan, host_bits_set)
{
	expect_errors("prefix k8s-pods fd00:101:44::1/60\nprefix v4 10.244.1.0/16\n",
		      "t.plan:1: host bits set in 'fd00:101:44::1/60': did you mean fd00:101:44::/60?\n"
		      "t.plan:2: host bits set in '10.244.1.0/16': did you mean 10.244.0.0/16?\n");
}

Test(plan, prefix_length_out_of_range)
{
	expect_errors("prefix a fc00::/129\nprefix b 10.0.0.0/33\n",
		      "t.plan:1: prefix length 129 out of range in 'fc00::/129' (IPv6: 0-128)\n"
		      "t.plan:2: prefix length 33 out of range in '10.0.0.0/33' (IPv4: 0-32)\n");
}

Test(plan, duplicates)
{
	expect_errors("zone internal mesh fc00::/8\n"
		      "prefix internal fc00:1::/64\n"
		      "prefix a fc00:2::/64\n"
		      "prefix b fc00:2::/64\n",
		      "t.plan:2: duplicate name 'internal' (first on line 1)\n"
		      "t.plan:4: duplicate CIDR fc00:2::/64 ('a' and 'b')\n");
}

Test(plan, zone_and_prefix_may_not_share_a_cidr)
{
	expect_errors("zone internal mesh fc00::/8\nprefix all-internal fc00::/8\n",
		      "t.plan:2: duplicate CIDR fc00::/8 ('internal' and 'all-internal')\n");
}

Test(plan, overlapping_zones)
{
	expect_errors("zone internal mesh fc00::/8\n"
		      "zone storage egress fc00:20::/64\n"
		      "zone other egress fd00::/8 fd00:1::/32\n",
		      "t.plan:2: zone 'storage' fc00:20::/64 overlaps zone 'internal' fc00::/8\n"
		      "t.plan:3: zone 'other' fd00:1::/32 overlaps zone 'other' fd00::/8\n");
}

Test(plan, interface_in_two_roles)
{
	expect_errors("host n1 mesh eth0 egress eth1 eth0\n",
		      "t.plan:1: interface 'eth0' is in two roles (mesh and egress)\n");
}

Test(plan, duplicate_host)
{
	expect_errors("host n1 mesh eth0\nhost n1 egress eth1\n",
		      "t.plan:2: duplicate host 'n1' (first on line 1)\n");
}

Test(plan, bad_names)
{
	expect_errors("prefix bad/name fc00::/16\n",
		      "t.plan:1: bad prefix name 'bad/name': use 1-63 letters, digits, '-', '_' or '.'\n");
}

Test(plan, every_error_is_reported_in_line_order)
{
	struct rg_plan plan;

	cr_expect_eq(parse("prefix a fc00::1/8\nzone z bad fc00::/8\nprefix b fc00::/200\n"
			   "nope\n", &plan), 4);
	cr_expect(strstr(errbuf, "t.plan:1: host bits") == errbuf, "%s", errbuf);
	cr_expect_not_null(strstr(errbuf, "t.plan:2: unknown role 'bad'"));
	cr_expect_not_null(strstr(errbuf, "t.plan:3: prefix length 200"));
	cr_expect_not_null(strstr(errbuf, "t.plan:4: unknown keyword 'nope'"));
	rg_plan_free(&plan);
}

Test(plan, larger_than_the_maps)
{
	size_t cap = (RG_MAX_PLAN + 2) * 48;
	char *text = malloc(cap), *p = text;
	struct rg_plan plan;
	char want[160];

	for (int i = 0; i <= RG_MAX_PLAN; i++)
		p += sprintf(p, "prefix p%d fc00:%x:%x::/48\n", i, i / 65536, i % 65536);
	cr_assert_eq(parse(text, &plan), 1);
	snprintf(want, sizeof(want), "t.plan:%d: plan has %d zone CIDRs and prefixes, more than "
		 "the %d the maps hold\n", RG_MAX_PLAN + 2, RG_MAX_PLAN + 1, RG_MAX_PLAN);
	cr_expect_str_eq(errbuf, want);
	rg_plan_free(&plan);
	free(text);
}

Test(plan, binary_garbage_is_rejected)
{
	struct rg_plan plan;
	const char bin[] = "zone a mesh fc00::/8\n\0\x01\x02";

	FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");
	cr_expect_eq(LOG_TO(f, rg_plan_parse(bin, sizeof(bin), "t.plan", &plan)), 1);
	fclose(f);
	cr_expect_str_eq(errbuf, "t.plan: not a text file (it contains NUL bytes)\n");
	rg_plan_free(&plan);
}

Test(plan, missing_file)
{
	struct rg_plan plan;
	FILE *f = fmemopen(errbuf, sizeof(errbuf), "w");

	cr_expect_eq(LOG_TO(f, rg_plan_load("/nonexistent/x.plan", &plan)), -ENOENT);
	fclose(f);
	cr_expect_str_eq(errbuf, "/nonexistent/x.plan: cannot read plan: No such file or directory\n");
}

Test(plan, cidr_format_round_trip)
{
	const char *in[] = { "fd00:101:44::/60", "10.96.0.0/12", "::/0", "0.0.0.0/0",
			     "fd00:255:101::ac/128" };
	struct rg_cidr c;
	char why[128], out[64];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		cr_assert_eq(rg_cidr_parse(in[i], &c, why, sizeof(why)), 0, "%s", why);
		rg_cidr_format(&c, out, sizeof(out));
		cr_expect_str_eq(out, in[i]);
	}
}

Test(plan, half_written_and_empty_files_are_rejected)
{
	/* cut in the middle of fc00:20::/64: a different, valid-looking CIDR */
	expect_errors("zone internal mesh fc00::/8\nprefix ceph fc00:20::/6",
		      "t.plan:2: host bits set in 'fc00:20::/6': did you mean fc00::/6?\n"
		      "t.plan:2: the last line has no newline: the file may be half-written "
		      "(end it with a newline)\n");
	expect_errors("zone internal mesh fc00::/8\nprefix ceph fc00::/6",
		      "t.plan:2: the last line has no newline: the file may be half-written "
		      "(end it with a newline)\n");
	expect_errors("# only comments\n\n",
		      "t.plan: the plan has no zone and no prefix: nothing to enforce\n");
	expect_errors("", "t.plan: the plan has no zone and no prefix: nothing to enforce\n");
}

Test(plan, host_mode_declared_or_monitor)
{
	struct rg_plan plan;
	bool declared;

	cr_assert_eq(parse("zone a mesh fc00::/8\n"
			   "host h1 mesh eth0 egress eth1 mode enforce\n"
			   "host h2 mesh eth0 mode monitor\n"
			   "host h3 mesh eth0 egress eth1\n", &plan), 0, "%s", errbuf);
	cr_expect_eq(rg_plan_host_mode(&plan, "h1", &declared), RG_MODE_ENFORCE);
	cr_expect(declared);
	cr_expect_eq(rg_plan_host(&plan, "h1")->nifs, 2, "mode is not an interface");
	cr_expect_eq(rg_plan_host_mode(&plan, "h2", &declared), RG_MODE_MONITOR);
	cr_expect(declared);
	cr_expect_eq(rg_plan_host_mode(&plan, "h3", &declared), RG_MODE_MONITOR);
	cr_expect_not(declared, "absent means monitor, not declared");
	cr_expect_eq(rg_plan_host_mode(&plan, "nosuch", &declared), RG_MODE_MONITOR);
	cr_expect_not(declared);
	rg_plan_free(&plan);
}

Test(plan, host_mode_errors)
{
	expect_errors("zone a mesh fc00::/8\n"
		      "host x mesh e0 mode\n"
		      "host y mesh e1 mode bogus\n"
		      "host z mode enforce mesh e2\n"
		      "host w mode enforce\n",
		      "t.plan:2: 'mode' needs monitor or enforce\n"
		      "t.plan:3: unknown mode 'bogus' (expected monitor or enforce)\n"
		      "t.plan:4: 'mode' goes last: host HOSTNAME ROLE IFNAME... [ROLE IFNAME...] "
		      "[mode monitor|enforce]\n"
		      "t.plan:5: host needs HOSTNAME ROLE IFNAME... [ROLE IFNAME...] "
		      "[mode monitor|enforce]\n");
}

Test(plan, lifelines_ipv6_and_ipv4)
{
	struct rg_plan plan;
	char a[64];

	cr_assert_eq(parse("zone a mesh fc00::/8\n"
			   "lifeline fd00:101::fffe 10.9.0.1\n"
			   "lifeline fc00:20::1\n", &plan), 0, "%s", errbuf);
	cr_assert_eq(plan.nlifelines, 3);
	rg_addr_format(plan.lifelines[0].addr, a, sizeof(a));
	cr_expect_str_eq(a, "fd00:101::fffe");
	cr_expect_not(plan.lifelines[0].v4);
	rg_addr_format(plan.lifelines[1].addr, a, sizeof(a));
	cr_expect_str_eq(a, "10.9.0.1");
	cr_expect(plan.lifelines[1].v4);
	cr_expect_eq(plan.lifelines[2].line, 3);
	rg_plan_free(&plan);
}

Test(plan, lifeline_errors)
{
	expect_errors("zone a mesh fc00::/8\n"
		      "lifeline fc00::1/64 ff02::1 10.0.0.1 10.0.0.1 nothing 0.0.0.0 ::\n"
		      "lifeline\n"
		      "lifeline 10.0.0.1\n",
		      "t.plan:2: lifeline 'fc00::1/64' is a prefix: give one address (drop the /LENGTH)\n"
		      "t.plan:2: lifeline 'ff02::1' is not a unicast address\n"
		      "t.plan:2: duplicate lifeline 10.0.0.1 (first on line 2)\n"
		      "t.plan:2: bad lifeline 'nothing': not an IPv6 or IPv4 address\n"
		      "t.plan:2: lifeline '0.0.0.0' is not a unicast address\n"
		      "t.plan:2: lifeline '::' is not a unicast address\n"
		      "t.plan:3: lifeline needs ADDR [ADDR...]\n"
		      "t.plan:4: duplicate lifeline 10.0.0.1 (first on line 2)\n");
}

Test(plan, ipv4_mapped_ipv6_cidrs_are_rejected_with_the_ipv4_form)
{
	struct rg_plan plan;

	cr_expect_eq(parse("zone internal mesh fc00::/8\nprefix v4 ::ffff:10.0.0.0/104\n", &plan), 1);
	cr_expect(strstr(errbuf, "t.plan:2: '::ffff:10.0.0.0/104' is an IPv4-mapped IPv6 CIDR"),
		  "%s", errbuf);
	cr_expect(strstr(errbuf, "write 10.0.0.0/8"), "%s", errbuf);
	rg_plan_free(&plan);
	cr_expect_eq(parse("zone m mesh ::ffff:0:0/96\n", &plan), 1, "%s", errbuf);
	rg_plan_free(&plan);
	/* IPv4-compatible (::/96) and wider IPv6 CIDRs are plain IPv6 */
	cr_expect_eq(parse("zone m mesh ::/96\nprefix all ::/0\nprefix near ::fffe:0:0/95\n", &plan),
		     0, "%s", errbuf);
	rg_plan_free(&plan);
}

Test(plan, wide_ipv6_cidrs_neither_overlap_nor_cover_ipv4)
{
	struct rg_plan plan;
	struct rg_cidr c;
	char why[128];
	int b;

	cr_assert_eq(parse("zone v4mesh mesh 10.0.0.0/8\nzone all6 egress ::/0\n"
			   "prefix any6 ::/0 allow egress\n", &plan), 1);
	cr_expect(strstr(errbuf, "duplicate CIDR ::/0"), "only the IPv6 twins clash: %s", errbuf);
	rg_plan_free(&plan);
	cr_assert_eq(parse("zone v4mesh mesh 10.0.0.0/8\nzone low egress ::/1\n"
			   "prefix any6 ::/0 allow egress\n", &plan), 0, "%s", errbuf);
	cr_assert_eq(rg_cidr_parse("10.1.2.3/32", &c, why, sizeof(why)), 0);
	cr_expect(rg_model_addr(&plan, c.addr, true, RG_ROLE_EGRESS, &b));
	cr_expect_str_eq(plan.entries[b].name, "v4mesh");
	/* ::ffff:10.1.2.3 in an IPv6 frame lies in the IPv6 zone low */
	cr_expect(rg_model_addr(&plan, c.addr, false, RG_ROLE_MESH, &b));
	cr_expect_not(rg_model_addr(&plan, c.addr, false, RG_ROLE_EGRESS, &b));
	cr_expect_str_eq(plan.entries[b].name, "any6");
	for (int i = 0; i < plan.nentries; i++) {
		const struct rg_entry *e = &plan.entries[i];

		if (!strcmp(e->name, "v4mesh"))
			cr_expect_eq(e->breaks, RG_BREAKS(RG_ROLE_EGRESS),
				     "the IPv4 zone inherits nothing from ::/0");
		else
			cr_expect(e->breaks & RG_LPM_V6_WIDE, "%s covers the IPv4 region", e->name);
	}
	cr_expect_eq(rg_plan_scan_af(&plan, c.addr, true), 0);
	rg_plan_free(&plan);
}

Test(plan, encapsulation_ports_default_and_change)
{
	struct rg_plan plan;

	cr_assert_eq(parse("zone internal mesh fc00::/8\n", &plan), 0);
	cr_expect_eq(plan.encap.vxlan[0], 4789);
	cr_expect_eq(plan.encap.vxlan[1], 8472);
	cr_expect_eq(plan.encap.vxlan[2], 0);
	cr_expect_eq(plan.encap.geneve[0], 6081);
	rg_plan_free(&plan);
	cr_assert_eq(parse("zone internal mesh fc00::/8\nencap vxlan 8472\nencap geneve off\n", &plan),
		     0, "%s", errbuf);
	cr_expect_eq(plan.encap.vxlan[0], 8472);
	cr_expect_eq(plan.encap.vxlan[1], 0);
	cr_expect_eq(plan.encap.geneve[0], 0);
	rg_plan_free(&plan);
	cr_assert_eq(parse("encap off\nzone internal mesh fc00::/8\n", &plan), 0, "%s", errbuf);
	cr_expect_eq(plan.encap.vxlan[0] | plan.encap.geneve[0], 0);
	rg_plan_free(&plan);
}

Test(plan, bad_encapsulation_lines)
{
	struct rg_plan plan;

	cr_expect_eq(parse("zone internal mesh fc00::/8\n"
			   "encap\n"
			   "encap vxlan 0 4789\n"
			   "encap geneve 65536\n"
			   "encap vxlan 1 2 3 4 5\n"
			   "encap gre 47\n"
			   "encap vxlan 4789 4789\n", &plan), 6);
	cr_expect(strstr(errbuf, "t.plan:2: encap needs vxlan PORT..., geneve PORT... or off"), "%s",
		  errbuf);
	cr_expect(strstr(errbuf, "t.plan:3: bad vxlan port '0': use 1-65535"), "%s", errbuf);
	cr_expect(strstr(errbuf, "t.plan:4: bad geneve port '65536'"), "%s", errbuf);
	cr_expect(strstr(errbuf, "t.plan:5: more than 4 vxlan ports"), "%s", errbuf);
	cr_expect(strstr(errbuf, "t.plan:6: unknown encapsulation 'gre'"), "%s", errbuf);
	cr_expect(strstr(errbuf, "t.plan:7: vxlan port 4789 listed twice"), "%s", errbuf);
	rg_plan_free(&plan);
	cr_expect_eq(parse("zone internal mesh fc00::/8\nencap vxlan 4789\nencap vxlan 8472\n"
			   "encap geneve 4789\n", &plan), 2);
	cr_expect(strstr(errbuf, "t.plan:3: a second 'encap vxlan' line (first on line 2)"), "%s",
		  errbuf);
	cr_expect(strstr(errbuf, "t.plan:4: port 4789 is both vxlan and geneve"), "%s", errbuf);
	rg_plan_free(&plan);
	cr_expect_eq(parse("zone internal mesh fc00::/8\nencap geneve 6081\nencap off\n", &plan), 1);
	cr_expect(strstr(errbuf, "t.plan:3: 'encap off' and an 'encap geneve' line (line 2)"), "%s",
		  errbuf);
	rg_plan_free(&plan);
}

/* Frames the datapath cannot read: dropped in enforce mode unless the plan
 * says otherwise, on one line.
 */
Test(plan, unreadable_default_and_change)
{
	struct rg_plan plan;

	cr_assert_eq(parse("zone internal mesh fc00::/8\n", &plan), 0);
	cr_expect_not(plan.unreadable_pass, "drop by default");
	cr_expect_str_eq(rg_unreadable_name(&plan), "drop");
	rg_plan_free(&plan);
	cr_assert_eq(parse("unreadable pass\nzone internal mesh fc00::/8\n", &plan), 0, "%s",
		     errbuf);
	cr_expect(plan.unreadable_pass);
	cr_expect_str_eq(rg_unreadable_name(&plan), "pass");
	rg_plan_free(&plan);
	cr_assert_eq(parse("zone internal mesh fc00::/8\nunreadable drop # the default\n", &plan),
		     0, "%s", errbuf);
	cr_expect_not(plan.unreadable_pass);
	rg_plan_free(&plan);
}

Test(plan, bad_unreadable_lines)
{
	struct rg_plan plan;

	cr_expect_eq(parse("zone internal mesh fc00::/8\n"
			   "unreadable\n"
			   "unreadable forward\n"
			   "unreadable drop pass\n"
			   "unreadable Pass\n", &plan), 4);
	cr_expect(strstr(errbuf, "t.plan:2: unreadable needs drop or pass (e.g. 'unreadable drop')"),
		  "%s", errbuf);
	cr_expect(strstr(errbuf, "t.plan:3: unknown unreadable action 'forward' (expected drop or "
			 "pass)"), "%s", errbuf);
	cr_expect(strstr(errbuf, "t.plan:4: unreadable needs drop or pass"), "%s", errbuf);
	cr_expect(strstr(errbuf, "t.plan:5: unknown unreadable action 'Pass'"), "%s", errbuf);
	rg_plan_free(&plan);
	cr_expect_eq(parse("zone internal mesh fc00::/8\nunreadable pass\nunreadable drop\n",
			   &plan), 1);
	cr_expect(strstr(errbuf, "t.plan:3: a second 'unreadable' line (first on line 2): keep one"),
		  "%s", errbuf);
	rg_plan_free(&plan);
}
