/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ringguard.h - layouts shared by the BPF programs and userspace.
 *
 * Everything here is part of the pinned state: a change to a struct is a
 * change of map layout, so bump RG_LAYOUT_VERSION with it. Layouts only ever
 * grow at the end: a newer build then migrates pinned maps by copying each
 * old value into the front of the new one (user/kernel/migrate.c), counters included.
 */
#ifndef RINGGUARD_H
#define RINGGUARD_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define RG_LAYOUT_VERSION	6	/* 6: rg_drift, 1024 interfaces */

/* A plan holds at most RG_MAX_PLAN trie entries (zone CIDRs + prefixes).
 * Bucket ids live in [1, RG_MAX_BUCKETS): twice the plan size, so a sync can
 * always give new CIDRs ids that the old plan does not use while both plans
 * are in flight (bucket 0 is "unplanned").
 */
#define RG_MAX_PLAN		131072
#define RG_MAX_BUCKETS		(2 * RG_MAX_PLAN)

/* Per CPU (bpf/classify.h): RG_CACHE_SLOTS addresses already looked up,
 * and counters for up to RG_COUNT_SLOTS_MAX buckets (a bucket uses slot
 * id % slots; two buckets wanting the same slot take turns, the one leaving
 * moving its counts to rg_bucket_stats, which is shared and grows with the
 * plan only). The loader sizes the counter slots at attach: the next power
 * of two at least twice the plan's entries, from RG_COUNT_SLOTS_MIN to
 * RG_COUNT_SLOTS_MAX. All powers of two.
 */
#define RG_CACHE_SLOTS		8192
#define RG_COUNT_SLOTS_MIN	4096
#define RG_COUNT_SLOTS_MAX	16384

/* Traffic with no locality gets nothing from the address cache and pays
 * for it (its slots push the trie out of the CPU's caches). Each CPU
 * measures the hit rate over RG_CACHE_WINDOW lookups; under 1 in
 * RG_CACHE_MIN_HIT it looks up the plan directly, but for 1 address in
 * RG_CACHE_SAMPLE, which keeps measuring.
 */
#define RG_CACHE_WINDOW		4096
#define RG_CACHE_MIN_HIT	8
#define RG_CACHE_SAMPLE		32

/* Large plans are also kept as one hash table of exact CIDRs, probed from
 * the longest prefix length to the shortest: a handful of hash lookups
 * instead of a walk down a deep trie. rg_lengths lists the lengths; 0 of
 * them (small plans, or more than RG_MAX_LENGTHS lengths) means the trie.
 * `make bench` puts the break-even between 10k entries (the trie is
 * faster) and 100k (the table is twice as fast).
 */
#define RG_MAX_LENGTHS		15
#define RG_EXACT_MIN_ENTRIES	32768
/* Interfaces ringguard attaches to: the roles and every port of a bridge
 * with a role (a PVE host with hundreds of guests has hundreds of taps).
 * Each takes one slot of rg_if_stats, two cache lines per possible CPU
 * (128 KiB a CPU at 1024). A power of two (the datapath masks the slot).
 * A plan's host line (and --mesh/--egress) names at most RG_MAX_HOST_IFS.
 */
#define RG_MAX_IFACES		1024
#define RG_MAX_HOST_IFS		64
#define RG_NAME_LEN		64
#define RG_ZONE_LEN		32
#define RG_PATH_LEN		256
#define RG_IFNAME_LEN		16

#define RG_BUCKET_UNPLANNED	0

/* VLAN tags (0x8100, 0x88a8, 0x9100; out-of-band ones count) the datapath
 * walks to reach the IP header; a frame with more is unreadable.
 */
#define RG_MAX_VLANS		4

enum rg_role {
	RG_ROLE_NONE	= 0,
	RG_ROLE_MESH	= 1,
	RG_ROLE_EGRESS	= 2,
};

enum rg_mode {
	RG_MODE_MONITOR	= 0,
	RG_MODE_ENFORCE	= 1,
};

enum rg_dir {
	RG_DIR_IN	= 0,	/* ingress: XDP, or tc where XDP is taken */
	RG_DIR_OUT	= 1,	/* egress: tc */
	RG_DIR_MAX,
};

/* Bit (1 << role) set in rg_lpm_val.breaks: the address breaks the plan on
 * an interface of that role.
 */
#define RG_BREAKS(role)		(1u << (role))

