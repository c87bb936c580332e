/* SPDX-License-Identifier: MIT */
/* What iouplan --against plans when the destination already has a tree. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "iou/plan.h"
#include "iou/stream.h"
#include "iouplan/against.h"
#include "iouplan/compare.h"
#include "iouplan/filter.h"

/* One side of a comparison: a walk stream built record by record. */
struct side {
	struct buf b;
};

/* An object as both sides describe it; tests change fields of one side. */
static struct walk_record obj(char type, const char *path, uint64_t ino)
{
	struct walk_record r = {
	    .type = type,
	    .dev_major = 254,
	    .dev_minor = 1,
	    .ino = ino,
	    .nlink = type == 'd' ? 2 : 1,
	    .mode = type == 'l'	  ? 0777
		    : type == 'd' ? 0755
				  : 0644,
	    .size = type == 'f' ? 10 : 0,
	    .mtime = {1700000000, 5},
	    .has_xattrs = true,
	    .target = type == 'l' ? "there" : NULL,
	    .target_len = type == 'l' ? 5 : 0,
	    .path = path,
	    .path_len = strlen(path),
	};

	return r;
}

static void start(struct side *s, const char *root)
{
	s->b = (struct buf)BUF_INIT;
	assert_int_equal(stream_format_header(&s->b, "walk", root, strlen(root)), 0);
}

static void add(struct side *s, const struct walk_record *r)
{
	assert_int_equal(record_format_walk(&s->b, r), 0);
}

/* Both sides get the same object. */
static void both(struct side *src, struct side *dst, const struct walk_record *r);

/* Both walks, opened by the same root directory. */
static void start_both(struct side *src, struct side *dst)
{
	struct walk_record root = obj('d', ".", 1);

	start(src, "src");
	start(dst, "dst");
	both(src, dst, &root);
}

static void both(struct side *src, struct side *dst, const struct walk_record *r)
{
	add(src, r);
	add(dst, r);
}

