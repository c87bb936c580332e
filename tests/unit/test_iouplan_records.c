/* SPDX-License-Identifier: MIT */
/* Plan records of iou-stream(5): an operation word and a walk record. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iou/plan.h"

/* An object of the given type, with fields that all differ from their defaults. */
static struct walk_record sample_object(char type, const char *path)
{
	struct walk_record r = {
	    .type = type,
	    .flags = type == 'd' ? 0 : RECORD_HARDLINKED,
	    .dev_major = 8,
	    .dev_minor = 3,
	    .ino = 987654321,
	    .nlink = 2,
	    .mode = type == 'l' ? 0777 : 02750,
	    .uid = 1000,
	    .gid = 100,
	    .size = 42,
	    .blocks = 8,
	    .rdev_major = type == 'c' || type == 'b' ? 4 : 0,
	    .rdev_minor = type == 'c' || type == 'b' ? 64 : 0,
	    .atime = {1700000000, 1},
	    .mtime = {-86400, 999999999},
	    .ctime = {1700000002, 500},
	    .target = type == 'l' ? "../target with space" : NULL,
	    .target_len = type == 'l' ? 20 : 0,
	    .path = path,
	    .path_len = strlen(path),
	};
	return r;
}

static void assert_plan_round_trip(const struct plan_record *p)
{
	struct buf b = BUF_INIT;
	struct plan_record back;
	const char *why = NULL;

	assert_int_equal(plan_format(&b, p), 0);
	assert_int_equal(b.data[b.len - 1], '\0');
	assert_null(memchr(b.data, '\0', b.len - 1));
	if (plan_parse(b.data, b.len - 1, &back, &why))
		fail_msg("%s %s refused: %s", plan_op_name(p->op), p->obj.path, why);
	assert_int_equal(back.op, p->op);
	assert_string_equal(back.change, p->change[0] ? p->change : PLAN_CHANGE_NEW);
	assert_int_equal(back.obj.has_xattrs, p->obj.has_xattrs);
	assert_true(back.obj.acl_digest == p->obj.acl_digest);
	assert_true(back.obj.xattr_digest == p->obj.xattr_digest);
	assert_int_equal(back.obj.type, p->obj.type);
	assert_int_equal(back.obj.flags, p->obj.flags);
	assert_true(back.obj.ino == p->obj.ino && back.obj.size == p->obj.size);
	assert_int_equal(back.obj.mode, p->obj.mode);
	assert_int_equal(back.obj.rdev_minor, p->obj.rdev_minor);
	assert_true(back.obj.mtime.sec == p->obj.mtime.sec);
	assert_int_equal(back.obj.mtime.nsec, p->obj.mtime.nsec);
	assert_int_equal(back.obj.path_len, p->obj.path_len);
	assert_memory_equal(back.obj.path, p->obj.path, p->obj.path_len);
	assert_int_equal(back.obj.target_len, p->obj.target_len);
	if (p->obj.target)
		assert_memory_equal(back.obj.target, p->obj.target, p->obj.target_len);
	else
		assert_null(back.obj.target);
	buf_free(&b);
}