/* The two families never share a key. IPv4 is keyed as ::ffff:a.b.c.d
 * (RFC 4291's mapped form), a region the plan keeps for IPv4: no IPv6 CIDR
 * may lie inside ::ffff:0:0/96. An IPv6 address inside it (an IPv4-mapped
 * IPv6 address on the wire) is looked up with prefixlen RG_V6_MAPPED_PLEN,
 * so only the IPv6 CIDRs that cover the whole region answer for it; an
 * IPv6 CIDR that wide carries RG_LPM_V6_WIDE, and says nothing of IPv4
 * addresses (prefixlen 128 in the region).
 */
#define RG_V6_MAPPED_PLEN	95
#define RG_LPM_V6_WIDE		(1u << 31)

struct rg_lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* rg_encap[slot]: the UDP ports whose payload is taken as VXLAN or Geneve
 * for the plan in that slot, network byte order, 0 for an unused place
 * (all 0: nothing is looked into). One level of encapsulation.
 */
#define RG_ENCAP_PORTS		4
#define RG_VXLAN_PORT		4789
#define RG_VXLAN_PORT_LINUX	8472	/* Linux's and Cilium's default */
#define RG_GENEVE_PORT		6081

/* What is inside a UDP datagram (rg_parse_encap(), rg_frame_decode()). */
enum rg_inner {
	RG_INNER_NONE		= 0,	/* not to an encapsulation port, or no Ethernet/IP inside */
	RG_INNER_IP		= 1,
	RG_INNER_MALFORMED	= 2,	/* unreadable inside (a truncated header, too many
					 * tags): counted as malformed, and dropped in
					 * enforce mode unless the plan says 'unreadable pass' */
};

enum rg_encap_kind {
	RG_ENCAP_NONE	= 0,
	RG_ENCAP_VXLAN	= 1,
	RG_ENCAP_GENEVE	= 2,
};

struct rg_encap {
	__u16 vxlan[RG_ENCAP_PORTS];
	__u16 geneve[RG_ENCAP_PORTS];
};

struct rg_lpm_val {
	__u32 bucket;
	__u32 breaks;
};

struct rg_pc {
	__u64 packets;
	__u64 bytes;
};

/* Indexed by bucket id: rg_bucket_stats (shared, atomic adds) and the
 * pending part of a cache entry.
 */
struct rg_bucket_counters {
	struct rg_pc src;
	struct rg_pc dst;
	struct rg_pc violations;
};

struct rg_dir_counters {
	__u64 packets;		/* every frame the hook saw */
	__u64 bytes;		/* full frame, L2 header and VLAN tags included */
	__u64 violations;	/* frames whose source or destination broke the plan */
	__u64 dropped;		/* violations and unreadable frames dropped in enforce mode */
	__u64 malformed;	/* unreadable: too many VLAN tags, a truncated or
				 * invalid header (outer, or inner of VXLAN/Geneve);
				 * enforce mode drops them (and counts them in dropped
				 * too) unless the plan says 'unreadable pass' */
	__u64 other;		/* not IP (ARP, LLDP, ...) */
};

/* One interface's counters, per CPU, summed by userspace. */
struct rg_if_counters {
	struct rg_dir_counters dir[RG_DIR_MAX];
};

/* rg_ifaces: ifindex -> what the datapath needs to know about the interface.
 * Attach bookkeeping for status/detach lives here too.
 */
enum rg_xdp_kind {
	RG_XDP_NONE	= 0,
	RG_XDP_NATIVE	= 1,
	RG_XDP_GENERIC	= 2,
	/* no XDP: ingress is classified at tc ingress, by the same mechanism
	 * as egress (tc_kind), because another program held the XDP hook at
	 * attach or --xdp off asked for it
	 */
	RG_XDP_TC	= 3,
};

enum rg_tc_kind {
	RG_TC_NONE	= 0,
	RG_TC_TCX	= 1,
	RG_TC_CLSACT	= 2,	/* legacy filter; qdisc created by us */
	RG_TC_CLSACT_SHARED = 3,	/* legacy filter on a clsact qdisc we found */
};

struct rg_iface {
	__u32 role;
	__u32 slot;
	__u32 xdp_kind;
	__u32 tc_kind;
	__u32 mtu;
	__u32 reattaches;	/* times the daemon re-attached it (recreated, renamed) */
	char name[RG_IFNAME_LEN];
	/* layout 6: times the daemon took back the head of a tcx chain
	 * (egress, ingress) from a program attached before ringguard
	 */
	__u32 retakes[RG_DIR_MAX];
};

/* rg_if_index[ifindex]: what the datapath needs of an interface, for
 * ifindexes under RG_IFINDEX_DIRECT (an array lookup; above it, rg_ifaces).
 * role RG_ROLE_NONE: not one of ours. Written by userspace with rg_ifaces.
 */
