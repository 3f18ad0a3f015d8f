// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_prog.c - the real XDP and tc programs on crafted frames
 * (BPF_PROG_TEST_RUN): verdict and exact counter deltas for every role x
 * direction x traffic class x mode.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "kernel/attach.h"
#include "report/events.h"
#include "frames.h"
#include "harness.h"

static const char *plan_text =
	"zone   internal mesh   fc00::/8\n"
	"zone   external egress fd00::/8\n"
	"prefix ceph-public  fc00:20::/64\n"
	"prefix k8s-mesh     fc00:101::/64\n"
	"prefix pve-mgmt     fd00:10::/64\n"
	"prefix k8s-egress   fd00:101::/64\n"
	"prefix k8s-pods     fd00:101:44::/60 allow mesh\n"
	"prefix k8s-pods-solcp011 fd00:101:44::/64\n"
	"prefix k8s-pods-v4  10.244.0.0/16\n";

enum { K_IP, K_OTHER, K_MALFORMED };

#define M RG_BREAKS(RG_ROLE_MESH)
#define E RG_BREAKS(RG_ROLE_EGRESS)

struct tcase {
	const char *what;
	const char *src, *dst;
	int ntags;
	uint16_t tags[6];
	int kind;
	size_t cut;		/* truncate the frame to this many bytes */
	const char *sb, *db;	/* expected buckets */
	uint32_t sbrk, dbrk;	/* roles on which src/dst break the plan */
	bool xdp_only;		/* the kernel builds no test skb for it (it checks the
				 * IP header); tests/netns.sh sends it through tc */
	uint8_t vihl;		/* not 0: the IP header's first byte, overwritten */
	uint16_t wrap;		/* not 0: the IP packet inside this EtherType's header */
	uint16_t ethertype;	/* not IP (src NULL): this EtherType, not ARP or LLDP */
};

static const struct tcase cases[] = {
	{ "fc00 mesh traffic", "fc00:101::11", "fc00:20::1", 0, {}, K_IP, 0,
	  "k8s-mesh", "ceph-public", E, E },
	{ "fd00 egress traffic", "fd00:101::11", "fd00:10::1", 0, {}, K_IP, 0,
	  "k8s-egress", "pve-mgmt", M, M },
	{ "fc00 to fd00 (mixed)", "fc00:101::11", "fd00:10::1", 0, {}, K_IP, 0,
	  "k8s-mesh", "pve-mgmt", E, M },
	{ "allowed exception: pods on the mesh", "fd00:101:44::5", "fd00:101:45::9", 0, {},
	  K_IP, 0, "k8s-pods-solcp011", "external", 0, M },
	{ "unallocated zone space", "fc00:9999::1", "fc00:20::1", 0, {}, K_IP, 0,
	  "internal", "ceph-public", E, E },
	{ "unplanned", "2001:db8::1", "2001:db8::2", 0, {}, K_IP, 0,
	  "unplanned", "unplanned", 0, 0 },
	{ "link-local to multicast", "fe80::1", "ff02::1", 0, {}, K_IP, 0,
	  "unplanned", "unplanned", 0, 0 },
	{ "IPv4 pods", "10.244.0.5", "10.244.1.9", 0, {}, K_IP, 0,
	  "k8s-pods-v4", "k8s-pods-v4", 0, 0 },
	{ "IPv4 unplanned", "192.0.2.1", "198.51.100.1", 0, {}, K_IP, 0,
	  "unplanned", "unplanned", 0, 0 },
	/* IPv6 all the same: no IPv4 entry answers for a mapped address */
	{ "IPv6 to an IPv4-mapped pod address", "fc00:101::11", "::ffff:10.244.0.5", 0, {}, K_IP,
	  0, "k8s-mesh", "unplanned", E, 0 },
	{ "IPv6 from an IPv4-compatible address", "::10.244.0.5", "fd00:10::1", 0, {}, K_IP, 0,
	  "unplanned", "pve-mgmt", 0, M },
	{ "one 802.1Q tag", "fc00:101::11", "fc00:20::1", 1, { 0x8100 }, K_IP, 0,
	  "k8s-mesh", "ceph-public", E, E },
	{ "802.1ad + 802.1Q", "fd00:101::11", "fd00:10::1", 2, { 0x88a8, 0x8100 }, K_IP, 0,
	  "k8s-egress", "pve-mgmt", M, M },
	{ "IPv4 in two tags", "10.244.0.5", "192.0.2.1", 2, { 0x88a8, 0x8100 }, K_IP, 0,
	  "k8s-pods-v4", "unplanned", 0, 0 },
	/* issue 17: three tags used to be malformed, and passed */
	{ "three 802.1Q tags", "fc00:101::11", "fd00:10::1", 3, { 0x8100, 0x8100, 0x8100 },
	  K_IP, 0, "k8s-mesh", "pve-mgmt", E, M },
	{ "802.1ad + two 802.1Q", "fc00:101::11", "fd00:10::1", 3, { 0x88a8, 0x8100, 0x8100 },
	  K_IP, 0, "k8s-mesh", "pve-mgmt", E, M },
	{ "0x9100 + two 802.1Q", "fc00:101::11", "fd00:10::1", 3, { 0x9100, 0x8100, 0x8100 },
	  K_IP, 0, "k8s-mesh", "pve-mgmt", E, M },
	{ "four 802.1Q tags, mesh traffic", "fc00:101::11", "fc00:20::1", 4,
	  { 0x8100, 0x8100, 0x8100, 0x8100 }, K_IP, 0, "k8s-mesh", "ceph-public", E, E },
	{ "802.1ad + three 802.1Q", "fc00:101::11", "fd00:10::1", 4,
	  { 0x88a8, 0x8100, 0x8100, 0x8100 }, K_IP, 0, "k8s-mesh", "pve-mgmt", E, M },
	{ "0x9100, 802.1ad, two 802.1Q", "fd00:101::11", "fc00:20::1", 4,
	  { 0x9100, 0x88a8, 0x8100, 0x8100 }, K_IP, 0, "k8s-egress", "ceph-public", M, E },
	{ "IPv4 in four tags", "10.244.0.5", "192.0.2.1", 4, { 0x88a8, 0x88a8, 0x9100, 0x8100 },
	  K_IP, 0, "k8s-pods-v4", "unplanned", 0, 0 },
	{ "five tags", "fc00:101::11", "fd00:10::1", 5,
	  { 0x88a8, 0x8100, 0x8100, 0x8100, 0x8100 }, K_MALFORMED, 0 },
	{ "five 0x9100 tags, mesh traffic", "fc00:101::11", "fc00:20::1", 5,
	  { 0x9100, 0x9100, 0x9100, 0x9100, 0x9100 }, K_MALFORMED, 0 },
	{ "six tags", "fc00:101::11", "fd00:10::1", 6,
	  { 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100 }, K_MALFORMED, 0 },
	{ "four tags, truncated IPv6 header", "fc00:101::11", "fd00:10::1", 4,
	  { 0x88a8, 0x8100, 0x8100, 0x8100 }, K_MALFORMED, 14 + 16 + 39, .xdp_only = true },
	{ "IPv4 with IHL 4", "10.244.0.5", "10.244.0.6", 0, {}, K_MALFORMED, 0, .vihl = 0x44 },
	{ "IPv4 ethertype, version 6", "10.244.0.5", "10.244.0.6", 2, { 0x88a8, 0x8100 },
	  K_MALFORMED, 0, .vihl = 0x65 },
	{ "IPv6 ethertype, version 4", "fc00:101::11", "fd00:10::1", 1, { 0x8100 }, K_MALFORMED,
	  0, .xdp_only = true, .vihl = 0x45 },
	{ "truncated IPv6 header", "fc00:101::11", "fd00:10::1", 0, {}, K_MALFORMED, 14 + 39,
	  .xdp_only = true },
	{ "truncated IPv4 header", "10.244.0.5", "10.244.0.6", 1, { 0x8100 }, K_MALFORMED,
	  18 + 19 },
	{ "truncated VLAN tag", "fc00:101::11", "fc00:20::1", 1, { 0x8100 }, K_MALFORMED, 16 },
	{ "IPv6 ethertype, no header", "fc00:101::11", "fc00:20::1", 0, {}, K_MALFORMED, 14,
	  .xdp_only = true },
	{ "ARP", NULL, NULL, 0, {}, K_OTHER, 0 },
	{ "LLDP in a tag", NULL, NULL, 1, { 0x8100 }, K_OTHER, 0 },
	{ "LLDP in four tags", NULL, NULL, 4, { 0x9100, 0x88a8, 0x8100, 0x8100 }, K_OTHER, 0 },
	{ "LLDP in five tags", NULL, NULL, 5, { 0x8100, 0x8100, 0x8100, 0x8100, 0x8100 },
	  K_MALFORMED, 0 },
	/* IP wrapped where a router past the interface may unwrap it: its
	 * addresses cannot be judged, so it is unreadable, never 'other'
	 */
	{ "fc00 in MPLS", "fc00:101::11", "fc00:20::1", 0, {}, K_MALFORMED, 0, .wrap = 0x8847 },
	{ "fc00 in multicast MPLS, in a tag", "fc00:101::11", "fc00:20::1", 1, { 0x8100 },
	  K_MALFORMED, 0, .wrap = 0x8848 },
	{ "fc00 in a PPPoE session", "fc00:101::11", "fd00:10::1", 0, {}, K_MALFORMED, 0,
	  .wrap = 0x8864 },
	{ "fc00 in 802.1ah (a frame in a frame)", "fc00:101::11", "fc00:20::1", 0, {},
	  K_MALFORMED, 0, .wrap = 0x88e7 },
	{ "PPPoE discovery", NULL, NULL, 0, {}, K_OTHER, 0, .ethertype = 0x8863 },
};


