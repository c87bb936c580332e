/* SPDX-License-Identifier: MIT */
/* The record stream of iou-stream(5): framing, header, walk records. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "iou/record.h"
#include "iou/stream.h"

/* A typical record, to be varied by each test. */
static struct walk_record sample_record(const char *path, size_t path_len)
{
	struct walk_record r = {
	    .type = 'f',
	    .flags = RECORD_HARDLINKED,
	    .dev_major = 254,
	    .dev_minor = 1,
	    .ino = 1234567890123ull,
	    .nlink = 3,
	    .mode = 04755,
	    .uid = 4000000000u,
	    .gid = 0,
	    .size = UINT64_MAX,
	    .blocks = 8,
	    .atime = {-1, 500000000},
	    .mtime = {4102444800ll, 123456789},
	    .ctime = {0, 0},
	    .path = path,
	    .path_len = path_len,
	};
	return r;
}

/* Format r, parse it back, and check every field survived. */
static void assert_round_trip(const struct walk_record *r)
{
	struct buf b = BUF_INIT;
	struct walk_record back;
	const char *why = NULL;

	assert_int_equal(record_format_walk(&b, r), 0);
	assert_true(b.len > 0);
	assert_int_equal(b.data[b.len - 1], '\0');
	assert_null(memchr(b.data, '\0', b.len - 1));
	assert_int_equal(record_parse_walk(b.data, b.len - 1, &back, &why), 0);
	assert_int_equal(back.type, r->type);
	assert_int_equal(back.flags, r->flags);
	assert_int_equal(back.dev_major, r->dev_major);
	assert_int_equal(back.dev_minor, r->dev_minor);
	assert_true(back.ino == r->ino && back.nlink == r->nlink && back.size == r->size);
	assert_int_equal(back.mode, r->mode);
	assert_int_equal(back.uid, r->uid);
	assert_int_equal(back.gid, r->gid);
	assert_true(back.blocks == r->blocks);
	assert_int_equal(back.rdev_major, r->rdev_major);
	assert_int_equal(back.rdev_minor, r->rdev_minor);
	assert_true(back.atime.sec == r->atime.sec && back.atime.nsec == r->atime.nsec);
	assert_true(back.mtime.sec == r->mtime.sec && back.mtime.nsec == r->mtime.nsec);
	assert_true(back.ctime.sec == r->ctime.sec && back.ctime.nsec == r->ctime.nsec);
	assert_int_equal(back.path_len, r->path_len);
	assert_memory_equal(back.path, r->path, r->path_len);
	if (r->target) {
		assert_int_equal(back.target_len, r->target_len);
		assert_memory_equal(back.target, r->target, r->target_len);
	} else {
		assert_null(back.target);
	}
	buf_free(&b);
}

static void paths_with_any_byte_but_nul_round_trip(void **state)
{
	static const char *const paths[] = {
	    "plain",
	    "with space",
	    "new\nline",
	    "tab\there",
	    "\xff\xfe invalid utf-8",
	    "-leading-dash",
	    "dir/sub/file",
	    "trailing space ",
	    "%41 not decoded",
	};
	char long_name[256];

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct walk_record r = sample_record(paths[i], strlen(paths[i]));

		assert_round_trip(&r);
	}
	memset(long_name, 'n', 255);
	long_name[255] = '\0';
	struct walk_record r = sample_record(long_name, 255);
	assert_round_trip(&r);
}

static void paths_longer_than_path_max_round_trip(void **state)
{
	size_t len = 3 * 4096;
	char *path = malloc(len);

	(void)state;
	for (size_t i = 0; i < len; i++)
		path[i] = i % 200 == 199 ? '/' : 'd';
	struct walk_record r = sample_record(path, len);
	assert_round_trip(&r);
	free(path);
}

