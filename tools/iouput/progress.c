/* SPDX-License-Identifier: MIT */
#include "progress.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define PROGRESS_LINE	    160
#define PROGRESS_TTY_MS	    500
#define PROGRESS_OTHER_MS   1000
#define PROGRESS_SIZE_CHARS 16

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Decimal units, as the MB/s of the rate and of --stats. */
static void format_size(char out[PROGRESS_SIZE_CHARS], double bytes)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	unsigned u = 0;

	while (bytes >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1000;
		u++;
	}
	snprintf(out, PROGRESS_SIZE_CHARS, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

/*
 * Time left from the bytes still to go, or the entries when there are no
 * bytes; unknown while the totals still grow.
 */
static double progress_eta(unsigned long long done, unsigned long long bytes_done,
			   unsigned long long entries, unsigned long long bytes, bool growing,
			   double seconds)
{
	if (growing)
		return -1;
	if (bytes && bytes_done)
		return (double)(bytes - bytes_done) * seconds / (double)bytes_done;
	if (!bytes && done)
		return (double)(entries - done) * seconds / (double)done;
	return -1;
}

static void format_eta(char *out, size_t size, double eta)
{
	unsigned long long s = (unsigned long long)(eta + 0.5);

	if (eta < 0)
		snprintf(out, size, "--:--");
	else
		snprintf(out, size, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
}

void progress_format(char *out, size_t size, unsigned long long done, unsigned long long bytes_done,
		     const struct plan_totals *totals, double seconds)
{
	char have[PROGRESS_SIZE_CHARS], total[PROGRESS_SIZE_CHARS], rate[PROGRESS_SIZE_CHARS];
	char eta[32];
	/* Read growing first: totals read after it saw false are final. */
	bool growing = atomic_load(&totals->growing);
	unsigned long long entries = atomic_load_explicit(&totals->entries, memory_order_relaxed);
	unsigned long long bytes = atomic_load_explicit(&totals->bytes, memory_order_relaxed);
	const char *more = growing ? "+" : "";

	format_size(have, (double)bytes_done);
	format_size(total, (double)bytes);
	format_size(rate, seconds > 0 ? (double)bytes_done / seconds : 0);
	format_eta(eta, sizeof(eta),
		   progress_eta(done, bytes_done, entries, bytes, growing, seconds));
	snprintf(out, size, "%llu/%llu%s entries  %s/%s%s  %s/s  ETA %s", done, entries, more, have,
		 total, more, rate, eta);
}

static void progress_show(struct progress *pg)
{
	char line[PROGRESS_LINE];
	size_t len;

	progress_format(line, sizeof(line), atomic_load(&pg->stats->done),
			atomic_load(&pg->stats->bytes_done), pg->totals, seconds_since(&pg->start));
	len = strlen(line);
	if (!pg->tty) {
		fprintf(pg->out, "%s\n", line);
		return;
	}
	/* Pad over the longer line this one replaces. */
	fprintf(pg->out, "\r%s%*s", line, pg->shown > len ? (int)(pg->shown - len) : 0, "");
	fflush(pg->out);
	pg->shown = len;
}

static void progress_erase(struct progress *pg)
{
	if (pg->shown)
		fprintf(pg->out, "\r%*s\r", (int)pg->shown, "");
	fflush(pg->out);
}

static void deadline_after(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

static void *progress_thread(void *arg)
{
	struct progress *pg = arg;
	struct timespec deadline;

	pthread_mutex_lock(&pg->lock);
	while (!pg->stop) {
		deadline_after(&deadline, pg->tty ? PROGRESS_TTY_MS : PROGRESS_OTHER_MS);
		while (!pg->stop && pthread_cond_timedwait(&pg->wake, &pg->lock, &deadline) == 0)
			;
		if (!pg->stop)
			progress_show(pg);
	}
	pthread_mutex_unlock(&pg->lock);
	return NULL;
}

static int progress_init_sync(struct progress *pg)
{
	pthread_condattr_t attr;
	int ret = pthread_condattr_init(&attr);

	if (ret)
		return -ret;
	/* Deadlines on the monotonic clock: a clock change cannot stall the display. */
	ret = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(&pg->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (ret)
		return -ret;
	ret = pthread_mutex_init(&pg->lock, NULL);
	if (ret)
		pthread_cond_destroy(&pg->wake);
	return -ret;
}

int progress_start(struct progress *pg, FILE *out, const struct put_stats *stats,
		   const struct plan_totals *totals)
{
	int ret;

	memset(pg, 0, sizeof(*pg));
	pg->out = out;
	pg->tty = isatty(fileno(out));
	pg->stats = stats;
	pg->totals = totals;
	clock_gettime(CLOCK_MONOTONIC, &pg->start);
	ret = progress_init_sync(pg);
	if (ret)
		return ret;
	ret = -pthread_create(&pg->thread, NULL, progress_thread, pg);
	if (ret) {
		pthread_cond_destroy(&pg->wake);
		pthread_mutex_destroy(&pg->lock);
	}
	return ret;
}

void progress_stop(struct progress *pg)
{
	pthread_mutex_lock(&pg->lock);
	pg->stop = true;
	pthread_cond_signal(&pg->wake);
	pthread_mutex_unlock(&pg->lock);
	pthread_join(pg->thread, NULL);
	/* A log keeps the final count; a terminal is left clean for what follows. */
	if (pg->tty)
		progress_erase(pg);
	else
		progress_show(pg);
	pthread_cond_destroy(&pg->wake);
	pthread_mutex_destroy(&pg->lock);
}
