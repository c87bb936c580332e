/* SPDX-License-Identifier: MIT */
/* How iouplan orders a walk stream into a plan, and what input it refuses. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "iou/plan.h"
#include "iou/stream.h"
#include "iouplan/filter.h"
#include "iouplan/spool.h"

/* Appenders of walk stream fixtures: headers and objects of every type. */
static void header(struct buf *in, const char *root)
{
	assert_int_equal(stream_format_header(in, "walk", root, strlen(root)), 0);
}

static void object(struct buf *in, char type, const char *path, uint32_t dev, uint64_t ino,
		   uint64_t nlink)
{
	struct walk_record r = {
	    .type = type,
	    .flags = type != 'd' && nlink > 1 ? RECORD_HARDLINKED : 0,
	    .dev_major = 254,
	    .dev_minor = dev,
	    .ino = ino,
	    .nlink = nlink,
	    .mode = type == 'l' ? 0777 : 0644,
	    .target = type == 'l' ? "somewhere" : NULL,
	    .target_len = type == 'l' ? 9 : 0,
	    .path = path,
	    .path_len = strlen(path),
	};

	assert_int_equal(record_format_walk(in, &r), 0);
}

static uint64_t next_ino = 100;

static void dir(struct buf *in, const char *path)
{
	object(in, 'd', path, 1, next_ino++, 2);
}

static void file(struct buf *in, const char *path)
{
	object(in, 'f', path, 1, next_ino++, 1);
}

static int temp_fd(void)
{
	FILE *f = tmpfile();
	int fd;

	assert_non_null(f);
	fd = dup(fileno(f));
	fclose(f);
	assert_true(fd >= 0);
	return fd;
}

/* Run the filter (streamed or not) over a fixture; return its result and its whole output. */
static int run_filter_as(const struct buf *in, struct buf *out, struct plan_failure *f, bool stream)
{
	int in_fd = temp_fd(), out_fd = temp_fd(), ret;
	char chunk[4096];
	ssize_t n;

	assert_int_equal(stream_write_all(in_fd, in->data, in->len), 0);
	assert_int_equal(lseek(in_fd, 0, SEEK_SET), 0);
	ret = plan_filter(in_fd, out_fd, NULL, stream, f);
	assert_int_equal(lseek(out_fd, 0, SEEK_SET), 0);
	while ((n = read(out_fd, chunk, sizeof(chunk))) > 0)
		assert_int_equal(buf_append(out, chunk, (size_t)n), 0);
	close(in_fd);
	close(out_fd);
	return ret;
}

static int run_filter(const struct buf *in, struct buf *out, struct plan_failure *f)
{
	return run_filter_as(in, out, f, false);
}

/* One plan record as a test reads it: "op path" or "link path -> target". */
static void describe(struct buf *line, char *rec, size_t len)
{
	struct plan_record p;
	const char *why;

	buf_clear(line);
	if (stream_is_header(rec, len)) {
		assert_int_equal(buf_append(line, rec, len + 1), 0);
		return;
	}
	if (plan_parse(rec, len, &p, &why))
		fail_msg("iouplan wrote a bad plan record: %s", why);
	assert_int_equal(
	    buf_printf(line, "%s %.*s", plan_op_name(p.op), (int)p.obj.path_len, p.obj.path), 0);
	if (p.op == PLAN_LINK)
		assert_int_equal(buf_printf(line, " -> %.*s", (int)p.obj.target_len, p.obj.target),
				 0);
	assert_int_equal(buf_putc(line, '\0'), 0);
}

/* Check that a plan stream says exactly want, a NULL-terminated list. */
static void assert_plan_is(struct buf *out, const char *const *want)
{
	struct buf line = BUF_INIT;
	size_t off = 0, i = 0, len;

	for (; off < out->len; off += len + 1, i++) {
		len = strlen(out->data + off);
		describe(&line, out->data + off, len);
		if (!want[i])
			fail_msg("record %zu: \"%s\" is more than expected", i + 1, line.data);
		if (strcmp(line.data, want[i]) != 0)
			fail_msg("record %zu: \"%s\", expected \"%s\"", i + 1, line.data, want[i]);
	}
	if (want[i])
		fail_msg("record %zu: missing, expected \"%s\"", i + 1, want[i]);
	buf_free(&line);
}