/* outer src/dst, UDP port, encapsulation kind and Geneve option words,
 * inner src/dst with ntags inner tags; cut: bytes kept
 */
static size_t encap_frame(uint8_t *f, size_t cap, const char *os, const char *od, uint16_t port,
			  int kind, int optwords, const char *is, const char *id, int ntags,
			  size_t cut)
{
	static const uint16_t tags[] = { 0x88a8, 0x8100, 0x9100, 0x8100, 0x8100 };
	uint8_t inner[256], payload[600];
	size_t ilen = rg_frame_ip(inner, sizeof(inner), is, id, tags, ntags, 120);
	size_t plen = rg_frame_encap(payload, sizeof(payload), kind, 100101, optwords, 0x6558,
				     inner, ilen);
	size_t len = rg_frame_udp(f, cap, os, od, NULL, 0, port, payload, plen);

	cr_assert(ilen && plen && len);
	return cut ? cut : len;
}

/* unreadable_pass: the plan in force says 'unreadable pass' */
static void check_case(struct rg_instance *in, const struct tcase *t, uint32_t role, int dir,
		       uint32_t mode, bool unreadable_pass)
{
	uint8_t f[256];
	size_t len;
	const char *ctx = dir == RG_DIR_IN ? "xdp" : "tc";
	struct rg_dir_counters d0, d1;
	struct rg_bucket_counters s0 = {}, s1, b0 = {}, b1;
	__u32 sid = 0, did = 0;
	bool dropped, sbrk, dbrk, viol, unreadable;

	if (t->src)
		len = rg_frame_ip(f, sizeof(f), t->src, t->dst, t->tags, t->ntags, 128);
	else
		len = rg_frame_other(f, sizeof(f), t->ethertype ? t->ethertype :
				     t->ntags ? 0x88cc : 0x0806, t->tags, t->ntags, 64);
	cr_assert_gt(len, 0);
	if (t->wrap)
		len = rg_frame_wrap(f, len, sizeof(f), t->ntags, t->wrap);
	cr_assert_gt(len, 0);
	if (t->vihl)
		f[14 + 4 * t->ntags] = t->vihl;
	if (t->cut)
		len = t->cut;
	if (t->xdp_only && dir != RG_DIR_IN)
		return;

	cr_assert_eq(rg_instance_role(in, role), 0);
	cr_assert_eq(rg_instance_mode(in, mode), 0);
	if (t->kind == K_IP) {
		sid = h_bucket(in, t->sb);
		did = h_bucket(in, t->db);
		s0 = h_bc(in, sid);
		b0 = h_bc(in, did);
	}
	d0 = h_dc(in, dir);
	dropped = h_run(in, dir, f, len);
	d1 = h_dc(in, dir);

	sbrk = t->sbrk & RG_BREAKS(role);
	dbrk = t->dbrk & RG_BREAKS(role);
	viol = t->kind == K_IP && (sbrk || dbrk);
	/* what enforce mode drops: violations, and unless the plan passes
	 * them, frames the datapath cannot read
	 */
	unreadable = t->kind == K_MALFORMED && !unreadable_pass;

	cr_expect_eq(dropped, (viol || unreadable) && mode == RG_MODE_ENFORCE,
		     "%s %s role %s mode %s: verdict", t->what, ctx, rg_role_name(role),
		     rg_mode_name(mode));
	cr_expect_eq(d1.packets - d0.packets, 1, "%s %s: if packets", t->what, ctx);
	cr_expect_eq(d1.bytes - d0.bytes, len, "%s %s: if bytes", t->what, ctx);
	cr_expect_eq(d1.violations - d0.violations, viol, "%s %s %s: if violations", t->what, ctx,
		     rg_role_name(role));
	cr_expect_eq(d1.dropped - d0.dropped, (viol || unreadable) && mode == RG_MODE_ENFORCE,
		     "%s %s %s: if dropped", t->what, ctx, rg_mode_name(mode));
	cr_expect_eq(d1.malformed - d0.malformed, t->kind == K_MALFORMED, "%s %s: malformed",
		     t->what, ctx);
	cr_expect_eq(d1.other - d0.other, t->kind == K_OTHER, "%s %s: other", t->what, ctx);
	if (t->kind != K_IP)
		return;

	s1 = h_bc(in, sid);
	b1 = h_bc(in, did);
	if (sid == did) {
		/* the same bucket gains both the source and the destination side */
		cr_expect_eq(s1.src.packets - s0.src.packets, 1, "%s: src packets", t->what);
		cr_expect_eq(s1.dst.packets - s0.dst.packets, 1, "%s: dst packets", t->what);
		cr_expect_eq(s1.src.bytes - s0.src.bytes, len);
		cr_expect_eq(s1.dst.bytes - s0.dst.bytes, len);
		cr_expect_eq(s1.violations.packets - s0.violations.packets, sbrk + dbrk,
			     "%s: violations", t->what);
		cr_expect_eq(s1.violations.bytes - s0.violations.bytes, (sbrk + dbrk) * len);
		return;
	}
	cr_expect_eq(s1.src.packets - s0.src.packets, 1, "%s %s: %s src packets", t->what, ctx,
		     t->sb);
	cr_expect_eq(s1.src.bytes - s0.src.bytes, len, "%s: src bytes", t->what);
	cr_expect_eq(s1.dst.packets - s0.dst.packets, 0, "%s: src bucket dst side", t->what);
	cr_expect_eq(b1.dst.packets - b0.dst.packets, 1, "%s: %s dst packets", t->what, t->db);
	cr_expect_eq(b1.dst.bytes - b0.dst.bytes, len, "%s: dst bytes", t->what);
	cr_expect_eq(b1.src.packets - b0.src.packets, 0, "%s: dst bucket src side", t->what);
	cr_expect_eq(s1.violations.packets - s0.violations.packets, sbrk,
		     "%s %s %s: src violations", t->what, ctx, rg_role_name(role));
	cr_expect_eq(s1.violations.bytes - s0.violations.bytes, sbrk * len);
	cr_expect_eq(b1.violations.packets - b0.violations.packets, dbrk,
		     "%s %s %s: dst violations", t->what, ctx, rg_role_name(role));
	cr_expect_eq(b1.violations.bytes - b0.violations.bytes, dbrk * len);
}

