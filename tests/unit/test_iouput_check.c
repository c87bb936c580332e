/* SPDX-License-Identifier: MIT */
/* The checks iouput makes of a whole plan before it changes anything. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "iouput/check.h"

#define OBJ_D "d --- 8:1 2 2 0755 0 0 4096 8 0:0 1.000000000 1.000000000 1.000000000 - - "
#define OBJ_F "f --- 8:1 3 1 0644 0 0 5 8 0:0 1.000000000 1.000000000 1.000000000 - - "
#define OBJ_H "f h-- 8:1 4 2 0644 0 0 5 8 0:0 1.000000000 1.000000000 1.000000000 - "

/*
 * Check the records of a plan in turn, then the repeats among them: every
 * one passes up to the one numbered fail_at (from 1; 0 for none), which is
 * refused saying because.
 */
static void assert_checked(const char *const *recs, size_t fail_at, const char *because)
{
	struct plan_totals totals = {0};
	struct plan_check c;
	char rec[512];
	const char *why = NULL;
	uint64_t repeat = 0;
	size_t i;
	int ret = 0;

	assert_int_equal(plan_check_init(&c, &totals), 0);
	for (i = 0; recs[i] && !ret; i++) {
		snprintf(rec, sizeof(rec), "%s", recs[i]);
		ret = plan_check_record(&c, rec, strlen(rec), i + 1, &why);
	}
	if (!ret) {
		ret = plan_check_repeats(&c, 0, &repeat, &why);
		i = (size_t)repeat;
	}
	if (!fail_at) {
		assert_int_equal(ret, 0);
	} else {
		assert_int_equal(ret, -EINVAL);
		assert_int_equal(i, fail_at);
		if (!strstr(why, because))
			fail_msg("\"%s\" does not say \"%s\"", why, because);
	}
	plan_check_free(&c);
}

static void a_plan_in_order_passes(void **state)
{
	static const char *const recs[] = {
	    "iou-stream 2.0 plan src",	     "mkdir +++++++++ " OBJ_D ".",
	    "mkdir +++++++++ " OBJ_D "a",    "copy +++++++++ " OBJ_H "- a/f",
	    "link +++++++++ " OBJ_H "a/f g", "dirmeta +++++++++ " OBJ_D "a",
	    "dirmeta +++++++++ " OBJ_D ".",  NULL,
	};

	(void)state;
	assert_checked(recs, 0, NULL);
}

static void a_path_copied_twice_is_refused_at_the_repeat(void **state)
{
	static const char *const recs[] = {
	    "iou-stream 2.0 plan src",
	    "copy +++++++++ " OBJ_F "f",
	    "copy +++++++++ " OBJ_F "g",
	    "copy +++++++++ " OBJ_F "f",
	    NULL,
	};

	(void)state;
	assert_checked(recs, 4, "planned twice");
}

/* Each root is a plan of its own: the same path under two roots is fine. */
static void the_same_path_under_two_roots_passes(void **state)
{
	static const char *const recs[] = {
	    "iou-stream 2.0 plan src",
	    "copy +++++++++ " OBJ_F "f",
	    "iou-stream 2.0 plan src2",
	    "copy +++++++++ " OBJ_F "f",
	    NULL,
	};

	(void)state;
	assert_checked(recs, 0, NULL);
}

static void a_link_before_its_first_members_copy_is_out_of_order(void **state)
{
	static const char *const recs[] = {
	    "iou-stream 2.0 plan src",
	    "link +++++++++ " OBJ_H "f g",
	    "copy +++++++++ " OBJ_H "- f",
	    NULL,
	};

	(void)state;
	assert_checked(recs, 3, "out of order");
}

static void mkdirs_and_creations_may_mix_as_a_streamed_plan_has_them(void **state)
{
	static const char *const recs[] = {
	    "iou-stream 2.0 plan src",
	    "mkdir +++++++++ " OBJ_D ".",
	    "copy +++++++++ " OBJ_F "f",
	    "mkdir +++++++++ " OBJ_D "a",
	    "copy +++++++++ " OBJ_F "a/f",
	    "mkdir +++++++++ " OBJ_D "a/b",
	    NULL,
	};

	(void)state;
	assert_checked(recs, 0, NULL);
}

static void a_delete_after_a_mkdir_is_out_of_order(void **state)
{
	static const char *const recs[] = {
	    "iou-stream 2.0 plan src",
	    "mkdir +++++++++ " OBJ_D "a",
	    "delete ......... " OBJ_F "b",
	    NULL,
	};

	(void)state;
	assert_checked(recs, 3, "out of order");
}

static void a_new_root_starts_over(void **state)
{
	static const char *const recs[] = {
	    "iou-stream 2.0 plan one",	  "dirmeta +++++++++ " OBJ_D ".",
	    "iou-stream 2.0 plan two",	  "delete ......... " OBJ_F "b",
	    "mkdir +++++++++ " OBJ_D ".", NULL,
	};

	(void)state;
	assert_checked(recs, 0, NULL);
}

static void a_mkdir_after_a_mkdir_inside_it_is_refused(void **state)
{
	static const char *const recs[] = {
	    "iou-stream 2.0 plan src",
	    "mkdir +++++++++ " OBJ_D "a/b",
	    "mkdir +++++++++ " OBJ_D "a",
	    NULL,
	};

	(void)state;
	assert_checked(recs, 3, "parents come first");
}

static void a_header_of_another_kind_is_refused(void **state)
{
	static const char *const recs[] = {
	    "iou-stream 2.0 plan src",
	    "mkdir +++++++++ " OBJ_D ".",
	    "iou-stream 2.0 walk src",
	    NULL,
	};

	(void)state;
	assert_checked(recs, 3, "not a plan");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_plan_in_order_passes),
	    cmocka_unit_test(a_path_copied_twice_is_refused_at_the_repeat),
	    cmocka_unit_test(the_same_path_under_two_roots_passes),
	    cmocka_unit_test(a_link_before_its_first_members_copy_is_out_of_order),
	    cmocka_unit_test(mkdirs_and_creations_may_mix_as_a_streamed_plan_has_them),
	    cmocka_unit_test(a_delete_after_a_mkdir_is_out_of_order),
	    cmocka_unit_test(a_new_root_starts_over),
	    cmocka_unit_test(a_mkdir_after_a_mkdir_inside_it_is_refused),
	    cmocka_unit_test(a_header_of_another_kind_is_refused),
	};

	return cmocka_run_group_tests_name("iouput plan checks", tests, NULL, NULL);
}
