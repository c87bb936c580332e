/* SPDX-License-Identifier: MIT */
#ifndef IOUSYNC_PIPELINE_H
#define IOUSYNC_PIPELINE_H

/*
 * Run a chain of programs joined by pipes, as a shell runs a | b | c, and
 * wait for all of them. iousync keeps its terminating signals blocked and
 * takes them, with SIGCHLD, through sigwaitinfo(): no handler, no global
 * state, and a signal sent to iousync alone is passed on to the stages.
 */

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* One program of a pipeline. */
struct stage {
	const char *name;	 /* for messages */
	const char *const *argv; /* argv[0] is the path to execute */
	int keep_fd;		 /* a descriptor only this stage inherits, or -1 */
	pid_t pid;		 /* 0 until started */
	bool running;		 /* started and not yet reaped */
	int wstatus;		 /* as waitpid() reported it, once reaped */
};

/* The signals iousync waits for, and the mask the stages get back. */
struct signals {
	sigset_t wait;	/* blocked in iousync: SIGCHLD and the terminating ones */
	sigset_t saved; /* the mask iousync started with */
	int caught;	/* the last terminating signal iousync received, or 0 */
};

/* Block SIGCHLD, and SIGINT, SIGTERM and SIGHUP unless they are ignored. */
int signals_setup(struct signals *sg);

void stage_init(struct stage *s, const char *name, const char *const *argv, int keep_fd);

/*
 * Start the n stages, stage i's standard output piped to stage i + 1's
 * standard input; the first reads in and the last writes out (-1: inherit
 * iousync's). Waits for every stage started, passing on the terminating
 * signals iousync receives. Returns 0, or a negative errno when not every
 * stage could be started (those that were are still waited for).
 */
int pipeline_run(struct stage *st, int n, int in, int out, struct signals *sg);

/*
 * Start the n stages side by side, each reading nothing of ours and writing
 * to outs[i], and wait for them as pipeline_run() does.
 */
int stages_run_apart(struct stage *st, int n, const int *outs, struct signals *sg);

/* The stage's exit code, 0, 1 or 2 (anything else, or a signal, counts as 1). */
int stage_exit_code(const struct stage *s);

#endif