#define RG_IFINDEX_DIRECT	4096

struct rg_if_fast {
	__u32 role;
	__u32 slot;
};

/* rg_config has two entries, each with one kind of writer ("one writer per
 * pinned value"): a whole-value write never carries a stale copy of a field
 * another process owns.
 *   RG_CONFIG_MODE   mode and enforce_until: the daemon and `ringguard
 *                    mode`, always under the state lock
 *   RG_CONFIG_LEASE  events_until only: the events listeners (`ringguard
 *                    events`, the daemon's --log-violations), lock-free
 */
#define RG_CONFIG_MODE		0
#define RG_CONFIG_LEASE		1
#define RG_CONFIG_ENTRIES	2

struct rg_config {
	__u32 mode;
	__u32 pad;
	/* enforce only until this CLOCK_MONOTONIC ns (bpf_ktime_get_ns), then
	 * behave as monitor: `mode enforce --confirm-within` reverts by itself,
	 * with no process alive. 0 = no deadline.
	 */
	__u64 enforce_until;
	/* in rg_config[RG_CONFIG_LEASE] only: a listener (`ringguard events`)
	 * renews it every second; past it the datapath emits no events, so no
	 * listener costs nothing
	 */
	__u64 events_until;
};

/* One violation, on the rg_events ring buffer. */
struct rg_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() */
	__u32 ifindex;
	__u32 len;
	__u32 src_bucket;
	__u32 dst_bucket;
	__u32 suppressed;	/* events of this bucket dropped by the rate limit before this one */
	__u8 dir;		/* enum rg_dir */
	__u8 role;		/* the interface's: the rule broken is "wrong zone on ROLE" */
	__u8 dropped;		/* 1 dropped (enforce), 0 would drop (monitor) */
	__u8 proto;		/* IPv6 next header / IPv4 protocol */
	__u8 breaks;		/* bit 0: source broke the plan, bit 1: destination,
				 * bits 2 and 3: the inner source, destination */
	__u8 family;		/* 4 or 6 (0: a build before families were kept apart) */
	__u8 encap;		/* enum rg_encap_kind: inner_* hold the inner frame's */
	__u8 inner_family;
	__u8 pad[4];
	__u8 src[16];
	__u8 dst[16];
	/* layout 3 on; a shorter event (72 bytes) comes from an older build */
	__u32 inner_src_bucket;
	__u32 inner_dst_bucket;
	__u8 inner_src[16];
	__u8 inner_dst[16];
};
#define RG_EVENT_V2_SIZE	72

/* Events per bucket per second before the rate limit suppresses them. */
#define RG_EVENTS_PER_SEC	20

struct rg_rate {
	__u64 window;		/* second (ts_ns / 1e9) the counts belong to */
	__u32 sent;
	__u32 suppressed;
};

enum rg_bucket_kind {
	RG_KIND_UNPLANNED	= 0,
	RG_KIND_PREFIX		= 1,
	RG_KIND_ZONE		= 2,
};

/* rg_buckets: bucket id -> what stats prints. Written only by userspace. */
struct rg_bucket_info {
	struct rg_lpm_key cidr;
	__u32 kind;
	__u64 generation;	/* last plan generation that had this bucket */
	char name[RG_NAME_LEN];
	char zone[RG_ZONE_LEN];
	struct rg_lpm_val trie;	/* what the plan's trie holds for cidr (prefixes and zones) */
};

/* rg_index: what a sync needs of the buckets of the plan in force (a batch
 * read of rg_buckets' 100k names took 45 ms), as records in chunks of
 * RG_INDEX_PER_CHUNK, read and written a chunk per system call. Record 0
 * is a struct rg_index_head; records 1..count one entry of the plan each,
 * in plan order. Written only by userspace (user/kernel/install.c), after
 * rg_buckets and rg_meta: valid only while head.generation and head.count
 * match rg_meta's generation and nentries, else a sync reads rg_buckets.
 */
struct rg_index_head {
	__u64 generation;
	__u32 count;
	__u32 magic;		/* RG_INDEX_MAGIC */
	__u8 pad[32];
};

#define RG_INDEX_MAGIC		0x72676978u	/* "rgix" */

struct rg_index_entry {
	__u8 addr[16];		/* rg_lpm_key.addr */
	__u8 prefixlen;		/* rg_lpm_key.prefixlen */
	__u8 kind;		/* enum rg_bucket_kind */
	__u8 pad[2];
	__u32 id;		/* the bucket id */
	struct rg_lpm_val trie;	/* what the tries hold for the CIDR */
	__u64 generation;	/* rg_bucket_info.generation */
	__u64 digest;		/* of rg_bucket_info.name and .zone */
};