static struct rg_instance in;
static struct rg_plan plan;

static void setup(void)
{
	int err = rg_instance_open(&in, 0);

	cr_assert_eq(err, 0, "cannot load the programs: %s (run as root)", strerror(-err));
	h_install(&in, &plan, plan_text);
}

static void teardown(void)
{
	rg_instance_close(&in);
	rg_plan_free(&plan);
}

TestSuite(prog, .init = setup, .fini = teardown);

Test(prog, table_role_x_direction_x_class_x_mode)
{
	const uint32_t roles[] = { RG_ROLE_MESH, RG_ROLE_EGRESS };
	const uint32_t modes[] = { RG_MODE_MONITOR, RG_MODE_ENFORCE };

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (int r = 0; r < 2; r++)
			for (int dir = RG_DIR_IN; dir < RG_DIR_MAX; dir++)
				for (int m = 0; m < 2; m++)
					check_case(&in, &cases[c], roles[r], dir, modes[m], false);
}

/* The plan's 'unreadable pass': enforce mode passes what it cannot read
 * (still counted malformed), and a plan without the line drops it again.
 */
Test(prog, unreadable_pass_from_the_plan)
{
	const uint32_t roles[] = { RG_ROLE_MESH, RG_ROLE_EGRESS };
	char text[1024];
	struct rg_plan p2;

	snprintf(text, sizeof(text), "%sunreadable pass\n", plan_text);
	h_install(&in, &p2, text);
	rg_plan_free(&p2);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (int r = 0; r < 2; r++)
			for (int dir = RG_DIR_IN; dir < RG_DIR_MAX; dir++)
				check_case(&in, &cases[c], roles[r], dir, RG_MODE_ENFORCE, true);
	/* an unread inner frame: the outer verdict (mesh traffic on mesh) holds */
	cr_assert_eq(rg_instance_role(&in, RG_ROLE_MESH), 0);
	for (int dir = RG_DIR_IN; dir < RG_DIR_MAX; dir++) {
		struct rg_dir_counters d0 = h_dc(&in, dir), d1;
		uint8_t f[700];
		size_t len = encap_frame(f, sizeof(f), "fc00:101::11", "fc00:101::12", 4789,
					 RG_ENCAP_VXLAN, 0, "fd00:101::5", "fc00:20::1", 5, 0);

		cr_expect_not(h_run(&in, dir, f, len), "five inner tags pass (dir %d)", dir);
		d1 = h_dc(&in, dir);
		cr_expect_eq(d1.malformed - d0.malformed, 1, "five inner tags: malformed");
		cr_expect_eq(d1.dropped - d0.dropped, 0, "five inner tags: not dropped");
	}
	snprintf(text, sizeof(text), "%sunreadable drop\n", plan_text);
	h_install(&in, &p2, text);
	rg_plan_free(&p2);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		if (cases[c].kind == K_MALFORMED)
			check_case(&in, &cases[c], RG_ROLE_EGRESS, RG_DIR_IN, RG_MODE_ENFORCE,
				   false);
}

