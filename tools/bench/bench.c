// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench.c - rg-bench: ringguard's programs against floors compiled into the
 * bench (tools/bench/floors.bpf.c: F0 return only, F1 parse only, N the
 * naive two-lookup design), side by side in one run, with BPF_PROG_TEST_RUN
 * (10^6 packets a run, median of 5 runs, programs interleaved run by run).
 *
 * Plans: the users' (PLAN) and generated ones of 1k, 10k and 100k entries
 * shaped like it (tools/bench/genplan.h). Mixes, 64-byte IPv6 frames on a
 * mesh interface:
 *   one flow    the same pair of addresses every packet
 *   flow-local  source and destination each drawn from a Zipf law (s = 1)
 *               over a population of addresses: two per plan entry, at
 *               random inside it (at least 4096); real traffic's locality
 *   uniform     every packet two fresh random addresses inside random
 *               entries: no locality at all, the worst case for a cache
 *
 * Two modes, side by side in one run:
 *   warm  10^6 packets a run through the mix driver: the program's maps and
 *         code stay in the CPU's caches, as on a host that does nothing but
 *         forward
 *   cold  a stream of distinct frames (the flow-local and uniform mixes),
 *         one BPF_PROG_TEST_RUN each with repeat 1: between two packets the
 *         syscall, the frame copy and the other programs run on the CPU, as
 *         the network stack does between two packets on a real host. F0, N
 *         and ringguard take the same frame in turn (the order rotating
 *         frame by frame), after a warm-up stream that fills ringguard's
 *         address cache; blocks of COLD_BLOCK frames, each program's mean
 *         per block, the median over the blocks. F0's cost (the hook and the
 *         timer) is subtracted from N and ringguard.
 * Then the control plane against plan size: a full install, a one-prefix
 * change, reading every bucket's counters (what stats does), and the
 * kernel memory of the maps (fdinfo memlock), per prefix and per CPU.
 *
 *   rg-bench [-w|-c] PLAN [ENTRIES...]   (default 1000 10000 100000)
 *     -w  warm mode only    -c  cold mode only
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sched.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "frames.h"
#include "genplan.h"
#include "kernel/install.h"
#include "kernel/instance.h"
#include "daemon/live.h"
#include "ringguard.skel.h"
#include "floors.skel.h"

#define RUNS		5
#define REPEAT		1000000
#define MIX_PAIRS	65536
#define MIX_ADDRS_OFF	22	/* IPv6 source, then destination, untagged */
#define COLD_WARMUP	4000	/* frames before the cold measurement */
#define COLD_BLOCK	2000
#define COLD_BLOCKS	10	/* COLD_WARMUP + COLD_BLOCK * COLD_BLOCKS <= MIX_PAIRS */

enum { P_F0, P_F1, P_N, P_RG, NPROGS };

static bool do_warm = true, do_cold = true;

static unsigned long long rng = 0x52474252;

