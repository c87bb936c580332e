/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_POOL_H
#define IOUPUT_POOL_H

/*
 * Worker threads fed through a bounded queue of plan records. The reader
 * blocks when the queue is full, so memory depends on the queue depth, not
 * on the size of the tree; pool_drain() is the barrier between operations
 * that depend on each other (hard links wait for the copies they point at).
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "exec.h"

struct pool_job {
	size_t len;
	char rec[]; /* the raw plan record, NUL-terminated */
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	pthread_cond_t not_full;
	pthread_cond_t idle;
	struct pool_job **ring;
	size_t cap, head, count;
	unsigned running; /* jobs taken but not finished */
	int closing;
	atomic_int failed; /* any record failed */
	struct exec_shared *shared;
	const char *dst_name; /* for messages */
	pthread_t *threads;
	unsigned nthreads;
};

int pool_start(struct pool *p, unsigned nthreads, size_t depth, struct exec_shared *shared,
	       const char *dst_name);

/* Queue a copy of a raw record. Returns 0 or -ENOMEM. */
int pool_submit(struct pool *p, const char *rec, size_t len);

/* Wait until every queued record has been carried out. */
void pool_drain(struct pool *p);

/* Drain, stop the threads and free. Returns 1 if any record failed, else 0. */
int pool_stop(struct pool *p);

/* Carry out a parsed record and report a failure once, with its path. */
void pool_run_record(struct exec_worker *w, struct pool *p, const struct plan_record *pr);

#endif