Test(prog, jumbo_frames_count_their_full_length)
{
	static uint8_t f[9014];
	struct rg_dir_counters d0, d1;
	__u32 id = h_bucket(&in, "ceph-public");
	struct rg_bucket_counters b0 = h_bc(&in, id), b1;
	size_t len = rg_frame_ip(f, sizeof(f), "fc00:101::11", "fc00:20::1", NULL, 0, sizeof(f));

	/* XDP only: the kernel builds test skbs of one page at most, so the
	 * tc side of jumbo frames is covered by tests/netns.sh on real veths
	 */
	cr_assert_eq(len, 9014);
	d0 = h_dc(&in, RG_DIR_IN);
	cr_expect_not(h_run(&in, RG_DIR_IN, f, len));
	d1 = h_dc(&in, RG_DIR_IN);
	cr_expect_eq(d1.bytes - d0.bytes, 9014);
	b1 = h_bc(&in, id);
	cr_expect_eq(b1.dst.bytes - b0.dst.bytes, 9014);
}

Test(prog, jumbo_leak_is_dropped_in_enforce)
{
	static uint8_t f[9014];
	size_t len = rg_frame_ip(f, sizeof(f), "fc00:101::11", "fd00:10::1", NULL, 0, sizeof(f));

	cr_assert_eq(rg_instance_mode(&in, RG_MODE_ENFORCE), 0);
	cr_assert_eq(rg_instance_role(&in, RG_ROLE_EGRESS), 0);
	cr_expect(h_run(&in, RG_DIR_IN, f, len));
}

Test(prog, unknown_interface_passes_uncounted)
{
	uint8_t f[128];
	size_t len = rg_frame_ip(f, sizeof(f), "fc00:101::11", "fd00:10::1", NULL, 0, 100);
	__u32 key = RG_INSTANCE_IFINDEX;
	struct rg_dir_counters d0 = h_dc(&in, RG_DIR_IN), d1;

	cr_assert_eq(rg_instance_mode(&in, RG_MODE_ENFORCE), 0);
	cr_assert_eq(rg_iface_del(&in.m, key), 0);
	cr_expect_not(h_run(&in, RG_DIR_IN, f, len));
	cr_expect_not(h_run(&in, RG_DIR_OUT, f, len));
	d1 = h_dc(&in, RG_DIR_IN);
	cr_expect_eq(d1.packets, d0.packets);
}

/* The plan: an IPv6 allow as wide as ::/0 must not cover IPv4. */
Test(prog, families_are_judged_apart)
{
	uint8_t f[128];
	size_t len4 = 0, len6 = 0;
	uint8_t f6[128];
	struct rg_plan p2;

	h_install(&in, &p2, "zone v4mesh mesh 10.0.0.0/8\nzone internal mesh fc00::/8\n"
		  "prefix any6 ::/0 allow egress\n");
	len4 = rg_frame_ip(f, sizeof(f), "10.1.2.3", "192.0.2.1", NULL, 0, 100);
	len6 = rg_frame_ip(f6, sizeof(f6), "fc00::1", "::ffff:10.1.2.3", NULL, 0, 100);
	cr_assert_eq(rg_instance_mode(&in, RG_MODE_ENFORCE), 0);
	cr_assert_eq(rg_instance_role(&in, RG_ROLE_EGRESS), 0);
	for (int dir = RG_DIR_IN; dir < RG_DIR_MAX; dir++) {
		cr_expect(h_run(&in, dir, f, len4), "IPv4 10.1.2.3 on egress is dropped (dir %d)", dir);
		cr_expect_not(h_run(&in, dir, f6, len6), "IPv6 under ::/0 allow egress passes");
	}
	cr_expect_eq(h_bc(&in, h_bucket(&in, "v4mesh")).violations.packets, 2);
	cr_expect_eq(h_bc(&in, h_bucket(&in, "any6")).dst.packets, 2,
		     "::ffff:10.1.2.3 from an IPv6 frame counts under any6");
	cr_assert_eq(rg_instance_role(&in, RG_ROLE_MESH), 0);
	cr_expect_not(h_run(&in, RG_DIR_IN, f, len4), "and passes on mesh");
	rg_plan_free(&p2);
	h_install(&in, &p2, plan_text);
	rg_plan_free(&p2);
}

struct ecase {
	const char *what;
	uint16_t port;
	int kind, optwords, ntags;
	const char *os, *od, *is, *id;
	int cut;		/* bytes of the inner frame's headers kept, 0: all */
	const char *isb, *idb;	/* inner buckets, NULL: not classified inside */
	bool drop_mesh, malformed;
};