static unsigned int rn(unsigned int n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (rng >> 33) % n;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct pair {
	uint8_t src[16], dst[16];
};

/* A random IPv6 address inside a random IPv6 entry of the plan. */
static void random_addr(const struct rg_plan *plan, uint8_t a[16])
{
	const struct rg_entry *e;

	do
		e = &plan->entries[rn(plan->nentries)];
	while (e->cidr.v4);
	memcpy(a, e->cidr.addr, 16);
	for (int bit = e->cidr.len; bit < 128; bit++)
		if (rn(2))
			a[bit / 8] |= 0x80 >> (bit % 8);
}

enum mix { MIX_ONE, MIX_ZIPF, MIX_UNIFORM, NMIXES };
static const char *const mix_names[NMIXES] = { "one flow", "flow-local", "uniform" };

static int fill_pairs(const struct rg_plan *plan, bool users, enum mix mix, struct pair *pairs)
{
	int pop = plan->nentries * 2 < 4096 ? 4096 : plan->nentries * 2;
	uint8_t (*addrs)[16] = NULL;
	double *cdf = NULL, sum = 0;

	if (mix == MIX_ONE) {
		struct pair p;

		inet_pton(AF_INET6, "fc00:101::11", p.src);
		inet_pton(AF_INET6, "fc00:20::1", p.dst);
		if (!users) {	/* a cluster's mesh to another's */
			inet_pton(AF_INET6, "fc00:1::1", p.src);
			inet_pton(AF_INET6, "fc00:2::2", p.dst);
		}
		for (int i = 0; i < MIX_PAIRS; i++)
			pairs[i] = p;
		return 0;
	}
	if (mix == MIX_UNIFORM) {
		for (int i = 0; i < MIX_PAIRS; i++) {
			random_addr(plan, pairs[i].src);
			random_addr(plan, pairs[i].dst);
		}
		return 0;
	}
	addrs = calloc(pop, 16);
	cdf = calloc(pop, sizeof(*cdf));
	if (!addrs || !cdf) {
		free(addrs);
		free(cdf);
		return -1;
	}
	for (int i = 0; i < pop; i++) {
		random_addr(plan, addrs[i]);
		sum += 1.0 / (i + 1);
		cdf[i] = sum;
	}
	for (int i = 0; i < MIX_PAIRS; i++) {
		for (int k = 0; k < 2; k++) {
			double u = (double)rn(1u << 30) / (1u << 30) * sum;
			int lo = 0, hi = pop - 1;

			while (lo < hi) {
				int mid = (lo + hi) / 2;

				if (cdf[mid] < u)
					lo = mid + 1;
				else
					hi = mid;
			}
			memcpy(k ? pairs[i].dst : pairs[i].src, addrs[lo], 16);
		}
	}
	free(addrs);
	free(cdf);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct rig {
	struct floors_bpf *fl;
	struct rg_instance in;
	int prog[2][NPROGS];	/* [hook][program] */
};

/* ns per packet of each program through the driver of hook, median of RUNS,
 * the programs taking turns run by run
 */
static int measure(struct rig *r, int hook, double med[NPROGS])
{
	int driver = hook ? bpf_program__fd(r->fl->progs.mix_tc) :
			    bpf_program__fd(r->fl->progs.mix_xdp);
	int target = hook ? bpf_map__fd(r->fl->maps.mix_tc_target) :
			    bpf_map__fd(r->fl->maps.mix_xdp_target);
	double runs[NPROGS][RUNS];
	uint8_t frame[128];
	size_t len = rg_frame_ip(frame, sizeof(frame), "fc00::1", "fc00::2", NULL, 0, 64);
	struct __sk_buff skb = { .ifindex = RG_INSTANCE_IFINDEX };
	__u32 zero = 0;

	for (int run = 0; run < RUNS; run++) {
		for (int p = 0; p < NPROGS; p++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
				    .repeat = REPEAT);

			if (hook) {
				o.ctx_in = &skb;
				o.ctx_size_in = sizeof(skb);
			}
			if (bpf_map_update_elem(target, &zero, &r->prog[hook][p], BPF_ANY) ||
			    bpf_prog_test_run_opts(driver, &o)) {
				perror("BPF_PROG_TEST_RUN");
				return -1;
			}
			runs[p][run] = o.duration;
		}
	}
	for (int p = 0; p < NPROGS; p++) {
		qsort(runs[p], RUNS, sizeof(runs[p][0]), cmp_double);
		med[p] = runs[p][RUNS / 2];
	}
	return 0;
}

/* Cold mode: frame i of the stream carries pairs[i]; each frame through
 * F0, N and ringguard, one BPF_PROG_TEST_RUN with repeat 1 each. med[] gets
 * the median over blocks of each program's mean ns, *ratio the median over
 * blocks of (rg - F0) / (N - F0).
 */
static const int cold_progs[3] = { P_F0, P_N, P_RG };

static int measure_cold(struct rig *r, int hook, const struct pair *pairs, double med[NPROGS],
			double *ratio)
{
	static double blocks[NPROGS][COLD_BLOCKS], ratios[COLD_BLOCKS];
	uint8_t frame[128];
	size_t len = rg_frame_ip(frame, sizeof(frame), "fc00::1", "fc00::2", NULL, 0, 64);
	struct __sk_buff skb = { .ifindex = RG_INSTANCE_IFINDEX };
	double sum[NPROGS];

	for (int i = 0; i < COLD_WARMUP + COLD_BLOCK * COLD_BLOCKS; i++) {
		int b = (i - COLD_WARMUP) / COLD_BLOCK;

		memcpy(frame + MIX_ADDRS_OFF, &pairs[i], sizeof(pairs[i]));
		if (i >= COLD_WARMUP && (i - COLD_WARMUP) % COLD_BLOCK == 0)
			memset(sum, 0, sizeof(sum));
		for (int k = 0; k < 3; k++) {
			int p = cold_progs[(i + k) % 3];
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
				    .repeat = 1);

			if (hook) {
				o.ctx_in = &skb;
				o.ctx_size_in = sizeof(skb);
			}
			if (bpf_prog_test_run_opts(r->prog[hook][p], &o)) {
				perror("BPF_PROG_TEST_RUN");
				return -1;
			}
			sum[p] += o.duration;
		}
		if (i >= COLD_WARMUP && (i - COLD_WARMUP) % COLD_BLOCK == COLD_BLOCK - 1) {
			for (int k = 0; k < 3; k++)
				blocks[cold_progs[k]][b] = sum[cold_progs[k]] / COLD_BLOCK;
			ratios[b] = (blocks[P_RG][b] - blocks[P_F0][b]) /
				    (blocks[P_N][b] - blocks[P_F0][b]);
		}
	}
	for (int k = 0; k < 3; k++) {
		int p = cold_progs[k];

		qsort(blocks[p], COLD_BLOCKS, sizeof(double), cmp_double);
		med[p] = blocks[p][COLD_BLOCKS / 2];
	}
	qsort(ratios, COLD_BLOCKS, sizeof(double), cmp_double);
	*ratio = ratios[COLD_BLOCKS / 2];
	return 0;
}

