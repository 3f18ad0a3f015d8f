/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf_shim.h - just enough of bpf_helpers.h / bpf_endian.h for the BPF
 * parse helpers (bpf/parse.h) to compile as plain userspace C, so a fuzzer
 * can hold them to user/plan/frame.c byte for byte.
 */
#ifndef RG_BPF_SHIM_H
#define RG_BPF_SHIM_H

#include <arpa/inet.h>
#include <sys/cdefs.h>		/* __always_inline */
#include <linux/types.h>

#define bpf_htons(x)	htons(x)
#define bpf_ntohs(x)	ntohs(x)
#define bpf_htonl(x)	htonl(x)
#define bpf_ntohl(x)	ntohl(x)

#endif /* RG_BPF_SHIM_H */
