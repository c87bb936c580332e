/* SPDX-License-Identifier: MIT */
/* Finding repeated keys in bounded memory, in memory and through spilled runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "iou/dupcheck.h"

/* A key of index i: distinct for distinct i, spread over both words. */
static void add_distinct(struct dupcheck *d, uint64_t i, uint64_t tag)
{
	assert_int_equal(dupcheck_add(d, i * 0x9E3779B97F4A7C15ull, i ^ 0xABCDu, tag), 0);
}

static void distinct_keys_pass(size_t run_cap, uint64_t n)
{
	struct dupcheck d;
	uint64_t tag = 0;

	assert_int_equal(dupcheck_init(&d, run_cap), 0);
	for (uint64_t i = 0; i < n; i++)
		add_distinct(&d, i, i + 1);
	assert_int_equal(dupcheck_finish(&d, &tag), 0);
	dupcheck_free(&d);
}

static void distinct_keys_are_accepted_in_memory_and_spilled(void **state)
{
	(void)state;
	distinct_keys_pass(1 << 12, 1000);
	distinct_keys_pass(16, 1000);	/* 63 spilled runs */
	distinct_keys_pass(2, 5);	/* the smallest run */
	distinct_keys_pass(1 << 12, 0); /* nothing at all */
}

/* Keys that agree in one word only are different keys. */
static void keys_equal_in_one_word_are_distinct(void **state)
{
	struct dupcheck d;
	uint64_t tag = 0;

	(void)state;
	assert_int_equal(dupcheck_init(&d, 4), 0);
	assert_int_equal(dupcheck_add(&d, 1, 2, 1), 0);
	assert_int_equal(dupcheck_add(&d, 1, 3, 2), 0);
	assert_int_equal(dupcheck_add(&d, 4, 2, 3), 0);
	assert_int_equal(dupcheck_finish(&d, &tag), 0);
	dupcheck_free(&d);
}

/*
 * The reported tag is the first record that repeats an earlier one: with
 * A at 1, 40, 90 and B at 20, 60, the answer is 40, however runs fall.
 */
static void the_first_repeat_is_reported(size_t run_cap)
{
	struct dupcheck d;
	uint64_t tag = 0;

	assert_int_equal(dupcheck_init(&d, run_cap), 0);
	for (uint64_t i = 1; i <= 100; i++) {
		if (i == 1 || i == 40 || i == 90)
			assert_int_equal(dupcheck_add(&d, 7, 7, i), 0);
		else if (i == 20 || i == 60)
			assert_int_equal(dupcheck_add(&d, 8, 8, i), 0);
		else
			add_distinct(&d, i + 1000, i);
	}
	assert_int_equal(dupcheck_finish(&d, &tag), 1);
	assert_int_equal(tag, 40);
	dupcheck_free(&d);
}

static void the_first_repeat_is_reported_in_memory_and_spilled(void **state)
{
	(void)state;
	the_first_repeat_is_reported(1000);
	the_first_repeat_is_reported(3);
	the_first_repeat_is_reported(10);
}

/* A repeat whose two keys fall in different spilled runs is found. */
static void a_repeat_across_runs_is_found(void **state)
{
	struct dupcheck d;
	uint64_t tag = 0;

	(void)state;
	assert_int_equal(dupcheck_init(&d, 8), 0);
	assert_int_equal(dupcheck_add(&d, 5, 5, 1), 0);
	for (uint64_t i = 2; i < 500; i++)
		add_distinct(&d, i, i);
	assert_int_equal(dupcheck_add(&d, 5, 5, 500), 0);
	assert_int_equal(dupcheck_finish(&d, &tag), 1);
	assert_int_equal(tag, 500);
	dupcheck_free(&d);
}

/*
 * Keys that share most of their bytes, as fingerprints never do but a
 * chosen input might: the same hi word, lo words differing in one byte,
 * many copies of one key. The first repeat is still the one reported.
 */
static void keys_sharing_most_bytes_are_told_apart(size_t run_cap)
{
	struct dupcheck d;
	uint64_t tag = 0, t = 0;

	assert_int_equal(dupcheck_init(&d, run_cap), 0);
	/* 3000 keys alike but for one byte of lo: distinct. */
	for (uint64_t i = 0; i < 3000; i++)
		assert_int_equal(dupcheck_add(&d, 42, (i % 256) << 8 | (i / 256) << 40, ++t), 0);
	/* One key 500 times, from tag 3001 on: its second copy is the first repeat. */
	for (uint64_t i = 0; i < 500; i++)
		assert_int_equal(dupcheck_add(&d, 42, 1, ++t), 0);
	assert_int_equal(dupcheck_finish(&d, &tag), 1);
	assert_int_equal(tag, 3002);
	dupcheck_free(&d);
}

static void keys_sharing_most_bytes_are_told_apart_in_memory_and_spilled(void **state)
{
	(void)state;
	keys_sharing_most_bytes_are_told_apart(1 << 14);
	keys_sharing_most_bytes_are_told_apart(1000);
	keys_sharing_most_bytes_are_told_apart(7);
}

/* Many evenly spread keys, in the order they come: one planted repeat is found. */
static void a_repeat_among_many_spread_keys_is_found(void **state)
{
	struct dupcheck d;
	uint64_t tag = 0;

	(void)state;
	assert_int_equal(dupcheck_init(&d, 1 << 17), 0);
	for (uint64_t i = 1; i <= 100000; i++)
		add_distinct(&d, i == 77777 ? 12345 : i, i);
	assert_int_equal(dupcheck_finish(&d, &tag), 1);
	assert_int_equal(tag, 77777);
	dupcheck_free(&d);
}

/* After finish, the check starts over: old keys do not collide with new ones. */
static void finish_empties_the_check(void **state)
{
	struct dupcheck d;
	uint64_t tag = 0;

	(void)state;
	assert_int_equal(dupcheck_init(&d, 4), 0);
	for (uint64_t i = 0; i < 10; i++)
		add_distinct(&d, i, i);
	assert_int_equal(dupcheck_finish(&d, &tag), 0);
	for (uint64_t i = 0; i < 10; i++)
		add_distinct(&d, i, i);
	assert_int_equal(dupcheck_finish(&d, &tag), 0);
	dupcheck_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(distinct_keys_are_accepted_in_memory_and_spilled),
	    cmocka_unit_test(keys_equal_in_one_word_are_distinct),
	    cmocka_unit_test(the_first_repeat_is_reported_in_memory_and_spilled),
	    cmocka_unit_test(a_repeat_across_runs_is_found),
	    cmocka_unit_test(keys_sharing_most_bytes_are_told_apart_in_memory_and_spilled),
	    cmocka_unit_test(a_repeat_among_many_spread_keys_is_found),
	    cmocka_unit_test(finish_empties_the_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
