/* SPDX-License-Identifier: MIT */
#include "pool.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "iou/cursor.h"
#include "iou/hash.h"
#include "iou/plan.h"
#include "itemize.h"

static void report_failure(struct pool *p, const char *path, const char *step, int err)
{
	atomic_store(&p->failed, 1);
	/* The step says it all; ESTALE's text ("Stale file handle") would mislead. */
	if (err == -ESTALE && strcmp(step, EXEC_STEP_CHANGED) == 0)
		fprintf(stderr, "iouput: %s/%s: %s\n", p->dst_name, path, step);
	else
		fprintf(stderr, "iouput: %s/%s: %s: %s\n", p->dst_name, path, step, strerror(-err));
}

/* A record is finished: count it and, with -i, say what changed. */
static void pool_note(struct pool *p, const struct plan_record *pr, enum put_outcome outcome,
		      int ret)
{
	stats_note(&p->shared->stats, pr, outcome, ret == 0);
	if (ret || !p->shared->itemize)
		return;
	ret = itemize_print(stdout, pr, outcome);
	if (ret)
		report_failure(p, pr->obj.path, "itemize", ret);
}

static void report_xattr_warning(const struct pool *p, bool warn)
{
	if (warn)
		fprintf(stderr, "iouput: %s: extended attributes not supported; not copied\n",
			p->dst_name);
}

void pool_run_record(struct exec_worker *w, struct pool *p, const struct plan_record *pr)
{
	struct exec_result res;
	int ret = exec_record(w, pr, &res);

	report_xattr_warning(p, res.warn);
	if (ret)
		report_failure(p, pr->obj.path, res.step, ret);
	pool_note(p, pr, res.outcome, ret);
}

static struct pool_job **queue_slot(const struct pool *p, const struct pool_queue *q, size_t i)
{
	return &q->jobs[(q->head + i) % p->queue_cap];
}

/* Move up to max jobs from q's oldest (or newest) end to jobs, in queue order. */
static unsigned queue_take(struct pool *p, struct pool_queue *q, struct pool_job **jobs,
			   unsigned max, bool newest)
{
	unsigned n = q->count < max ? (unsigned)q->count : max;

	for (unsigned i = 0; i < n; i++)
		jobs[i] = *queue_slot(p, q, newest ? q->count - n + i : i);
	if (!newest)
		q->head = (q->head + n) % p->queue_cap;
	q->count -= n;
	p->count -= n;
	return n;
}

/* The newest half of the longest queue other than self's, or 0 jobs. */
static unsigned pool_steal(struct pool *p, unsigned self, struct pool_job **jobs, unsigned max)
{
	struct pool_queue *victim = NULL;

	for (unsigned i = 0; i < p->cfg.threads; i++)
		if (i != self && p->queues[i].count &&
		    (!victim || p->queues[i].count > victim->count))
			victim = &p->queues[i];
	if (!victim)
		return 0;
	/* Half, so that the owner keeps working where it is and the two do not swap back. */
	if (max > (victim->count + 1) / 2)
		max = (unsigned)((victim->count + 1) / 2);
	return queue_take(p, victim, jobs, max, true);
}

/* Take up to max jobs for worker self, its own first, waiting for one. Returns how many. */
static unsigned pool_take(struct pool *p, unsigned self, struct pool_job **jobs, unsigned max)
{
	unsigned n = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		n = queue_take(p, &p->queues[self], jobs, max, false);
		if (!n)
			n = pool_steal(p, self, jobs, max);
		if (n || p->closing)
			break;
		pthread_cond_wait(&p->not_empty, &p->lock);
	}
	p->running += n;
	if (n)
		pthread_cond_broadcast(&p->not_full);
	pthread_mutex_unlock(&p->lock);
	return n;
}

static void pool_done(struct pool *p, unsigned n)
{
	pthread_mutex_lock(&p->lock);
	p->running -= n;
	if (p->running == 0 && p->count == 0)
		pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
}

static void report_item(struct pool *p, const struct batch_item *it)
{
	report_xattr_warning(p, it->warn);
	if (it->ret)
		report_failure(p, it->p->obj.path, it->step, it->ret);
	/* Batches only copy, as planned. */
	pool_note(p, it->p, OUTCOME_DONE, it->ret);
}

static bool same_parent(const struct walk_record *a, const struct walk_record *b)
{
	const char *sa = strrchr(a->path, '/'), *sb = strrchr(b->path, '/');
	size_t la = sa ? (size_t)(sa - a->path) : 0, lb = sb ? (size_t)(sb - b->path) : 0;

	return la == lb && memcmp(a->path, b->path, la) == 0;
}

