/* SPDX-License-Identifier: MIT */
/* Plan bundles: the manifest's text and names, and the (dev, ino) map behind shards. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iou/bundle.h"
#include "iou/inomap.h"

static void a_manifest_round_trips_with_its_loads_listed(void **state)
{
	struct bundle_load loads[2] = {{100, 3}, {200, 1}};
	struct bundle_manifest m = {2, 65536, 4096, loads}, back;
	struct buf b = BUF_INIT;
	const char *why;

	(void)state;
	assert_int_equal(bundle_manifest_format(&b, &m), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_string_equal(b.data, "iou-bundle 1\nstream 2.1\nshards 2\nchunk 65536\n"
				    "entry-cost 4096\nload 0 100 3\nload 1 200 1\n");
	assert_int_equal(bundle_manifest_parse(b.data, &back, &why), 0);
	assert_int_equal(back.shards, 2);
	assert_true(back.chunk_size == 65536 && back.entry_cost == 4096);
	buf_free(&b);
}

static void assert_refused(const char *text, const char *because)
{
	struct bundle_manifest m;
	const char *why = NULL;

	assert_int_equal(bundle_manifest_parse(text, &m, &why), -EINVAL);
	assert_non_null(why);
	if (!strstr(why, because))
		fail_msg("\"%s\" does not say \"%s\"", why, because);
}

static void a_bad_manifest_is_refused_saying_why(void **state)
{
	(void)state;
	assert_refused("", "not a bundle manifest");
	assert_refused("iou-bundle 2\nshards 2\nchunk 1\n", "not a bundle manifest");
	assert_refused("iou-bundle 1\nshards 0\nchunk 1\n", "bad \"shards\" line");
	assert_refused("iou-bundle 1\nshards 4097\nchunk 1\n", "bad \"shards\" line");
	assert_refused("iou-bundle 1\nshards 2x\nchunk 1\n", "bad \"shards\" line");
	assert_refused("iou-bundle 1\nshards 2\nchunk -1\n", "bad \"chunk\" line");
	assert_refused("iou-bundle 1\nshards 2\n", "lacks a \"shards\" or a \"chunk\"");
	assert_refused("iou-bundle 1\nstream 3.0\nshards 2\nchunk 1\n", "another stream major");
}

static void unknown_manifest_keys_are_skipped(void **state)
{
	struct bundle_manifest m;
	const char *why;

	(void)state;
	assert_int_equal(
	    bundle_manifest_parse("iou-bundle 1\nnew-key x y\nshards 3\nchunk 9\n", &m, &why), 0);
	assert_true(m.shards == 3 && m.chunk_size == 9);
}

static void shard_and_marker_names_are_fixed(void **state)
{
	char name[BUNDLE_NAME_MAX];

	(void)state;
	bundle_shard_name(4095, name);
	assert_string_equal(name, "shards/4095.plan");
	bundle_done_name(7, name);
	assert_string_equal(name, "done/7");
}

static void an_inomap_keeps_one_value_per_pair_through_growth(void **state)
{
	struct inomap m = INOMAP_INIT;
	uint64_t v;

	(void)state;
	for (uint64_t i = 0; i < 5000; i++)
		assert_int_equal(inomap_put(&m, i % 3, i, i * 2), 0);
	assert_int_equal(inomap_put(&m, 1, 4, 99), 0);
	assert_int_equal(inomap_put(&m, 7, 0, 5), 0);
	for (uint64_t i = 0; i < 5000; i++) {
		assert_int_equal(inomap_get(&m, i % 3, i, &v), 1);
		assert_true(v == (i == 4 ? 99 : i * 2));
	}
	assert_int_equal(inomap_get(&m, 2, 1, &v), 0);
	assert_int_equal(inomap_get(&m, 7, 0, &v), 1);
	assert_true(v == 5);
	inomap_free(&m);
	assert_int_equal(inomap_get(&m, 7, 0, &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_manifest_round_trips_with_its_loads_listed),
	    cmocka_unit_test(a_bad_manifest_is_refused_saying_why),
	    cmocka_unit_test(unknown_manifest_keys_are_skipped),
	    cmocka_unit_test(shard_and_marker_names_are_fixed),
	    cmocka_unit_test(an_inomap_keeps_one_value_per_pair_through_growth),
	};

	return cmocka_run_group_tests_name("bundle", tests, NULL, NULL);
}
