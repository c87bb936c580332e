/* SPDX-License-Identifier: MIT */
/* The path set: fingerprints of paths, per namespace (salt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "iou/pathset.h"

static void a_path_is_new_once_per_salt(void **state)
{
	struct inoset s = INOSET_INIT;

	(void)state;
	assert_int_equal(pathset_add(&s, "dir/file", 8, 0), 1);
	assert_int_equal(pathset_add(&s, "dir/file", 8, 0), 0);
	assert_int_equal(pathset_add(&s, "dir/file", 8, 1), 1);
	assert_int_equal(pathset_add(&s, "dir/file", 8, 1), 0);
	assert_int_equal(pathset_add(&s, "dir/fil", 7, 0), 1);
	inoset_free(&s);
}

/* Every path of one and two bytes under salts 0 to 8: all distinct. */
static void short_paths_under_neighbouring_salts_never_collide(void **state)
{
	struct inoset s = INOSET_INIT;
	unsigned char p[2];

	(void)state;
	for (uint64_t salt = 0; salt <= 8; salt++) {
		for (unsigned a = 0; a < 256; a++) {
			p[0] = (unsigned char)a;
			if (pathset_add(&s, (const char *)p, 1, salt) != 1)
				fail_msg("byte %u under salt %u collided", a, (unsigned)salt);
			for (unsigned b = 0; b < 256; b++) {
				p[1] = (unsigned char)b;
				if (pathset_add(&s, (const char *)p, 2, salt) != 1)
					fail_msg("bytes %u %u under salt %u collided", a, b,
						 (unsigned)salt);
			}
		}
	}
	inoset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_path_is_new_once_per_salt),
	    cmocka_unit_test(short_paths_under_neighbouring_salts_never_collide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
