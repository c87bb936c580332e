/* SPDX-License-Identifier: MIT */
/* The integer formatters records are written with: what printf would write, byte for byte. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "iou/fmt.h"

/* What a formatter wrote, NUL-terminated, checked against the end it returned. */
#define WROTE(buf, call) (*(call) = '\0', (buf))

static void decimals_have_no_padding_and_reach_uint64_max(void **state)
{
	char b[FMT_DEC_MAX + 1];

	(void)state;
	assert_string_equal(WROTE(b, fmt_u64(b, 0)), "0");
	assert_string_equal(WROTE(b, fmt_u64(b, 7)), "7");
	assert_string_equal(WROTE(b, fmt_u64(b, 10)), "10");
	assert_string_equal(WROTE(b, fmt_u64(b, 99)), "99");
	assert_string_equal(WROTE(b, fmt_u64(b, 100)), "100");
	assert_string_equal(WROTE(b, fmt_u64(b, 4294967295u)), "4294967295");
	assert_string_equal(WROTE(b, fmt_u64(b, 10000000000000000000ull)), "10000000000000000000");
	assert_string_equal(WROTE(b, fmt_u64(b, UINT64_MAX)), "18446744073709551615");
}

static void every_power_of_ten_and_its_neighbours_match_printf(void **state)
{
	char b[FMT_DEC_MAX + 1], want[32];
	uint64_t t = 1;

	(void)state;
	for (int i = 0; i < 20; i++, t *= 10) {
		for (uint64_t v = t - 1; v <= t + 1; v++) {
			snprintf(want, sizeof(want), "%" PRIu64, v);
			assert_string_equal(WROTE(b, fmt_u64(b, v)), want);
		}
	}
}

/* Values of every bit length, and the powers of two around which digit counts turn. */
static void values_of_every_length_match_printf(void **state)
{
	char b[FMT_DEC_MAX + 1], want[32];
	uint64_t x = 0x9E3779B97F4A7C15ull;

	(void)state;
	for (int i = 0; i < 3 * 64 * 100; i++) {
		unsigned shift = (unsigned)(i / 3) % 64;
		uint64_t v = x >> shift; /* pseudo-random, at most 64 - shift bits */

		if (i % 3 == 1)
			v = (uint64_t)1 << shift;
		else if (i % 3 == 2)
			v = ((uint64_t)1 << shift) - 1;
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		snprintf(want, sizeof(want), "%" PRIu64, v);
		assert_string_equal(WROTE(b, fmt_u64(b, v)), want);
		snprintf(want, sizeof(want), "%09" PRIu64, v);
		assert_string_equal(WROTE(b, fmt_u64_zpad(b, v, 9)), want);
	}
}

static void signed_decimals_carry_a_minus_down_to_int64_min(void **state)
{
	char b[FMT_DEC_MAX + 1];

	(void)state;
	assert_string_equal(WROTE(b, fmt_i64(b, 0)), "0");
	assert_string_equal(WROTE(b, fmt_i64(b, -1)), "-1");
	assert_string_equal(WROTE(b, fmt_i64(b, -631152000)), "-631152000");
	assert_string_equal(WROTE(b, fmt_i64(b, INT64_MAX)), "9223372036854775807");
	assert_string_equal(WROTE(b, fmt_i64(b, INT64_MIN)), "-9223372036854775808");
}

/* Nanoseconds are written as %09u: nine digits, more only when the value needs them. */
static void padded_decimals_fill_the_width_with_zeros(void **state)
{
	char b[FMT_DEC_MAX + 1];

	(void)state;
	assert_string_equal(WROTE(b, fmt_u64_zpad(b, 0, 9)), "000000000");
	assert_string_equal(WROTE(b, fmt_u64_zpad(b, 1, 9)), "000000001");
	assert_string_equal(WROTE(b, fmt_u64_zpad(b, 500000000, 9)), "500000000");
	assert_string_equal(WROTE(b, fmt_u64_zpad(b, 999999999, 9)), "999999999");
	assert_string_equal(WROTE(b, fmt_u64_zpad(b, 4294967295u, 9)), "4294967295");
	assert_string_equal(WROTE(b, fmt_u64_zpad(b, 42, 0)), "42");
	assert_string_equal(WROTE(b, fmt_u64_zpad(b, 0, 0)), "0");
}

/* Modes are written as %04o. */
static void octals_fill_the_width_with_zeros(void **state)
{
	char b[FMT_OCT_MAX + 1];

	(void)state;
	assert_string_equal(WROTE(b, fmt_oct_zpad(b, 0, 4)), "0000");
	assert_string_equal(WROTE(b, fmt_oct_zpad(b, 0644, 4)), "0644");
	assert_string_equal(WROTE(b, fmt_oct_zpad(b, 07777, 4)), "7777");
	assert_string_equal(WROTE(b, fmt_oct_zpad(b, 0100644, 4)), "100644");
	assert_string_equal(WROTE(b, fmt_oct_zpad(b, UINT64_MAX, 4)), "1777777777777777777777");
}

/* Digests are written as %016x, lower case. */
static void hexadecimals_are_lower_case_and_fill_the_width_with_zeros(void **state)
{
	char b[17];

	(void)state;
	assert_string_equal(WROTE(b, fmt_hex_zpad(b, 0, 16)), "0000000000000000");
	assert_string_equal(WROTE(b, fmt_hex_zpad(b, 0xABCDEF, 16)), "0000000000abcdef");
	assert_string_equal(WROTE(b, fmt_hex_zpad(b, UINT64_MAX, 16)), "ffffffffffffffff");
	assert_string_equal(WROTE(b, fmt_hex_zpad(b, 0x1F, 8)), "0000001f");
	assert_string_equal(WROTE(b, fmt_hex_zpad(b, 0x123456789, 8)), "123456789");
}

static void nothing_is_written_past_the_returned_end(void **state)
{
	char b[32];

	(void)state;
	memset(b, 'x', sizeof(b));
	assert_ptr_equal(fmt_u64(b, 12345), b + 5);
	assert_int_equal(b[5], 'x');
	assert_ptr_equal(fmt_i64(b, -12), b + 3);
	assert_int_equal(b[5], 'x');
	assert_ptr_equal(fmt_u64_zpad(b, 7, 9), b + 9);
	assert_int_equal(b[9], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(decimals_have_no_padding_and_reach_uint64_max),
	    cmocka_unit_test(every_power_of_ten_and_its_neighbours_match_printf),
	    cmocka_unit_test(values_of_every_length_match_printf),
	    cmocka_unit_test(signed_decimals_carry_a_minus_down_to_int64_min),
	    cmocka_unit_test(padded_decimals_fill_the_width_with_zeros),
	    cmocka_unit_test(octals_fill_the_width_with_zeros),
	    cmocka_unit_test(hexadecimals_are_lower_case_and_fill_the_width_with_zeros),
	    cmocka_unit_test(nothing_is_written_past_the_returned_end),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