static void symlink_targets_round_trip_byte_for_byte(void **state)
{
	static const char *const targets[] = {
	    "-",	 "--",	 "../up", "/abs/path",	      "with space",
	    "new\nline", "100%", "%2D",	  "\x01\x7f\x80\xff", "a b%c\td",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct walk_record r = sample_record("link", 4);

		r.type = 'l';
		r.flags = 0;
		r.mode = 0777;
		r.target = targets[i];
		r.target_len = strlen(targets[i]);
		assert_round_trip(&r);
	}
}

static void encoded_target_is_one_field_of_printable_bytes(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(record_encode_target(&b, "a b\n%", 5), 0);
	assert_int_equal(b.len, strlen("a%20b%0A%25"));
	assert_memory_equal(b.data, "a%20b%0A%25", b.len);
	buf_clear(&b);
	assert_int_equal(record_encode_target(&b, "-", 1), 0);
	assert_memory_equal(b.data, "%2D", 3);
	buf_free(&b);
}

static void device_and_every_type_round_trip(void **state)
{
	const char *types = "fdlpscb";

	(void)state;
	for (const char *t = types; *t; t++) {
		struct walk_record r = sample_record("x", 1);

		r.type = *t;
		r.flags = *t == 'd' ? RECORD_MOUNT : RECORD_HARDLINKED | RECORD_REPEATED;
		r.target = *t == 'l' ? "t" : NULL;
		r.target_len = *t == 'l' ? 1 : 0;
		r.rdev_major = *t == 'b' || *t == 'c' ? 8 : 0;
		r.rdev_minor = *t == 'b' || *t == 'c' ? 17 : 0;
		assert_round_trip(&r);
	}
}