static int fd_with(const struct buf *b)
{
	FILE *f = tmpfile();
	int fd;

	assert_non_null(f);
	fd = dup(fileno(f));
	fclose(f);
	assert_int_equal(stream_write_all(fd, b->data, b->len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* The plan as "OP CHANGE PATH" lines (header left out), joined by '\n'. */
static void plan_lines(const struct buf *plan, struct buf *lines)
{
	struct plan_record p;
	const char *why;
	size_t off = 0, len;

	while (off < plan->len) {
		len = strlen(plan->data + off);
		if (!stream_is_header(plan->data + off, len)) {
			if (plan_parse(plan->data + off, len, &p, &why))
				fail_msg("iouplan wrote a bad plan record: %s", why);
			assert_int_equal(buf_printf(lines, "%s %s %.*s\n", plan_op_name(p.op),
						    p.change, (int)p.obj.path_len, p.obj.path),
					 0);
		}
		off += len + 1;
	}
	assert_int_equal(buf_putc(lines, '\0'), 0);
}

/* Plan src against dst with sync options and check the lines it gives. */
static void assert_sync_plan(struct side *src, struct side *dst, struct root_sync sync,
			     const char *want)
{
	struct against a = AGAINST_INIT;
	struct buf out = BUF_INIT, lines = BUF_INIT;
	struct plan_failure f;
	const char *why;
	uint64_t recno;
	int dst_fd = fd_with(&dst->b), src_fd = fd_with(&src->b), out_fd = fd_with(&out);
	char chunk[4096];
	ssize_t n;

	if (against_load(&a, dst_fd, &why, &recno))
		fail_msg("destination walk refused at record %" PRIu64 ": %s", recno, why);
	sync.against = &a;
	if (plan_filter(src_fd, out_fd, &sync, false, &f))
		fail_msg("plan refused: %s", f.why ? f.why : "system error");
	assert_int_equal(lseek(out_fd, 0, SEEK_SET), 0);
	while ((n = read(out_fd, chunk, sizeof(chunk))) > 0)
		assert_int_equal(buf_append(&out, chunk, (size_t)n), 0);
	plan_lines(&out, &lines);
	if (strcmp(lines.data, want) != 0)
		fail_msg("plan:\n%s\nexpected:\n%s", lines.data, want);
	close(dst_fd);
	close(src_fd);
	close(out_fd);
	against_free(&a);
	buf_free(&out);
	buf_free(&lines);
	buf_free(&src->b);
	buf_free(&dst->b);
}

static const struct root_sync as_root = {.compare = {.owner = true}};

static void identical_trees_give_an_empty_plan(void **state)
{
	struct side src, dst;
	struct walk_record r[] = {obj('d', ".", 1), obj('d', "d", 2), obj('f', "d/f", 3),
				  obj('l', "d/l", 4), obj('p', "fifo", 5)};

	(void)state;
	start(&src, "src");
	start(&dst, "dst");
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		both(&src, &dst, &r[i]);
	assert_sync_plan(&src, &dst, as_root, "");
}

static void a_file_of_another_size_or_time_is_copied_and_its_directory_restored(void **state)
{
	struct side src, dst;
	struct walk_record f = obj('f', "f", 3), g = obj('f', "g", 4);

	(void)state;
	start_both(&src, &dst);
	add(&dst, &f);
	add(&dst, &g);
	f.size = 11;
	g.mtime.nsec = 6; /* a nanosecond is a difference */
	add(&src, &f);
	add(&src, &g);
	assert_sync_plan(&src, &dst, as_root,
			 "copy .s....... f\n"
			 "copy ..t...... g\n"
			 "dirmeta ......... .\n");
}

static void same_size_and_time_is_skipped_or_with_checksum_verified(void **state)
{
	struct side src, dst;
	struct walk_record f = obj('f', "f", 3);
	struct root_sync checksum = as_root;

	(void)state;
	start_both(&src, &dst);
	both(&src, &dst, &f);
	assert_sync_plan(&src, &dst, as_root, "");

	checksum.compare.checksum = true;
	start_both(&src, &dst);
	both(&src, &dst, &f);
	assert_sync_plan(&src, &dst, checksum,
			 "verify c........ f\n"
			 "dirmeta ......... .\n");
}

static void attribute_changes_alone_become_meta_with_their_letters(void **state)
{
	struct side src, dst;
	struct walk_record f = obj('f', "f", 3), l = obj('l', "l", 4), d = obj('d', "d", 5);

	(void)state;
	start_both(&src, &dst);
	add(&dst, &f);
	add(&dst, &l);
	add(&dst, &d);
	f.mode = 0600;
	f.uid = 1000;
	f.xattr_digest = 42;
	l.gid = 7;
	l.mode = 0700; /* a symlink's mode is not its own: never compared */
	d.acl_digest = 9;
	add(&src, &f);
	add(&src, &l);
	add(&src, &d);
	assert_sync_plan(&src, &dst, as_root,
			 "meta ...po...x f\n"
			 "meta .....g... l\n"
			 "dirmeta .......a. d\n");
}

static void owners_are_compared_only_when_asked(void **state)
{
	struct side src, dst;
	struct walk_record f = obj('f', "f", 3);
	struct root_sync no_owner = {0};

	(void)state;
	start_both(&src, &dst);
	add(&dst, &f);
	f.uid = 1000;
	f.gid = 1000;
	add(&src, &f);
	assert_sync_plan(&src, &dst, no_owner, "");
}

static void xattr_digests_are_compared_only_when_both_walks_read_them(void **state)
{
	struct side src, dst;
	struct walk_record f = obj('f', "f", 3);

	(void)state;
	start_both(&src, &dst);
	add(&dst, &f);
	f.has_xattrs = false;
	f.xattr_digest = 1;
	add(&src, &f);
	assert_sync_plan(&src, &dst, as_root, "");
}

static void a_type_change_removes_the_old_object_and_all_it_held_first(void **state)
{
	struct side src, dst;
	struct walk_record x_dir = obj('d', "x", 2), x_in = obj('f', "x/in", 3),
			   x_deeper = obj('d', "x/sub", 4), x_deepest = obj('f', "x/sub/f", 5),
			   x_file = obj('f', "x", 6), y_file = obj('f', "y", 7),
			   y_dir = obj('d', "y", 8), y_in = obj('f', "y/n", 9);

	(void)state;
	start_both(&src, &dst);
	add(&dst, &x_dir);
	add(&dst, &x_in);
	add(&dst, &x_deeper);
	add(&dst, &x_deepest);
	add(&dst, &y_file);
	add(&src, &x_file);
	add(&src, &y_dir);
	add(&src, &y_in);
	/* Without --delete too: what stands in the way must go. */
	assert_sync_plan(&src, &dst, as_root,
			 "delete ......... y\n"
			 "delete ......... x/sub/f\n"
			 "delete ......... x/sub\n"
			 "delete ......... x/in\n"
			 "delete ......... x\n"
			 "mkdir +++++++++ y\n"
			 "copy +++++++++ x\n"
			 "copy +++++++++ y/n\n"
			 "dirmeta +++++++++ y\n"
			 "dirmeta ......... .\n");
}

static void a_symlink_where_the_source_has_a_directory_is_removed_not_entered(void **state)
{
	struct side src, dst;
	struct walk_record sub_link = obj('l', "sub", 2), sub_dir = obj('d', "sub", 3),
			   f = obj('f', "sub/f", 4);

	(void)state;
	start_both(&src, &dst);
	add(&dst, &sub_link);
	add(&src, &sub_dir);
	add(&src, &f);
	assert_sync_plan(&src, &dst, as_root,
			 "delete ......... sub\n"
			 "mkdir +++++++++ sub\n"
			 "copy +++++++++ sub/f\n"
			 "dirmeta +++++++++ sub\n"
			 "dirmeta ......... .\n");
}

static void with_delete_what_the_source_lacks_goes_deepest_first(void **state)
{
	struct side src, dst;
	struct walk_record keep = obj('d', "keep", 2), gone = obj('d', "keep/gone", 3),
			   in = obj('f', "keep/gone/f", 4), extra = obj('f', "extra", 5);
	struct root_sync del = as_root;

	(void)state;
	start_both(&src, &dst);
	both(&src, &dst, &keep);
	add(&dst, &gone);
	add(&dst, &in);
	add(&dst, &extra);
	assert_sync_plan(&src, &dst, as_root, "");

	del.delete_extra = true;
	start_both(&src, &dst);
	both(&src, &dst, &keep);
	add(&dst, &gone);
	add(&dst, &in);
	add(&dst, &extra);
	assert_sync_plan(&src, &dst, del,
			 "delete ......... extra\n"
			 "delete ......... keep/gone/f\n"
			 "delete ......... keep/gone\n"
			 "dirmeta ......... keep\n"
			 "dirmeta ......... .\n");
}

static void hard_link_members_are_relinked_only_when_the_group_changed(void **state)
{
	struct side src, dst;
	struct walk_record a = obj('f', "a", 3), b = obj('f', "b", 3), c = obj('f', "c", 3),
			   c_alone = obj('f', "c", 9);

	(void)state;
	a.nlink = b.nlink = c.nlink = 3;
	a.flags = b.flags = c.flags = RECORD_HARDLINKED;
	start_both(&src, &dst);
	both(&src, &dst, &a);
	both(&src, &dst, &b);
	add(&src, &c);
	add(&dst, &c_alone); /* c is a file of its own in the destination */
	assert_sync_plan(&src, &dst, as_root,
			 "link ......... c\n"
			 "dirmeta ......... .\n");

	/* New data for the first member: every other member is linked again. */
	start_both(&src, &dst);
	add(&dst, &a);
	add(&dst, &b);
	a.size = b.size = 99;
	add(&src, &a);
	add(&src, &b);
	assert_sync_plan(&src, &dst, as_root,
			 "copy .s....... a\n"
			 "link ......... b\n"
			 "dirmeta ......... .\n");
}

static void a_changed_symlink_target_or_device_number_replaces_the_object(void **state)
{
	struct side src, dst;
	struct walk_record l = obj('l', "l", 3), c = obj('c', "c", 4);

	(void)state;
	start_both(&src, &dst);
	add(&dst, &l);
	add(&dst, &c);
	l.target = "elsewhere";
	l.target_len = 9;
	c.rdev_minor = 3;
	add(&src, &l);
	add(&src, &c);
	assert_sync_plan(&src, &dst, as_root,
			 "symlink c........ l\n"
			 "mknod c........ c\n"
			 "dirmeta ......... .\n");
}

static void a_destination_file_linked_elsewhere_gets_a_file_of_its_own(void **state)
{
	struct walk_record src = obj('f', "f", 3), dst = obj('f', "f", 3);
	struct compare_opts o = {.owner = true};
	char change[PLAN_CHANGE_LEN + 1];

	(void)state;
	dst.nlink = 2;
	assert_int_equal(compare_choose(&src, &dst, &o, change), PLAN_COPY);
	assert_string_equal(change, PLAN_CHANGE_NONE);
}

/* Load a destination walk given as text; expect it refused at recno for why. */
static void assert_against_refused(const struct buf *b, uint64_t want_recno, const char *because)
{
	struct against a = AGAINST_INIT;
	const char *why;
	uint64_t recno;
	int fd = fd_with(b);

	assert_int_equal(against_load(&a, fd, &why, &recno), -EINVAL);
	assert_non_null(why);
	if (!strstr(why, because))
		fail_msg("\"%s\" does not say \"%s\"", why, because);
	assert_int_equal(recno, want_recno);
	close(fd);
	against_free(&a);
}

static void a_destination_walk_must_be_one_roots_valid_walk(void **state)
{
	struct side s;
	struct walk_record root = obj('d', ".", 1), f = obj('f', "f", 2);

	(void)state;
	start(&s, "dst");
	add(&s, &root);
	add(&s, &f);
	add(&s, &f);
	assert_against_refused(&s.b, 4, "duplicate path");
	buf_free(&s.b);

	start(&s, "dst");
	add(&s, &root);
	assert_int_equal(stream_format_header(&s.b, "walk", "other", 5), 0);
	assert_against_refused(&s.b, 3, "one root");
	buf_free(&s.b);

	start(&s, "dst");
	s.b.len = 0;
	assert_int_equal(stream_format_header(&s.b, "plan", "dst", 3), 0);
	assert_against_refused(&s.b, 1, "not a walk stream");
	buf_free(&s.b);
}

static void a_second_source_root_is_refused_before_any_plan_is_written(void **state)
{
	struct side src, dst;
	struct against a = AGAINST_INIT;
	struct root_sync sync = as_root;
	struct buf empty = BUF_INIT;
	struct plan_failure f;
	const char *why;
	uint64_t recno;
	int dst_fd, src_fd, out_fd = fd_with(&empty);

	(void)state;
	start_both(&src, &dst);
	assert_int_equal(stream_format_header(&src.b, "walk", "again", 5), 0);
	dst_fd = fd_with(&dst.b);
	src_fd = fd_with(&src.b);
	assert_int_equal(against_load(&a, dst_fd, &why, &recno), 0);
	sync.against = &a;
	assert_int_equal(plan_filter(src_fd, out_fd, &sync, false, &f), -EINVAL);
	assert_non_null(strstr(f.why, "a second root"));
	assert_int_equal(f.recno, 3);
	assert_int_equal(lseek(out_fd, 0, SEEK_END), 0);
	close(dst_fd);
	close(src_fd);
	close(out_fd);
	against_free(&a);
	buf_free(&src.b);
	buf_free(&dst.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(identical_trees_give_an_empty_plan),
	    cmocka_unit_test(a_file_of_another_size_or_time_is_copied_and_its_directory_restored),
	    cmocka_unit_test(same_size_and_time_is_skipped_or_with_checksum_verified),
	    cmocka_unit_test(attribute_changes_alone_become_meta_with_their_letters),
	    cmocka_unit_test(owners_are_compared_only_when_asked),
	    cmocka_unit_test(xattr_digests_are_compared_only_when_both_walks_read_them),
	    cmocka_unit_test(a_type_change_removes_the_old_object_and_all_it_held_first),
	    cmocka_unit_test(a_symlink_where_the_source_has_a_directory_is_removed_not_entered),
	    cmocka_unit_test(with_delete_what_the_source_lacks_goes_deepest_first),
	    cmocka_unit_test(hard_link_members_are_relinked_only_when_the_group_changed),
	    cmocka_unit_test(a_changed_symlink_target_or_device_number_replaces_the_object),
	    cmocka_unit_test(a_destination_file_linked_elsewhere_gets_a_file_of_its_own),
	    cmocka_unit_test(a_destination_walk_must_be_one_roots_valid_walk),
	    cmocka_unit_test(a_second_source_root_is_refused_before_any_plan_is_written),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