static void every_operation_round_trips_with_its_object(void **state)
{
	static const struct {
		enum plan_op op;
		char type;
		const char *change;
	} cases[] = {
	    {PLAN_MKDIR, 'd', ""},
	    {PLAN_COPY, 'f', ""},
	    {PLAN_SYMLINK, 'l', ""},
	    {PLAN_MKNOD, 'p', ""},
	    {PLAN_MKNOD, 's', ""},
	    {PLAN_MKNOD, 'c', ""},
	    {PLAN_MKNOD, 'b', ""},
	    {PLAN_DIRMETA, 'd', ""},
	    {PLAN_COPY, 'f', ".st......"},
	    {PLAN_VERIFY, 'f', "c..p....."},
	    {PLAN_META, 'l', "..t......"},
	    {PLAN_META, 'b', "....og..."},
	    {PLAN_DELETE, 'd', "........."},
	    {PLAN_DIRMETA, 'd', ".......ax"},
	    {PLAN_SEAL, 'f', ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct plan_record p = {.op = cases[i].op,
					.obj = sample_object(cases[i].type, "dir/x y\nz")};

		strcpy(p.change, cases[i].change);
		p.obj.has_xattrs = i % 2;
		p.obj.acl_digest = 0xfedcba9876543210ull * (i % 2);
		p.obj.xattr_digest = 0x0123456789abcdefull * (i % 2);
		assert_plan_round_trip(&p);
	}
}

static void a_link_of_any_non_directory_names_its_first_member_in_target(void **state)
{
	const char *types = "flpscb";

	(void)state;
	for (const char *t = types; *t; t++) {
		struct plan_record p = {.op = PLAN_LINK, .obj = sample_object(*t, "b/second name")};

		p.obj.flags |= RECORD_REPEATED;
		p.obj.target = "a/first name\n%";
		p.obj.target_len = strlen(p.obj.target);
		assert_plan_round_trip(&p);
	}
}

static void formatted_plan_record_is_the_word_the_change_and_a_walk_record(void **state)
{
	struct plan_record p = {.op = PLAN_LINK, .obj = sample_object('f', "b c")};
	struct buf b = BUF_INIT;

	(void)state;
	p.obj.target = "a b";
	p.obj.target_len = 3;
	assert_int_equal(plan_format(&b, &p), 0);
	assert_string_equal(b.data, "link +++++++++ f h-- 8:3 987654321 2 2750 1000 100 42 8 0:0 "
				    "1700000000.000000001 -86400.999999999 1700000002.000000500 - "
				    "a%20b b c");
	buf_free(&b);
}

/* Parse a plan record given as a string; return the error and reason. */
static int parse_text(const char *text, const char **why)
{
	char *copy = strdup(text);
	struct plan_record p;
	int ret;

	*why = NULL;
	ret = plan_parse(copy, strlen(copy), &p, why);
	free(copy);
	return ret;
}

#define OBJ(type, target)                                                                          \
	type " --- 1:2 3 1 0644 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - " target
#define LINKED(type, target)                                                                       \
	type " hr- 1:2 3 2 0644 0 0 0 0 0:0 0.000000000 0.000000000 0.000000000 - " target

static void assert_rejected(const char *text, const char *because)
{
	const char *why;

	if (parse_text(text, &why) != -EINVAL)
		fail_msg("accepted: \"%s\"", text);
	assert_non_null(why);
	if (!strstr(why, because))
		fail_msg("\"%s\": \"%s\" does not say \"%s\"", text, why, because);
}

static void unknown_or_missing_operation_words_are_rejected(void **state)
{
	(void)state;
	assert_rejected("cp " OBJ("f", "- p"), "unknown operation");
	assert_rejected("COPY " OBJ("f", "- p"), "unknown operation");
	assert_rejected(OBJ("f", "- p"), "unknown operation");
	assert_rejected("copy", "unknown operation");
	assert_rejected("", "unknown operation");
	assert_rejected(" copy " OBJ("f", "- p"), "unknown operation");
}

static void each_operation_accepts_only_the_types_it_can_make(void **state)
{
	(void)state;
	assert_rejected("mkdir +++++++++ " OBJ("f", "- p"), "mkdir needs TYPE d");
	assert_rejected("dirmeta +++++++++ " OBJ("l", "t p"), "dirmeta needs TYPE d");
	assert_rejected("copy +++++++++ " OBJ("d", "- p"), "copy needs TYPE f");
	assert_rejected("copy +++++++++ " OBJ("c", "- p"), "copy needs TYPE f");
	assert_rejected("symlink +++++++++ " OBJ("f", "- p"), "symlink needs TYPE l");
	assert_rejected("mknod +++++++++ " OBJ("f", "- p"), "mknod needs TYPE p, s, c or b");
	assert_rejected("mknod +++++++++ " OBJ("d", "- p"), "mknod needs TYPE p, s, c or b");
	assert_rejected("link +++++++++ " LINKED("d", "a p"), "link cannot make a directory");
}

static void the_change_field_is_new_or_rsyncs_attribute_letters_in_place(void **state)
{
	static const char *const good[] = {"+++++++++", ".........", "cstpoguax",
					   ".st......", "...p.....", "........x"};
	static const char *const bad[] = {"++++++++.",	"tsc......", "C........",
					  "..t......x", "........",  "-........"};
	char rec[256];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(rec, sizeof(rec), "copy %s %s", good[i], OBJ("f", "- p"));
		if (parse_text(rec, &why))
			fail_msg("refused \"%s\": %s", rec, why);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(rec, sizeof(rec), "copy %s %s", bad[i], OBJ("f", "- p"));
		assert_rejected(rec, "CHANGE");
	}
}

static void sync_operations_accept_only_what_they_can_do(void **state)
{
	const char *why;

	(void)state;
	assert_rejected("verify +++++++++ " OBJ("f", "- p"), "verify needs 'c'");
	assert_rejected("verify .st...... " OBJ("f", "- p"), "verify needs 'c'");
	assert_rejected("verify c........ " OBJ("d", "- p"), "verify needs TYPE f");
	assert_rejected("meta +++++++++ " OBJ("f", "- p"), "meta cannot make a new object");
	assert_rejected("meta ...p..... " OBJ("d", "- p"), "use dirmeta");
	assert_int_equal(parse_text("verify c..p..... " OBJ("f", "- p"), &why), 0);
	assert_int_equal(parse_text("meta ...p..... " OBJ("p", "- p"), &why), 0);
	assert_int_equal(parse_text("meta ..t...... " OBJ("l", "t p"), &why), 0);
	for (const char *t = "fdlpscb"; *t; t++) {
		char rec[256];

		snprintf(rec, sizeof(rec),
			 "delete ......... %c --- 1:2 3 1 0644 0 0 0 0 0:0 "
			 "0.000000000 0.000000000 0.000000000 - %s p",
			 *t, *t == 'l' ? "t" : "-");
		if (parse_text(rec, &why))
			fail_msg("refused \"%s\": %s", rec, why);
	}
}