static void formatted_fields_read_like_find(void **state)
{
	struct walk_record r = sample_record("a b", 3);
	struct buf b = BUF_INIT;
	const char *want = "f h-- 254:1 1234567890123 3 4755 4000000000 0 18446744073709551615 8 "
			   "0:0 -1.500000000 4102444800.123456789 0.000000000 - - a b";

	(void)state;
	assert_int_equal(record_format_walk(&b, &r), 0);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

/* Every numeric field at its extremes, as %PRIu64, %PRId64.%09u, %04o and %016x write them. */
static void extreme_fields_read_like_printf(void **state)
{
	struct walk_record r = sample_record("p", 1);
	struct buf b = BUF_INIT;
	const char *want =
	    "b -rm 4294967295:0 18446744073709551615 0 0000 4294967295 4294967295 0 "
	    "18446744073709551615 4294967295:4294967295 -9223372036854775808.000000001 "
	    "9223372036854775807.999999999 -1.000000000 "
	    "0000000000000000:ffffffffffffffff - p";

	(void)state;
	r.type = 'b';
	r.flags = RECORD_REPEATED | RECORD_MOUNT;
	r.dev_major = UINT32_MAX;
	r.dev_minor = 0;
	r.ino = UINT64_MAX;
	r.nlink = 0;
	r.mode = 0;
	r.uid = r.gid = UINT32_MAX;
	r.size = 0;
	r.blocks = UINT64_MAX;
	r.rdev_major = r.rdev_minor = UINT32_MAX;
	r.atime = (struct record_time){INT64_MIN, 1};
	r.mtime = (struct record_time){INT64_MAX, 999999999};
	r.ctime = (struct record_time){-1, 0};
	r.has_xattrs = true;
	r.acl_digest = 0;
	r.xattr_digest = UINT64_MAX;
	assert_int_equal(record_format_walk(&b, &r), 0);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

/* A record goes on after what the buffer held, which stays as it was. */
static void records_append_to_what_the_buffer_holds(void **state)
{
	struct walk_record r = sample_record("x", 1);
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_append(&b, "keep", 4), 0);
	assert_int_equal(record_format_walk(&b, &r), 0);
	assert_int_equal(record_format_walk(&b, &r), 0);
	assert_memory_equal(b.data, "keep", 4);
	assert_int_equal(b.len, 4 + 2 * (strlen(b.data + 4) + 1));
	assert_string_equal(b.data + 4, b.data + 4 + strlen(b.data + 4) + 1);
	buf_free(&b);
}

/* Parse a record given as a string; return the error and reason. */
static int parse_text(const char *text, const char **why)
{
	char *copy = strdup(text);
	struct walk_record r;
	int ret;

	*why = NULL;
	ret = record_parse_walk(copy, strlen(copy), &r, why);
	free(copy);
	return ret;
}

static void malformed_records_are_rejected_with_the_field_named(void **state)
{
	static const struct {
		const char *text;
		const char *field;
	} cases[] = {
	    {"x --- 1:2 3 1 0644 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - - p", "TYPE"},
	    {"f hx- 1:2 3 1 0644 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - - p", "FLAGS"},
	    {"f --- 12 3 1 0644 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - - p", "DEV"},
	    {"f --- 1:2 -3 1 0644 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - - p", "INO"},
	    {"f --- 1:2 3 1 644 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - - p", "MODE"},
	    {"f --- 1:2 3 1 0648 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - - p", "MODE"},
	    {"f --- 1:2 3 1 0644 4294967296 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - - p",
	     "UID"},
	    {"f --- 1:2 3 1 0644 0 0 18446744073709551616 0 0:0 0.000000000 0.000000000 "
	     "0.000000000 - - p",
	     "SIZE"},
	    {"f --- 1:2 3 1 0644 0 0 007 0 0:0 0.000000000 0.000000000 0.000000000 - - p", "SIZE"},
	    {"f --- 1:2 3 1 0644 0 0 0 0 0:0 0.5 0.000000000 0.000000000 - - p", "ATIME"},
	    {"f --- 1:2 3 1 0644 0 0 0 0 0:0 0.000000000 1e9.000000000 0.000000000 - - p", "MTIME"},
	    {"f --- 1:2 3 1 0644 0 0 0 0 0:0 0.000000000 0.000000000 -0.000000000 - - p", "CTIME"},
	    {"l --- 1:2 3 1 0777 0 0 1 0 0:0 0.000000000 0.000000000 0.000000000 - - p", "TARGET"},
	    {"l --- 1:2 3 1 0777 0 0 1 0 0:0 0.000000000 0.000000000 0.000000000 - %4 p", "TARGET"},
	    {"f --- 1:2 3 1 0644 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - t p", "TARGET"},
	    {"f --- 1:2 3 1 0644 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - -", "PATH"},
	    {"f --- 1:2 3 1 0644 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - - ", "PATH"},
	    {"f --- 1:2 3 1 0644 0 0 0 0 0:0 0.000000000", "ATIME"},
	    {"", "TYPE"},
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_text(cases[i].text, &why), -EINVAL);
		assert_non_null(why);
		if (!strstr(why, cases[i].field))
			fail_msg("case %zu: \"%s\" does not name %s", i, why, cases[i].field);
	}
}

/* A record whose field number `at` (from 0) is text, the others those of a plain file. */
static int parse_with_field(int at, const char *text, const char **why)
{
	const char *fields[] = {"f",	       "---",	      "1:2", "3", "1",	 "0644",
				"0",	       "0",	      "0",   "0", "0:0", "0.000000000",
				"0.000000000", "0.000000000", "-",   "-", "p"};
	char rec[512] = "";

	for (int i = 0; i < 17; i++) {
		strcat(rec, i == at ? text : fields[i]);
		if (i < 16)
			strcat(rec, " ");
	}
	return parse_text(rec, why);
}

