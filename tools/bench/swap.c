// SPDX-License-Identifier: GPL-2.0-only
/*
 * swap.c - rg-bench-swap MAPS_DIR LIVE NEW: the time from a plan file's
 * rename to the new plan in force, through a daemon watching LIVE. NEW is
 * copied next to LIVE first, then renamed over it (what an editor's save or
 * a ConfigMap update does), and the pinned rg_plan_gen in MAPS_DIR is polled
 * until the generation moves: from then on every packet is judged by the
 * new plan. Prints the milliseconds; fails after 30 s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The generation in force: the first word of rg_plan_gen's value. */
static int gen_of(int fd, __u32 *gen)
{
	__u32 zero = 0;
	__u64 v[4] = {};

	if (bpf_map_lookup_elem(fd, &zero, v))
		return -errno;
	memcpy(gen, v, sizeof(*gen));
	return 0;
}

static int copy(const char *from, const char *to)
{
	char buf[1 << 16];
	FILE *in = fopen(from, "r"), *out = in ? fopen(to, "w") : NULL;
	size_t n;
	int err = 0;

	if (!in || !out)
		err = -errno;
	while (!err && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			err = -EIO;
	if (in)
		fclose(in);
	if (out && fclose(out) && !err)
		err = -errno;
	return err;
}

int main(int argc, char **argv)
{
	char path[4096], tmp[4096];
	__u32 g0, g;
	double t0;
	int fd, err;

	if (argc != 4) {
		fprintf(stderr, "usage: rg-bench-swap MAPS_DIR LIVE NEW\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/rg_plan_gen", argv[1]);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.swap-%d", argv[2], (int)getpid());
	err = copy(argv[3], tmp);
	if (!err)
		err = gen_of(fd, &g0);
	if (err) {
		fprintf(stderr, "cannot prepare the swap: %s\n", strerror(-err));
		unlink(tmp);
		return 1;
	}
	usleep(300000);		/* the daemon is done with the copy's events */
	t0 = now_ms();
	if (rename(tmp, argv[2])) {
		fprintf(stderr, "cannot rename %s to %s: %s\n", tmp, argv[2], strerror(errno));
		unlink(tmp);
		return 1;
	}
	do {
		if (gen_of(fd, &g))
			return 1;
		if (g != g0) {
			printf("%.1f\n", now_ms() - t0);
			return 0;
		}
		usleep(50);
	} while (now_ms() - t0 < 30000);
	fprintf(stderr, "the generation did not move within 30 s\n");
	return 1;
}
