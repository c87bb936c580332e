/* SPDX-License-Identifier: MIT */
/* Zeroed memory for large tables: small blocks plain, large ones on huge-page boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iou/bigalloc.h"

static void assert_all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			fail_msg("byte %zu is %u, not 0", i, p[i]);
}

static void small_blocks_are_zeroed(void **state)
{
	unsigned char *p = bigalloc_zeroed(1000, 16);

	(void)state;
	assert_non_null(p);
	assert_all_zero(p, 16000);
	bigalloc_free(p);
}

static void large_blocks_are_zeroed_and_start_on_a_huge_page(void **state)
{
	/* Half a huge page, and 24-byte slots that do not fill whole ones. */
	const size_t sizes[][2] = {{BIGALLOC_HUGE / 2, 1}, {(3 * BIGALLOC_HUGE) / 24 + 5, 24}};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i][0], size = sizes[i][1];
		unsigned char *p = bigalloc_zeroed(n, size);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % BIGALLOC_HUGE, 0);
		assert_all_zero(p, n * size);
		memset(p, 0xA5, n * size); /* every byte asked for is there to write */
		bigalloc_free(p);
	}
}

/* Growing from nothing, from malloc memory and from a huge block keeps what was kept. */
static void resizing_keeps_the_bytes_asked_for(void **state)
{
	const size_t steps[] = {100, 4096, BIGALLOC_HUGE / 2, BIGALLOC_HUGE + 1, 5 * BIGALLOC_HUGE};
	unsigned char *p = NULL;
	size_t have = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		p = bigalloc_resize(p, have, steps[i]);
		assert_non_null(p);
		for (size_t j = 0; j < have; j++)
			if (p[j] != (unsigned char)(j * 7))
				fail_msg("byte %zu lost growing to %zu", j, steps[i]);
		if (steps[i] >= BIGALLOC_HUGE / 2)
			assert_int_equal((uintptr_t)p % BIGALLOC_HUGE, 0);
		for (size_t j = have; j < steps[i]; j++)
			p[j] = (unsigned char)(j * 7);
		have = steps[i];
	}
	bigalloc_free(p);
}

static void sizes_that_overflow_are_refused(void **state)
{
	(void)state;
	assert_null(bigalloc_zeroed(SIZE_MAX / 8, 16));
	assert_null(bigalloc_zeroed(SIZE_MAX, 2));
	assert_null(bigalloc_resize(NULL, 0, SIZE_MAX));
	bigalloc_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(small_blocks_are_zeroed),
	    cmocka_unit_test(large_blocks_are_zeroed_and_start_on_a_huge_page),
	    cmocka_unit_test(resizing_keeps_the_bytes_asked_for),
	    cmocka_unit_test(sizes_that_overflow_are_refused),
	};

	return cmocka_run_group_tests_name("bigalloc", tests, NULL, NULL);
}