static void assert_planned_as_by(const struct buf *in, const char *const *want, bool stream)
{
	struct buf out = BUF_INIT;
	struct plan_failure f;
	int ret = run_filter_as(in, &out, &f, stream);

	if (ret)
		fail_msg("refused at record %" PRIu64 ": %s", f.recno,
			 f.why ? f.why : strerror(-ret));
	assert_plan_is(&out, want);
	buf_free(&out);
}

static void assert_planned_as(const struct buf *in, const char *const *want)
{
	assert_planned_as_by(in, want, false);
}

/* The same, with the plan streamed (iouplan --stream). */
static void assert_streamed_as(const struct buf *in, const char *const *want)
{
	assert_planned_as_by(in, want, true);
}

static void directories_are_made_first_in_input_order(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan src",
	    "mkdir .",
	    "mkdir b",
	    "mkdir a",
	    "mkdir b/c",
	    "copy x",
	    "copy b/y",
	    "copy b/c/z",
	    "dirmeta b/c",
	    "dirmeta a",
	    "dirmeta b",
	    "dirmeta .",
	    NULL,
	};

	(void)state;
	header(&in, "src");
	dir(&in, ".");
	file(&in, "x");
	dir(&in, "b");
	file(&in, "b/y");
	dir(&in, "a");
	dir(&in, "b/c");
	file(&in, "b/c/z");
	assert_planned_as(&in, want);
	buf_free(&in);
}

static void files_symlinks_and_special_files_follow_in_input_order(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan src",
	    "mkdir .",
	    "mknod fifo",
	    "symlink link",
	    "copy file",
	    "mknod sock",
	    "mknod chr",
	    "mknod blk",
	    "dirmeta .",
	    NULL,
	};

	(void)state;
	header(&in, "src");
	dir(&in, ".");
	object(&in, 'p', "fifo", 1, 2, 1);
	object(&in, 'l', "link", 1, 3, 1);
	object(&in, 'f', "file", 1, 4, 1);
	object(&in, 's', "sock", 1, 5, 1);
	object(&in, 'c', "chr", 1, 6, 1);
	object(&in, 'b', "blk", 1, 7, 1);
	assert_planned_as(&in, want);
	buf_free(&in);
}

static void a_hard_link_group_is_one_copy_then_links_to_its_first_member(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan src",
	    "mkdir .",
	    "mkdir d",
	    "copy d/first",
	    "copy other",
	    "copy after",
	    "link second -> d/first",
	    "link d/third -> d/first",
	    "dirmeta d",
	    "dirmeta .",
	    NULL,
	};

	(void)state;
	header(&in, "src");
	dir(&in, ".");
	dir(&in, "d");
	object(&in, 'f', "d/first", 1, 7, 3);
	object(&in, 'f', "other", 1, 8, 1);
	object(&in, 'f', "second", 1, 7, 3);
	object(&in, 'f', "d/third", 1, 7, 3);
	object(&in, 'f', "after", 1, 9, 1);
	assert_planned_as(&in, want);
	buf_free(&in);
}

static void groups_come_from_dev_and_ino_not_from_the_walkers_flags(void **state)
{
	struct buf in = BUF_INIT;
	struct walk_record r = {.type = 'f', .dev_minor = 1, .ino = 7, .nlink = 2};
	static const char *const want[] = {
	    "iou-stream 2.1 plan src",
	    "copy a",
	    "copy other-device",
	    "link b -> a",
	    "link c -> a",
	    NULL,
	};

	(void)state;
	header(&in, "src");
	/* Flagged as a repeat, yet the first of its inode here: it is the copy. */
	r.flags = RECORD_HARDLINKED | RECORD_REPEATED;
	r.path = "a";
	r.path_len = 1;
	assert_int_equal(record_format_walk(&in, &r), 0);
	/* No flags at all, but nlink > 1 says it may have other names. */
	r.flags = 0;
	r.path = "b";
	assert_int_equal(record_format_walk(&in, &r), 0);
	/* The h flag alone is enough (nlink may have dropped since). */
	r.flags = RECORD_HARDLINKED;
	r.nlink = 1;
	r.path = "c";
	assert_int_equal(record_format_walk(&in, &r), 0);
	/* The same inode number on another device is another file. */
	object(&in, 'f', "other-device", 2, 7, 2);
	assert_planned_as(&in, want);
	buf_free(&in);
}

