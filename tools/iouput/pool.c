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
#include "itemize.h"

static void report_failure(struct pool *p, const char *path, const char *step, int err)
{
	atomic_store(&p->failed, 1);
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

/* Take up to max queued jobs, waiting for one. Returns how many. */
static unsigned pool_take(struct pool *p, struct pool_job **jobs, unsigned max)
{
	unsigned n = 0;

	pthread_mutex_lock(&p->lock);
	while (!p->count && !p->closing)
		pthread_cond_wait(&p->not_empty, &p->lock);
	/* Leave work for the others when the queue is short. */
	if (max > p->count / p->nthreads)
		max = p->count / p->nthreads ? (unsigned)(p->count / p->nthreads) : 1;
	while (p->count && n < max) {
		jobs[n++] = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
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

static void pool_pin(struct pool *p)
{
	unsigned index = atomic_fetch_add(&p->next_index, 1);
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
	unsigned n, parsed;
	bool have_ring;
	int ready;

	pool_pin(p);
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
	while ((n = pool_take(p, jobs, BATCH_FILES))) {
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
	p->cap = cfg->depth;
	p->ring = calloc(p->cap, sizeof(*p->ring));
	p->threads = calloc(cfg->threads, sizeof(*p->threads));
	if (!p->ring || !p->threads)
		return -ENOMEM;
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

int pool_submit(struct pool *p, const char *rec, size_t len)
{
	struct pool_job *job = malloc(sizeof(*job) + len + 1);

	if (!job)
		return -ENOMEM;
	job->len = len;
	memcpy(job->rec, rec, len + 1);
	pthread_mutex_lock(&p->lock);
	while (p->count == p->cap)
		pthread_cond_wait(&p->not_full, &p->lock);
	p->ring[(p->head + p->count) % p->cap] = job;
	p->count++;
	pthread_cond_signal(&p->not_empty);
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
	free(p->ring);
	free(p->threads);
	free(p->cpus);
	pthread_cond_destroy(&p->not_empty);
	pthread_cond_destroy(&p->not_full);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->lock);
	pthread_rwlock_destroy(&p->batches);
	return atomic_load(&p->failed) ? 1 : 0;
}
