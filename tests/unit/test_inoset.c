/* SPDX-License-Identifier: MIT */
/* The (device, inode) set that tells hard-link repeats from first links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "iou/inoset.h"

static void first_insert_is_new_and_second_is_a_repeat(void **state)
{
	struct inoset s = INOSET_INIT;

	(void)state;
	assert_false(inoset_contains(&s, 1, 42));
	assert_int_equal(inoset_insert(&s, 1, 42), 1);
	assert_int_equal(inoset_insert(&s, 1, 42), 0);
	assert_true(inoset_contains(&s, 1, 42));
	/* The same inode number on another device is another file. */
	assert_int_equal(inoset_insert(&s, 2, 42), 1);
	inoset_free(&s);
}

static void survives_growth_with_every_member_kept(void **state)
{
	struct inoset s = INOSET_INIT;
	const uint64_t n = 100000;

	(void)state;
	for (uint64_t i = 1; i <= n; i++)
		assert_int_equal(inoset_insert(&s, inoset_dev(8, 1), i * 7919), 1);
	assert_int_equal(s.count, n);
	for (uint64_t i = 1; i <= n; i++)
		assert_true(inoset_contains(&s, inoset_dev(8, 1), i * 7919));
	assert_false(inoset_contains(&s, inoset_dev(8, 2), 7919));
	inoset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(first_insert_is_new_and_second_is_a_repeat),
	    cmocka_unit_test(survives_growth_with_every_member_kept),
	};

	return cmocka_run_group_tests_name("inoset", tests, NULL, NULL);
}
