// SPDX-License-Identifier: GPL-2.0-only
/*
 * json.c - the streaming JSON writer (see json.h). Strings are escaped as
 * RFC 8259 asks (quote, backslash, control characters); bytes above 0x7f
 * pass through, as the names they come from are the user's own.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "lib/json.h"

void rg_json_init(struct rg_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
}

static void quoted(FILE *f, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	putc_unlocked('"', f);
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = s[i];
		const char *esc = NULL;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (&s[i] > run)
			fwrite_unlocked(run, 1, &s[i] - run, f);
		run = &s[i + 1];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\t': esc = "\\t"; break;
		case '\r': esc = "\\r"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		}
		if (esc) {
			fputs_unlocked(esc, f);
		} else {
			fputs_unlocked("\\u00", f);
			putc_unlocked(hex[c >> 4], f);
			putc_unlocked(hex[c & 0xf], f);
		}
	}
	{
		size_t len = strnlen(run, n - (run - s));

		if (len)
			fwrite_unlocked(run, 1, len, f);
	}
	putc_unlocked('"', f);
}

/* The comma before a value, and its key inside an object. */
static void value(struct rg_json *j, const char *key)
{
	if (!j->first[j->depth])
		putc_unlocked(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		quoted(j->f, key, SIZE_MAX);
		putc_unlocked(':', j->f);
	}
}

static void begin(struct rg_json *j, const char *key, char c)
{
	value(j, key);
	putc_unlocked(c, j->f);
	/* deeper than any output of ours: a bug, caught by the tests */
	if (j->depth == RG_JSON_MAX_DEPTH - 1)
		return;
	j->depth++;
	j->first[j->depth] = true;
	j->close[j->depth] = c == '{' ? '}' : ']';
}

void rg_json_obj(struct rg_json *j, const char *key)
{
	begin(j, key, '{');
}

void rg_json_arr(struct rg_json *j, const char *key)
{
	begin(j, key, '[');
}

void rg_json_end(struct rg_json *j)
{
	if (j->depth == 0)
		return;
	putc_unlocked(j->close[j->depth], j->f);
	if (--j->depth == 0) {
		putc_unlocked('\n', j->f);
		j->first[0] = true;
	}
}

void rg_json_str(struct rg_json *j, const char *key, const char *v)
{
	value(j, key);
	if (v)
		quoted(j->f, v, SIZE_MAX);
	else
		fputs_unlocked("null", j->f);
}

void rg_json_strn(struct rg_json *j, const char *key, const char *v, size_t n)
{
	value(j, key);
	quoted(j->f, v, n);
}

void rg_json_int(struct rg_json *j, const char *key, int64_t v)
{
	value(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void rg_json_u64(struct rg_json *j, const char *key, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	value(j, key);
	/* by hand: the 100k-bucket stats -j writes a million of these */
	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	fwrite_unlocked(p, 1, buf + sizeof(buf) - p, j->f);
}

void rg_json_bool(struct rg_json *j, const char *key, bool v)
{
	value(j, key);
	fputs_unlocked(v ? "true" : "false", j->f);
}

void rg_json_null(struct rg_json *j, const char *key)
{
	value(j, key);
	fputs_unlocked("null", j->f);
}

int rg_json_finish(struct rg_json *j)
{
	return fflush(j->f) || ferror(j->f) ? -EIO : 0;
}

void rg_json_error(FILE *f, const char *msg)
{
	struct rg_json j;

	rg_json_init(&j, f);
	rg_json_obj(&j, NULL);
	rg_json_str(&j, "error", msg);
	rg_json_end(&j);
}