/* Each number is refused one past its largest value, however many digits it takes. */
static void numbers_are_read_up_to_their_limits(void **state)
{
	static const struct {
		int at;
		const char *text;
		int ok;
	} cases[] = {
	    {3, "18446744073709551615", 1},
	    {3, "18446744073709551616", 0},
	    {3, "99999999999999999999", 0},
	    {3, "184467440737095516150", 0},
	    {3, "9999999999999999999", 1},
	    {3, "0", 1},
	    {3, "01", 0},
	    {6, "4294967295", 1},
	    {6, "4294967296", 0},
	    {6, "10000000000000000000", 0},
	    {2, "4294967295:4294967295", 1},
	    {2, "4294967296:0", 0},
	    {2, "0:4294967296", 0},
	    {2, "1:2:3", 0},
	    {2, ":1", 0},
	    {2, "1:", 0},
	    {11, "-9223372036854775808.000000000", 1},
	    {11, "-9223372036854775809.000000000", 0},
	    {11, "9223372036854775807.999999999", 1},
	    {11, "9223372036854775808.000000000", 0},
	    {11, "-1.000000000", 1},
	    {11, "--1.000000000", 0},
	    {11, "1.0000000000", 0},
	    {11, "1.00000000", 0},
	    {11, "01.000000000", 0},
	    {11, "1.00000000x", 0},
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = parse_with_field(cases[i].at, cases[i].text, &why);

		if ((ret == 0) != cases[i].ok)
			fail_msg("case %zu (\"%s\"): %s", i, cases[i].text, ret ? why : "accepted");
	}
}

static void paths_that_escape_the_root_are_rejected(void **state)
{
	static const char *const bad[] = {"/etc/passwd", "..",	"a/../../b", "a//b",
					  "./a",	 "a/.", "a/",	     "a/./b"};
	static const char *const good[] = {".", "a", "a/b", "..a", "a..", ".hidden/x", "a/...b"};
	char rec[256];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(rec, sizeof(rec), "%s%s",
			 "d --- 1:2 3 1 0755 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - - ",
			 bad[i]);
		assert_int_equal(parse_text(rec, &why), -EINVAL);
		assert_non_null(strstr(why, "PATH"));
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(record_path_is_clean(good[i], strlen(good[i])));
}

static void header_round_trips_and_another_major_is_refused(void **state)
{
	struct buf b = BUF_INIT;
	struct stream_header h;
	const char *why;

	(void)state;
	assert_int_equal(stream_format_header(&b, "walk", "/src dir", 8), 0);
	assert_string_equal(b.data, "iou-stream 2.1 walk /src dir");
	assert_int_equal(stream_parse_header(b.data, b.len - 1, &h, &why), 0);
	assert_int_equal(h.major, 2);
	assert_int_equal(h.minor, 1);
	assert_int_equal(h.kind_len, 4);
	assert_memory_equal(h.kind, "walk", 4);
	assert_int_equal(h.root_len, 8);
	assert_memory_equal(h.root, "/src dir", 8);
	buf_free(&b);

	assert_int_equal(stream_parse_header("iou-stream 2.7 walk r", 21, &h, &why), 0);
	assert_int_equal(h.minor, 7);
	assert_int_equal(stream_parse_header("iou-stream 3.0 walk r", 21, &h, &why),
			 -EPROTONOSUPPORT);
	assert_non_null(strstr(why, "version"));
	/* Version 1 records lack XATTRS: read as version 2 they would shift. */
	assert_int_equal(stream_parse_header("iou-stream 1.0 walk r", 21, &h, &why),
			 -EPROTONOSUPPORT);
	assert_non_null(strstr(why, "too old"));
	assert_int_equal(stream_parse_header("iou-stream 1 walk r", 19, &h, &why), -EINVAL);
	assert_int_equal(stream_parse_header("iou-stream 2.0 walk", 19, &h, &why), -EINVAL);
	assert_int_equal(stream_parse_header("iou-stream 2.0 walk ", 20, &h, &why), -EINVAL);
	assert_int_equal(stream_parse_header("iou-stream 01.0 walk r", 22, &h, &why), -EINVAL);
	assert_int_equal(stream_parse_header("f --- 1:2", 9, &h, &why), -EINVAL);
	assert_false(stream_is_header("iou-streamer 1.0 walk r", 23));
}

/* A reader over the given bytes, through a pipe written by a child. */
static int reader_over(const char *data, size_t len, struct stream_reader *r)
{
	char path[] = "/tmp/iou-test-stream-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(stream_write_all(fd, data, len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(stream_reader_init(r, fd), 0);
	return fd;
}

