/* SPDX-License-Identifier: MIT */
/* The -i line of iouput: rsync's --itemize-changes notation for each outcome. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iou/plan.h"
#include "iouput/itemize.h"

/* A plan record of one operation on one object; target only where one belongs. */
static struct plan_record record(enum plan_op op, const char *change, char type, const char *path,
				 const char *target)
{
	struct plan_record p = {
	    .op = op,
	    .obj =
		{
		    .type = type,
		    .mode = 0644,
		    .path = path,
		    .path_len = strlen(path),
		    .target = target,
		    .target_len = target ? strlen(target) : 0,
		},
	};

	strcpy(p.change, change);
	return p;
}

/* The line for p ending in outcome, as one string ("" for no line). */
static void assert_line(const struct plan_record *p, enum put_outcome outcome, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(itemize_format(&b, p, outcome), 0);
	assert_int_equal(b.len, strlen(want));
	if (b.len)
		assert_memory_equal(b.data, want, b.len);
	buf_free(&b);
}

static void a_new_file_copied_is_a_greater_than_f_and_pluses(void **state)
{
	struct plan_record p = record(PLAN_COPY, PLAN_CHANGE_NEW, 'f', "dir/file", NULL);

	(void)state;
	assert_line(&p, OUTCOME_DONE, ">f+++++++++ dir/file\n");
}

static void a_file_copied_over_an_older_one_shows_what_differs(void **state)
{
	struct plan_record p = record(PLAN_COPY, ".st......", 'f', "file", NULL);

	(void)state;
	assert_line(&p, OUTCOME_DONE, ">f.st...... file\n");
}

