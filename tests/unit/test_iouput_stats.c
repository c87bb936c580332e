/* SPDX-License-Identifier: MIT */
/* What iouput's --stats counts for each outcome, and how --progress reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iou/plan.h"
#include "iouput/progress.h"
#include "iouput/stats.h"

static struct plan_record record(enum plan_op op, const char *change, char type, uint64_t size)
{
	struct plan_record p = {
	    .op = op,
	    .obj = {.type = type, .size = size, .path = "x", .path_len = 1},
	};

	strcpy(p.change, change);
	return p;
}

static unsigned long long get(atomic_ullong *counter)
{
	return atomic_load(counter);
}

static void the_plan_totals_count_every_record_and_the_bytes_of_copy_and_verify(void **state)
{
	struct plan_totals t = {0};
	struct plan_record copy = record(PLAN_COPY, PLAN_CHANGE_NEW, 'f', 100);
	struct plan_record verify = record(PLAN_VERIFY, "c........", 'f', 20);
	struct plan_record meta = record(PLAN_META, "..t......", 'f', 5000);
	struct plan_record dir = record(PLAN_MKDIR, PLAN_CHANGE_NEW, 'd', 4096);

	(void)state;
	stats_total_add(&t, &copy);
	stats_total_add(&t, &verify);
	stats_total_add(&t, &meta);
	stats_total_add(&t, &dir);
	assert_int_equal(t.entries, 4);
	assert_int_equal(t.bytes, 120);
}

static void new_objects_are_counted_by_kind(void **state)
{
	struct put_stats s;
	struct plan_record made[] = {
	    record(PLAN_COPY, PLAN_CHANGE_NEW, 'f', 1),
	    record(PLAN_MKDIR, PLAN_CHANGE_NEW, 'd', 0),
	    record(PLAN_MKDIR, PLAN_CHANGE_NEW, 'd', 0),
	    record(PLAN_SYMLINK, PLAN_CHANGE_NEW, 'l', 0),
	    record(PLAN_MKNOD, PLAN_CHANGE_NEW, 'p', 0),
	    record(PLAN_LINK, PLAN_CHANGE_NEW, 'f', 1),
	    record(PLAN_COPY, ".st......", 'f', 1), /* replaced, not created */
	};

	(void)state;
	stats_init(&s);
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		stats_note(&s, &made[i], OUTCOME_DONE, true);
	assert_int_equal(get(&s.created[STATS_REG]), 1);
	assert_int_equal(get(&s.created[STATS_DIR]), 2);
	assert_int_equal(get(&s.created[STATS_SYMLINK]), 1);
	assert_int_equal(get(&s.created[STATS_SPECIAL]), 1);
	assert_int_equal(get(&s.created[STATS_HARDLINK]), 1);
	assert_int_equal(get(&s.files_copied), 2);
	assert_int_equal(get(&s.bytes_copied), 2);
}

static void a_verify_counts_as_a_copy_or_a_metadata_update_or_neither(void **state)
{
	struct put_stats s;
	struct plan_record p = record(PLAN_VERIFY, "c.t......", 'f', 300);

	(void)state;
	stats_init(&s);
	stats_note(&s, &p, OUTCOME_COPIED, true);
	assert_int_equal(get(&s.files_copied), 1);
	assert_int_equal(get(&s.bytes_copied), 300);
	stats_note(&s, &p, OUTCOME_META_ONLY, true);
	stats_note(&s, &p, OUTCOME_NONE, true);
	assert_int_equal(get(&s.files_copied), 1);
	assert_int_equal(get(&s.meta_only), 1);
	/* Compared or copied, its bytes are done. */
	assert_int_equal(get(&s.bytes_done), 900);
	assert_int_equal(get(&s.done), 3);
}

static void deletions_count_only_what_was_there(void **state)
{
	struct put_stats s;
	struct plan_record p = record(PLAN_DELETE, PLAN_CHANGE_NONE, 'f', 7);

	(void)state;
	stats_init(&s);
	stats_note(&s, &p, OUTCOME_DONE, true);
	stats_note(&s, &p, OUTCOME_NONE, true);
	assert_int_equal(get(&s.deleted), 1);
	assert_int_equal(get(&s.done), 2);
}

