/* SPDX-License-Identifier: MIT */
/*
 * A fuzz target as a unit test, built with the plain compiler and no
 * libFuzzer (build/tests/replay_fuzz_NAME): every committed seed and crasher
 * (FUZZ_DIR/seeds, FUZZ_DIR/crashers) and the empty input, which libFuzzer
 * always tries, go to the target's LLVMFuzzerTestOneInput, so an input that
 * once crashed a target fails make check-unit, and make asan, for good.
 *
 * Each input runs in a child of its own: a crash, abort() or sanitizer
 * report is the failure of that input's test, not the end of the program,
 * and the inputs after it still run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "iou/buf.h"

#if !defined(FUZZ_DIR) || !defined(FUZZ_TARGET)
#error "build with -DFUZZ_DIR=\"tests/fuzz's absolute path\" -DFUZZ_TARGET=\"fuzz_NAME\""
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* make fuzz allows an input 10 s; sanitizers and a busy machine get more. */
#define REPLAY_SECONDS 60

/*
 * cmocka catches these to go on with the next test; a child must die of
 * them instead (or report them, as the sanitizer handlers set before cmocka do).
 */
static const int fatal_signals[] = {SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGSYS};
#define N_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))
static struct sigaction before_cmocka[N_FATAL];

/* The whole file at path, into b. Returns 0, or a negative errno with b freed. */
static int read_input(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	do {
		ret = buf_reserve(b, 65536);
		n = ret ? 0 : read(fd, b->data + b->len, 65536);
		if (n > 0)
			b->len += (size_t)n;
	} while (n > 0);
	if (!ret && n < 0)
		ret = -errno;
	close(fd);
	if (ret)
		buf_free(b);
	return ret;
}

/* Run the target once on data in a child; returns the child's wait status. */
static int replay_in_child(const uint8_t *data, size_t size)
{
	pid_t pid;
	int status;

	/* Output buffered now would be written again by the child's exit. */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		for (size_t i = 0; i < N_FATAL; i++)
			sigaction(fatal_signals[i], &before_cmocka[i], NULL);
		alarm(REPLAY_SECONDS); /* a hang dies of SIGALRM */
		LLVMFuzzerTestOneInput(data, size);
		/* exit, not _exit: LeakSanitizer checks at exit, as libFuzzer does per input. */
		exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* The target returned from the input what, and its child exited 0. */
static void assert_exited_cleanly(const char *what, int status)
{
	if (WIFSIGNALED(status))
		fail_msg("%s: %s died of signal %d (%s)", what, FUZZ_TARGET, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	if (WEXITSTATUS(status) != 0)
		fail_msg("%s: %s exited %d (a sanitizer's report is above)", what, FUZZ_TARGET,
			 WEXITSTATUS(status));
}

static void the_empty_input_replays_cleanly(void **state)
{
	(void)state;
	assert_exited_cleanly("the empty input", replay_in_child((const uint8_t *)"", 0));
}

/* *state: the input's path under FUZZ_DIR. */
static void the_input_replays_cleanly(void **state)
{
	const char *name = *state;
	char path[4096];
	struct buf b = BUF_INIT;
	int ret, status;

	snprintf(path, sizeof(path), "%s/%s", FUZZ_DIR, name);
	ret = read_input(path, &b);
	if (ret)
		fail_msg("%s: %s", path, strerror(-ret));
	status = replay_in_child((const uint8_t *)b.data, b.len);
	/* Freed before the check: a failing assertion does not return. */
	buf_free(&b);
	assert_exited_cleanly(name, status);
}

/* Every file is an input but the hidden ones (., .., an editor's leftovers). */
static int is_input(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* A test for each file of FUZZ_DIR/sub, added to *tests. Returns 0 or -1. */
static int add_inputs(const char *sub, struct CMUnitTest **tests, size_t *n)
{
	char dir[4096];
	struct dirent **names;
	struct CMUnitTest *more;
	int count;

	snprintf(dir, sizeof(dir), "%s/%s", FUZZ_DIR, sub);
	count = scandir(dir, &names, is_input, alphasort);
	if (count < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	more = realloc(*tests, (*n + (size_t)count) * sizeof(**tests));
	if (!more)
		abort();
	*tests = more;
	for (int i = 0; i < count; i++) {
		char *name;

		if (asprintf(&name, "%s/%s", sub, names[i]->d_name) < 0)
			abort();
		(*tests)[(*n)++] = (struct CMUnitTest){
		    .name = name, .test_func = the_input_replays_cleanly, .initial_state = name};
		free(names[i]);
	}
	free(names);
	return 0;
}

int main(void)
{
	struct CMUnitTest *tests = malloc(sizeof(*tests));
	size_t n = 0;
	int ret;

	if (!tests)
		return 1;
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(the_empty_input_replays_cleanly);
	if (add_inputs("seeds", &tests, &n) || add_inputs("crashers", &tests, &n))
		return 1;
	for (size_t i = 0; i < N_FATAL; i++)
		sigaction(fatal_signals[i], NULL, &before_cmocka[i]);
	ret = _cmocka_run_group_tests(FUZZ_TARGET " replay", tests, n, NULL, NULL);
	for (size_t i = 1; i < n; i++)
		free((char *)tests[i].name);
	free(tests);
	return ret;
}
