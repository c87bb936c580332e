/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_POOL_H
#define IOUPUT_POOL_H

/*
 * Worker threads fed through bounded queues of plan records, one queue per
 * worker. The reader blocks when a queue is full, so memory depends on the
 * queue depth, not on the size of the tree; pool_drain() is the barrier
 * between operations that depend on each other (hard links wait for the
 * copies they point at). Records of one directory go to one worker's queue,
 * so that workers do not wait on each other for a directory's lock, and a
 * worker takes a run of them at once so that small files of a directory go
 * through its io_uring together (batch.h). A worker with nothing queued
 * takes the newest half of the longest queue: a single large directory
 * still keeps every worker busy.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec.h"

struct pool_job {
	size_t len;
	char rec[]; /* the raw plan record, NUL-terminated */
};

/* How workers are set up. */
struct pool_config {
	unsigned threads;
	size_t depth;	    /* records queued at most */
	bool pin;	    /* pin worker i to the i-th CPU the process may use */
	bool uring;	    /* one io_uring per worker, for batches of small files */
	unsigned iowq_max;  /* io-wq threads per ring and kind */
	unsigned batch_max; /* files per batch, 1 to BATCH_FILES */
	size_t buffer_size; /* per file of a batch: the largest file batched */
};

/*
 * Workers (at most `wanted`) whose rings, directory chains and at least a
 * file in flight each fit within a descriptor limit; and files per batch
 * (two descriptors each) that keep all of them within it.
 */
unsigned pool_threads_max(size_t fd_limit, unsigned wanted);
/* The descriptors one worker needs at most, beyond the shared ones. */
size_t pool_fds_needed(unsigned threads);
unsigned pool_batch_max(size_t fd_limit, unsigned threads, unsigned wanted);

/* One worker's jobs, oldest first, in a ring of the pool's queue_cap. */
struct pool_queue {
	struct pool_job **jobs;
	size_t head, count;
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	pthread_cond_t not_full;
	pthread_cond_t idle;
	struct pool_queue *queues; /* one per configured thread */
	size_t queue_cap;
	size_t count;	  /* jobs in all queues */
	unsigned running; /* jobs taken but not finished */
	/* The reader's routing: the directory of its last record and its queue. */
	uint64_t route_dir;
	unsigned route_queue;
	int closing;
	atomic_int failed; /* any record failed */
	struct exec_shared *shared;
	const char *dst_name; /* for messages */
	pthread_t *threads;
	unsigned nthreads;
	struct pool_config cfg;
	int *cpus; /* CPUs to pin to, in order */
	unsigned ncpus;
	atomic_uint next_index;	  /* each thread takes one: its CPU */
	pthread_rwlock_t batches; /* read-held while a batch may leave partial files */
};

int pool_start(struct pool *p, const struct pool_config *cfg, struct exec_shared *shared,
	       const char *dst_name);

/* Queue a copy of a raw record. Returns 0 or -ENOMEM. */
int pool_submit(struct pool *p, const char *rec, size_t len);

/* Wait until every queued record has been carried out. */
void pool_drain(struct pool *p);

/* Drain, stop the threads and free. Returns 1 if any record failed, else 0. */
int pool_stop(struct pool *p);

/*
 * Wait until no batch has a file half made under its final name, and start
 * no other batch: what a termination signal does before the process ends.
 * Gives up after `seconds` (a batch stuck on a hung file system must not
 * make the process unkillable by ^C); returns whether every batch finished.
 * Never released.
 */
bool pool_hold_batches(struct pool *p, unsigned seconds);

/* Carry out a parsed record and report a failure once, with its path. */
void pool_run_record(struct exec_worker *w, struct pool *p, const struct plan_record *pr);

#endif
