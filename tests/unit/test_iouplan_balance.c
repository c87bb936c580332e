/* SPDX-License-Identifier: MIT */
/* Balancing units of work over shards: largest first into the least-loaded shard. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "iouplan/balance.h"

static size_t add(struct balance *b, uint64_t bytes)
{
	size_t index;

	assert_int_equal(balance_add(b, bytes, &index), 0);
	return index;
}

static void the_largest_units_go_first_each_to_the_least_loaded_shard(void **state)
{
	struct balance b = BALANCE_INIT(0);
	struct bundle_load loads[2];
	size_t small = add(&b, 10), big = add(&b, 100), mid = add(&b, 60), mid2 = add(&b, 50);

	(void)state;
	assert_int_equal(balance_assign(&b, 2, loads), 0);
	/* 100 -> 0; 60 -> 1; 50 -> 1 (60 < 100); 10 -> 0 (100 < 110). */
	assert_int_equal(b.units[big].shard, 0);
	assert_int_equal(b.units[mid].shard, 1);
	assert_int_equal(b.units[mid2].shard, 1);
	assert_int_equal(b.units[small].shard, 0);
	assert_true(loads[0].bytes == 110 && loads[1].bytes == 110);
	assert_true(loads[0].entries == 2 && loads[1].entries == 2);
	balance_free(&b);
}

static void each_entry_weighs_the_entry_cost(void **state)
{
	struct balance b = BALANCE_INIT(1000);
	struct bundle_load loads[2];
	size_t group = add(&b, 0), file = add(&b, 2500);

	(void)state;
	/* A hard-link group of four names weighs 4000, more than a 2500-byte file (3500). */
	balance_join(&b, group);
	balance_join(&b, group);
	balance_join(&b, group);
	assert_int_equal(balance_assign(&b, 2, loads), 0);
	assert_int_equal(b.units[group].shard, 0);
	assert_int_equal(b.units[file].shard, 1);
	assert_true(loads[0].entries == 4 && loads[0].bytes == 0);
	assert_true(loads[1].entries == 1 && loads[1].bytes == 2500);
	balance_free(&b);
}

static void equal_units_fill_shards_in_order_and_more_shards_than_units_stay_empty(void **state)
{
	struct balance b = BALANCE_INIT(1);
	struct bundle_load loads[5];

	(void)state;
	for (int i = 0; i < 3; i++)
		add(&b, 7);
	assert_int_equal(balance_assign(&b, 5, loads), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(b.units[i].shard, i);
	assert_true(loads[3].entries == 0 && loads[4].entries == 0);
	balance_free(&b);
}

static void many_units_end_within_one_unit_of_each_other(void **state)
{
	struct balance b = BALANCE_INIT(64);
	struct bundle_load loads[7];
	uint64_t min = UINT64_MAX, max = 0, load;

	(void)state;
	for (uint64_t i = 0; i < 10000; i++)
		add(&b, (i * 7919) % 100000);
	assert_int_equal(balance_assign(&b, 7, loads), 0);
	for (int k = 0; k < 7; k++) {
		load = loads[k].bytes + 64 * loads[k].entries;
		min = load < min ? load : min;
		max = load > max ? load : max;
	}
	assert_true(max - min <= 100000 + 64);
	balance_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_largest_units_go_first_each_to_the_least_loaded_shard),
	    cmocka_unit_test(each_entry_weighs_the_entry_cost),
	    cmocka_unit_test(
		equal_units_fill_shards_in_order_and_more_shards_than_units_stay_empty),
	    cmocka_unit_test(many_units_end_within_one_unit_of_each_other),
	};

	return cmocka_run_group_tests_name("iouplan balance", tests, NULL, NULL);
}
