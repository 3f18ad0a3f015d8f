/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * model.h - a reference model of ringguard's datapath, written straight
 * from the plan rules (no compilation, no trie) for differential tests.
 */
#ifndef RG_MODEL_H
#define RG_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "plan/plan.h"

#include "plan/frame.h"

enum { RG_M_IP = RG_FRAME_IP, RG_M_OTHER = RG_FRAME_OTHER, RG_M_MALFORMED = RG_FRAME_MALFORMED };

/* The frame parser is shared with replay (user/plan/frame.c); the model proper
 * is the address rule below, written straight from the plan's definitions.
 */
int rg_model_parse(const uint8_t *f, size_t len, int oob_tags, uint8_t src[16],
		   uint8_t dst[16]);

/* bucket: index of the plan entry that counts a, or -1 for unplanned.
 * Returns whether a breaks the plan on an interface of role. v4: a is an
 * IPv4 address (::ffff:a.b.c.d); else IPv6, mapped or not, which only the
 * plan's IPv6 CIDRs cover.
 */
bool rg_model_addr(const struct rg_plan *plan, const uint8_t a[16], bool v4, uint32_t role,
		   int *bucket);

#endif /* RG_MODEL_H */