static void a_link_needs_a_clean_target_other_than_itself(void **state)
{
	(void)state;
	assert_rejected("link +++++++++ " LINKED("f", "- p"), "link needs a TARGET");
	assert_rejected("link +++++++++ " LINKED("f", "/etc/passwd p"), "not a clean path");
	assert_rejected("link +++++++++ " LINKED("f", "../x p"), "not a clean path");
	assert_rejected("link +++++++++ " LINKED("f", "a//b p"), "not a clean path");
	assert_rejected("link +++++++++ " LINKED("f", "a/ p"), "not a clean path");
	assert_rejected("link +++++++++ " LINKED("f", ". p"), "not a clean path");
	assert_rejected("link +++++++++ " LINKED("f", "a%00b p"), "not a clean path");
	assert_rejected("link +++++++++ " LINKED("f", "a%2F..%2F..%2Fb p"), "not a clean path");
	assert_rejected("link +++++++++ " LINKED("f", "p p"), "own PATH");
}

static void only_symlinks_and_links_carry_a_target(void **state)
{
	(void)state;
	assert_rejected("copy +++++++++ " OBJ("f", "t p"), "TARGET");
	assert_rejected("mkdir +++++++++ " OBJ("d", "t p"), "TARGET");
	assert_rejected("mknod +++++++++ " OBJ("p", "t p"), "TARGET");
	assert_rejected("symlink +++++++++ " OBJ("l", "- p"), "TARGET");
}

static void a_bad_walk_field_is_named_as_in_walk_records(void **state)
{
	(void)state;
	assert_rejected("copy +++++++++ f --- 12 3 1 0644 0 0 0 0 0:0 0.000000000 0.000000000 "
			"0.000000000 - - p",
			"DEV");
	assert_rejected("copy +++++++++ " OBJ("f", "- ../p"), "PATH");
	assert_rejected("copy +++++++++ " OBJ("f", "-"), "PATH");
	assert_rejected("copy +++++++++ ", "TYPE");
	assert_rejected("copy ", "CHANGE");
}

static void a_chunk_carries_its_byte_range_before_the_object(void **state)
{
	struct plan_record p = {.op = PLAN_CHUNK, .obj = sample_object('f', "big file")};
	struct plan_record back;
	struct buf b = BUF_INIT;
	const char *why;

	(void)state;
	p.obj.size = UINT64_MAX;
	p.offset = UINT64_MAX - 1;
	p.length = 1;
	assert_int_equal(plan_format(&b, &p), 0);
	assert_true(strncmp(b.data, "chunk +++++++++ 18446744073709551614 1 f h-- ", 45) == 0);
	assert_int_equal(plan_parse(b.data, b.len - 1, &back, &why), 0);
	assert_true(back.offset == p.offset && back.length == p.length);
	assert_string_equal(back.obj.path, "big file");
	buf_free(&b);
}

#define RANGE_OF_100 " f --- 1:2 3 1 0644 0 0 100 0 0:0 0.000000000 0.000000000 0.000000000 - - p"

static void a_chunk_range_is_within_its_file_and_not_empty(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(parse_text("chunk +++++++++ 0 100" RANGE_OF_100, &why), 0);
	assert_int_equal(parse_text("chunk +++++++++ 99 1" RANGE_OF_100, &why), 0);
	assert_rejected("chunk +++++++++ 100 1" RANGE_OF_100, "reach past the file's SIZE");
	assert_rejected("chunk +++++++++ 1 100" RANGE_OF_100, "reach past the file's SIZE");
	assert_rejected("chunk +++++++++ 0 0" RANGE_OF_100, "bad chunk LENGTH");
	assert_rejected("chunk +++++++++ 01 5" RANGE_OF_100, "bad chunk OFFSET");
	assert_rejected("chunk +++++++++ 18446744073709551616 5" RANGE_OF_100, "bad chunk OFFSET");
	assert_rejected("chunk +++++++++ 5" RANGE_OF_100, "bad chunk LENGTH");
	assert_rejected("chunk +++++++++" RANGE_OF_100, "bad chunk OFFSET");
	assert_rejected("chunk +++++++++ 0 1 " OBJ("d", "- p"), "chunk needs TYPE f");
	assert_rejected("seal +++++++++ " OBJ("l", "t p"), "seal needs TYPE f");
}

