/* SPDX-License-Identifier: MIT */
/* Sizes on the command line: numbers with binary suffixes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "iou/size.h"

static uint64_t parsed(const char *s)
{
	uint64_t v = 0;

	assert_int_equal(size_parse(s, &v), 0);
	return v;
}

static void plain_numbers_are_bytes(void **state)
{
	(void)state;
	assert_int_equal(parsed("0"), 0);
	assert_int_equal(parsed("4096"), 4096);
}

static void suffixes_are_powers_of_1024_in_any_spelling(void **state)
{
	(void)state;
	assert_int_equal(parsed("64K"), 65536);
	assert_int_equal(parsed("64k"), 65536);
	assert_int_equal(parsed("1MiB"), 1048576);
	assert_int_equal(parsed("1mb"), 1048576);
	assert_int_equal(parsed("4G"), (uint64_t)4 << 30);
	assert_int_equal(parsed("2T"), (uint64_t)2 << 40);
}

static void anything_else_is_refused(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(size_parse("", &v), -EINVAL);
	assert_int_equal(size_parse("-1", &v), -EINVAL);
	assert_int_equal(size_parse(" 1", &v), -EINVAL);
	assert_int_equal(size_parse("1X", &v), -EINVAL);
	assert_int_equal(size_parse("1KK", &v), -EINVAL);
	assert_int_equal(size_parse("1.5M", &v), -EINVAL);
	assert_int_equal(size_parse("K", &v), -EINVAL);
}

static void sizes_that_overflow_are_refused(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(size_parse("99999999999999999999", &v), -ERANGE);
	assert_int_equal(size_parse("16777216T", &v), -ERANGE);
	assert_int_equal(parsed("16777215T"), (uint64_t)16777215 << 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_numbers_are_bytes),
	    cmocka_unit_test(suffixes_are_powers_of_1024_in_any_spelling),
	    cmocka_unit_test(anything_else_is_refused),
	    cmocka_unit_test(sizes_that_overflow_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