static const struct ecase ecases[] = {
	{ "VXLAN 8472: pods ride the mesh", 8472, RG_ENCAP_VXLAN, 0, 0, "fc00:101::11",
	  "fc00:101::12", "fd00:101:44::5", "fd00:101:44::9", 0, "k8s-pods-solcp011",
	  "k8s-pods-solcp011", false, false },
	{ "VXLAN 4789: fd00 inside on the mesh", 4789, RG_ENCAP_VXLAN, 0, 0, "fc00:101::11",
	  "fc00:101::12", "fd00:101::5", "fd00:10::9", 0, "k8s-egress", "pve-mgmt", true, false },
	{ "Geneve with options, two inner tags", 6081, RG_ENCAP_GENEVE, 5, 2, "fc00:101::11",
	  "fc00:101::12", "fd00:101::5", "fc00:20::1", 0, "k8s-egress", "ceph-public", true,
	  false },
	{ "IPv4 inside IPv4", 4789, RG_ENCAP_VXLAN, 0, 1, "10.244.0.1", "10.244.0.2",
	  "10.244.3.4", "192.0.2.1", 0, "k8s-pods-v4", "unplanned", false, false },
	{ "mapped IPv6 inside", 8472, RG_ENCAP_VXLAN, 0, 0, "fc00:101::11", "fc00:101::12",
	  "::ffff:10.244.0.5", "fd00:10::1", 0, "unplanned", "pve-mgmt", true, false },
	{ "not an encapsulation port", 4790, RG_ENCAP_VXLAN, 0, 0, "fc00:101::11",
	  "fc00:101::12", "fd00:101::5", "fd00:10::9", 0, NULL, NULL, false, false },
	{ "four inner tags", 4789, RG_ENCAP_VXLAN, 0, 4, "fc00:101::11",
	  "fc00:101::12", "fd00:101::5", "fc00:20::1", 0, "k8s-egress", "ceph-public", true,
	  false },
	/* what a VTEP would deliver is unread: dropped, mesh traffic outside
	 * or not, unless the plan says 'unreadable pass'
	 */
	{ "five inner tags", 4789, RG_ENCAP_VXLAN, 0, 5, "fc00:101::11",
	  "fc00:101::12", "fd00:101::5", "fc00:20::1", 0, NULL, NULL, true, true },
	{ "truncated inner IPv6 header", 4789, RG_ENCAP_VXLAN, 0, 0, "fc00:101::11",
	  "fc00:101::12", "fd00:101::5", "fd00:10::9", 14 + 30, NULL, NULL, true, true },
	{ "truncated Geneve options", 6081, RG_ENCAP_GENEVE, 20, 0, "fc00:101::11",
	  "fd00:10::1", "fc00:101::5", "fc00:20::9", -40, NULL, NULL, true, true },
};

Test(prog, encapsulated_frames_are_classified_inside)
{
	const size_t outer6 = 14 + 40 + 8;

	cr_assert_eq(rg_instance_role(&in, RG_ROLE_MESH), 0);
	cr_assert_eq(rg_instance_mode(&in, RG_MODE_ENFORCE), 0);
	for (size_t i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
		const struct ecase *t = &ecases[i];
		size_t hdr = strchr(t->os, ':') ? outer6 : outer6 - 20;
		size_t cut = t->cut > 0 ? hdr + 8 + 4 * t->optwords + t->cut :
			     t->cut < 0 ? hdr + 8 + 4 * t->optwords + t->cut : 0;
		uint8_t f[700];
		size_t len = encap_frame(f, sizeof(f), t->os, t->od, t->port, t->kind, t->optwords,
					 t->is, t->id, t->ntags, cut);

		for (int dir = RG_DIR_IN; dir < RG_DIR_MAX; dir++) {
			struct rg_dir_counters d0 = h_dc(&in, dir), d1;
			__u32 sid = t->isb ? h_bucket(&in, t->isb) : 0;
			__u32 did = t->idb ? h_bucket(&in, t->idb) : 0;
			struct rg_bucket_counters s0 = h_bc(&in, sid), b0 = h_bc(&in, did), s1, b1;
			bool dropped = h_run(&in, dir, f, len);

			d1 = h_dc(&in, dir);
			s1 = h_bc(&in, sid);
			b1 = h_bc(&in, did);
			cr_expect_eq(dropped, t->drop_mesh, "%s (dir %d): verdict", t->what, dir);
			cr_expect_eq(d1.malformed - d0.malformed, t->malformed, "%s: malformed",
				     t->what);
			if (!t->isb)
				continue;
			cr_expect_geq(s1.src.packets - s0.src.packets, 1, "%s: %s src", t->what,
				      t->isb);
			cr_expect_geq(b1.dst.packets - b0.dst.packets, 1, "%s: %s dst", t->what,
				      t->idb);
			cr_expect_geq(b1.dst.bytes - b0.dst.bytes, len, "%s: the frame's bytes",
				      t->what);
		}
	}
}

Test(prog, encapsulation_ports_come_from_the_plan)
{
	uint8_t f[700];
	size_t len = encap_frame(f, sizeof(f), "fc00:101::11", "fc00:101::12", 8472,
				 RG_ENCAP_VXLAN, 0, "fd00:101::5", "fd00:10::9", 0, 0);
	struct rg_plan p2;
	char text[1024];

	cr_assert_eq(rg_instance_role(&in, RG_ROLE_MESH), 0);
	cr_assert_eq(rg_instance_mode(&in, RG_MODE_ENFORCE), 0);
	cr_expect(h_run(&in, RG_DIR_IN, f, len), "8472 by default");
	snprintf(text, sizeof(text), "%sencap vxlan 4789\n", plan_text);
	h_install(&in, &p2, text);
	rg_plan_free(&p2);
	cr_expect_not(h_run(&in, RG_DIR_IN, f, len), "not with 'encap vxlan 4789'");
	snprintf(text, sizeof(text), "%sencap vxlan 4789\nencap geneve 8472\n", plan_text);
	h_install(&in, &p2, text);
	rg_plan_free(&p2);
	cr_expect_not(h_run(&in, RG_DIR_IN, f, len), "a VXLAN frame on a Geneve port is not Ethernet");
	snprintf(text, sizeof(text), "%sencap off\n", plan_text);
	h_install(&in, &p2, text);
	rg_plan_free(&p2);
	cr_expect_not(h_run(&in, RG_DIR_IN, f, len), "nor with 'encap off'");
	h_install(&in, &p2, plan_text);
	rg_plan_free(&p2);
	cr_expect(h_run(&in, RG_DIR_OUT, f, len));
}

