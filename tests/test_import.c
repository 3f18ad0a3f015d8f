// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_import.c - `plan import`: the users' document gives the CIDRs of
 * maps/sol.plan and exactly the inconsistencies it has; each class of
 * inconsistency on a small document of its own.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "plan/import.h"
#include "plan/plan.h"
#include "logto.h"
#include "report/planout.h"

#define USERS_DOC "../shared/ipv6-prefix-allocation-plan.md"

struct run {
	int rc;
	char *out;	/* the plan (or the JSON object) */
	char *errs;	/* the report */
	size_t outlen, errlen;
};

static char doc_path[64];

/* Writes text to a fresh file named like a user's document. */
static const char *doc(const char *text)
{
	int fd;

	snprintf(doc_path, sizeof(doc_path), "/tmp/rg-import-XXXXXX.md");
	fd = mkstemps(doc_path, 3);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return doc_path;
}

/*
 * Every plan the importer writes with exit 0 passes `plan check`, and when
 * the plan would not, the exit is 1 and the report says so: checked on
 * every run of every test here.
 */
static void expect_check_agrees(const struct run *r)
{
	struct rg_plan plan;
	char *msgs = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&msgs, &len);
	int n;

	n = LOG_TO(f, rg_plan_parse(r->out, r->outlen, "generated.plan", &plan));
	fclose(f);
	rg_plan_free(&plan);
	if (r->rc == 0)
		cr_expect_eq(n, 0, "exit 0, but plan check says:\n%s", msgs);
	if (n) {
		cr_expect_eq(r->rc, 1, "plan check says:\n%s", msgs);
		cr_expect(strstr(r->errs, "the plan would not pass 'plan check': "),
			  "the report does not say why:\n%s", r->errs);
	}
	free(msgs);
}

static struct run import_args(const char *path, const char *output, bool json)
{
	struct run r = {};
	FILE *out = open_memstream(&r.out, &r.outlen);
	FILE *errs = open_memstream(&r.errs, &r.errlen);

	struct rg_import res;

	/* as `ringguard plan import` runs it (cmd/cmd_plan.c) */
	rg_log_setup(RG_LOG_INFO, errs);
	r.rc = rg_plan_import(path, output, &res);
	if (r.rc >= 0)
		rg_import_print(&res, path, output, json, out);
	rg_import_free(&res);
	rg_log_setup(RG_LOG_INFO, NULL);
	fclose(out);
	fclose(errs);
	if (!json && r.rc >= 0 && r.outlen)
		expect_check_agrees(&r);
	return r;
}

static struct run import(const char *path)
{
	return import_args(path, NULL, false);
}

/* The text of a document, run through the importer; the file is removed. */
static struct run import_text(const char *text)
{
	struct run r = import(doc(text));

	unlink(doc_path);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->errs);
}

/* The report with the document's path replaced by "DOC". */
static char *report(const struct run *r)
{
	static char buf[8192];
	size_t n = 0, plen = strlen(doc_path);

	for (const char *p = r->errs; *p && n < sizeof(buf) - 4; ) {
		if (!strncmp(p, doc_path, plen)) {
			memcpy(buf + n, "DOC", 3);
			n += 3;
			p += plen;
		} else {
			buf[n++] = *p++;
		}
	}
	buf[n] = '\0';
	return buf;
}

static int parse_plan(const char *text, struct rg_plan *plan, char *errbuf, size_t len)
{
	FILE *f = fmemopen(errbuf, len, "w");
	int n;

	memset(errbuf, 0, len);
	n = LOG_TO(f, rg_plan_parse(text, strlen(text), "generated.plan", plan));
	fclose(f);
	return n;
}

static const struct rg_entry *find(const struct rg_plan *plan, const char *cidr)
{
	char cs[64];

	for (int i = 0; i < plan->nentries; i++) {
		rg_cidr_format(&plan->entries[i].cidr, cs, sizeof(cs));
		if (!strcmp(cs, cidr))
			return &plan->entries[i];
	}
	return NULL;
}

/* The plan line that holds CIDR (its comment included). */
static const char *line_of(const char *plan, const char *cidr, char *buf, size_t len)
{
	char needle[80];
	const char *p;

	snprintf(needle, sizeof(needle), " %s ", cidr);
	for (const char *from = plan; (p = strstr(from, needle)); from = p + 1) {
		const char *start = p;

		while (start > plan && start[-1] != '\n')
			start--;
		if (*start == '#')	/* a section's title */
			continue;
		snprintf(buf, len, "%.*s", (int)strcspn(start, "\n"), start);
		return buf;
	}
	return "";
}

