/* SPDX-License-Identifier: MIT */
/*
 * Attribute digests of an object named in a directory: the same whichever
 * way they are read (listxattrat on new kernels, a /proc/self/fd path, a
 * plain path), independent of listing order, symlinks never followed.
 * Needs a file system with user xattrs for the temporary directory (tmpfs
 * and ext4 have them); skipped otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "iou/xattrs.h"

struct fixture {
	char dir[64];
	int dirfd;
};

static void make_file(const struct fixture *f, const char *name)
{
	int fd = openat(f->dirfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	close(fd);
}

static void set_attr(const struct fixture *f, const char *name, const char *attr, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	assert_int_equal(setxattr(path, attr, value, strlen(value), 0), 0);
}

/* Skip the test where the temporary directory's file system has no user xattrs. */
static void require_user_xattrs(const struct fixture *f)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/probe", f->dir);
	make_file(f, "probe");
	if (setxattr(path, "user.probe", "1", 1, 0) && errno == ENOTSUP)
		skip();
}

/* The digests read through dirfd, checked against those of the plain path. */
static struct walk_record digest_both_ways(const struct fixture *f, const char *name)
{
	struct walk_record at = {0}, plain = {0};
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	assert_int_equal(xattrs_digest_at(f->dirfd, name, &at), 0);
	assert_int_equal(xattrs_digest_at(AT_FDCWD, path, &plain), 0);
	assert_true(at.has_xattrs);
	assert_true(plain.has_xattrs);
	assert_true(at.xattr_digest == plain.xattr_digest);
	assert_true(at.acl_digest == plain.acl_digest);
	return at;
}

static int setup(void **state)
{
	static struct fixture f;

	/* tmpfs (Linux 6.6) holds long attribute lists, ext4 not: prefer it. */
	strcpy(f.dir, access("/dev/shm", W_OK) == 0 ? "/dev/shm/iou-test-xattrs.XXXXXX"
						    : "/tmp/iou-test-xattrs.XXXXXX");
	if (!mkdtemp(f.dir))
		return -1;
	f.dirfd = open(f.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	xattrs_init();
	*state = &f;
	return f.dirfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	const struct fixture *f = *state;
	char cmd[128];

	close(f->dirfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void an_object_without_attributes_has_zero_digests(void **state)
{
	const struct fixture *f = *state;
	struct walk_record r;

	make_file(f, "plain");
	r = digest_both_ways(f, "plain");
	assert_true(r.xattr_digest == 0);
	assert_true(r.acl_digest == 0);
}

static void attributes_give_a_digest_that_ignores_listing_order(void **state)
{
	const struct fixture *f = *state;
	struct walk_record ab, ba;

	require_user_xattrs(f);
	make_file(f, "ab");
	set_attr(f, "ab", "user.a", "one");
	set_attr(f, "ab", "user.b", "two");
	make_file(f, "ba");
	set_attr(f, "ba", "user.b", "two");
	set_attr(f, "ba", "user.a", "one");
	ab = digest_both_ways(f, "ab");
	ba = digest_both_ways(f, "ba");
	assert_true(ab.xattr_digest != 0);
	assert_true(ab.xattr_digest == ba.xattr_digest);
	assert_true(ab.acl_digest == 0);
}

static void a_value_change_changes_the_digest(void **state)
{
	const struct fixture *f = *state;
	struct walk_record before, after;

	make_file(f, "changing");
	require_user_xattrs(f);
	set_attr(f, "changing", "user.v", "first");
	before = digest_both_ways(f, "changing");
	set_attr(f, "changing", "user.v", "other");
	after = digest_both_ways(f, "changing");
	assert_true(before.xattr_digest != after.xattr_digest);
}

/* A listing longer than the stack buffer takes the slower way, to the same digest. */
static void a_long_listing_gives_the_same_digest(void **state)
{
	const struct fixture *f = *state;
	struct walk_record r;
	char attr[32];

	char path[128];

	require_user_xattrs(f);
	make_file(f, "many");
	snprintf(path, sizeof(path), "%s/many", f->dir);
	for (int i = 0; i < 400; i++) {
		snprintf(attr, sizeof(attr), "user.attribute%04d", i);
		if (setxattr(path, attr, "v", 1, 0) == 0)
			continue;
		/* ext4 keeps every attribute in one block: no room for such a list. */
		if (errno == ENOSPC)
			skip();
		fail_msg("setxattr %s: %s", attr, strerror(errno));
	}
	r = digest_both_ways(f, "many");
	assert_true(r.xattr_digest != 0);
}

static void a_symlink_is_digested_itself_not_its_target(void **state)
{
	const struct fixture *f = *state;
	struct walk_record link;

	require_user_xattrs(f);
	make_file(f, "target");
	set_attr(f, "target", "user.t", "on the target");
	assert_int_equal(symlinkat("target", f->dirfd, "link"), 0);
	link = digest_both_ways(f, "link");
	assert_true(link.xattr_digest == 0);
}

static void a_missing_object_is_an_error(void **state)
{
	const struct fixture *f = *state;
	struct walk_record r = {0};

	assert_int_equal(xattrs_digest_at(f->dirfd, "missing", &r), -ENOENT);
	assert_false(r.has_xattrs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(an_object_without_attributes_has_zero_digests),
	    cmocka_unit_test(attributes_give_a_digest_that_ignores_listing_order),
	    cmocka_unit_test(a_value_change_changes_the_digest),
	    cmocka_unit_test(a_long_listing_gives_the_same_digest),
	    cmocka_unit_test(a_symlink_is_digested_itself_not_its_target),
	    cmocka_unit_test(a_missing_object_is_an_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