static void every_machine_derives_the_same_short_staging_name(void **state)
{
	char a[PLAN_STAGING_NAME_MAX], b[PLAN_STAGING_NAME_MAX], c[PLAN_STAGING_NAME_MAX];

	(void)state;
	plan_staging_name("dir/big", 7, a);
	plan_staging_name("dir/big", 7, b);
	plan_staging_name("dir/bih", 7, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strncmp(a, ".iou-chunk-", 11), 0);
	assert_int_equal(strlen(a), 11 + 16);
}

/* The raw path of p, formatted, as plan_raw_path() finds it without parsing. */
static void assert_raw_path_found(const struct plan_record *p)
{
	struct buf b = BUF_INIT;
	const char *path;

	assert_int_equal(plan_format(&b, p), 0);
	path = plan_raw_path(b.data, b.len - 1);
	assert_non_null(path);
	assert_int_equal((size_t)(b.data + b.len - 1 - path), p->obj.path_len);
	assert_memory_equal(path, p->obj.path, p->obj.path_len);
	buf_free(&b);
}

static void the_raw_path_is_found_by_counting_fields_for_every_operation(void **state)
{
	/* Spaces and slashes in the path and a symlink target with a space. */
	static const char *const paths[] = {"a", "dir/x y/z", "d i r/ /f\nile ", "x/y/z/w"};
	static const struct {
		enum plan_op op;
		char type;
	} ops[] = {
	    {PLAN_MKDIR, 'd'}, {PLAN_COPY, 'f'},    {PLAN_SYMLINK, 'l'}, {PLAN_MKNOD, 'p'},
	    {PLAN_META, 'l'},  {PLAN_DIRMETA, 'd'}, {PLAN_SEAL, 'f'},	 {PLAN_CHUNK, 'f'},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
			struct plan_record p = {.op = ops[i].op,
						.obj = sample_object(ops[i].type, paths[k])};

			if (p.op == PLAN_CHUNK)
				p.offset = 10, p.length = 20;
			assert_raw_path_found(&p);
		}
	}
}

static void a_record_too_short_for_a_path_has_no_raw_path(void **state)
{
	static const char *const texts[] = {"", "copy", "copy +++++++++ f --- 1:2 3"};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_null(plan_raw_path(texts[i], strlen(texts[i])));
}

static void operations_have_their_stream_words(void **state)
{
	(void)state;
	assert_string_equal(plan_op_name(PLAN_MKDIR), "mkdir");
	assert_string_equal(plan_op_name(PLAN_COPY), "copy");
	assert_string_equal(plan_op_name(PLAN_SYMLINK), "symlink");
	assert_string_equal(plan_op_name(PLAN_MKNOD), "mknod");
	assert_string_equal(plan_op_name(PLAN_LINK), "link");
	assert_string_equal(plan_op_name(PLAN_DIRMETA), "dirmeta");
	assert_string_equal(plan_op_name(PLAN_CHUNK), "chunk");
	assert_string_equal(plan_op_name(PLAN_SEAL), "seal");
	assert_null(plan_op_name(PLAN_OP_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_operation_round_trips_with_its_object),
	    cmocka_unit_test(a_link_of_any_non_directory_names_its_first_member_in_target),
	    cmocka_unit_test(formatted_plan_record_is_the_word_the_change_and_a_walk_record),
	    cmocka_unit_test(unknown_or_missing_operation_words_are_rejected),
	    cmocka_unit_test(each_operation_accepts_only_the_types_it_can_make),
	    cmocka_unit_test(the_change_field_is_new_or_rsyncs_attribute_letters_in_place),
	    cmocka_unit_test(sync_operations_accept_only_what_they_can_do),
	    cmocka_unit_test(a_link_needs_a_clean_target_other_than_itself),
	    cmocka_unit_test(only_symlinks_and_links_carry_a_target),
	    cmocka_unit_test(a_bad_walk_field_is_named_as_in_walk_records),
	    cmocka_unit_test(a_chunk_carries_its_byte_range_before_the_object),
	    cmocka_unit_test(a_chunk_range_is_within_its_file_and_not_empty),
	    cmocka_unit_test(the_raw_path_is_found_by_counting_fields_for_every_operation),
	    cmocka_unit_test(a_record_too_short_for_a_path_has_no_raw_path),
	    cmocka_unit_test(every_machine_derives_the_same_short_staging_name),
	    cmocka_unit_test(operations_have_their_stream_words),
	};

	return cmocka_run_group_tests_name("iouplan records", tests, NULL, NULL);
}
