/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_PROGRESS_H
#define IOUPUT_PROGRESS_H

/*
 * --progress: a thread that shows how far the run is, from the counters the
 * workers keep (stats.h) against the plan's totals, which are known before
 * anything starts because the whole plan is read first; with --stream they
 * grow as it is read, shown with a "+" and no time left until they are
 * final. On a terminal the line is rewritten in place twice a second and
 * erased at the end; into a file or pipe it is one line per second, the
 * last one at the end.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "stats.h"

struct progress {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	bool tty;
	size_t shown; /* length of the line on the terminal, to erase it */
	FILE *out;
	const struct put_stats *stats;
	const struct plan_totals *totals; /* not owned; may grow (--stream) */
	struct timespec start;
};

/* Start reporting to out; totals must outlive the reporting. Returns 0 or a negative errno. */
int progress_start(struct progress *pg, FILE *out, const struct put_stats *stats,
		   const struct plan_totals *totals);

/* Stop the thread and leave the terminal line clean. */
void progress_stop(struct progress *pg);

/*
 * One report: entries and bytes done of their totals ("+" while they grow),
 * rate and time left, seconds after the start. Exposed for tests.
 */
void progress_format(char *out, size_t size, unsigned long long done, unsigned long long bytes_done,
		     const struct plan_totals *totals, double seconds);

#endif