Test(prog, sync_keeps_counters_of_kept_cidrs_and_moves_verdicts)
{
	uint8_t f[128];
	size_t len = rg_frame_ip(f, sizeof(f), "fd00:101::11", "fd00:10::1", NULL, 0, 100);
	struct rg_plan p2;
	__u32 mgmt = h_bucket(&in, "pve-mgmt"), mgmt2;
	struct rg_bucket_counters c;

	cr_assert_eq(rg_instance_mode(&in, RG_MODE_ENFORCE), 0);
	cr_assert_eq(rg_instance_role(&in, RG_ROLE_MESH), 0);
	cr_expect(h_run(&in, RG_DIR_IN, f, len), "fd00 on mesh is dropped");

	/* new plan: pve-mgmt kept (renamed), allowed on mesh; k8s-mesh gone */
	h_install(&in, &p2,
		  "zone internal mesh fc00::/8\nzone external egress fd00::/8\n"
		  "prefix mgmt fd00:10::/64 allow mesh\nprefix k8s-egress fd00:101::/64 allow mesh\n");
	mgmt2 = h_bucket(&in, "mgmt");
	cr_expect_eq(mgmt2, mgmt, "a kept CIDR keeps its bucket id");
	c = h_bc(&in, mgmt2);
	cr_expect_eq(c.dst.packets, 1, "and its counters");
	cr_expect_eq(c.violations.packets, 1);
	cr_expect_not(h_run(&in, RG_DIR_IN, f, len), "now allowed");
	c = h_bc(&in, mgmt2);
	cr_expect_eq(c.dst.packets, 2);
	rg_plan_free(&p2);
}

/* The switch tells the datapath which of a slot's lookups to use: with the
 * exact tables in force, an emptied trie changes no verdict; told to use
 * the trie, the same packet finds nothing.
 */
Test(prog, the_switch_picks_exact_tables_or_trie)
{
	uint8_t f[128];
	struct rg_plan p2;
	struct rg_gen g;
	__u32 zero = 0, slot, id, mgmt;
	struct rg_lpm_key key, next;
	int trie;

	rg_exact_min_entries = 0;
	h_install(&in, &p2, plan_text);
	cr_assert_eq(bpf_map_lookup_elem(in.m.plan_gen, &zero, &g), 0);
	cr_assert_eq(g.flags & RG_GEN_EXACT, RG_GEN_EXACT, "a plan in exact tables says so at the switch");
	mgmt = h_bucket(&in, "pve-mgmt");
	slot = g.gen & 1;
	cr_assert_eq(bpf_map_lookup_elem(in.m.plan, &slot, &id), 0);
	trie = bpf_map_get_fd_by_id(id);
	cr_assert_geq(trie, 0);
	while (!bpf_map_get_next_key(trie, NULL, &next)) {
		key = next;
		cr_assert_eq(bpf_map_delete_elem(trie, &key), 0);
	}
	cr_assert_eq(rg_instance_mode(&in, RG_MODE_ENFORCE), 0);
	cr_assert_eq(rg_instance_role(&in, RG_ROLE_MESH), 0);
	rg_frame_ip(f, sizeof(f), "fd00:101::11", "fd00:10::1", NULL, 0, 100);
	if (!rg_bpf_exact_ok) {
		/* a kernel whose verifier refused the probes (6.1): the
		 * programs were loaded to take the trie alone, switch or not
		 */
		cr_expect_not(h_run(&in, RG_DIR_IN, f, 100),
			      "programs without the exact-table probes ask the (emptied) trie");
		cr_expect_eq(h_bc(&in, mgmt).dst.packets, 0);
		close(trie);
		rg_plan_free(&p2);
		return;
	}
	cr_expect(h_run(&in, RG_DIR_IN, f, 100), "the exact tables answer");
	cr_expect_eq(h_bc(&in, mgmt).dst.packets, 1);
	g.flags &= ~RG_GEN_EXACT;
	cr_assert_eq(bpf_map_update_elem(in.m.plan_gen, &zero, &g, BPF_ANY), 0);
	/* addresses the cache has not seen */
	rg_frame_ip(f, sizeof(f), "fd00:101::12", "fd00:10::2", NULL, 0, 100);
	cr_expect_not(h_run(&in, RG_DIR_IN, f, 100), "the emptied trie answers nothing");
	cr_expect_eq(h_bc(&in, mgmt).dst.packets, 1);
	close(trie);
	rg_plan_free(&p2);
}

Test(prog, removed_buckets_are_retired_and_fresh_ids_start_at_zero)
{
	uint8_t f[128];
	size_t len = rg_frame_ip(f, sizeof(f), "fc00:101::11", "fc00:20::1", NULL, 0, 100);
	__u32 ceph = h_bucket(&in, "ceph-public"), again;
	struct rg_bucket_info info;
	struct rg_plan p2, p3;

	h_run(&in, RG_DIR_IN, f, len);
	cr_assert_eq(h_bc(&in, ceph).dst.packets, 1);
	h_install(&in, &p2, "zone internal mesh fc00::/8\n");
	cr_expect_neq(bpf_map_lookup_elem(in.m.buckets, &ceph, &info), 0, "retired name dropped");
	h_install(&in, &p3, "zone internal mesh fc00::/8\nprefix ceph fc00:20::/64\n");
	again = h_bucket(&in, "ceph");
	/* this CPU's cache still holds the old bucket's count: its id is not
	 * free yet, and the new bucket starts at zero
	 */
	cr_expect_neq(again, ceph, "an id a cache still counts for is not handed out");
	cr_expect_eq(h_bc(&in, again).dst.packets, 0, "re-added CIDR starts at 0");
	h_run(&in, RG_DIR_IN, f, len);
	cr_expect_eq(h_bc(&in, again).dst.packets, 1);
	rg_plan_free(&p2);
	rg_plan_free(&p3);
}

/* A sync matches the new plan's entries to the old buckets mostly by
 * position (user/kernel/install.c, assign_ids): whatever the new plan does
 * to the order (runs removed, entries inserted, two swapped, a block moved
 * to the end, many new ones at once), every CIDR it keeps keeps its bucket id (so its
 * counters), and the new ones get ids of their own.
 */
#define MOVES_N		9000	/* rg_index in three chunks */
#define MOVES_FRESH	100000	/* CIDR numbers of new entries from here */

static void moves_plan(const int *cidr, int n, struct rg_plan *p)
{
	char *text = malloc(64 * (n + 2)), errs[1024] = "";
	FILE *f = fmemopen(errs, sizeof(errs), "w");
	size_t len = sprintf(text, "zone internal mesh fc00::/8\n");

	cr_assert_not_null(text);
	for (int i = 0; i < n; i++)
		len += sprintf(text + len, "prefix p%d fc00:%x:%x::/64\n", cidr[i],
			       (cidr[i] >> 16) + 1, cidr[i] & 0xffff);
	cr_assert_eq(LOG_TO(f, rg_plan_parse(text, len, "moves.plan", p)), 0, "%s", errs);
	fclose(f);
	free(text);
}