/* How many of pr[0..n) from the first on can share one batch. */
static unsigned batch_run_length(const struct pool *p, const struct batch_ring *ring,
				 const struct plan_record *pr, unsigned n)
{
	unsigned len = 1;

	while (len < n && len < p->cfg.batch_max && batch_fits(ring, p->shared, &pr[len]) &&
	       same_parent(&pr[0].obj, &pr[len].obj))
		len++;
	return len;
}

/* Carry out parsed records in order, small files of a directory together. */
static void pool_run_records(struct pool *p, struct exec_worker *w, struct batch_ring *ring,
			     const struct plan_record *pr, unsigned n)
{
	struct batch_item items[BATCH_FILES];
	unsigned len;

	for (unsigned i = 0; i < n; i += len) {
		len = 1;
		if (!ring || ring->broken || !batch_fits(ring, p->shared, &pr[i])) {
			pool_run_record(w, p, &pr[i]);
			continue;
		}
		len = batch_run_length(p, ring, &pr[i], n - i);
		for (unsigned k = 0; k < len; k++)
			items[k].p = &pr[i + k];
		pthread_rwlock_rdlock(&p->batches);
		batch_copy(ring, w, items, len);
		pthread_rwlock_unlock(&p->batches);
		for (unsigned k = 0; k < len; k++)
			report_item(p, &items[k]);
	}
}

static void pool_pin(struct pool *p, unsigned index)
{
	cpu_set_t set;

	if (!p->cfg.pin || !p->ncpus)
		return;
	CPU_ZERO(&set);
	CPU_SET(p->cpus[index % p->ncpus], &set);
	/* Pinning is a hint: a cpuset that forbids it still gets a copy. */
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *pool_thread(void *arg)
{
	struct pool *p = arg;
	struct pool_job *jobs[BATCH_FILES];
	struct plan_record pr[BATCH_FILES];
	struct batch_ring ring;
	struct copy_ring big;
	struct exec_worker w;
	const char *why;
	unsigned n, parsed, self = atomic_fetch_add(&p->next_index, 1);
	bool have_ring;
	int ready;

	pool_pin(p, self);
	ready = exec_worker_init(&w, p->shared);
	/* The ring is made here: it belongs to this thread alone. */
	have_ring =
	    p->cfg.uring && batch_ring_init(&ring, p->cfg.iowq_max, p->cfg.buffer_size) == 0;
	if (have_ring) {
		/* Big files read and write through the same ring and buffers, in turn. */
		big = (struct copy_ring){.ring = &ring.ring,
					 .bufs = ring.bufs,
					 .nbufs = BATCH_FILES,
					 .buf_size = ring.buf_size,
					 .fixed = ring.fixed};
		w.ring = &big;
	}
	while ((n = pool_take(p, self, jobs, BATCH_FILES))) {
		/* The plan was validated before anything ran; this cannot fail. */
		for (parsed = 0; ready == 0 && parsed < n; parsed++)
			if (plan_parse(jobs[parsed]->rec, jobs[parsed]->len, &pr[parsed], &why))
				break;
		if (parsed < n)
			atomic_store(&p->failed, 1);
		pool_run_records(p, &w, have_ring ? &ring : NULL, pr, parsed);
		for (unsigned i = 0; i < n; i++)
			free(jobs[i]);
		pool_done(p, n);
	}
	if (have_ring)
		batch_ring_free(&ring);
	exec_worker_free(&w);
	return NULL;
}

/* The CPUs this process may run on, in order, for pinning. */
static void pool_find_cpus(struct pool *p)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	p->cpus = calloc((size_t)CPU_COUNT(&set), sizeof(*p->cpus));
	if (!p->cpus)
		return;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			p->cpus[p->ncpus++] = cpu;
}

/* Standard streams, roots, the spool, pipes and the serial worker's cursors. */
#define POOL_FDS_SHARED 48
/* A ring and three cursors (source, destination, lookup): cursor.h bounds each. */
#define POOL_FDS_THREAD (1 + 3 * CURSOR_OPEN_LEVELS)

size_t pool_fds_needed(unsigned threads)
{
	return POOL_FDS_SHARED + (size_t)threads * (POOL_FDS_THREAD + 2);
}