static int count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* Sorted, one CIDR per entry (zones and prefixes). */
static char **cidr_set(const struct rg_plan *plan)
{
	char **v = calloc(plan->nentries + 1, sizeof(*v));

	for (int i = 0; i < plan->nentries; i++) {
		v[i] = calloc(1, 64);
		rg_cidr_format(&plan->entries[i].cidr, v[i], 64);
	}
	qsort(v, plan->nentries, sizeof(*v), cmp_str);
	return v;
}

static void need_users_doc(void)
{
	if (access(USERS_DOC, R_OK))
		cr_skip_test("%s is missing (tests run from the repository root, beside "
			     "../shared): nothing to import", USERS_DOC);
}

/* ---- the users' document ------------------------------------------------ */

Test(import, users_doc_gives_the_cidrs_of_sol_plan)
{
	struct rg_plan gen, sol;
	char errbuf[8192], **a, **b;
	struct run r;
	FILE *f;
	int n, i = 0, j = 0;

	need_users_doc();
	r = import(USERS_DOC);
	cr_assert_eq(r.rc, 1, "the document has inconsistencies: rc %d\n%s", r.rc, r.errs);
	cr_assert_eq(parse_plan(r.out, &gen, errbuf, sizeof(errbuf)), 0,
		     "the generated plan must be valid:\n%s", errbuf);
	f = fmemopen(errbuf, sizeof(errbuf), "w");
	n = LOG_TO(f, rg_plan_load("maps/sol.plan", &sol));
	fclose(f);
	cr_assert_eq(n, 0, "%s", errbuf);

	a = cidr_set(&gen);
	b = cidr_set(&sol);
	while (i < gen.nentries || j < sol.nentries) {
		int c = i == gen.nentries ? 1 : j == sol.nentries ? -1 : strcmp(a[i], b[j]);

		cr_expect_eq(c, 0, "%s is only in the %s", c < 0 ? a[i] : b[j],
			     c < 0 ? "imported plan" : "hand-written maps/sol.plan");
		i += c <= 0;
		j += c >= 0;
	}
	cr_expect_eq(gen.nentries, sol.nentries);
	cr_expect_eq(gen.nzones, 2);

	/* host lines from the "Mesh (eth0)" / "Egress (eth1)" columns */
	cr_expect_eq(gen.nhosts, 6);
	for (const char *node = "solcp011\0solcp012\0solcp013\0solwk021\0solwk022\0solwk023\0";
	     *node; node += strlen(node) + 1) {
		const struct rg_host *h = rg_plan_host(&gen, node);

		cr_assert_not_null(h, "no host line for %s", node);
		cr_expect_eq(h->nifs, 2);
		cr_expect_str_eq(h->ifs[0].name, "eth0");
		cr_expect_eq(h->ifs[0].role, RG_ROLE_MESH);
		cr_expect_str_eq(h->ifs[1].name, "eth1");
		cr_expect_eq(h->ifs[1].role, RG_ROLE_EGRESS);
	}
	for (int k = 0; k < gen.nentries; k++)
		free(a[k]);
	for (int k = 0; k < sol.nentries; k++)
		free(b[k]);
	free(a);
	free(b);
	rg_plan_free(&gen);
	rg_plan_free(&sol);
	run_free(&r);
}

Test(import, users_doc_inconsistencies)
{
	struct run r;

	need_users_doc();
	r = import(USERS_DOC);
	cr_expect_str_eq(r.errs,
		USERS_DOC ":128: note: fd00:70::21-ff is a range, not a CIDR: range encoded as "
			"covering prefix fd00:70::/120\n"
		USERS_DOC ":138: note: fd00:90::10-ff is a range, not a CIDR: range encoded as "
			"covering prefix fd00:90::/120\n"
		USERS_DOC ":174: host bits set in fd00:0:0:ffff::/56: the network is "
			"fd00:0:0:ff00::/56 (used in the plan)\n"
		USERS_DOC ":191: fd00:255:101::/64 is listed under fd00:0:0:ffff::/56 (line 174) "
			"but is not inside it\n"
		USERS_DOC ":235: fd00:101:45::/64 (solcp012) is listed under fd00:101:44::/60 "
			"(line 229) but is not inside it\n"
		USERS_DOC ":236: fd00:101:46::/64 (solcp013) is listed under fd00:101:44::/60 "
			"(line 229) but is not inside it\n"
		USERS_DOC ":237: fd00:101:47::/64 (solwk021) is listed under fd00:101:44::/60 "
			"(line 229) but is not inside it\n"
		USERS_DOC ":238: fd00:101:48::/64 (solwk022) is listed under fd00:101:44::/60 "
			"(line 229) but is not inside it\n"
		USERS_DOC ":239: fd00:101:49::/64 (solwk023) is listed under fd00:101:44::/60 "
			"(line 229) but is not inside it\n"
		USERS_DOC ":263: stated range fd00:101:96::0 - fd00:101:96::ff:ffff:ffff does not "
			"match fd00:101:96::/108, which spans fd00:101:96:: - fd00:101:96::f:ffff "
			"(the stated range is fd00:101:96::/88)\n");
	run_free(&r);
}

