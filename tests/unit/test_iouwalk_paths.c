/* SPDX-License-Identifier: MIT */
/* How iouwalk --from0 turns listed paths into root-relative ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iouwalk/walk.h"

static void assert_relative(const char *in, const char *root, const char *want)
{
	char *p = strdup(in);
	long n = walk_relative_path(p, strlen(p), root);

	if (n < 0)
		fail_msg("\"%s\" under \"%s\" was refused", in, root);
	assert_int_equal(n, strlen(want));
	assert_string_equal(p, want);
	free(p);
}

static void assert_refused(const char *in, const char *root)
{
	char *p = strdup(in);

	assert_int_equal(walk_relative_path(p, strlen(p), root), -EINVAL);
	assert_string_equal(p, in);
	free(p);
}

static void find_output_below_dot_becomes_relative(void **state)
{
	(void)state;
	assert_relative(".", ".", ".");
	assert_relative("./a", ".", "a");
	assert_relative("./a/b c", ".", "a/b c");
	assert_relative("a//b/", ".", "a/b");
	assert_relative("./././a", ".", "a");
	assert_relative("a/./b", ".", "a/b");
	assert_relative("..a/b..", ".", "..a/b..");
}

static void absolute_paths_must_lie_under_an_absolute_root(void **state)
{
	(void)state;
	assert_relative("/usr/share/doc", "/usr", "share/doc");
	assert_relative("/usr", "/usr/", ".");
	assert_relative("/usr/lib", "/", "usr/lib");
	assert_refused("/usrx/lib", "/usr");
	assert_refused("/etc/passwd", "/usr");
	assert_refused("/etc/passwd", ".");
	assert_refused("/us", "/usr");
}

static void dotdot_anywhere_is_refused(void **state)
{
	(void)state;
	assert_refused("..", ".");
	assert_refused("a/../b", ".");
	assert_refused("a/..", ".");
	assert_refused("/usr/../etc", "/usr");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(find_output_below_dot_becomes_relative),
	    cmocka_unit_test(absolute_paths_must_lie_under_an_absolute_root),
	    cmocka_unit_test(dotdot_anywhere_is_refused),
	};

	return cmocka_run_group_tests_name("iouwalk paths", tests, NULL, NULL);
}