#define RG_INDEX_PER_CHUNK	4096
#define RG_INDEX_CHUNKS		((RG_MAX_PLAN + 1 + RG_INDEX_PER_CHUNK - 1) / RG_INDEX_PER_CHUNK)

struct rg_index_chunk {
	struct rg_index_entry rec[RG_INDEX_PER_CHUNK];
};

/* rg_cache: one slot of the per-CPU address cache. The tag (gen) is the
 * plan generation the lookup was made in, plus one (0: empty slot): a sync
 * moves rg_plan_gen on, so every slot of the old plan misses from then on.
 */
struct rg_cache_entry {
	__u8 addr[16];
	__u32 gen;
	__u32 bucket;
	__u32 breaks;
	__u32 prefixlen;	/* of the key: an IPv4 address and the same bytes
				 * as an IPv4-mapped IPv6 one are two entries */
};

/* rg_lengths[slot]: the prefix lengths of the plan in rg_exact[slot],
 * longest first.
 */
struct rg_lengths {
	__u32 n;
	__u32 len[RG_MAX_LENGTHS];
};

/* The address cache's hit rate on one CPU for one interface and hook, and
 * whether it is bypassed there.
 */
struct rg_cache_ctl {
	__u32 lookups;
	__u32 hits;
	__u32 bypass;
	__u32 skipped;
};

/* Per-CPU data the datapath touches on every packet lives in plain arrays
 * (BPF_F_MMAPABLE, so every value starts a cache line), one region per
 * possible CPU, indexed with bpf_get_smp_processor_id(): a per-CPU array
 * costs a second cache line per lookup (its table of per-CPU pointers),
 * and its values are only 8-byte aligned. Each value below is one line.
 *
 * rg_if_stats[(cpu * RG_MAX_IFACES + slot) * RG_DIR_MAX + dir]: an
 * interface's counters for one hook on one CPU, and the address cache's
 * control there.
 */
struct rg_if_line {
	struct rg_dir_counters c;
	struct rg_cache_ctl ctl;
};

/* rg_counts[cpu * slots + (id & (slots - 1))]: one CPU's counter slot and
 * the bucket it counts for now. What a bucket counted is
 * rg_bucket_stats[id] plus its slot on every CPU that has it (userspace adds
 * them up).
 */
struct rg_count_slot {
	__u32 bucket;
	__u32 pad;
	struct rg_bucket_counters c;
	__u64 pad2;		/* one cache line */
};

/* rg_plan_gen[0]: the generation in force, and flags of its plan:
 * RG_GEN_EXACT, its slot's plan is looked up in the exact tables
 * (rg_lengths[slot].n > 0), so that a packet over a trie reads no lengths;
 * RG_GEN_UNREADABLE_PASS, the plan says 'unreadable pass'. Written at once
 * by the switch of a sync, so the flags change with the plan they belong
 * to. (Layout 5 and before held 0 or 1 in flags: the same meaning.)
 */
struct rg_gen {
	__u32 gen;
	__u32 flags;
};

#define RG_GEN_EXACT		(1u << 0)
#define RG_GEN_UNREADABLE_PASS	(1u << 1)

/* rg_meta: one entry, written only by userspace. */
struct rg_meta {
	__u32 layout_version;
	__u32 rejects;		/* plans that failed validation since attach */
	__u64 generation;
	__u64 installed_at;	/* CLOCK_REALTIME seconds of the last sync */
	__u32 nbuckets;
	__u32 nentries;
	__u8 sha256[32];
	char plan_path[RG_PATH_LEN];
	__u64 rejected_at;	/* CLOCK_REALTIME seconds of the last rejection */
	char last_error[RG_PATH_LEN];
	/* both slots of rg_plan hold this generation's plan (0: unknown), so
	 * the next sync can edit the idle trie instead of building a new one
	 */
	__u64 twin_gen;
	/* layout 3: the fleet's view of the mode (user/kernel/fleet.c). The plan's
	 * declared mode for this host, a person's override (`ringguard mode`),
	 * and a revert by the daemon that holds until the plan changes. A state
	 * migrated from layout 2 has fleet == 0: the daemon then keeps the
	 * pinned mode as an override rather than undo it.
	 */
	__u32 fleet;		/* RG_FLEET_* */
	__u32 declared_mode;	/* the host's mode in the plan last applied */
	__u64 armed_until;	/* the rg_config.enforce_until the daemon armed (its window) */
	__u64 reverted_at;	/* CLOCK_REALTIME seconds of the last revert */
	__u8 reverted_sha256[32];	/* the plan a held revert belongs to */
	char revert_reason[RG_PATH_LEN];
	__u32 reverts;		/* reverts to monitor by the daemon or the deadline */
	__u32 last_sync_ok;	/* 1: the last plan read was valid, 0: rejected */
	__u64 last_sync_at;	/* CLOCK_REALTIME seconds of the last plan read */
	__u64 lifelines_before;	/* bit i: lifeline i answered just before the switch */
	__u32 confirm_within;	/* the daemon's --confirm-within, seconds */
	__u32 pad;
};

