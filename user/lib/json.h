/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * json.h - the one JSON writer of every -j output (bpftool's json_writer
 * idea, our own code): it streams to a FILE as it goes, so a 100k-bucket
 * `stats -j` never builds a tree, and it places the commas and escapes the
 * strings, so no command writes JSON by hand.
 *
 *	struct rg_json j;
 *
 *	rg_json_init(&j, stdout);
 *	rg_json_obj(&j, NULL);			{
 *	rg_json_str(&j, "file", path);		  "file": "...",
 *	rg_json_u64(&j, "entries", n);		  "entries": 73,
 *	rg_json_arr(&j, "problems");		  "problems": [
 *	rg_json_obj(&j, NULL);			    {
 *	rg_json_int(&j, "line", 3);		      "line": 3
 *	rg_json_end(&j);			    }
 *	rg_json_end(&j);			  ]
 *	rg_json_end(&j);			}  and a newline: the document is done
 *	err = rg_json_finish(&j);		-EIO if the stream failed
 *
 * Inside an object every value takes a key; inside an array the key is
 * NULL. A NULL string is written as null. Output is compact, one document
 * per line.
 */
#ifndef RG_JSON_H
#define RG_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define RG_JSON_MAX_DEPTH 16

struct rg_json {
	FILE *f;
	int depth;
	bool first[RG_JSON_MAX_DEPTH];	/* no value yet at this depth */
	char close[RG_JSON_MAX_DEPTH];	/* '}' or ']' */
};

void rg_json_init(struct rg_json *j, FILE *f);
void rg_json_obj(struct rg_json *j, const char *key);
void rg_json_arr(struct rg_json *j, const char *key);
/* Closes the innermost object or array; a newline after the outermost. */
void rg_json_end(struct rg_json *j);

void rg_json_str(struct rg_json *j, const char *key, const char *v);
/* At most n bytes of v (a fixed-size field that may lack its NUL). */
void rg_json_strn(struct rg_json *j, const char *key, const char *v, size_t n);
void rg_json_int(struct rg_json *j, const char *key, int64_t v);
void rg_json_u64(struct rg_json *j, const char *key, uint64_t v);
void rg_json_bool(struct rg_json *j, const char *key, bool v);
void rg_json_null(struct rg_json *j, const char *key);

/* 0, or -EIO when writing failed (the stream is flushed first). */
int rg_json_finish(struct rg_json *j);

/* {"error": msg} on its own line: how every -j command reports a failure. */
void rg_json_error(FILE *f, const char *msg);

#endif /* RG_JSON_H */