static void reader_splits_on_nul_and_counts_records(void **state)
{
	static const char data[] = "one\0two words\0\0three\nlines\0";
	struct stream_reader r;
	char *rec;
	size_t len;
	int fd = reader_over(data, sizeof(data) - 1, &r);

	(void)state;
	assert_int_equal(stream_read_record(&r, &rec, &len), 1);
	assert_string_equal(rec, "one");
	assert_int_equal(stream_read_record(&r, &rec, &len), 1);
	assert_string_equal(rec, "two words");
	assert_int_equal(stream_read_record(&r, &rec, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(stream_read_record(&r, &rec, &len), 1);
	assert_string_equal(rec, "three\nlines");
	assert_int_equal(r.recno, 4);
	assert_int_equal(stream_read_record(&r, &rec, &len), 0);
	stream_reader_free(&r);
	close(fd);
}

static void reader_reports_a_truncated_last_record(void **state)
{
	static const char data[] = "complete\0cut of";
	struct stream_reader r;
	char *rec;
	size_t len;
	int fd = reader_over(data, sizeof(data) - 1, &r);

	(void)state;
	assert_int_equal(stream_read_record(&r, &rec, &len), 1);
	assert_int_equal(stream_read_record(&r, &rec, &len), -EBADMSG);
	stream_reader_free(&r);
	close(fd);
}

static void reader_handles_records_larger_than_its_buffer(void **state)
{
	size_t big = 1u << 20;
	char *data = malloc(big * 2 + 2);
	struct stream_reader r;
	char *rec;
	size_t len;
	int fd;

	(void)state;
	memset(data, 'a', big);
	data[big] = '\0';
	memset(data + big + 1, 'b', big);
	data[2 * big + 1] = '\0';
	fd = reader_over(data, 2 * big + 2, &r);
	assert_int_equal(stream_read_record(&r, &rec, &len), 1);
	assert_int_equal(len, big);
	assert_int_equal(rec[big - 1], 'a');
	assert_int_equal(stream_read_record(&r, &rec, &len), 1);
	assert_int_equal(len, big);
	assert_int_equal(rec[0], 'b');
	assert_int_equal(stream_read_record(&r, &rec, &len), 0);
	stream_reader_free(&r);
	close(fd);
	free(data);
}

static void reader_refuses_a_record_over_the_limit(void **state)
{
	size_t n = STREAM_RECORD_MAX + 2;
	char *data = malloc(n);
	struct stream_reader r;
	char *rec;
	size_t len;
	int fd;

	(void)state;
	memset(data, 'x', n);
	fd = reader_over(data, n, &r);
	assert_int_equal(stream_read_record(&r, &rec, &len), -EMSGSIZE);
	stream_reader_free(&r);
	close(fd);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(paths_with_any_byte_but_nul_round_trip),
	    cmocka_unit_test(paths_longer_than_path_max_round_trip),
	    cmocka_unit_test(symlink_targets_round_trip_byte_for_byte),
	    cmocka_unit_test(encoded_target_is_one_field_of_printable_bytes),
	    cmocka_unit_test(device_and_every_type_round_trip),
	    cmocka_unit_test(formatted_fields_read_like_find),
	    cmocka_unit_test(extreme_fields_read_like_printf),
	    cmocka_unit_test(records_append_to_what_the_buffer_holds),
	    cmocka_unit_test(malformed_records_are_rejected_with_the_field_named),
	    cmocka_unit_test(numbers_are_read_up_to_their_limits),
	    cmocka_unit_test(paths_that_escape_the_root_are_rejected),
	    cmocka_unit_test(header_round_trips_and_another_major_is_refused),
	    cmocka_unit_test(reader_splits_on_nul_and_counts_records),
	    cmocka_unit_test(reader_reports_a_truncated_last_record),
	    cmocka_unit_test(reader_handles_records_larger_than_its_buffer),
	    cmocka_unit_test(reader_refuses_a_record_over_the_limit),
	};

	return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
