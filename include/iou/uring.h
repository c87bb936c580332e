/* SPDX-License-Identifier: MIT */
#ifndef IOU_URING_H
#define IOU_URING_H

/*
 * Setting up an io_uring the way every iou tool wants it, and deciding when
 * not to: io_uring can be compiled out, disabled by sysctl, or filtered by a
 * container's seccomp profile. Callers that get an error here fall back to
 * plain syscalls and must produce the same result.
 */

#include <liburing.h>
#include <stdbool.h>

/* The environment switch that forces the plain-syscall path everywhere. */
#define URING_DISABLE_ENV "IOU_NO_URING"

/* Whether the user asked for plain syscalls through the environment. */
bool uring_disabled_by_env(void);

/*
 * Create a ring of at least `entries` entries with io-wq bounded to
 * `max_workers` threads of each kind (0 leaves the kernel default), so that
 * punted file system operations cannot spawn a thread per file.
 * Returns 0 or the negative errno of io_uring_setup.
 */
int uring_init(struct io_uring *ring, unsigned entries, unsigned max_workers);

/*
 * Submit everything queued and wait for `count` completions, storing each
 * result in res[user_data] (callers number their SQEs 0..count-1). Returns 0,
 * or the negative errno of io_uring_enter: then the ring is unusable and the
 * caller falls back to plain syscalls for what is not yet done.
 */
int uring_submit_collect(struct io_uring *ring, unsigned count, int *res);

#endif
