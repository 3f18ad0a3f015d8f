/* SPDX-License-Identifier: GPL-2.0-only */
/* show.h - `status` and `stats` output (table, or JSON with -j). */
#ifndef RG_SHOW_H
#define RG_SHOW_H

#include <stdbool.h>
#include "state.h"

int rg_show_stats(const struct rg_maps *m, bool json, bool all);
int rg_show_status(const struct rg_maps *m, const char *dir, bool json);

#endif /* RG_SHOW_H */