static void a_group_member_alone_in_the_stream_is_just_copied(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan src",
	    "copy lonely",
	    NULL,
	};

	(void)state;
	header(&in, "src");
	object(&in, 'f', "lonely", 1, 7, 5);
	assert_planned_as(&in, want);
	buf_free(&in);
}

static void hard_linked_symlinks_and_devices_are_linked_too(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan src", "symlink s1",	"mknod c1",
	    "link s2 -> s1",	       "link c2 -> c1", NULL,
	};

	(void)state;
	header(&in, "src");
	object(&in, 'l', "s1", 1, 7, 2);
	object(&in, 'c', "c1", 1, 8, 2);
	object(&in, 'l', "s2", 1, 7, 2);
	object(&in, 'c', "c2", 1, 8, 2);
	assert_planned_as(&in, want);
	buf_free(&in);
}

static void directories_are_never_grouped_by_their_link_count(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan src", "mkdir a", "mkdir b", "dirmeta b", "dirmeta a", NULL,
	};

	(void)state;
	header(&in, "src");
	/* A bind mount shows one directory twice: both are made. */
	object(&in, 'd', "a", 1, 7, 3);
	object(&in, 'd', "b", 1, 7, 3);
	assert_planned_as(&in, want);
	buf_free(&in);
}

static void records_whose_parent_is_not_in_the_stream_are_planned(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan .", "mkdir x/y", "copy a/b/c", "dirmeta x/y", NULL,
	};

	(void)state;
	header(&in, ".");
	file(&in, "a/b/c");
	dir(&in, "x/y");
	assert_planned_as(&in, want);
	buf_free(&in);
}

static void each_root_gets_its_own_header_and_its_own_groups(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan one",
	    "mkdir .",
	    "copy f",
	    "link g -> f",
	    "dirmeta .",
	    "iou-stream 2.1 plan two",
	    "mkdir .",
	    "copy f",
	    "copy h",
	    "dirmeta .",
	    NULL,
	};

	(void)state;
	header(&in, "one");
	dir(&in, ".");
	object(&in, 'f', "f", 1, 7, 3);
	object(&in, 'f', "g", 1, 7, 3);
	/* The same paths and the same inode again: a link across roots cannot be made. */
	header(&in, "two");
	dir(&in, ".");
	object(&in, 'f', "f", 1, 8, 1);
	object(&in, 'f', "h", 1, 7, 3);
	assert_planned_as(&in, want);
	buf_free(&in);
}

static void an_empty_root_is_a_header_alone(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan gone",
	    "iou-stream 2.1 plan here",
	    "copy .",
	    NULL,
	};

	(void)state;
	header(&in, "gone");
	header(&in, "here");
	file(&in, ".");
	assert_planned_as(&in, want);
	buf_free(&in);
}

static void records_of_kinds_added_by_a_newer_minor_version_are_skipped(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan src",
	    "copy f",
	    NULL,
	};
	static const char newer[] = "iou-stream 2.9 walk src\0xattr user.a 1 f\0";

	(void)state;
	assert_int_equal(buf_append(&in, newer, sizeof(newer) - 1), 0);
	file(&in, "f");
	assert_planned_as(&in, want);
	buf_free(&in);
}

/*
 * Check that input is refused at record recno because of what, after writing
 * only want, streamed or not.
 */
static void assert_refused_by(const struct buf *in, uint64_t recno, const char *because,
			      const char *const *want, bool stream)
{
	struct buf out = BUF_INIT;
	struct plan_failure f;

	assert_int_equal(run_filter_as(in, &out, &f, stream), -EINVAL);
	assert_non_null(f.why);
	if (!strstr(f.why, because))
		fail_msg("\"%s\" does not say \"%s\"", f.why, because);
	assert_int_equal(f.recno, recno);
	assert_plan_is(&out, want);
	buf_free(&out);
}

static void assert_refused(const struct buf *in, uint64_t recno, const char *because,
			   const char *const *want)
{
	assert_refused_by(in, recno, because, want, false);
}

static const char *const nothing[] = {NULL};

static void a_path_seen_twice_in_a_root_is_refused_before_its_plan_is_written(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const first_root_only[] = {
	    "iou-stream 2.1 plan ok",
	    "copy a",
	    NULL,
	};

	(void)state;
	header(&in, "ok");
	file(&in, "a");
	header(&in, "bad");
	dir(&in, ".");
	file(&in, "a");
	dir(&in, "d");
	file(&in, "a");
	assert_refused(&in, 7, "duplicate path", first_root_only);
	buf_free(&in);
}

