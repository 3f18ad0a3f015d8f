// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcxload.c - rg-tcx: attach one of tests/bpf/testprogs.bpf.c's programs
 * to an interface's tc egress, at the head or the tail of the tcx chain (or
 * as a clsact filter), pinned at PIN so it outlives this process.
 *
 *   rg-tcx attach OBJ PROG IFNAME head|tail|head-in|clsact|xdp PIN
 *                          head, tail: tcx egress (BPF_F_BEFORE, BPF_F_AFTER);
 *                          head-in: tcx ingress, BPF_F_BEFORE;
 *                          xdp: the XDP hook, through netlink and without a
 *                          link (as ip and most tools do), native mode
 *   rg-tcx count PIN       packets the "count" program saw
 *   rg-tcx detach PIN      (an XDP program: rg-tcx xdp-off IFNAME)
 *   rg-tcx link-detach LINK  detaches the pinned link LINK (anyone's: as
 *                          `bpftool link detach` does), leaving it pinned
 *   rg-tcx query IFNAME    what is attached: "xdp=NAME:ID tcx=NAME:ID,NAME:ID"
 *                          (Debian 12's bpftool predates tcx and cannot tell)
 *   rg-tcx query-in IFNAME the same with tc ingress: "xdp=... tcxin=..."
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#ifndef BPF_F_BEFORE
#define BPF_F_BEFORE	(1U << 3)
#define BPF_F_AFTER	(1U << 4)
#endif
#define TCX_INGRESS	46
#define TCX_EGRESS	47

static int attach(int argc, char **argv)
{
	const char *pin = argv[6];
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[512];
	int ifindex, fd;

	if (argc != 7)
		return 2;
	ifindex = if_nametoindex(argv[4]);
	obj = bpf_object__open_file(argv[2], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "rg-tcx: cannot load %s\n", argv[2]);
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, argv[3]);
	map = bpf_object__find_map_by_name(obj, "seen");
	if (!prog || !ifindex || !map)
		return 1;
	if (mkdir(pin, 0700) && errno != EEXIST)
		return 1;
	snprintf(path, sizeof(path), "%s/seen", pin);
	if (bpf_map__pin(map, path))
		return 1;
	if (!strcmp(argv[5], "xdp")) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, xo);

		if (bpf_xdp_attach(ifindex, bpf_program__fd(prog), XDP_FLAGS_DRV_MODE, &xo)) {
			fprintf(stderr, "rg-tcx: xdp attach: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	if (!strcmp(argv[5], "clsact")) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = 7, .priority = 7,
			    .prog_fd = bpf_program__fd(prog));

		bpf_tc_hook_create(&hook);
		if (bpf_tc_attach(&hook, &o))
			return 1;
		snprintf(path, sizeof(path), "%s/clsact-%d", pin, ifindex);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		close(fd);
		return 0;
	} else {
		bool in = !strcmp(argv[5], "head-in");
		LIBBPF_OPTS(bpf_link_create_opts, lo,
			    .flags = !strcmp(argv[5], "tail") ? BPF_F_AFTER : BPF_F_BEFORE);

		fd = bpf_link_create(bpf_program__fd(prog), ifindex, in ? TCX_INGRESS : TCX_EGRESS,
				     &lo);
		if (fd < 0) {
			fprintf(stderr, "rg-tcx: tcx attach: %s\n", strerror(errno));
			return 1;
		}
		snprintf(path, sizeof(path), "%s/link", pin);
		return bpf_obj_pin(fd, path) ? 1 : 0;
	}
}

static void print_prog(__u32 id, bool first)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
		printf("%s%s:%u", first ? "" : ",", info.name, id);
	if (fd >= 0)
		close(fd);
}

static int query(const char *ifname, bool ingress)
{
	int ifindex = if_nametoindex(ifname);
	LIBBPF_OPTS(bpf_xdp_query_opts, xq);
	__u32 ids[64], cnt = 64;

	if (!ifindex)
		return 1;
	printf("xdp=");
	if (!bpf_xdp_query(ifindex, 0, &xq) && xq.prog_id)
		print_prog(xq.prog_id, true);
	printf(ingress ? " tcxin=" : " tcx=");
	if (!bpf_prog_query(ifindex, ingress ? TCX_INGRESS : TCX_EGRESS, 0, NULL, ids, &cnt))
		for (__u32 i = 0; i < cnt; i++)
			print_prog(ids[i], i == 0);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	char path[512];

	if (argc == 3 && !strcmp(argv[1], "query"))
		return query(argv[2], false);
	if (argc == 3 && !strcmp(argv[1], "query-in"))
		return query(argv[2], true);
	if (argc == 3 && !strcmp(argv[1], "xdp-off"))
		return bpf_xdp_detach(if_nametoindex(argv[2]), 0, NULL) ? 1 : 0;

	if (argc == 3 && !strcmp(argv[1], "link-detach")) {
		int fd = bpf_obj_get(argv[2]);

		if (fd < 0 || bpf_link_detach(fd)) {
			fprintf(stderr, "rg-tcx: link-detach %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "attach"))
		return attach(argc, argv);
	if (argc == 3 && !strcmp(argv[1], "count")) {
		__u64 n = 0;
		__u32 zero = 0;
		int fd;

		snprintf(path, sizeof(path), "%s/seen", argv[2]);
		fd = bpf_obj_get(path);
		if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &n))
			return 1;
		printf("%llu\n", (unsigned long long)n);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "detach")) {
		char cmd[600];

		/* unpinning the link detaches it; clsact filters go with their qdisc */
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", argv[2]);
		return system(cmd) ? 1 : 0;
	}
	fprintf(stderr, "usage: rg-tcx attach OBJ PROG IFNAME head|tail|head-in|clsact|xdp PIN | count PIN | "
		"detach PIN | link-detach LINK | xdp-off IFNAME | query[-in] IFNAME\n");
	return 2;
}