/* Kernel memory of a map (its fdinfo memlock). */
static long long memlock(int fd)
{
	char path[64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

struct memory {
	long long total, percpu, tries;
};

static void measure_memory(struct rig *r, struct memory *mem)
{
	struct rg_maps *m = &r->in.m;

	mem->total = mem->percpu = mem->tries = 0;
	for (int i = 0; i < RG_NMAPS; i++)
		mem->total += memlock(m->fd[i]);
	/* the tries and exact tables in both slots */
	for (__u32 slot = 0; slot < 2; slot++) {
		int outer[2] = { m->plan, m->exact };

		for (int o = 0; o < 2; o++) {
			__u32 id;
			int fd;

			if (bpf_map_lookup_elem(outer[o], &slot, &id))
				continue;
			fd = bpf_map_get_fd_by_id(id);
			if (fd >= 0) {
				mem->tries += memlock(fd);
				close(fd);
			}
		}
	}
	mem->total += mem->tries;
	mem->percpu = memlock(m->cache) + memlock(m->counts) + memlock(m->if_stats);
}

static const char *fmt_bytes(long long b, char *buf, size_t len)
{
	if (b >= 10ll << 20)
		snprintf(buf, len, "%.0f MiB", b / 1048576.0);
	else if (b >= 10ll << 10)
		snprintf(buf, len, "%.0f KiB", b / 1024.0);
	else
		snprintf(buf, len, "%lld B", b);
	return buf;
}

/* A one-line edit through live.c, as the daemon makes it: text -> more ->
 * text; ms[k] = { compile, install } of each.
 */
static int bench_edits(struct rig *r, const struct rg_plan *plan, const char *text,
		       const char *more, const __u32 *ids, const char *label, double ms[2][2])
{
	struct rg_live *lv = rg_live_new();
	struct rg_meta meta;
	int err = !lv || rg_meta_read(&r->in.m, &meta) ||
		  rg_live_reset(lv, plan, label, text, strlen(text), ids, meta.generation);

	for (int k = 0; k < 2 && !err; k++) {
		const char *to = k ? text : more;
		char *copy = strdup(to);
		struct rg_delta d;
		long long gen;
		double t0 = now_ms();

		err = !copy || rg_live_change(lv, &r->in.m, label, copy, strlen(copy), &d) != 0;
		ms[k][0] = now_ms() - t0;
		t0 = now_ms();
		gen = err ? -1 : rg_install_delta(&r->in.m, &d, label);
		ms[k][1] = now_ms() - t0;
		if (gen < 0) {
			err = 1;
			free(copy);
		} else {
			rg_live_commit(lv, gen);
		}
	}
	rg_live_free(lv);
	if (err)
		fprintf(stderr, "%s: the one-line edit did not go in as an edit\n", label);
	return err;
}

static int bench_plan(const char *label, const char *text, FILE *ctl)
{
	static struct pair pairs[MIX_PAIRS];
	struct rg_plan plan, plus;
	struct rig r = {};
	struct memory mem;
	double t0, full, add, del, read, edit[2][2] = { { 0 } };
	char *more;
	int n, ncpu = libbpf_num_possible_cpus();

	n = rg_plan_parse(text, strlen(text), label, &plan);
	if (n) {
		fprintf(stderr, "%s: plan rejected (%d errors)\n", label, n);
		return 1;
	}
	/* the same plan with one more prefix, for the one-prefix change */
	more = malloc(strlen(text) + 64);
	sprintf(more, "%sprefix bench-extra fd00:ffff:1::/64\n", text);
	n = rg_plan_parse(more, strlen(more), label, &plus);
	if (n)
		return 1;
	if (rg_instance_open(&r.in, plan.nentries)) {
		fprintf(stderr, "cannot load ringguard (run as root)\n");
		return 1;
	}
	t0 = now_ms();
	if (rg_install(&r.in.m, &plan, label) < 0)
		return 1;
	full = now_ms() - t0;
	t0 = now_ms();
	if (rg_install(&r.in.m, &plus, label) < 0)
		return 1;
	add = now_ms() - t0;
	{
		__u32 *ids = calloc(plan.nentries + 1, sizeof(*ids));

		t0 = now_ms();
		if (!ids || rg_install_ids(&r.in.m, &plan, label, ids) < 0)
			return 1;
		del = now_ms() - t0;
		/* the daemon's way (live.c): the same change as an edit of one
		 * line, compiled (ms) then installed (ms), added then removed
		 */
		if (bench_edits(&r, &plan, text, more, ids, label, edit))
			return 1;
		free(ids);
	}
	free(more);
	{
		static __u32 ids[RG_MAX_BUCKETS];
		static struct rg_bucket_info infos[RG_MAX_BUCKETS];
		static struct rg_bucket_counters c[RG_MAX_BUCKETS];
		struct rg_meta meta;

		rg_meta_read(&r.in.m, &meta);
		t0 = now_ms();
		n = rg_active_buckets(&r.in.m, meta.generation, meta.generation, ids, infos);
		if (n < 0 || rg_bucket_read(&r.in.m, ids, n, c))
			return 1;
		read = now_ms() - t0;
	}
	measure_memory(&r, &mem);

	r.fl = floors_bpf__open_and_load();
	if (!r.fl) {
		fprintf(stderr, "cannot load the floors\n");
		return 1;
	}
	for (int i = 0; i < plan.nentries; i++) {
		struct rg_lpm_key k = { .prefixlen = plan.entries[i].cidr.len };
		struct { __u32 bucket, breaks; } v = { plan.entries[i].bucket_of,
						       plan.entries[i].breaks };

		memcpy(k.addr, plan.entries[i].cidr.addr, 16);
		bpf_map_update_elem(bpf_map__fd(r.fl->maps.naive_trie), &k, &v, BPF_ANY);
	}
	r.prog[0][P_F0] = bpf_program__fd(r.fl->progs.f0_xdp);
	r.prog[0][P_F1] = bpf_program__fd(r.fl->progs.f1_xdp);
	r.prog[0][P_N] = bpf_program__fd(r.fl->progs.naive_xdp);
	r.prog[0][P_RG] = r.in.xdp_fd;
	r.prog[1][P_F0] = bpf_program__fd(r.fl->progs.f0_tc);
	r.prog[1][P_F1] = bpf_program__fd(r.fl->progs.f1_tc);
	r.prog[1][P_N] = bpf_program__fd(r.fl->progs.naive_tc);
	r.prog[1][P_RG] = r.in.tc_fd;
	rg_instance_role(&r.in, RG_ROLE_MESH);

	for (int mix = 0; mix < NMIXES; mix++) {
		int fd = bpf_map__fd(r.fl->maps.mix_pairs);

		if (fill_pairs(&plan, !strcmp(label, "users"), mix, pairs))
			return 1;
		for (__u32 i = 0; i < MIX_PAIRS; i++)
			bpf_map_update_elem(fd, &i, &pairs[i], BPF_ANY);
		for (int hook = 0; hook < 2; hook++) {
			double med[NPROGS], cold[NPROGS], ratio;
			bool has_cold = do_cold && mix != MIX_ONE;

			if (!do_warm && !has_cold)
				continue;
			if (do_warm && measure(&r, hook, med))
				return 1;
			if (has_cold && measure_cold(&r, hook, pairs, cold, &ratio))
				return 1;
			printf("%-9s %7d  %-10s %-4s", label, plan.nentries, mix_names[mix],
			       hook ? "tc" : "XDP");
			if (do_warm) {
				for (int p = 0; p < NPROGS; p++)
					printf(" %6.0f", med[p]);
				printf(" %5.2f %5.2f", med[P_RG] / med[P_N],
				       (med[P_RG] - med[P_F0]) / (med[P_N] - med[P_F0]));
			} else {
				printf(" %6s %6s %6s %6s %5s %5s", "", "", "", "", "", "");
			}
			if (has_cold)
				printf("  | %6.0f %6.0f %6.0f %5.2f", cold[P_F0], cold[P_N],
				       cold[P_RG], ratio);
			else if (do_cold)
				printf("  | %6s %6s %6s %5s", "-", "-", "-", "-");
			printf("\n");
			fflush(stdout);
		}
	}
	{
		static long long first_total, first_entries;
		char a[32], b[32], c[32], d[32];
		long long percpu = mem.percpu / (ncpu > 0 ? ncpu : 1);

		if (!first_entries) {
			first_total = mem.total;
			first_entries = plan.nentries;
		}
		fprintf(ctl, "%-9s %7d %9.1f %9.1f %9.1f %9.1f %5.1f+%-5.1f %5.1f+%-5.1f %9s %9s "
			"%9s %10s\n", label, plan.nentries, full, add, del, read, edit[0][0],
			edit[0][1], edit[1][0], edit[1][1], fmt_bytes(mem.total, a, sizeof(a)),
			plan.nentries > first_entries ?
			fmt_bytes((mem.total - first_total) / (plan.nentries - first_entries), b,
				  sizeof(b)) : "-",
			fmt_bytes(percpu, c, sizeof(c)),
			fmt_bytes(mem.total - mem.percpu + 128 * percpu, d, sizeof(d)));
	}
	floors_bpf__destroy(r.fl);
	rg_instance_close(&r.in);
	rg_plan_free(&plan);
	rg_plan_free(&plus);
	return 0;
}

int main(int argc, char **argv)
{
	int sizes[8] = { 1000, 10000, 100000 }, nsizes = 3;
	char *text, ctlbuf[4096];
	FILE *f, *ctl;
	long len;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-w"))
			do_cold = false;
		else if (!strcmp(argv[1], "-c"))
			do_warm = false;
		else
			break;
		argc--;
		argv++;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: rg-bench [-w|-c] PLAN [ENTRIES...]\n");
		return 2;
	}
	if (argc > 2) {
		nsizes = 0;
		for (int i = 2; i < argc && nsizes < 8; i++)
			sizes[nsizes++] = atoi(argv[i]);
	}
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, len + 1);
	if (fread(text, 1, len, f) != (size_t)len)
		return 1;
	fclose(f);
	/* one CPU for the whole run: ringguard's cache and counter slots are
	 * per CPU, and a run that moved would start cold
	 */
	{
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(sched_getcpu(), &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	ctl = fmemopen(ctlbuf, sizeof(ctlbuf), "w");
	setvbuf(ctl, NULL, _IONBF, 0);

	printf("Per-packet cost, ns, 64-byte frames, mesh interface, one CPU\n");
	if (do_warm)
		printf("  warm: BPF_PROG_TEST_RUN, %d packets a run, median of %d runs\n",
		       REPEAT, RUNS);
	if (do_cold)
		printf("  cold: %d distinct frames after %d of warm-up, one "
		       "BPF_PROG_TEST_RUN each (repeat 1),\n"
		       "        F0/N/rg in turn on each frame, median over %d blocks of "
		       "the mean\n", COLD_BLOCK * COLD_BLOCKS, COLD_WARMUP, COLD_BLOCKS);
	printf("%-9s %7s  %-10s %-4s %-38s  | %s\n", "", "", "", "",
	       do_warm ? "------------------ warm ---------------" : "",
	       do_cold ? "------------ cold -----------" : "");
	printf("%-9s %7s  %-10s %-4s %6s %6s %6s %6s %5s %5s  | %6s %6s %6s %5s\n", "plan",
	       "entries", "mix", "hook", "F0", "F1", "N", "rg", "rg/N", "net", "F0", "N", "rg",
	       "net");
	if (bench_plan("users", text, ctl))
		return 1;
	free(text);
	for (int i = 0; i < nsizes; i++) {
		char label[32];

		if (sizes[i] < 33)	/* "0": the users' plan only */
			continue;
		text = rg_gen_plan(sizes[i]);
		snprintf(label, sizeof(label), "gen-%d%s", sizes[i] >= 1000 ? sizes[i] / 1000 : sizes[i],
			 sizes[i] >= 1000 ? "k" : "");
		if (!text || bench_plan(label, text, ctl))
			return 1;
		free(text);
	}
	fclose(ctl);
	printf("\n(net: rg/N, both beyond F0 (warm: the hook and the mix driver; cold: the hook "
	       "and the\n timer of one run); cold net is the median over blocks of the ratio)\n\n");
	printf("Control plane (in-process install, the code `sync` runs) and kernel memory\n");
	printf("%-9s %7s %9s %9s %9s %9s %11s %11s %9s %9s %9s %10s\n", "plan", "entries",
	       "full ms", "+1 ms", "-1 ms", "read ms", "edit+1 ms", "edit-1 ms", "maps", "/prefix",
	       "per CPU", "128 CPUs");
	fputs(ctlbuf, stdout);
	return 0;
}