Test(prog, kept_cidrs_keep_their_ids_whatever_the_order)
{
	static int a[MOVES_N], b[2 * MOVES_N];
	static __u32 ida[MOVES_N + 1], idb[2 * MOVES_N + 1], again[2 * MOVES_N + 1];
	static __u32 of[4 * 10000];
	static unsigned char seen[RG_MAX_BUCKETS];
	struct rg_plan pa, pb;
	int nb = 0, fresh = MOVES_FRESH;

	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < MOVES_N; i++)
			a[i] = round * 10000 + i;
		moves_plan(a, MOVES_N, &pa);
		cr_assert_gt(rg_install_ids(&in.m, &pa, "moves.plan", ida), 0);
		nb = 0;
		for (int i = 0; i < MOVES_N; i++) {
			if (i >= 100 && i < 100 + 3 * round + 1)
				continue;		/* a run removed */
			if (i >= 300 && i < 400 && i % 7 == 0)
				continue;		/* scattered removals */
			if (i >= 200 && i < 230 && round >= 2)
				continue;		/* moved to the end, below */
			if (i == 50)			/* a few new ones inserted */
				for (int k = 0; k < 3; k++)
					b[nb++] = fresh++;
			if (i == 150 && round >= 2)	/* more new ones than a short list takes */
				for (int k = 0; k < 100 * (round - 1); k++)
					b[nb++] = fresh++;
			/* two far apart swapped */
			b[nb++] = a[i == 20 ? 5000 : i == 5000 ? 20 : i];
		}
		for (int i = 200; i < 230 && round >= 2; i++)
			b[nb++] = a[i];
		moves_plan(b, nb, &pb);
		cr_assert_gt(rg_install_ids(&in.m, &pb, "moves.plan", idb), 0);
		memset(seen, 0, sizeof(seen));
		for (int i = 0; i < MOVES_N; i++) {
			of[a[i]] = ida[i + 1];	/* entry 0 is the zone */
			seen[ida[i + 1]] = 1;	/* 1: an id of plan A */
		}
		for (int i = 0; i < nb; i++) {
			__u32 id = idb[i + 1];

			if (b[i] < MOVES_FRESH)
				cr_expect_eq(id, of[b[i]], "round %d: p%d kept, id %u became %u",
					     round, b[i], of[b[i]], id);
			else
				cr_expect_neq(seen[id], 1, "round %d: new p%d took plan A's id %u",
					      round, b[i], id);
			cr_expect_neq(seen[id], 2, "round %d: id %u twice", round, id);
			seen[id] = 2;
		}
		/* the same plan again, read back from rg_index as the last sync
		 * wrote it (only its changed records, in chunks): every id stays
		 */
		cr_assert_gt(rg_install_ids(&in.m, &pb, "moves.plan", again), 0);
		for (int i = 1; i <= nb; i++)
			cr_expect_eq(again[i], idb[i], "round %d: entry %d's id %u became %u",
				     round, i, idb[i], again[i]);
		rg_plan_free(&pa);
		rg_plan_free(&pb);
	}
}

/* Plans A and B are built so that only a packet that looked its source up in
 * one plan and its destination in the other would pass: under A the
 * destination breaks the plan, under B the source does. Swap them again and
 * again while the program runs on another CPU: every packet must count as a
 * violation.
 */
struct swapper {
	struct rg_instance *in;
	struct rg_plan a, b;
	int swaps;
	volatile bool done;
};

/* Each sync waits for an RCU grace period, which takes long under an
 * emulator (tests/kernels): at most 1000 swaps, stopping after 30 seconds
 * once 100 are done (fewer mean little; a busy machine under TCG did not
 * reach 100 in 30 s, so the bound is the count, not the clock). The
 * test's timeout only catches a hang: it includes two loads of the programs,
 * about 25 s each there on an idle machine and past 120 s together on a
 * busy one (6.1 under TCG at load 6).
 */
#define MIN_SWAPS 100

static void *swap_plans(void *arg)
{
	struct swapper *s = arg;
	time_t end = time(NULL) + 30;
	int i;

	for (i = 0; i < s->swaps && (i < MIN_SWAPS || time(NULL) < end); i++)
		cr_assert_gt(rg_install(&s->in->m, i % 2 ? &s->a : &s->b, "swap.plan"), 0);
	s->swaps = i;
	s->done = true;
	return NULL;
}

Test(prog, no_packet_sees_a_mix_of_two_plans, .timeout = 600)
{
	const char *zones = "zone internal mesh fc00::/8\nzone external egress fd00::/8\n";
	char ta[256], tb[256];
	struct swapper s = { .in = &in, .swaps = 1000 };
	struct rg_dir_counters d0, d1;
	uint8_t f[128];
	size_t len = rg_frame_ip(f, sizeof(f), "fd00:1::1", "fd00:2::1", NULL, 0, 100);
	pthread_t t;
	long runs = 0;

	snprintf(ta, sizeof(ta), "%sprefix s fd00:1::/64 allow mesh\n", zones);
	snprintf(tb, sizeof(tb), "%sprefix d fd00:2::/64 allow mesh\n", zones);
	h_install(&in, &s.a, ta);
	h_install(&in, &s.b, tb);
	cr_assert_eq(rg_instance_role(&in, RG_ROLE_MESH), 0);
	cr_assert_eq(rg_instance_mode(&in, RG_MODE_ENFORCE), 0);
	d0 = h_dc(&in, RG_DIR_IN);
	cr_assert_eq(pthread_create(&t, NULL, swap_plans, &s), 0);
	while (!s.done) {
		bool dropped;

		cr_assert_eq(rg_instance_run(&in, RG_DIR_IN, f, len, 200, &dropped, NULL), 0);
		cr_assert(dropped);
		runs += 200;
	}
	pthread_join(t, NULL);
	d1 = h_dc(&in, RG_DIR_IN);
	cr_log_info("%ld packets during %d plan swaps", runs, s.swaps);
	cr_expect_geq(s.swaps, MIN_SWAPS, "too few swaps to mean anything");
	cr_expect_eq(d1.packets - d0.packets, (unsigned long long)runs);
	cr_expect_eq(d1.violations - d0.violations, (unsigned long long)runs,
		     "a packet saw a mix of plans");
	cr_expect_eq(d1.dropped - d0.dropped, (unsigned long long)runs);
	rg_plan_free(&s.a);
	rg_plan_free(&s.b);
}

