/* SPDX-License-Identifier: MIT */
/* Telling whether one directory lies below another, as --delete's guard must. */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "iou/ancestry.h"

/* A scratch tree: top/a/b/c, and top/link -> a/b. */
struct tree {
	char top[64];
};

static int tree_setup(void **state)
{
	static struct tree t;
	char path[PATH_MAX];

	snprintf(t.top, sizeof(t.top), "%s", "/tmp/iou-ancestry.XXXXXX");
	if (!mkdtemp(t.top))
		return -1;
	snprintf(path, sizeof(path), "%s/a", t.top);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/a/b", t.top);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/a/b/c", t.top);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/link", t.top);
	if (symlink("a/b", path))
		return -1;
	*state = &t;
	return 0;
}

static int tree_teardown(void **state)
{
	const struct tree *t = *state;
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->top);
	return system(cmd) == 0 ? 0 : -1;
}

/* ancestry_is_below(LOWER, TOP) for two paths under the scratch tree. */
static int below(const struct tree *t, const char *lower, const char *top)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", t->top, top);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/%s", t->top, lower);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	ret = ancestry_is_below(fd, &st);
	/* The descriptor it was given is left open. */
	assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);
	return ret;
}

static void a_child_and_a_grandchild_lie_below(void **state)
{
	assert_int_equal(below(*state, "a/b", "a"), 1);
	assert_int_equal(below(*state, "a/b/c", "a"), 1);
	assert_int_equal(below(*state, "a/b/c", "."), 1);
}

static void a_directory_is_not_below_itself_nor_below_its_descendants(void **state)
{
	assert_int_equal(below(*state, "a", "a"), 0);
	assert_int_equal(below(*state, "a", "a/b/c"), 0);
	assert_int_equal(below(*state, ".", "a"), 0);
}

static void a_symlink_counts_as_the_directory_it_resolves_to(void **state)
{
	assert_int_equal(below(*state, "link", "a"), 1);
	assert_int_equal(below(*state, "link/c", "a/b"), 1);
	assert_int_equal(below(*state, "a", "link"), 0);
}

static void every_directory_but_the_root_lies_below_the_root(void **state)
{
	struct stat root;
	int fd = open("/", O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_int_equal(stat("/", &root), 0);
	assert_int_equal(ancestry_is_below(fd, &root), 0);
	close(fd);
	fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	assert_int_equal(ancestry_is_below(fd, &root), 1);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_child_and_a_grandchild_lie_below),
	    cmocka_unit_test(a_directory_is_not_below_itself_nor_below_its_descendants),
	    cmocka_unit_test(a_symlink_counts_as_the_directory_it_resolves_to),
	    cmocka_unit_test(every_directory_but_the_root_lies_below_the_root),
	};

	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}
