/* SPDX-License-Identifier: MIT */
/* Tree order: a path may not come after something inside it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iou/treeorder.h"

static int add(struct treeorder *t, const char *path)
{
	return treeorder_add(t, path, strlen(path));
}

static void parents_first_is_accepted(void **state)
{
	struct treeorder t = TREEORDER_INIT;

	(void)state;
	assert_int_equal(add(&t, "."), 0);
	assert_int_equal(add(&t, "a"), 0);
	assert_int_equal(add(&t, "a/b"), 0);
	assert_int_equal(add(&t, "a/b/c"), 0);
	assert_int_equal(add(&t, "a/bc"), 0);
	assert_int_equal(add(&t, "ab"), 0);
	treeorder_free(&t);
}

static void missing_parents_are_accepted(void **state)
{
	struct treeorder t = TREEORDER_INIT;

	(void)state;
	assert_int_equal(add(&t, "x/y/z"), 0);
	assert_int_equal(add(&t, "x/y/w"), 0);
	assert_int_equal(add(&t, "q"), 0);
	treeorder_free(&t);
}

static void a_directory_after_its_contents_is_refused(void **state)
{
	struct treeorder t = TREEORDER_INIT;

	(void)state;
	assert_int_equal(add(&t, "a/b/c"), 0);
	assert_int_equal(add(&t, "a/b"), -EINVAL);
	assert_int_equal(add(&t, "a"), -EINVAL);
	treeorder_free(&t);
}

static void the_root_after_anything_is_refused(void **state)
{
	struct treeorder t = TREEORDER_INIT;

	(void)state;
	assert_int_equal(add(&t, "f"), 0);
	assert_int_equal(add(&t, "."), -EINVAL);
	treeorder_free(&t);
	/* Freed, it starts a new root. */
	assert_int_equal(add(&t, "."), 0);
	treeorder_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parents_first_is_accepted),
	    cmocka_unit_test(missing_parents_are_accepted),
	    cmocka_unit_test(a_directory_after_its_contents_is_refused),
	    cmocka_unit_test(the_root_after_anything_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