/* mode enforce --confirm-within: past the deadline the datapath is monitor. */
Test(prog, enforce_reverts_to_monitor_at_its_deadline)
{
	uint8_t f[128];
	size_t len = rg_frame_ip(f, sizeof(f), "fc00:101::11", "fd00:10::1", NULL, 0, 100);
	struct rg_config cfg = { .mode = RG_MODE_ENFORCE };
	__u32 mode;

	cr_assert_eq(rg_instance_role(&in, RG_ROLE_MESH), 0);
	cfg.enforce_until = rg_monotonic_ns() + 10000000000ull;
	cr_assert_eq(rg_config_write(&in.m, &cfg), 0);
	cr_expect(h_run(&in, RG_DIR_IN, f, len), "before the deadline: enforced");
	cr_assert_eq(rg_mode_read(&in.m, &mode), 0);
	cr_expect_eq(mode, RG_MODE_ENFORCE);
	cfg.enforce_until = rg_monotonic_ns() - 1;
	cr_assert_eq(rg_config_write(&in.m, &cfg), 0);
	cr_expect_not(h_run(&in, RG_DIR_IN, f, len), "past the deadline: monitor");
	cr_expect_not(h_run(&in, RG_DIR_OUT, f, len));
	cr_assert_eq(rg_mode_read(&in.m, &mode), 0);
	cr_expect_eq(mode, RG_MODE_MONITOR, "and the mode reads as monitor");
}

struct evsink {
	struct rg_event ev[64];
	int n;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct evsink *s = ctx;

	if (size == sizeof(struct rg_event) && s->n < 64)
		memcpy(&s->ev[s->n++], data, size);
	return 0;
}

Test(prog, events_only_with_a_listener_and_rate_limited_per_bucket)
{
	uint8_t f[128];
	size_t len = rg_frame_ip(f, sizeof(f), "fd00:101::11", "fd00:10::1", NULL, 0, 100);
	struct rg_config cfg = { .mode = RG_MODE_MONITOR };
	struct evsink sink = {};
	struct ring_buffer *rb = ring_buffer__new(in.m.events, on_event, &sink, NULL);
	__u64 start;

	cr_assert_not_null(rb);
	cr_assert_eq(rg_instance_role(&in, RG_ROLE_MESH), 0);
	cr_assert_eq(rg_config_write(&in.m, &cfg), 0);
	h_run(&in, RG_DIR_IN, f, len);
	ring_buffer__consume(rb);
	cr_expect_eq(sink.n, 0, "no listener: no events");

	/* start right after a second boundary so 30 frames share one window */
	while ((rg_monotonic_ns() % 1000000000ull) > 100000000ull)
		usleep(1000);
	start = rg_monotonic_ns();
	cr_assert_eq(rg_events_lease(&in.m, start + 10000000000ull), 0);
	for (int i = 0; i < 30; i++)
		h_run(&in, RG_DIR_IN, f, len);
	ring_buffer__consume(rb);
	cr_expect_eq(sink.n, RG_EVENTS_PER_SEC, "rate limit: %d events for 30 frames", sink.n);
	cr_assert_gt(sink.n, 0);
	cr_expect_eq(sink.ev[0].src_bucket, h_bucket(&in, "k8s-egress"));
	cr_expect_eq(sink.ev[0].dst_bucket, h_bucket(&in, "pve-mgmt"));
	cr_expect_eq(sink.ev[0].role, RG_ROLE_MESH);
	cr_expect_eq(sink.ev[0].dir, RG_DIR_IN);
	cr_expect_eq(sink.ev[0].dropped, 0, "monitor: would drop");
	cr_expect_eq(sink.ev[0].breaks, 3);
	cr_expect_eq(sink.ev[0].len, 100);
	cr_expect_eq(sink.ev[0].proto, 59);
	cr_expect_eq(sink.ev[0].suppressed, 0);

	/* the next window's first event reports what the limit swallowed */
	while (rg_monotonic_ns() / 1000000000ull == start / 1000000000ull)
		usleep(1000);
	sink.n = 0;
	cfg.mode = RG_MODE_ENFORCE;
	cr_assert_eq(rg_config_write(&in.m, &cfg), 0);
	h_run(&in, RG_DIR_IN, f, len);
	ring_buffer__consume(rb);
	cr_assert_eq(sink.n, 1);
	cr_expect_eq(sink.ev[0].suppressed, 30 - RG_EVENTS_PER_SEC);
	cr_expect_eq(sink.ev[0].dropped, 1);
	cr_expect_eq(sink.ev[0].family, 6);
	cr_expect_eq(sink.ev[0].encap, RG_ENCAP_NONE);

	/* an inner violation: the event carries the inner addresses, marked */
	{
		uint8_t g[700];
		size_t hlen = encap_frame(g, sizeof(g), "fc00:101::11", "fc00:101::12", 4789,
					  RG_ENCAP_VXLAN, 0, "fd00:101:44::5", "fd00:10::9", 1, 0);
		uint8_t w[16] = { 0xfd, 0x00, 0x00, 0x10, [15] = 9 };

		sink.n = 0;
		h_run(&in, RG_DIR_IN, g, hlen);
		ring_buffer__consume(rb);
		cr_assert_eq(sink.n, 1);
		cr_expect_eq(sink.ev[0].encap, RG_ENCAP_VXLAN);
		cr_expect_eq(sink.ev[0].inner_family, 6);
		cr_expect_eq(sink.ev[0].breaks, 8, "only the inner destination broke the plan");
		cr_expect_eq(sink.ev[0].inner_src_bucket, h_bucket(&in, "k8s-pods-solcp011"));
		cr_expect_eq(sink.ev[0].inner_dst_bucket, h_bucket(&in, "pve-mgmt"));
		cr_expect(!memcmp(sink.ev[0].inner_dst, w, 16));
	}
	ring_buffer__free(rb);
}