/* Each line points to its source; the names read like the document. */
Test(import, users_doc_lines_and_names)
{
	char buf[512];
	struct run r;

	need_users_doc();
	r = import(USERS_DOC);
	cr_expect(strstr(r.out, "\nzone   internal mesh    fc00::/8"), "%s", r.out);
	cr_expect(strstr(r.out, "\nzone   external egress  fd00::/8"), "%s", r.out);
	cr_expect(strstr(line_of(r.out, "fc00::/8", buf, sizeof(buf)),
			 "# ipv6-prefix-allocation-plan.md:15, also 53"), "%s", buf);
	cr_expect(strstr(line_of(r.out, "fc00:20::/64", buf, sizeof(buf)),
			 "prefix ceph-public-network "), "%s", buf);
	/* deduplicated: the first name, every source line */
	line_of(r.out, "fc00:20::1/128", buf, sizeof(buf));
	cr_expect(strstr(buf, "prefix pve01-ceph-public "), "%s", buf);
	cr_expect(strstr(buf, "# ipv6-prefix-allocation-plan.md:58, also 626"), "%s", buf);
	line_of(r.out, "fd00:255:101::ac/128", buf, sizeof(buf));
	cr_expect(strstr(buf, "# ipv6-prefix-allocation-plan.md:200, also 646, 655"), "%s", buf);
	cr_expect(strstr(line_of(r.out, "fd00:0:0:ff00::/56", buf, sizeof(buf)),
			 "doc: fd00:0:0:ffff::/56 (host bits set)"), "%s", buf);
	cr_expect(strstr(line_of(r.out, "fd00:70::/120", buf, sizeof(buf)),
			 "prefix iot-devices "), "%s", buf);
	cr_expect(strstr(line_of(r.out, "fd00:90::/120", buf, sizeof(buf)),
			 "prefix vpn-clients "), "%s", buf);
	cr_expect(strstr(line_of(r.out, "10.244.0.0/24", buf, sizeof(buf)),
			 "prefix solcp011-pod-v4 "), "%s", buf);
	cr_expect(strstr(r.out, "host   solcp011  mesh eth0 egress eth1  "
			 "# ipv6-prefix-allocation-plan.md:633\n"), "%s", r.out);
	/* nothing from code blocks, prose or future proposals */
	cr_expect_null(strstr(r.out, "fc00:101:10::"));
	cr_expect_null(strstr(r.out, "fd00:101:1b::"));
	cr_expect_null(strstr(r.out, "fc00:102::"));
	cr_expect_null(strstr(r.out, " allow "), "the importer writes no allow");
	run_free(&r);
}

Test(import, users_doc_json)
{
	json_object *j, *v, *p;
	struct run r;

	need_users_doc();
	r = import_args(USERS_DOC, NULL, true);
	cr_assert_eq(r.rc, 1);
	cr_expect_str_eq(r.errs, "", "under -j problems go into the object");
	j = json_tokener_parse(r.out);
	cr_assert_not_null(j, "%s", r.out);
	cr_assert(json_object_object_get_ex(j, "errors", &v));
	cr_expect_eq(json_object_get_int(v), 8);
	cr_assert(json_object_object_get_ex(j, "notes", &v));
	cr_expect_eq(json_object_get_int(v), 2);
	cr_assert(json_object_object_get_ex(j, "entries", &v));
	cr_expect_eq(json_object_get_int(v), 73);
	cr_assert(json_object_object_get_ex(j, "plan", &v));
	cr_expect(strstr(json_object_get_string(v), "zone   internal mesh"));
	cr_assert(json_object_object_get_ex(j, "problems", &v));
	cr_assert_eq(json_object_array_length(v), 10);
	p = json_object_array_get_idx(v, 2);
	cr_expect_eq(json_object_get_int(json_object_object_get(p, "line")), 174);
	cr_expect_str_eq(json_object_get_string(json_object_object_get(p, "severity")), "error");
	p = json_object_array_get_idx(v, 0);
	cr_expect_str_eq(json_object_get_string(json_object_object_get(p, "severity")), "note");
	json_object_put(j);
	run_free(&r);
}

