// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_json.c - the streaming JSON writer (user/lib/json.c) every -j output
 * goes through: commas, nesting, escaping, numbers, and that json-c (a
 * real parser) reads back what it wrote.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <json-c/json.h>
#include "lib/json.h"

struct buf {
	char *s;
	size_t len;
	FILE *f;
	struct rg_json j;
};

static void start(struct buf *b)
{
	b->s = NULL;
	b->len = 0;
	b->f = open_memstream(&b->s, &b->len);
	cr_assert_not_null(b->f);
	rg_json_init(&b->j, b->f);
}

static const char *done(struct buf *b)
{
	cr_assert_eq(rg_json_finish(&b->j), 0);
	fclose(b->f);
	return b->s;
}

Test(json, nesting_and_commas)
{
	struct buf b;

	start(&b);
	rg_json_obj(&b.j, NULL);
	rg_json_str(&b.j, "a", "x");
	rg_json_arr(&b.j, "list");
	rg_json_int(&b.j, NULL, -1);
	rg_json_obj(&b.j, NULL);
	rg_json_end(&b.j);
	rg_json_arr(&b.j, NULL);
	rg_json_end(&b.j);
	rg_json_bool(&b.j, NULL, true);
	rg_json_end(&b.j);
	rg_json_null(&b.j, "n");
	rg_json_obj(&b.j, "o");
	rg_json_u64(&b.j, "max", UINT64_MAX);
	rg_json_u64(&b.j, "zero", 0);
	rg_json_end(&b.j);
	rg_json_end(&b.j);
	cr_expect_str_eq(done(&b), "{\"a\":\"x\",\"list\":[-1,{},[],true],\"n\":null,"
				   "\"o\":{\"max\":18446744073709551615,\"zero\":0}}\n");
	free(b.s);
}

Test(json, strings_are_escaped_and_read_back)
{
	const char *nasty = "quote\" back\\slash\ttab\nnl\x01\x1f\x7f caf\xc3\xa9 /";
	json_object *o, *v;
	struct buf b;

	start(&b);
	rg_json_obj(&b.j, NULL);
	rg_json_str(&b.j, "k\"ey", nasty);
	rg_json_str(&b.j, "null", NULL);
	rg_json_end(&b.j);
	done(&b);
	cr_expect(strstr(b.s, "\\u0001\\u001f"), "%s", b.s);
	cr_expect(strstr(b.s, "\\t") && strstr(b.s, "\\n") && strstr(b.s, "\\\""), "%s", b.s);
	o = json_tokener_parse(b.s);
	cr_assert_not_null(o, "not JSON: %s", b.s);
	cr_assert(json_object_object_get_ex(o, "k\"ey", &v));
	cr_expect_str_eq(json_object_get_string(v), nasty);
	cr_assert(json_object_object_get_ex(o, "null", &v));
	cr_expect_null(v);
	json_object_put(o);
	free(b.s);
}

Test(json, fixed_size_fields_stop_at_their_size)
{
	char name[4] = { 'a', 'b', 'c', 'd' };	/* no NUL */
	struct buf b;

	start(&b);
	rg_json_arr(&b.j, NULL);
	rg_json_strn(&b.j, NULL, name, sizeof(name));
	rg_json_strn(&b.j, NULL, "ab\0cd", 5);
	rg_json_end(&b.j);
	cr_expect_str_eq(done(&b), "[\"abcd\",\"ab\"]\n");
	free(b.s);
}

Test(json, one_document_per_line)
{
	struct buf b;

	start(&b);
	rg_json_obj(&b.j, NULL);
	rg_json_end(&b.j);
	rg_json_obj(&b.j, NULL);
	rg_json_int(&b.j, "x", 5);
	rg_json_end(&b.j);
	cr_expect_str_eq(done(&b), "{}\n{\"x\":5}\n");
	free(b.s);
}

Test(json, error_object)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	rg_json_error(f, "plan \"x\": bad");
	fclose(f);
	cr_expect_str_eq(s, "{\"error\":\"plan \\\"x\\\": bad\"}\n");
	free(s);
}