static void a_directory_and_a_file_of_one_path_are_duplicates(void **state)
{
	struct buf in = BUF_INIT;

	(void)state;
	header(&in, "src");
	dir(&in, "x");
	file(&in, "x");
	assert_refused(&in, 3, "duplicate path", nothing);
	buf_free(&in);
}

static void a_directory_after_its_contents_is_refused(void **state)
{
	struct buf in = BUF_INIT;

	(void)state;
	header(&in, "src");
	dir(&in, ".");
	file(&in, "d/e/f");
	dir(&in, "d/e");
	assert_refused(&in, 4, "comes after something inside it", nothing);
	buf_free(&in);
}

static void a_malformed_record_is_refused_by_its_number(void **state)
{
	struct buf in = BUF_INIT;
	static const char bad[] =
	    "f --- 1:2 3 1 0644 0 0 0 0 0:0 0.000000000 0.5 0.000000000 - - p";

	(void)state;
	header(&in, "src");
	dir(&in, ".");
	assert_int_equal(buf_append(&in, bad, sizeof(bad)), 0);
	file(&in, "after");
	assert_refused(&in, 3, "MTIME", nothing);
	buf_free(&in);
}

static void a_hard_link_of_another_type_than_its_group_is_refused(void **state)
{
	struct buf in = BUF_INIT;

	(void)state;
	header(&in, "src");
	object(&in, 'f', "f", 1, 7, 2);
	object(&in, 'l', "l", 1, 7, 2);
	assert_refused(&in, 3, "another TYPE", nothing);
	buf_free(&in);
}

static void the_stream_must_start_with_a_walk_header(void **state)
{
	struct buf in = BUF_INIT;

	(void)state;
	file(&in, "f");
	assert_refused(&in, 1, "does not start with a header", nothing);
	buf_clear(&in);
	assert_int_equal(stream_format_header(&in, "plan", "src", 3), 0);
	assert_refused(&in, 1, "not a walk stream", nothing);
	buf_clear(&in);
	assert_int_equal(buf_append(&in, "iou-stream 3.0 walk src", 24), 0);
	assert_refused(&in, 1, "version", nothing);
	buf_clear(&in);
	assert_int_equal(buf_append(&in, "iou-stream 2.0 walk", 20), 0);
	assert_refused(&in, 1, "root", nothing);
	buf_clear(&in);
	assert_refused(&in, 0, "empty input", nothing);
	buf_free(&in);
}

static void a_bad_header_after_a_good_root_keeps_that_roots_plan(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const first_root_only[] = {
	    "iou-stream 2.1 plan ok",
	    "copy a",
	    NULL,
	};

	(void)state;
	header(&in, "ok");
	file(&in, "a");
	assert_int_equal(buf_append(&in, "iou-stream 3.0 walk later", 26), 0);
	assert_refused(&in, 3, "version", first_root_only);
	buf_free(&in);
}

static void a_truncated_last_record_leaves_its_root_unplanned(void **state)
{
	struct buf in = BUF_INIT;

	(void)state;
	header(&in, "src");
	file(&in, "a");
	file(&in, "b");
	in.len -= 1;
	assert_refused(&in, 3, "not terminated by a NUL", nothing);
	buf_free(&in);
}

static void a_large_plan_spills_to_a_temporary_file_and_keeps_its_order(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT, line = BUF_INIT;
	const size_t n = 3 * SPOOL_MEM_MAX / 100 & ~(size_t)1;
	struct plan_failure f;
	char path[64], want[80];
	size_t off = 0, len, i;

	(void)state;
	/* Records of about 100 bytes: copies and links each overflow memory. */
	header(&in, "big");
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "file-%zu", i);
		object(&in, 'f', path, 1, 1000 + i / 2, 2);
	}
	assert_int_equal(run_filter(&in, &out, &f), 0);
	for (i = 0; off < out.len; off += len + 1, i++) {
		len = strlen(out.data + off);
		describe(&line, out.data + off, len);
		if (i == 0)
			snprintf(want, sizeof(want), "iou-stream 2.1 plan big");
		else if (i <= n / 2)
			snprintf(want, sizeof(want), "copy file-%zu", 2 * (i - 1));
		else
			snprintf(want, sizeof(want), "link file-%zu -> file-%zu",
				 2 * (i - 1 - n / 2) + 1, 2 * (i - 1 - n / 2));
		assert_string_equal(line.data, want);
	}
	assert_int_equal(i, n + 1);
	buf_free(&line);
	buf_free(&out);
	buf_free(&in);
}