/* rg_drift: what the daemon's drift watch finds failing now (the host
 * checks of `verify`: routes, addresses, links, MTUs against the plan),
 * for `status` and `events`. Slot 0 is the head, slots 1..listed the
 * failing checks. Written only by the daemon; no BPF program reads it.
 */
#define RG_DRIFT_MAX		255	/* records listed; the count says how many fail */

struct rg_drift_head {
	__u64 seq;		/* bumped at every change of the list */
	__u64 updated_at;	/* CLOCK_REALTIME seconds of the last check */
	__u64 last_full_at;	/* ... of the last full pass */
	__u64 checks;		/* checks run since the daemon started */
	__u64 full_passes;
	__u64 overruns;		/* netlink overruns, each followed by a full pass */
	__u64 errors;		/* passes that could not read the kernel's state */
	__u32 failing;		/* checks failing now (may exceed listed) */
	__u32 listed;		/* records in slots 1..listed */
	__u32 watcher;		/* the pid of the daemon keeping it, 0: none */
	__u32 pad;
	__u8 pad2[440];
};

struct rg_drift_rec {
	__u64 since;		/* CLOCK_REALTIME seconds since it fails */
	__u32 role;		/* the role the check holds it to (enum rg_role) */
	__u32 pad;
	char check[16];		/* "route", "address", "mtu", "link", "port", "ports" */
	char ifname[RG_IFNAME_LEN];	/* "" if none */
	char prefix[48];	/* a route check's planned CIDR, else "" */
	char name[RG_NAME_LEN + 8];	/* its prefix name or "zone NAME" */
	char detail[344];
};

union rg_drift_slot {
	struct rg_drift_head head;
	struct rg_drift_rec rec;
};

/* rg_meta.fleet */
#define RG_FLEET_KNOWN		(1u << 0)	/* declared_mode is set */
#define RG_FLEET_OVERRIDE	(1u << 1)	/* a person's `ringguard mode` holds */
#define RG_FLEET_REVERTED	(1u << 2)	/* monitor until the plan changes */

#define RG_STATIC_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), "layout of " #type " changed")

RG_STATIC_SIZE(struct rg_lpm_key, 20);
RG_STATIC_SIZE(struct rg_lpm_val, 8);
RG_STATIC_SIZE(struct rg_encap, 16);
RG_STATIC_SIZE(struct rg_pc, 16);
RG_STATIC_SIZE(struct rg_bucket_counters, 48);
RG_STATIC_SIZE(struct rg_dir_counters, 48);
RG_STATIC_SIZE(struct rg_if_counters, 96);
RG_STATIC_SIZE(struct rg_iface, 48);
RG_STATIC_SIZE(struct rg_config, 24);
RG_STATIC_SIZE(struct rg_if_fast, 8);
RG_STATIC_SIZE(struct rg_event, 112);
RG_STATIC_SIZE(struct rg_rate, 16);
RG_STATIC_SIZE(struct rg_bucket_info, 136);
RG_STATIC_SIZE(struct rg_index_head, 48);
RG_STATIC_SIZE(struct rg_index_entry, 48);
RG_STATIC_SIZE(struct rg_index_chunk, 48 * RG_INDEX_PER_CHUNK);
RG_STATIC_SIZE(struct rg_cache_entry, 32);
RG_STATIC_SIZE(struct rg_count_slot, 64);
RG_STATIC_SIZE(struct rg_if_line, 64);
RG_STATIC_SIZE(struct rg_gen, 8);
RG_STATIC_SIZE(struct rg_lengths, 64);
RG_STATIC_SIZE(struct rg_cache_ctl, 16);
RG_STATIC_SIZE(struct rg_meta, 936);
RG_STATIC_SIZE(struct rg_drift_head, 512);
RG_STATIC_SIZE(struct rg_drift_rec, 512);
RG_STATIC_SIZE(union rg_drift_slot, 512);

#endif /* RINGGUARD_H */
