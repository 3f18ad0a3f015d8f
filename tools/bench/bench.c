// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench.c - rg-bench: ringguard's XDP program against floors compiled into
 * the bench (tools/bench/floors.bpf.c: F0 return only, F1 parse only, N the
 * naive two-lookup design), side by side in one run, with
 * BPF_PROG_TEST_RUN: median of 5 runs, 2 x 10^5 packets each.
 *
 * Plans: the users' (maps/sol.plan), and generated ones of ~1k and ~10k
 * entries shaped like it (per cluster: mesh, egress and loopback /64s with
 * /128s, a pod /60 with per-node /64s, a service /108, an LB /112, IPv4
 * pools). Mixes: one flow (the same frame over and over: everything hot),
 * and uniform (256 frames to random addresses of the plan, cycled).
 *
 *   rg-bench PLAN
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "frames.h"
#include "install.h"
#include "instance.h"
#include "floors.skel.h"

#define RUNS	5
#define PACKETS	200000
#define NFLOWS	256

static unsigned long long rng = 0x52474252;

static unsigned int rn(unsigned int n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (rng >> 33) % n;
}

/* A plan shaped like the users', for `clusters` clusters. */
static char *gen_plan(int clusters)
{
	size_t cap = 4096 + (size_t)clusters * 4096, n = 0;
	char *t = malloc(cap);

	n += sprintf(t + n, "zone internal mesh fc00::/8\nzone external egress fd00::/8\n");
	for (int c = 1; c <= clusters; c++) {
		n += sprintf(t + n, "prefix c%d-mesh fc00:%x::/64\n", c, c);
		n += sprintf(t + n, "prefix c%d-egress fd00:%x::/64\n", c, c);
		n += sprintf(t + n, "prefix c%d-lo fd00:255:%x::/64 allow mesh\n", c, c);
		n += sprintf(t + n, "prefix c%d-pods fd00:%x:44::/60 allow mesh\n", c, c);
		n += sprintf(t + n, "prefix c%d-svc fd00:%x:96::/108\n", c, c);
		n += sprintf(t + n, "prefix c%d-lb fd00:%x:cafe::/112\n", c, c);
		n += sprintf(t + n, "prefix c%d-pods-v4 10.%d.%d.0/24\n", c, c >> 8, c & 255);
		for (int node = 1; node <= 6; node++) {
			n += sprintf(t + n, "prefix c%d-n%d-mesh fc00:%x::%x/128\n", c, node, c, node);
			n += sprintf(t + n, "prefix c%d-n%d-egress fd00:%x::%x/128\n", c, node, c, node);
			n += sprintf(t + n, "prefix c%d-n%d-lo fd00:255:%x::%x/128\n", c, node, c, node);
			n += sprintf(t + n, "prefix c%d-n%d-pods fd00:%x:44:%x::/64\n", c, node, c, node);
		}
	}
	return t;
}

/* A frame between two random addresses inside random entries of the plan. */
static size_t random_frame(const struct rg_plan *plan, uint8_t *f, size_t cap)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	uint8_t a[2][16];

	for (int k = 0; k < 2; k++) {
		const struct rg_entry *e;

		do
			e = &plan->entries[rn(plan->nentries)];
		while (e->cidr.v4);
		memcpy(a[k], e->cidr.addr, 16);
		for (int bit = e->cidr.len; bit < 128; bit++)
			if (rn(2))
				a[k][bit / 8] |= 0x80 >> (bit % 8);
	}
	inet_ntop(AF_INET6, a[0], s, sizeof(s));
	inet_ntop(AF_INET6, a[1], d, sizeof(d));
	return rg_frame_ip(f, cap, s, d, NULL, 0, 64);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ns per packet over the frames, median of RUNS */