static void
streamed_mkdirs_and_creations_mix_in_input_order_and_links_and_dirmetas_wait(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan src",
	    "mkdir .",
	    "copy x",
	    "mkdir b",
	    "copy b/y",
	    "mkdir b/c",
	    "symlink b/c/l",
	    "copy b/c/z",
	    "link b/w -> b/c/z",
	    "dirmeta b/c",
	    "dirmeta b",
	    "dirmeta .",
	    NULL,
	};

	(void)state;
	header(&in, "src");
	dir(&in, ".");
	file(&in, "x");
	dir(&in, "b");
	file(&in, "b/y");
	dir(&in, "b/c");
	object(&in, 'l', "b/c/l", 1, 50, 1);
	object(&in, 'f', "b/c/z", 1, 51, 2);
	object(&in, 'f', "b/w", 1, 51, 2);
	assert_streamed_as(&in, want);
	buf_free(&in);
}

static void a_streamed_plan_stops_at_bad_input_after_what_it_already_wrote(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const written[] = {
	    "iou-stream 2.1 plan src", "mkdir .", "copy a", "mkdir d", NULL,
	};

	(void)state;
	header(&in, "src");
	dir(&in, ".");
	file(&in, "a");
	dir(&in, "d");
	file(&in, "a");
	file(&in, "d/b");
	assert_refused_by(&in, 5, "duplicate path", written, true);
	buf_free(&in);
}

static void a_streamed_root_and_the_next_each_get_their_header_and_their_own_end(void **state)
{
	struct buf in = BUF_INIT;
	static const char *const want[] = {
	    "iou-stream 2.1 plan one", "mkdir .", "copy a", "dirmeta .",
	    "iou-stream 2.1 plan two", "copy b",  NULL,
	};

	(void)state;
	header(&in, "one");
	dir(&in, ".");
	file(&in, "a");
	header(&in, "two");
	file(&in, "b");
	assert_streamed_as(&in, want);
	buf_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(directories_are_made_first_in_input_order),
	    cmocka_unit_test(files_symlinks_and_special_files_follow_in_input_order),
	    cmocka_unit_test(a_hard_link_group_is_one_copy_then_links_to_its_first_member),
	    cmocka_unit_test(groups_come_from_dev_and_ino_not_from_the_walkers_flags),
	    cmocka_unit_test(a_group_member_alone_in_the_stream_is_just_copied),
	    cmocka_unit_test(hard_linked_symlinks_and_devices_are_linked_too),
	    cmocka_unit_test(directories_are_never_grouped_by_their_link_count),
	    cmocka_unit_test(records_whose_parent_is_not_in_the_stream_are_planned),
	    cmocka_unit_test(each_root_gets_its_own_header_and_its_own_groups),
	    cmocka_unit_test(an_empty_root_is_a_header_alone),
	    cmocka_unit_test(records_of_kinds_added_by_a_newer_minor_version_are_skipped),
	    cmocka_unit_test(a_path_seen_twice_in_a_root_is_refused_before_its_plan_is_written),
	    cmocka_unit_test(a_directory_and_a_file_of_one_path_are_duplicates),
	    cmocka_unit_test(a_directory_after_its_contents_is_refused),
	    cmocka_unit_test(a_malformed_record_is_refused_by_its_number),
	    cmocka_unit_test(a_hard_link_of_another_type_than_its_group_is_refused),
	    cmocka_unit_test(the_stream_must_start_with_a_walk_header),
	    cmocka_unit_test(a_bad_header_after_a_good_root_keeps_that_roots_plan),
	    cmocka_unit_test(a_truncated_last_record_leaves_its_root_unplanned),
	    cmocka_unit_test(a_large_plan_spills_to_a_temporary_file_and_keeps_its_order),
	    cmocka_unit_test(
		streamed_mkdirs_and_creations_mix_in_input_order_and_links_and_dirmetas_wait),
	    cmocka_unit_test(a_streamed_plan_stops_at_bad_input_after_what_it_already_wrote),
	    cmocka_unit_test(a_streamed_root_and_the_next_each_get_their_header_and_their_own_end),
	};

	return cmocka_run_group_tests_name("iouplan order", tests, NULL, NULL);
}