static void metadata_updates_are_meta_and_visible_dirmeta(void **state)
{
	struct put_stats s;
	struct plan_record counted[] = {
	    record(PLAN_META, "...p.....", 'f', 0),
	    record(PLAN_DIRMETA, "........x", 'd', 0),
	};
	struct plan_record not_counted[] = {
	    record(PLAN_DIRMETA, PLAN_CHANGE_NONE, 'd', 0),
	    record(PLAN_DIRMETA, PLAN_CHANGE_NEW, 'd', 0),
	};

	(void)state;
	stats_init(&s);
	for (size_t i = 0; i < 2; i++) {
		stats_note(&s, &counted[i], OUTCOME_DONE, true);
		stats_note(&s, &not_counted[i], OUTCOME_DONE, true);
	}
	assert_int_equal(get(&s.meta_only), 2);
}

static void a_failed_record_is_done_for_progress_but_counts_as_nothing_else(void **state)
{
	struct put_stats s;
	struct plan_record p = record(PLAN_COPY, PLAN_CHANGE_NEW, 'f', 50);

	(void)state;
	stats_init(&s);
	stats_note(&s, &p, OUTCOME_DONE, false);
	assert_int_equal(get(&s.done), 1);
	assert_int_equal(get(&s.bytes_done), 50);
	assert_int_equal(get(&s.created[STATS_REG]), 0);
	assert_int_equal(get(&s.files_copied), 0);
	assert_int_equal(get(&s.bytes_copied), 0);
}

static void progress_shows_entries_bytes_rate_and_time_left(void **state)
{
	struct plan_totals t = {.entries = 400, .bytes = 3000000};
	char line[160];

	(void)state;
	/* A third of the bytes in 2 s: 4 s to go. */
	progress_format(line, sizeof(line), 100, 1000000, &t, 2.0);
	assert_string_equal(line, "100/400 entries  1.0 MB/3.0 MB  500.0 kB/s  ETA 0:00:04");
}

static void progress_without_bytes_estimates_from_entries(void **state)
{
	struct plan_totals t = {.entries = 10, .bytes = 0};
	char line[160];

	(void)state;
	progress_format(line, sizeof(line), 5, 0, &t, 3600.0);
	assert_string_equal(line, "5/10 entries  0 B/0 B  0 B/s  ETA 1:00:00");
}

static void progress_before_any_data_has_no_estimate(void **state)
{
	struct plan_totals t = {.entries = 10, .bytes = 100};
	char line[160];

	(void)state;
	progress_format(line, sizeof(line), 0, 0, &t, 0.5);
	assert_string_equal(line, "0/10 entries  0 B/100 B  0 B/s  ETA --:--");
}

static void progress_of_a_plan_still_being_read_marks_its_totals_and_has_no_estimate(void **state)
{
	struct plan_totals t = {.entries = 400, .bytes = 3000000, .growing = true};
	char line[160];

	(void)state;
	progress_format(line, sizeof(line), 100, 1000000, &t, 2.0);
	assert_string_equal(line, "100/400+ entries  1.0 MB/3.0 MB+  500.0 kB/s  ETA --:--");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_plan_totals_count_every_record_and_the_bytes_of_copy_and_verify),
	    cmocka_unit_test(new_objects_are_counted_by_kind),
	    cmocka_unit_test(a_verify_counts_as_a_copy_or_a_metadata_update_or_neither),
	    cmocka_unit_test(deletions_count_only_what_was_there),
	    cmocka_unit_test(metadata_updates_are_meta_and_visible_dirmeta),
	    cmocka_unit_test(a_failed_record_is_done_for_progress_but_counts_as_nothing_else),
	    cmocka_unit_test(progress_shows_entries_bytes_rate_and_time_left),
	    cmocka_unit_test(progress_without_bytes_estimates_from_entries),
	    cmocka_unit_test(progress_before_any_data_has_no_estimate),
	    cmocka_unit_test(
		progress_of_a_plan_still_being_read_marks_its_totals_and_has_no_estimate),
	};

	return cmocka_run_group_tests_name("iouput stats and progress", tests, NULL, NULL);
}