static double measure(int prog, uint8_t frames[][128], const size_t *len, int nframes)
{
	double runs[RUNS];

	for (int r = 0; r < RUNS; r++) {
		double total = 0;

		for (int i = 0; i < nframes; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frames[i],
				    .data_size_in = len[i], .repeat = PACKETS / nframes);

			if (bpf_prog_test_run_opts(prog, &o))
				return -1;
			total += o.duration;
		}
		runs[r] = total / nframes;
	}
	qsort(runs, RUNS, sizeof(runs[0]), cmp_double);
	return runs[RUNS / 2];
}

static int bench_plan(const char *label, const char *text)
{
	static uint8_t frames[NFLOWS][128];
	static size_t len[NFLOWS];
	struct rg_plan plan;
	struct rg_instance in;
	struct floors_bpf *fl;
	FILE *null = fopen("/dev/null", "w");
	int n = rg_plan_parse(text, strlen(text), label, &plan, null ? null : stderr);

	if (null)
		fclose(null);
	if (n) {
		fprintf(stderr, "%s: plan rejected (%d errors)\n", label, n);
		return 1;
	}
	if (rg_instance_open(&in) || rg_install(&in.m, &plan, label) < 0) {
		fprintf(stderr, "cannot load ringguard (run as root)\n");
		return 1;
	}
	fl = floors_bpf__open_and_load();
	if (!fl) {
		fprintf(stderr, "cannot load the floors\n");
		return 1;
	}
	for (int i = 0; i < plan.nentries; i++) {
		struct rg_lpm_key k = { .prefixlen = plan.entries[i].cidr.len };
		struct { __u32 bucket, breaks; } v = { plan.entries[i].bucket_of,
						       plan.entries[i].breaks };

		memcpy(k.addr, plan.entries[i].cidr.addr, 16);
		bpf_map_update_elem(bpf_map__fd(fl->maps.naive_trie), &k, &v, BPF_ANY);
	}
	rg_instance_role(&in, RG_ROLE_MESH);

	for (int mix = 0; mix < 2; mix++) {
		int nframes = mix ? NFLOWS : 1;
		double f0, f1, nv, rg;

		for (int i = 0; i < nframes; i++)
			len[i] = mix ? random_frame(&plan, frames[i], sizeof(frames[i])) :
				 rg_frame_ip(frames[i], sizeof(frames[i]), "fc00:101::11",
					     "fc00:20::1", NULL, 0, 64);
		if (!mix && strcmp(label, "sol.plan"))
			len[0] = random_frame(&plan, frames[0], sizeof(frames[0]));
		f0 = measure(bpf_program__fd(fl->progs.f0), frames, len, nframes);
		f1 = measure(bpf_program__fd(fl->progs.f1), frames, len, nframes);
		nv = measure(bpf_program__fd(fl->progs.naive), frames, len, nframes);
		rg = measure(in.xdp_fd, frames, len, nframes);
		printf("%-10s %6d  %-8s %7.1f %7.1f %7.1f %10.1f %9.2f\n", label, plan.nentries,
		       mix ? "uniform" : "one flow", f0, f1, nv, rg, nv > 0 ? rg / nv : 0);
	}
	floors_bpf__destroy(fl);
	rg_instance_close(&in);
	rg_plan_free(&plan);
	return 0;
}

int main(int argc, char **argv)
{
	const int sizes[] = { 40, 400 };
	char *text;
	FILE *f;
	long len;

	if (argc != 2) {
		fprintf(stderr, "usage: rg-bench PLAN\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f)
		return 1;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, len + 1);
	if (fread(text, 1, len, f) != (size_t)len)
		return 1;
	fclose(f);

	printf("XDP ns/pkt, BPF_PROG_TEST_RUN, median of %d x %d packets, 64-byte frames\n",
	       RUNS, PACKETS);
	printf("%-10s %6s  %-8s %7s %7s %7s %10s %9s\n", "plan", "entries", "mix", "F0", "F1",
	       "N", "ringguard", "rg/N");
	if (bench_plan("sol.plan", text))
		return 1;
	free(text);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char label[32];

		text = gen_plan(sizes[i]);
		snprintf(label, sizeof(label), "gen-%d", sizes[i]);
		if (bench_plan(label, text))
			return 1;
		free(text);
	}
	return 0;
}
