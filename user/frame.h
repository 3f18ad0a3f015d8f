/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * frame.h - parse a frame in userspace the way bpf/parse.h does (replay's
 * per-frame report, and the tests' reference model).
 */
#ifndef RG_FRAME_H
#define RG_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum { RG_FRAME_IP, RG_FRAME_OTHER, RG_FRAME_MALFORMED };

/* Fills 16-byte addresses (IPv4 as ::ffff:a.b.c.d) and the L4 protocol.
 * oob_tags: VLAN tags held out of band (tc).
 */
int rg_frame_parse(const uint8_t *f, size_t len, int oob_tags, uint8_t src[16],
		   uint8_t dst[16], uint8_t *proto);

#endif /* RG_FRAME_H */
