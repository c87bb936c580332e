/* SPDX-License-Identifier: MIT */
/* Waiting out a shortage of descriptors instead of failing a file. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "iou/fdlimit.h"

#define HELD_MAX 256

/* Every descriptor the process may still open, held by a "peer". */
struct hoard {
	int fds[HELD_MAX];
	int n;
	unsigned release_after_ms;
};

static void hoard_fill(struct hoard *h)
{
	int fd;

	h->n = 0;
	while (h->n < HELD_MAX && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		h->fds[h->n++] = fd;
	assert_true(h->n < HELD_MAX); /* the limit, not the array, stopped us */
	assert_int_equal(open("/dev/null", O_RDONLY), -1);
	assert_int_equal(errno, EMFILE);
}

static void hoard_release(struct hoard *h)
{
	while (h->n)
		close(h->fds[--h->n]);
}

static void *release_later(void *arg)
{
	struct hoard *h = arg;
	struct timespec ts = {0, (long)h->release_after_ms * 1000000};

	nanosleep(&ts, NULL);
	close(h->fds[--h->n]);
	return NULL;
}

static double ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* A small limit for the test process, restored after. */
static int limit_setup(void **state)
{
	static struct rlimit saved;
	struct rlimit low;

	getrlimit(RLIMIT_NOFILE, &saved);
	low = saved;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	*state = &saved;
	return 0;
}

static int limit_teardown(void **state)
{
	return setrlimit(RLIMIT_NOFILE, *state);
}

static void an_open_waits_for_a_peer_to_close_one(void **state)
{
	struct hoard h;
	pthread_t peer;
	int fd;

	(void)state;
	hoard_fill(&h);
	h.release_after_ms = 30;
	assert_int_equal(pthread_create(&peer, NULL, release_later, &h), 0);
	fd = fdlimit_openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	pthread_join(peer, NULL);
	assert_true(fd >= 0);
	close(fd);
	hoard_release(&h);
}

static void a_shortage_that_lasts_is_reported_after_the_patience(void **state)
{
	struct timespec start;
	struct hoard h;
	double waited;

	(void)state;
	hoard_fill(&h);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(fdlimit_openat(AT_FDCWD, "/dev/null", O_RDONLY, 0), -EMFILE);
	waited = ms_since(&start);
	hoard_release(&h);
	assert_true(waited >= FDLIMIT_PATIENCE_MS * 0.9);
	assert_true(waited < FDLIMIT_PATIENCE_MS * 3);
}

static void other_errors_are_returned_at_once(void **state)
{
	unsigned waited = 0;

	(void)state;
	assert_int_equal(fdlimit_openat(AT_FDCWD, "/nonexistent/iou", O_RDONLY, 0), -ENOENT);
	assert_false(fdlimit_wait(-ENOENT, &waited));
	assert_int_equal(waited, 0);
}

static void raising_takes_the_hard_limit(void **state)
{
	struct rlimit rl;
	size_t got;

	(void)state;
	got = fdlimit_raise();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(rl.rlim_cur, rl.rlim_max);
	assert_true(got >= 64);
}

static void descriptors_already_open_are_not_free(void **state)
{
	int fds[40];
	size_t before, during;

	(void)state;
	before = fdlimit_free(1000);
	for (int i = 0; i < 40; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	during = fdlimit_free(1000);
	for (int i = 0; i < 40; i++)
		close(fds[i]);
	assert_true(before < 1000);
	assert_int_equal(before - during, 40);
	assert_int_equal(fdlimit_free(1000), before);
	assert_int_equal(fdlimit_free(2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(an_open_waits_for_a_peer_to_close_one, limit_setup,
					    limit_teardown),
	    cmocka_unit_test_setup_teardown(a_shortage_that_lasts_is_reported_after_the_patience,
					    limit_setup, limit_teardown),
	    cmocka_unit_test(other_errors_are_returned_at_once),
	    cmocka_unit_test(descriptors_already_open_are_not_free),
	    cmocka_unit_test_setup_teardown(raising_takes_the_hard_limit, limit_setup,
					    limit_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