unsigned pool_threads_max(size_t fd_limit, unsigned wanted)
{
	size_t fit =
	    fd_limit > POOL_FDS_SHARED ? (fd_limit - POOL_FDS_SHARED) / (POOL_FDS_THREAD + 4) : 0;

	return fit < 1 ? 1 : fit < wanted ? (unsigned)fit : wanted;
}

unsigned pool_batch_max(size_t fd_limit, unsigned threads, unsigned wanted)
{
	size_t reserve = POOL_FDS_SHARED + (size_t)threads * POOL_FDS_THREAD;
	size_t per_thread = fd_limit > reserve ? (fd_limit - reserve) / threads / 2 : 0;

	return per_thread < 1 ? 1 : per_thread > wanted ? wanted : (unsigned)per_thread;
}

/* A waiting writer goes first: a signal must not wait behind a stream of batches. */
static void pool_init_batch_lock(struct pool *p)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&p->batches, &attr);
	pthread_rwlockattr_destroy(&attr);
}

bool pool_hold_batches(struct pool *p, unsigned seconds)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	return pthread_rwlock_timedwrlock(&p->batches, &until) == 0;
}

int pool_start(struct pool *p, const struct pool_config *cfg, struct exec_shared *shared,
	       const char *dst_name)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	p->shared = shared;
	p->dst_name = dst_name;
	/* --queue-depth bounds the records queued in all, so memory too. */
	p->queue_cap = cfg->depth / cfg->threads;
	if (p->queue_cap < 1)
		p->queue_cap = 1;
	p->queues = calloc(cfg->threads, sizeof(*p->queues));
	p->threads = calloc(cfg->threads, sizeof(*p->threads));
	if (!p->queues || !p->threads)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->threads; i++) {
		p->queues[i].jobs = calloc(p->queue_cap, sizeof(*p->queues[i].jobs));
		if (!p->queues[i].jobs)
			return -ENOMEM;
	}
	if (cfg->pin)
		pool_find_cpus(p);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->not_empty, NULL);
	pthread_cond_init(&p->not_full, NULL);
	pthread_cond_init(&p->idle, NULL);
	pool_init_batch_lock(p);
	for (; p->nthreads < cfg->threads; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, pool_thread, p))
			break;
	return p->nthreads ? 0 : -EAGAIN;
}

/* A hash of the directory part of a raw record's path; 0 for the root's entries. */
static uint64_t raw_record_dir(const char *rec, size_t len)
{
	const char *path = plan_raw_path(rec, len), *slash;

	if (!path)
		return 0;
	slash = memrchr(path, '/', (size_t)(rec + len - path));
	return slash ? hash_fnv1a(HASH_FNV1A_BASIS, path, (size_t)(slash - path)) : 0;
}

/*
 * The queue for a record: its directory's, as long as records of one
 * directory keep coming; for another directory, the shortest queue.
 */
static struct pool_queue *pool_route(struct pool *p, const char *rec, size_t len)
{
	uint64_t dir = raw_record_dir(rec, len);
	unsigned best;

	if (dir != p->route_dir) {
		best = p->route_queue;
		for (unsigned i = 0; i < p->nthreads; i++)
			if (p->queues[i].count < p->queues[best].count)
				best = i;
		p->route_dir = dir;
		p->route_queue = best;
	}
	return &p->queues[p->route_queue];
}

int pool_submit(struct pool *p, const char *rec, size_t len)
{
	struct pool_job *job = malloc(sizeof(*job) + len + 1);
	struct pool_queue *q;

	if (!job)
		return -ENOMEM;
	job->len = len;
	memcpy(job->rec, rec, len + 1);
	pthread_mutex_lock(&p->lock);
	q = pool_route(p, rec, len);
	while (q->count == p->queue_cap)
		pthread_cond_wait(&p->not_full, &p->lock);
	*queue_slot(p, q, q->count) = job;
	q->count++;
	p->count++;
	/* Any worker may take it: its owner, or one with nothing to do. */
	pthread_cond_broadcast(&p->not_empty);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void pool_drain(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->count || p->running)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

int pool_stop(struct pool *p)
{
	pool_drain(p);
	pthread_mutex_lock(&p->lock);
	p->closing = 1;
	pthread_cond_broadcast(&p->not_empty);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	for (unsigned i = 0; p->queues && i < p->cfg.threads; i++)
		free(p->queues[i].jobs);
	free(p->queues);
	free(p->threads);
	free(p->cpus);
	pthread_cond_destroy(&p->not_empty);
	pthread_cond_destroy(&p->not_full);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->lock);
	pthread_rwlock_destroy(&p->batches);
	return atomic_load(&p->failed) ? 1 : 0;
}
