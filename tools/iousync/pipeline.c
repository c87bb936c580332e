/* SPDX-License-Identifier: MIT */
#include "pipeline.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iou/termsig.h"

int signals_setup(struct signals *sg)
{
	/* Ignored ones (nohup) stay ignored: the stages inherit that, and so does iousync. */
	termsig_set(&sg->wait);
	sigaddset(&sg->wait, SIGCHLD);
	sg->caught = 0;
	/* Ignored, SIGCHLD would have the kernel reap the stages before us. */
	signal(SIGCHLD, SIG_DFL);
	return sigprocmask(SIG_BLOCK, &sg->wait, &sg->saved) ? -errno : 0;
}

void stage_init(struct stage *s, const char *name, const char *const *argv, int keep_fd)
{
	*s = (struct stage){.name = name, .argv = argv, .keep_fd = keep_fd};
}

/*
 * In the child: wire up, then exec. Every descriptor iousync holds is
 * close-on-exec, so a stage inherits its two ends and its keep_fd only; a
 * stray write end would keep the next stage from ever seeing end of input.
 */
static _Noreturn void stage_exec(const struct stage *s, int in, int out, const sigset_t *mask,
				 pid_t parent)
{
	/*
	 * Should iousync die without passing a signal on (SIGKILL, the OOM
	 * killer), the stage is told as by SIGTERM, not left writing DST
	 * alone, or beside a rerun. If iousync died before this, it goes.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(127);
	if ((in >= 0 && dup2(in, STDIN_FILENO) < 0) || (out >= 0 && dup2(out, STDOUT_FILENO) < 0) ||
	    (s->keep_fd >= 0 && fcntl(s->keep_fd, F_SETFD, 0) < 0) ||
	    sigprocmask(SIG_SETMASK, mask, NULL) < 0) {
		fprintf(stderr, "iousync: cannot set up %s: %s\n", s->name, strerror(errno));
		_exit(127);
	}
	execv(s->argv[0], (char *const *)s->argv);
	fprintf(stderr, "iousync: cannot run %s: %s\n", s->argv[0], strerror(errno));
	_exit(127);
}

static int stage_start(struct stage *s, int in, int out, const sigset_t *mask)
{
	pid_t pid, parent = getpid();

	/* Buffered text would otherwise be written twice, by us and the child. */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		stage_exec(s, in, out, mask, parent);
	s->pid = pid;
	s->running = true;
	return 0;
}

/* Reap what has ended; returns how many stages still run. */
static int reap(struct stage *st, int n)
{
	int left = 0, ws;
	pid_t ret;

	for (int i = 0; i < n; i++) {
		if (!st[i].running)
			continue;
		ret = waitpid(st[i].pid, &ws, WNOHANG);
		if (ret == 0 || (ret < 0 && errno == EINTR)) {
			left++;
			continue;
		}
		/* Gone without a status (ECHILD): count it as failed. */
		st[i].wstatus = ret > 0 ? ws : W_EXITCODE(1, 0);
		st[i].running = false;
	}
	return left;
}

static void forward(const struct stage *st, int n, int sig)
{
	for (int i = 0; i < n; i++)
		if (st[i].running)
			kill(st[i].pid, sig);
}

/* Whether a stage died of a signal iousync itself waits for (^C, TERM, HUP). */
static bool stage_died_of_waited(const struct stage *st, int n, const sigset_t *wait)
{
	for (int i = 0; i < n; i++)
		if (WIFSIGNALED(st[i].wstatus) && WTERMSIG(st[i].wstatus) != SIGCHLD &&
		    sigismember(wait, WTERMSIG(st[i].wstatus)) == 1)
			return true;
	return false;
}

/*
 * A signal sent to the whole process group (^C) may reach a stage, end it
 * and have it reaped before it reaches us. When a stage died of such a
 * signal, give ours a moment to arrive: only if it does not was the stage
 * killed on its own, which stages_status() then reports.
 */
#define GROUP_SIGNAL_GRACE_NS 200000000L

static void catch_pending(const struct stage *st, int n, struct signals *sg)
{
	struct timespec grace = {0, 0};
	siginfo_t si;

	if (stage_died_of_waited(st, n, &sg->wait))
		grace.tv_nsec = GROUP_SIGNAL_GRACE_NS;
	while (sigtimedwait(&sg->wait, &si, &grace) > 0) {
		if (si.si_signo != SIGCHLD) {
			sg->caught = si.si_signo;
			return;
		}
	}
}

static void wait_all(struct stage *st, int n, struct signals *sg)
{
	siginfo_t si;

	while (reap(st, n) > 0) {
		if (sigwaitinfo(&sg->wait, &si) < 0 || si.si_signo == SIGCHLD)
			continue;
		sg->caught = si.si_signo;
		forward(st, n, si.si_signo);
	}
	catch_pending(st, n, sg);
}

static void close_unless(int fd, int keep)
{
	if (fd >= 0 && fd != keep)
		close(fd);
}

int pipeline_run(struct stage *st, int n, int in, int out, struct signals *sg)
{
	int next_in = in, fds[2], ret = 0, started = 0;
	bool last;

	while (started < n) {
		last = started + 1 == n;
		fds[0] = fds[1] = -1;
		if (!last && pipe2(fds, O_CLOEXEC) < 0) {
			ret = -errno;
			break;
		}
		ret = stage_start(&st[started], next_in, last ? out : fds[1], &sg->saved);
		close_unless(next_in, in);
		close_unless(fds[1], -1);
		next_in = fds[0];
		if (ret)
			break;
		started++;
	}
	/* On failure the stages started see a closed pipe and end. */
	close_unless(next_in, in);
	wait_all(st, started, sg);
	return ret;
}

int stage_exit_code(const struct stage *s)
{
	if (!WIFEXITED(s->wstatus))
		return 1;
	switch (WEXITSTATUS(s->wstatus)) {
	case 0:
		return 0;
	case 2:
		return 2;
	default:
		return 1;
	}
}

int stages_run_apart(struct stage *st, int n, const int *outs, struct signals *sg)
{
	int ret = 0, started = 0;

	while (started < n && ret == 0)
		if ((ret = stage_start(&st[started], -1, outs[started], &sg->saved)) == 0)
			started++;
	wait_all(st, started, sg);
	return ret;
}
