/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * import.h - `ringguard plan import DOC.md [-o FILE]`: turn a markdown
 * allocation plan (headings, tables, "Range:" lines) into a plan file.
 *
 * doc is the document; with output set, the plan goes to that file
 * (atomically, by rename) instead of to `out`. Problems found in the document are reported
 * on `errs` as "DOC:LINE: message", sorted by line ("note: " marks lossy but
 * consistent encodings, such as a range written as its covering prefix).
 * With json, `out` gets one object instead: {"file", "output", "plan" (the
 * text, when no -o), "entries", "hosts", "errors", "notes", "problems":
 * [{"line", "severity": "error"|"note", "message"}]} and `errs` only I/O and
 * usage errors.
 *
 * Returns 0 when the document is consistent, 1 when it has inconsistencies
 * (the best plan it can make is written all the same), -errno on an I/O
 * error (reported on errs).
 */
#ifndef RG_IMPORT_H
#define RG_IMPORT_H

#include <stdbool.h>
#include <stdio.h>

int rg_cmd_plan_import(const char *doc, const char *output, bool json, FILE *out, FILE *errs);

#endif /* RG_IMPORT_H */
