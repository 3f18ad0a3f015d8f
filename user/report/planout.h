/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * planout.h - what the plan commands print. A plan diff
 * (plan/plandiff.h): -j one object with the entries, hosts, lifelines and
 * verdict ranges that changed; text one table per kind of change, with OLD
 * and NEW as given. A plan import (plan/import.h): see rg_import_print.
 */
#ifndef RG_PLANOUT_H
#define RG_PLANOUT_H

#include <stdio.h>
#include "plan/import.h"
#include "plan/plandiff.h"

void rg_diff_print_json(const struct rg_plandiff *d, FILE *out);
/* 0, or -errno when out could not be written */
int rg_diff_print_text(const struct rg_plandiff *d, const char *oldp, const char *newp, FILE *out);

/* With json one object on out: {"file", "output", "plan" (the text, when
 * no output file), "entries", "hosts", "errors", "notes", "problems":
 * [{"file", "line", "severity": "error"|"note", "message"}]}. Without, the plan on
 * out (or, with an output file, a line saying where it went, logged) and
 * the problems logged as DOC:LINE: message (lib/log.h).
 */
void rg_import_print(const struct rg_import *r, const char *doc, const char *output, bool json,
		     FILE *out);

#endif
