/* SPDX-License-Identifier: MIT */
#include "pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pool_run_record(struct exec_worker *w, struct pool *p, const struct plan_record *pr)
{
	const char *step = "";
	bool warn;
	int ret = exec_record(w, pr, &step, &warn);

	if (warn)
		fprintf(stderr, "iouput: %s: extended attributes not supported; not copied\n",
			p->dst_name);
	if (!ret)
		return;
	atomic_store(&p->failed, 1);
	fprintf(stderr, "iouput: %s/%s: %s: %s\n", p->dst_name, pr->obj.path, step, strerror(-ret));
}

static struct pool_job *pool_take(struct pool *p)
{
	struct pool_job *job = NULL;

	pthread_mutex_lock(&p->lock);
	while (!p->count && !p->closing)
		pthread_cond_wait(&p->not_empty, &p->lock);
	if (p->count) {
		job = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		p->running++;
		pthread_cond_signal(&p->not_full);
	}
	pthread_mutex_unlock(&p->lock);
	return job;
}

static void pool_done(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	if (--p->running == 0 && p->count == 0)
		pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
}

static void *pool_thread(void *arg)
{
	struct pool *p = arg;
	struct exec_worker w;
	struct pool_job *job;
	struct plan_record pr;
	const char *why;
	int ready = exec_worker_init(&w, p->shared);

	while ((job = pool_take(p))) {
		/* The plan was validated before anything ran; this cannot fail. */
		if (ready == 0 && plan_parse(job->rec, job->len, &pr, &why) == 0)
			pool_run_record(&w, p, &pr);
		else
			atomic_store(&p->failed, 1);
		free(job);
		pool_done(p);
	}
	exec_worker_free(&w);
	return NULL;
}

int pool_start(struct pool *p, unsigned nthreads, size_t depth, struct exec_shared *shared,
	       const char *dst_name)
{
	memset(p, 0, sizeof(*p));
	p->shared = shared;
	p->dst_name = dst_name;
	p->cap = depth;
	p->ring = calloc(depth, sizeof(*p->ring));
	p->threads = calloc(nthreads, sizeof(*p->threads));
	if (!p->ring || !p->threads)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->not_empty, NULL);
	pthread_cond_init(&p->not_full, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (; p->nthreads < nthreads; p->nthreads++)
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
	pthread_cond_destroy(&p->not_empty);
	pthread_cond_destroy(&p->not_full);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->lock);
	return atomic_load(&p->failed) ? 1 : 0;
}