/* ---- one inconsistency class at a time ---------------------------------- */

static const char *strategy =
	"# Plan\n"
	"### Semantic Allocation Strategy\n"
	"- **fc00::/8** \xe2\x86\x92 Internal fast-ring traffic (mesh)\n"
	"- **fd00::/8** \xe2\x86\x92 External routable traffic (egress)\n";

static char *with_strategy(const char *body)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "%s%s", strategy, body);
	return buf;
}

Test(import, clean_document_returns_0)
{
	struct rg_plan plan;
	char errbuf[4096];
	struct run r = import_text(with_strategy(
		"## fd00:10::/64 - Management\n"		/* 5 */
		"| IP | Host | Purpose |\n"
		"|----|------|---------|\n"
		"| `fd00:10::1/64` | pve01 | SSH |\n"		/* 8 */
		"| `fd00:10::fffe/64` | RouterOS | gateway |\n"));

	cr_expect_eq(r.rc, 0, "%s", r.errs);
	cr_expect_str_eq(r.errs, "");
	cr_assert_eq(parse_plan(r.out, &plan, errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	cr_expect_eq(plan.nzones, 2);
	cr_expect_eq(plan.nprefixes, 3);
	/* ADDR/64 in an IP column: the address on a /64 link */
	cr_expect_not_null(find(&plan, "fd00:10::1/128"));
	cr_expect_str_eq(find(&plan, "fd00:10::1/128")->name, "pve01-management");
	cr_expect_str_eq(find(&plan, "fd00:10::/64")->name, "management");
	cr_expect_eq(find(&plan, "fc00::/8")->role, RG_ROLE_MESH);
	cr_expect_eq(find(&plan, "fd00::/8")->role, RG_ROLE_EGRESS);
	rg_plan_free(&plan);
	run_free(&r);
}

Test(import, entry_outside_its_heading)
{
	struct run r = import_text(with_strategy(
		"### fd00:101:44::/60 - Pods\n"				/* 5 */
		"| Subnet | Node |\n"
		"|--------|------|\n"
		"| `fd00:101:44::/64` | n1 |\n"
		"| `fd00:101:45::/64` | n2 |\n"				/* 9 */
		"#### fd00:101:44:f::/64 - Spare\n"			/* 10 */
		"#### fd00:101:50::/64 - Elsewhere\n"));		/* 11 */

	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(report(&r),
		"DOC:9: fd00:101:45::/64 (n2) is listed under fd00:101:44::/60 (line 5) but is "
		"not inside it\n"
		"DOC:11: fd00:101:50::/64 is listed under fd00:101:44::/60 (line 5) but is not "
		"inside it\n");
	/* still in the plan, with a note */
	cr_expect(strstr(r.out, "fd00:101:45::/64"));
	cr_expect(strstr(r.out, "listed under fd00:101:44::/60 but not inside it"));
	cr_expect(strstr(r.out, "fd00:101:44:f::/64"));
	run_free(&r);
}

Test(import, host_bits_set)
{
	struct rg_plan plan;
	char errbuf[4096];
	struct run r = import_text(with_strategy(
		"### fd00:0:0:ffff::/56 - Loopbacks\n"			/* 5 */
		"| Subnet | Node |\n"
		"|--------|------|\n"
		"| `fd00:0:0:ff01::1/64` | n1 |\n"));			/* 8 */

	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(report(&r),
		"DOC:5: host bits set in fd00:0:0:ffff::/56: the network is fd00:0:0:ff00::/56 "
		"(used in the plan)\n"
		"DOC:8: host bits set in fd00:0:0:ff01::1/64: the network is fd00:0:0:ff01::/64 "
		"(used in the plan)\n");
	cr_assert_eq(parse_plan(r.out, &plan, errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	cr_expect_not_null(find(&plan, "fd00:0:0:ff00::/56"));
	cr_expect_not_null(find(&plan, "fd00:0:0:ff01::/64"));
	cr_expect(strstr(r.out, "doc: fd00:0:0:ffff::/56 (host bits set)"));
	rg_plan_free(&plan);
	run_free(&r);
}

Test(import, stated_range_must_match)
{
	struct run r = import_text(with_strategy(
		"### fd00:101:96::/108 - Services\n"			/* 5 */
		"**Range:** `fd00:101:96::0` - `fd00:101:96::ff:ffff:ffff` (20 bits)\n"
		"### fd00:101:cafe::/112 - Pool\n"			/* 7 */
		"**Range:** `fd00:101:cafe::1` - `fd00:101:cafe::ffff` (65,534 IPs)\n"
		"### 10.96.0.0/12 - Services v4\n"			/* 9 */
		"**Range:** `10.96.0.0` - `10.111.255.255`\n"
		"### 10.97.0.0/16 - Odd\n"				/* 11 */
		"- Range: 10.97.0.5 - 10.97.1.7\n"));			/* 12 */

	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(report(&r),
		"DOC:6: stated range fd00:101:96::0 - fd00:101:96::ff:ffff:ffff does not match "
		"fd00:101:96::/108, which spans fd00:101:96:: - fd00:101:96::f:ffff (the stated "
		"range is fd00:101:96::/88)\n"
		"DOC:12: stated range 10.97.0.5 - 10.97.1.7 does not match 10.97.0.0/16, which "
		"spans 10.97.0.0 - 10.97.255.255\n");
	cr_expect(strstr(r.out, "stated range on line 6 does not match"));
	run_free(&r);
}

Test(import, ranges_in_tables)
{
	struct rg_plan plan;
	char errbuf[4096];
	struct run r = import_text(with_strategy(
		"### fd00:70::/64 - IoT\n"				/* 5 */
		"| IP | Device |\n"
		"|----|--------|\n"
		"| `fd00:70::21-ff` | IoT devices |\n"			/* 8 */
		"| `fd00:70::100-1ff` | Sensors |\n"			/* 9 */
		"| `fd00:70::300-2ff` | Broken |\n"			/* 10 */
		"| `10.70.0.16-31` | Legacy |\n"));			/* 11 */

	cr_expect_eq(r.rc, 1, "a backwards range is an error");
	cr_expect_str_eq(report(&r),
		"DOC:8: note: fd00:70::21-ff is a range, not a CIDR: range encoded as covering "
		"prefix fd00:70::/120\n"
		"DOC:9: note: fd00:70::100-1ff is a range, not a CIDR: range encoded as "
		"fd00:70::100/120 (exactly)\n"
		"DOC:10: range fd00:70::300-2ff ends before it starts: skipped\n"
		"DOC:11: note: 10.70.0.16-31 is a range, not a CIDR: range encoded as "
		"10.70.0.16/28 (exactly)\n");
	cr_assert_eq(parse_plan(r.out, &plan, errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	cr_expect_str_eq(find(&plan, "fd00:70::/120")->name, "iot-devices");
	cr_expect_str_eq(find(&plan, "fd00:70::100/120")->name, "sensors-iot");
	cr_expect_not_null(find(&plan, "10.70.0.16/28"));
	cr_expect_eq(plan.nprefixes, 4);
	rg_plan_free(&plan);
	run_free(&r);
}

Test(import, ranges_alone_are_notes_not_errors)
{
	struct run r = import_text(with_strategy(
		"### fd00:90::/64 - VPN\n"
		"| IP | Device |\n"
		"|----|--------|\n"
		"| `fd00:90::10-ff` | VPN clients |\n"));

	cr_expect_eq(r.rc, 0, "%s", r.errs);
	cr_expect(strstr(r.errs, "note: fd00:90::10-ff is a range, not a CIDR"));
	cr_expect(strstr(r.out, "prefix vpn-clients  fd00:90::/120"), "%s", r.out);
	run_free(&r);
}

Test(import, duplicates)
{
	char buf[512];
	struct run r = import_text(with_strategy(
		"### fc00:20::/64 - Ceph Public\n"			/* 5 */
		"| IP | Host |\n"
		"|----|------|\n"
		"| `fc00:20::1/64` | pve01 |\n"			/* 8 */
		"| `fc00:20::2/64` | pve02 |\n"
		"### fd00:101:44::/60 - Pods\n"				/* 10 */
		"| Subnet | Node |\n"
		"|--------|------|\n"
		"| `fd00:101:44::/64` | n1 |\n"			/* 13 */
		"## Inventory\n"					/* 14 */
		"| Host | Ceph Public | Pod CIDR |\n"
		"|------|-------------|----------|\n"
		"| pve01 | fc00:20::1 | - |\n"				/* 17: the same, once */
		"| pve03 | fc00:20::2 | - |\n"				/* 18: another host */
		"| n1 | - | fd00:101:44::/63 |\n"));			/* 19: another length */

	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(report(&r),
		"DOC:18: fc00:20::2/128 is listed for pve03, but line 9 lists it for pve02 "
		"(keeping the first)\n"
		"DOC:19: n1 has fd00:101:44::/63 here, but line 13 gives it fd00:101:44::/64 "
		"(keeping the first)\n");
	line_of(r.out, "fc00:20::1/128", buf, sizeof(buf));
	cr_expect(strstr(buf, "prefix pve01-ceph-public "), "%s", buf);
	cr_expect(strstr(buf, ":8, also 17"), "%s", buf);
	cr_expect(strstr(line_of(r.out, "fc00:20::2/128", buf, sizeof(buf)), "pve02"), "%s", buf);
	cr_expect_null(strstr(r.out, "fd00:101:44::/63"));
	run_free(&r);
}

Test(import, cells_that_look_like_addresses)
{
	struct run r = import_text(with_strategy(
		"### fd00:10::/64 - Management\n"			/* 5 */
		"| IP | Host | Interface | Note |\n"
		"|----|------|-----------|------|\n"
		"| `fd00:10:::1/64` | a | vmbr0.10 | 2^64 IPs |\n"	/* 8: a typo */
		"| `fd00:10::X` | b | eth0 | see fd00:10::1 |\n"	/* 9: a placeholder */
		"| `10.0.0.256` | c | - | VLAN 10 |\n"		/* 10 */
		"| TBD | d | - | - |\n"));				/* 11: silently skipped */

	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(report(&r),
		"DOC:8: 'fd00:10:::1/64' looks like an address but is not a valid address or "
		"CIDR: skipped\n"
		"DOC:9: 'fd00:10::X' looks like an address but is not a valid address or CIDR: "
		"skipped\n"
		"DOC:10: '10.0.0.256' looks like an address but is not a valid address or CIDR: "
		"skipped\n");
	run_free(&r);
}

Test(import, zones_from_the_strategy_only)
{
	struct rg_plan plan;
	char errbuf[4096];
	struct run r = import_text(
		"## Semantic Allocation Strategy\n"
		"- **fc00::/8** -> Internal fast-ring traffic\n"
		"  - nested bullets are details: fd00::/8\n"
		"- **fd00::/8** -> External routable traffic\n"
		"- **fe00::/8** -> Something else\n"			/* 5 */
		"## Future\n"
		"- **fc00:102::/64** - Cluster 102 mesh (internal)\n"
		"```bash\n"
		"| fc00:99::1 | in a code block |\n"
		"### fc00:98::/64 - also in a code block\n"
		"```\n"
		"### fc00:20::/64 - Ceph\n");				/* 12 */

	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(report(&r),
		"DOC:5: cannot tell the role of zone fe00::/8: its description names neither "
		"internal/fast-ring/mesh nor external/routable/egress\n");
	cr_assert_eq(parse_plan(r.out, &plan, errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	cr_expect_eq(plan.nzones, 2);
	cr_expect_eq(plan.nprefixes, 1);
	cr_expect_str_eq(find(&plan, "fc00::/8")->name, "internal");
	cr_expect_str_eq(find(&plan, "fd00::/8")->name, "external");
	cr_expect_not_null(find(&plan, "fc00:20::/64"));
	rg_plan_free(&plan);
	run_free(&r);
}

Test(import, ipv4_tables_and_name_clashes)
{
	struct rg_plan plan;
	char errbuf[4096];
	struct run r = import_text(with_strategy(
		"### fd00:101:44::/60 - K8s Pod CIDR (IPv6)\n"
		"| Subnet | Node |\n"
		"|--------|------|\n"
		"| `fd00:101:44::/64` | n1 |\n"
		"### 10.244.0.0/16 - K8s Pod CIDR (IPv4)\n"
		"| Subnet | Node |\n"
		"|--------|------|\n"
		"| `10.244.0.0/24` | n1 |\n"
		"| `10.244.1.0/24` | n2 |\n"));

	cr_expect_eq(r.rc, 0, "%s", r.errs);
	cr_assert_eq(parse_plan(r.out, &plan, errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	cr_expect_str_eq(find(&plan, "fd00:101:44::/60")->name, "k8s-pod-cidr");
	cr_expect_str_eq(find(&plan, "10.244.0.0/16")->name, "k8s-pod-cidr-v4");
	cr_expect_str_eq(find(&plan, "fd00:101:44::/64")->name, "n1-pod");
	cr_expect_str_eq(find(&plan, "10.244.0.0/24")->name, "n1-pod-v4");
	cr_expect_str_eq(find(&plan, "10.244.1.0/24")->name, "n2-pod");
	cr_expect(find(&plan, "10.244.1.0/24")->cidr.v4);
	rg_plan_free(&plan);
	run_free(&r);
}

Test(import, host_lines_from_role_columns)
{
	struct rg_plan plan;
	const struct rg_host *h;
	char errbuf[4096];
	struct run r = import_text(with_strategy(
		"### Nodes\n"
		"| Host | Mesh (ens18) | Egress (ens19) |\n"
		"|------|--------------|----------------|\n"
		"| w1 | fc00:101::31 | fd00:101::31 |\n"));

	cr_expect_eq(r.rc, 0, "%s", r.errs);
	cr_assert_eq(parse_plan(r.out, &plan, errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	h = rg_plan_host(&plan, "w1");
	cr_assert_not_null(h, "%s", r.out);
	cr_expect_eq(h->nifs, 2);
	cr_expect_str_eq(h->ifs[0].name, "ens18");
	cr_expect_eq(h->ifs[0].role, RG_ROLE_MESH);
	cr_expect_str_eq(h->ifs[1].name, "ens19");
	cr_expect_eq(h->ifs[1].role, RG_ROLE_EGRESS);
	cr_expect_str_eq(find(&plan, "fc00:101::31/128")->name, "w1-mesh");
	rg_plan_free(&plan);
	run_free(&r);
}

Test(import, output_file_and_errors)
{
	char out_path[] = "/tmp/rg-import-out-XXXXXX", *text = NULL;
	const char *path = doc(with_strategy("### fd00:10::/64 - Management\n"));
	struct rg_plan plan;
	struct run r;
	int fd = mkstemp(out_path);
	size_t len = 0;
	FILE *f;

	cr_assert_geq(fd, 0);
	close(fd);
	r = import_args(path, out_path, false);
	cr_expect_eq(r.rc, 0, "%s", r.errs);
	cr_expect_eq(r.outlen, 0, "with -o nothing goes to out");
	f = fopen(out_path, "r");
	cr_assert_not_null(f);
	cr_expect_eq(getdelim(&text, &len, '\0', f) > 0, 1);
	fclose(f);
	cr_expect(strstr(text, "prefix management  fd00:10::/64"), "%s", text);
	free(text);
	cr_expect_eq(rg_plan_load(out_path, &plan), 0);
	rg_plan_free(&plan);
	unlink(out_path);
	unlink(path);
	run_free(&r);

	r = import("/nonexistent/plan.md");
	cr_expect_eq(r.rc, -ENOENT);
	cr_expect_str_eq(r.errs, "/nonexistent/plan.md: cannot read: No such file or directory\n");
	run_free(&r);
}

/* ---- what plan check would reject, and size ----------------------------- */

Test(import, host_in_two_identical_rows_is_consistent)
{
	/* the interface names' tails were compared uninitialised */
	struct run r = import_text(with_strategy(
		"### Nodes\n"
		"| Host | Mesh (ens18) | Egress (ens19) | Ceph |\n"	/* 6 */
		"|------|--------------|----------------|------|\n"
		"| w1 | fc00:101::31 | fd00:101::31 | - |\n"
		"| w1 | - | - | fc00:20::31 |\n"
		"### More nodes\n"
		"| Egress (ens19) | Host | Mesh (ens18) |\n"	/* 11: other column order */
		"|----------------|------|--------------|\n"
		"| fd00:101::41 | w1 | fc00:101::41 |\n"));

	cr_expect_eq(r.rc, 0, "%s", r.errs);
	cr_expect_str_eq(r.errs, "");
	cr_expect_eq(count_of(r.out, "\nhost "), 1, "%s", r.out);
	run_free(&r);
}

Test(import, host_with_other_interfaces_is_reported)
{
	struct run r = import_text(with_strategy(
		"### Nodes\n"
		"| Host | Mesh (ens18) | Egress (ens19) |\n"		/* 6 */
		"|------|--------------|----------------|\n"
		"| w1 | fc00:101::31 | fd00:101::31 |\n"
		"### More nodes\n"
		"| Host | Mesh (ens20) |\n"
		"|------|--------------|\n"
		"| w1 | fc00:101::41 |\n"));				/* 12 */

	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(report(&r), "DOC:12: host w1: other interfaces than on line 8 "
			 "(keeping the first)\n");
	run_free(&r);
}

Test(import, exit_1_when_plan_check_would_reject)
{
	/* one interface under both a Mesh and an Egress column */
	struct run r = import_text(with_strategy(
		"### Nodes\n"
		"| Host | Mesh (eth0) | Egress (eth0) |\n"		/* 6 */
		"|------|-------------|---------------|\n"
		"| w1 | fc00:101::31 | fd00:101::31 |\n"));		/* 8 */

	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(report(&r), "DOC:8: the plan would not pass 'plan check': interface "
			 "'eth0' is in two roles (mesh and egress)\n");
	cr_expect(strstr(r.out, "# The document has 1 inconsistency"), "%s", r.out);
	run_free(&r);

	/* nothing at all: a plan that enforces nothing */
	r = import_text("# Notes\n\nNo addresses here.\n");
	cr_expect_eq(r.rc, 1);
	cr_expect_str_eq(report(&r), "DOC: the plan would not pass 'plan check': the plan has "
			 "no zone and no prefix: nothing to enforce\n");
	run_free(&r);
}

/* A document of n rows in one table under one heading: every row "web". */
static char *big_doc(int n, bool same_label, bool roles)
{
	size_t cap = 256 + (size_t)n * 96, len;
	char *t = malloc(cap);

	len = snprintf(t, cap, "%s### fd00:10::/48 - Web\n| Host | Address |%s\n|---|---|%s\n",
		       strategy, roles ? " Mesh (eth0) |" : "", roles ? "---|" : "");
	for (int i = 0; i < n; i++) {
		char host[32];

		snprintf(host, sizeof(host), same_label ? "web" : "web%d", i);
		len += snprintf(t + len, cap - len, "| %s | fd00:10::%x:%x |%s\n", host, i >> 12,
				i & 0xfff, roles ? " - |" : "");
	}
	return t;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The plan imported from a big document, in *plan; the CPU time it took. */
static double import_big(int n, bool same_label, bool roles, struct rg_plan *plan)
{
	char *text = big_doc(n, same_label, roles), errbuf[4096];
	double t0 = now(), dt;
	struct run r;

	r = import_text(text);
	dt = now() - t0;
	cr_expect_eq(r.rc, 0, "%.300s", r.errs);
	cr_assert_eq(parse_plan(r.out, plan, errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	run_free(&r);
	free(text);
	return dt;
}

/* 3,200 rows sharing a label took 250 s when each name was searched for
 * among all names, suffix by suffix: 10k rows take milliseconds now. The
 * bound is on CPU time (a loaded machine does not move it) and loose enough
 * for the sanitizer build; the old cost was hours.
 */
Test(import, ten_thousand_rows_sharing_a_label, .timeout = 60)
{
	struct rg_plan plan;
	double dt = import_big(10000, true, false, &plan);

	cr_expect_eq(plan.nprefixes, 10001);
	/* the heading is "web", its rows web-2 ... web-10001, in row order */
	cr_expect_str_eq(find(&plan, "fd00:10::/48")->name, "web");
	cr_expect_str_eq(find(&plan, "fd00:10::/128")->name, "web-2");
	cr_expect_str_eq(find(&plan, "fd00:10::2:70f/128")->name, "web-10001");
	cr_expect_lt(dt, 3.0, "10k rows took %.2f s of CPU", dt);
	rg_plan_free(&plan);
}

Test(import, ten_thousand_hosts, .timeout = 60)
{
	struct rg_plan plan;
	double dt = import_big(10000, false, true, &plan);

	cr_expect_eq(plan.nhosts, 10000);
	cr_expect_not_null(rg_plan_host(&plan, "web9999"));
	cr_expect_lt(dt, 3.0, "10k hosts took %.2f s of CPU", dt);
	rg_plan_free(&plan);
}
