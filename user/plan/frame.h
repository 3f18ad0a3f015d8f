/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * frame.h - parse a frame in userspace the way bpf/parse.h does (replay's
 * per-frame report, and the tests' reference model).
 */
#ifndef RG_FRAME_H
#define RG_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "plan/plan.h"

enum { RG_FRAME_IP, RG_FRAME_OTHER, RG_FRAME_MALFORMED };



struct rg_frame {
	int kind;		/* RG_FRAME_* */
	uint8_t src[16];	/* IPv4 as ::ffff:a.b.c.d */
	uint8_t dst[16];
	bool v4;
	uint8_t proto;
	int inner;		/* RG_INNER_* */
	const char *encap;	/* "vxlan" or "geneve" when the port matched */
	uint8_t isrc[16];
	uint8_t idst[16];
	bool iv4;
	uint8_t iproto;
};

/* The outer frame and, with ports, one level of VXLAN or Geneve inside.
 * oob_tags: VLAN tags held out of band (tc). Returns f->kind.
 */
int rg_frame_decode(const uint8_t *f, size_t len, int oob_tags,
		    const struct rg_encap_ports *ports, struct rg_frame *out);

/* Fills 16-byte addresses (IPv4 as ::ffff:a.b.c.d) and the L4 protocol
 * of the outer frame.
 */
int rg_frame_parse(const uint8_t *f, size_t len, int oob_tags, uint8_t src[16],
		   uint8_t dst[16], uint8_t *proto);

#endif /* RG_FRAME_H */
