/* SPDX-License-Identifier: MIT */
#ifndef IOU_FDLIMIT_H
#define IOU_FDLIMIT_H

/*
 * Living within the descriptor limit. The tools bound the files they hold
 * open (a batch per worker, a directory chain per cursor) by the limit in
 * force; when other threads hold the rest for a moment, an open that fails
 * with EMFILE or ENFILE waits for them to close theirs and tries again,
 * rather than failing a file that a moment later would have copied. A
 * shortage that does not pass within FDLIMIT_PATIENCE_MS is reported as
 * usual: descriptors are held for microseconds to milliseconds, so one
 * that lasts longer is not going to end.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FDLIMIT_PATIENCE_MS 1000

/* Raise the soft RLIMIT_NOFILE to the hard one; return the soft limit now in force. */
size_t fdlimit_raise(void);

/*
 * Of limit, how many descriptors are free: those a parent left open (a
 * shell's, a launcher's) count against the limit as much as the tool's own.
 * Counted in /proc/self/fd; where that cannot be read, limit.
 */
size_t fdlimit_free(size_t limit);

/*
 * Whether a failed open's negative errno is a shortage worth waiting out:
 * if so, sleep (1 ms, doubling up to 64 ms a time) and count the wait in
 * *waited_ms, until FDLIMIT_PATIENCE_MS have passed.
 */
bool fdlimit_wait(int err, unsigned *waited_ms);

/* openat() that waits out a shortage of descriptors. Returns fd or -errno. */
int fdlimit_openat(int dirfd, const char *path, int flags, mode_t mode);

#endif