static void made_objects_are_c_with_rsyncs_type_letters(void **state)
{
	static const struct {
		enum plan_op op;
		char type;
		const char *want;
	} cases[] = {
	    {PLAN_MKDIR, 'd', "cd+++++++++ x/\n"}, {PLAN_MKNOD, 'p', "cS+++++++++ x\n"},
	    {PLAN_MKNOD, 's', "cS+++++++++ x\n"},  {PLAN_MKNOD, 'c', "cD+++++++++ x\n"},
	    {PLAN_MKNOD, 'b', "cD+++++++++ x\n"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct plan_record p =
		    record(cases[i].op, PLAN_CHANGE_NEW, cases[i].type, "x", NULL);

		assert_line(&p, OUTCOME_DONE, cases[i].want);
	}
}

static void the_root_directory_is_named_dot_slash(void **state)
{
	struct plan_record p = record(PLAN_MKDIR, PLAN_CHANGE_NEW, 'd', ".", NULL);

	(void)state;
	assert_line(&p, OUTCOME_DONE, "cd+++++++++ ./\n");
}

static void a_symlink_shows_its_target_control_bytes_escaped_as_rsync_does(void **state)
{
	struct plan_record p =
	    record(PLAN_SYMLINK, PLAN_CHANGE_NEW, 'l', "a link", "../t\x01 %20 \xff\x7f");

	(void)state;
	assert_line(&p, OUTCOME_DONE, "cL+++++++++ a link -> ../t\\#001 %20 \xff\\#177\n");
}

static void a_hard_link_shows_its_groups_first_member(void **state)
{
	struct plan_record f = record(PLAN_LINK, PLAN_CHANGE_NEW, 'f', "b/second", "a/first");
	struct plan_record l = record(PLAN_LINK, PLAN_CHANGE_NEW, 'l', "b/sym2", "a/sym1");

	(void)state;
	assert_line(&f, OUTCOME_DONE, "hf+++++++++ b/second => a/first\n");
	/* A hard-linked symlink: its TARGET field is the member, not a symlink target. */
	assert_line(&l, OUTCOME_DONE, "hL+++++++++ b/sym2 => a/sym1\n");
}

static void a_link_found_in_place_is_not_shown(void **state)
{
	struct plan_record f = record(PLAN_LINK, PLAN_CHANGE_NONE, 'f', "b/second", "a/first");

	(void)state;
	assert_line(&f, OUTCOME_NONE, "");
}

static void meta_is_a_dot_with_its_change_and_a_symlinks_target(void **state)
{
	struct plan_record f = record(PLAN_META, "...po....", 'f', "file", NULL);
	struct plan_record l = record(PLAN_META, "..t......", 'l', "sym", "target");

	(void)state;
	assert_line(&f, OUTCOME_DONE, ".f...po.... file\n");
	assert_line(&l, OUTCOME_DONE, ".L..t...... sym -> target\n");
}

static void dirmeta_is_shown_only_when_it_changes_something_visible(void **state)
{
	struct plan_record changed = record(PLAN_DIRMETA, "..t....ax", 'd', "dir", NULL);
	struct plan_record times = record(PLAN_DIRMETA, PLAN_CHANGE_NONE, 'd', "dir", NULL);
	struct plan_record made = record(PLAN_DIRMETA, PLAN_CHANGE_NEW, 'd', "dir", NULL);

	(void)state;
	assert_line(&changed, OUTCOME_DONE, ".d..t....ax dir/\n");
	/* Times restored after the contents changed: nothing the user asked about. */
	assert_line(&times, OUTCOME_DONE, "");
	/* The end of a mkdir, which said "cd+++++++++" already. */
	assert_line(&made, OUTCOME_DONE, "");
}

static void a_verify_says_whether_it_copied_fixed_attributes_or_did_nothing(void **state)
{
	struct plan_record p = record(PLAN_VERIFY, "c.t......", 'f', "file", NULL);

	(void)state;
	assert_line(&p, OUTCOME_COPIED, ">fc.t...... file\n");
	/* The data were equal: the 'c' goes, the rest stays. */
	assert_line(&p, OUTCOME_META_ONLY, ".f..t...... file\n");
	assert_line(&p, OUTCOME_NONE, "");
}

static void a_deletion_is_star_deleting_and_three_spaces(void **state)
{
	struct plan_record f = record(PLAN_DELETE, PLAN_CHANGE_NONE, 'f', "old file", NULL);
	struct plan_record d = record(PLAN_DELETE, PLAN_CHANGE_NONE, 'd', "old/dir", NULL);
	struct plan_record l = record(PLAN_DELETE, PLAN_CHANGE_NONE, 'l', "old link", "target");

	(void)state;
	assert_line(&f, OUTCOME_DONE, "*deleting   old file\n");
	assert_line(&d, OUTCOME_DONE, "*deleting   old/dir/\n");
	/* As rsync: a deleted symlink's target is not shown. */
	assert_line(&l, OUTCOME_DONE, "*deleting   old link\n");
}

static void a_deletion_of_what_was_already_gone_is_not_shown(void **state)
{
	struct plan_record p = record(PLAN_DELETE, PLAN_CHANGE_NONE, 'f', "gone", NULL);

	(void)state;
	assert_line(&p, OUTCOME_NONE, "");
}

static void control_bytes_in_paths_are_escaped_so_that_a_name_cannot_fake_a_line(void **state)
{
	struct plan_record p =
	    record(PLAN_COPY, PLAN_CHANGE_NEW, 'f', "a\n*deleting   b c\t\xe9\\#", NULL);

	(void)state;
	assert_line(&p, OUTCOME_DONE, ">f+++++++++ a\\#012*deleting   b c\\#011\xe9\\#\n");
}

static void a_line_is_appended_to_what_the_buffer_holds(void **state)
{
	struct plan_record p = record(PLAN_COPY, PLAN_CHANGE_NEW, 'f', "f", NULL);
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_int_equal(itemize_format(&b, &p, OUTCOME_DONE), 0);
	assert_int_equal(b.len, 1 + strlen(">f+++++++++ f\n"));
	assert_memory_equal(b.data, "x>f+++++++++ f\n", b.len);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_new_file_copied_is_a_greater_than_f_and_pluses),
	    cmocka_unit_test(a_file_copied_over_an_older_one_shows_what_differs),
	    cmocka_unit_test(made_objects_are_c_with_rsyncs_type_letters),
	    cmocka_unit_test(the_root_directory_is_named_dot_slash),
	    cmocka_unit_test(a_symlink_shows_its_target_control_bytes_escaped_as_rsync_does),
	    cmocka_unit_test(a_hard_link_shows_its_groups_first_member),
	    cmocka_unit_test(a_link_found_in_place_is_not_shown),
	    cmocka_unit_test(meta_is_a_dot_with_its_change_and_a_symlinks_target),
	    cmocka_unit_test(dirmeta_is_shown_only_when_it_changes_something_visible),
	    cmocka_unit_test(a_verify_says_whether_it_copied_fixed_attributes_or_did_nothing),
	    cmocka_unit_test(a_deletion_is_star_deleting_and_three_spaces),
	    cmocka_unit_test(a_deletion_of_what_was_already_gone_is_not_shown),
	    cmocka_unit_test(control_bytes_in_paths_are_escaped_so_that_a_name_cannot_fake_a_line),
	    cmocka_unit_test(a_line_is_appended_to_what_the_buffer_holds),
	};

	return cmocka_run_group_tests_name("iouput itemize", tests, NULL, NULL);
}
