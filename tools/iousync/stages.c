/* SPDX-License-Identifier: MIT */
#include "stages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const names[TOOL_COUNT] = {"iouwalk", "iouplan", "iouput"};

const char *tool_name(enum tool t)
{
	return names[t];
}

/* The directory iousync runs from, so that build/bin/iousync runs build/bin/iouwalk. */
static int self_dir(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	char *slash;

	if (n < 0)
		return -errno;
	if ((size_t)n == size - 1)
		return -ENAMETOOLONG;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

/* DIR/NAME (dir_len bytes of DIR) into *path when it is an executable file: 1, else 0. */
static int try_dir(const char *dir, size_t dir_len, const char *name, char **path)
{
	struct stat st;
	char *p;

	if (asprintf(&p, "%.*s/%s", (int)dir_len, dir, name) < 0)
		return -ENOMEM;
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
		*path = p;
		return 1;
	}
	free(p);
	return 0;
}

/* As execvp() searches: an empty entry of $PATH is the current directory. */
static int search_path(const char *name, char **path)
{
	const char *p = getenv("PATH"), *end;
	int ret = 0;

	if (!p || !*p)
		p = "/usr/local/bin:/usr/bin:/bin";
	for (;; p = end + 1) {
		end = strchrnul(p, ':');
		ret = end == p ? try_dir(".", 1, name, path)
			       : try_dir(p, (size_t)(end - p), name, path);
		if (ret || !*end)
			return ret;
	}
}

static int find_one(const char *self, const char *name, char **path)
{
	int ret = 0;

	if (self)
		ret = try_dir(self, strlen(self), name, path);
	if (ret == 0)
		ret = search_path(name, path);
	return ret == 0 ? -ENOENT : ret < 0 ? ret : 0;
}

int toolset_find(struct toolset *ts, const char **missing)
{
	char self[4096];
	bool have_self = self_dir(self, sizeof(self)) == 0;
	int ret = 0;

	for (int t = 0; t < TOOL_COUNT; t++)
		ts->path[t] = NULL;
	for (int t = 0; t < TOOL_COUNT && !ret; t++) {
		ret = find_one(have_self ? self : NULL, names[t], &ts->path[t]);
		if (ret == -ENOENT)
			*missing = names[t];
	}
	if (ret)
		toolset_free(ts);
	return ret;
}

void toolset_free(struct toolset *ts)
{
	for (int t = 0; t < TOOL_COUNT; t++) {
		free(ts->path[t]);
		ts->path[t] = NULL;
	}
}

/* Callers add at most ARGV_MAX - 1 arguments (counted in the builders below). */
static void add(struct argv *a, const char *arg)
{
	a->v[a->n++] = arg;
	a->v[a->n] = NULL;
}

static void start(struct argv *a, const struct toolset *ts, enum tool t)
{
	a->n = 0;
	add(a, ts->path[t]);
}

/* Options every tool takes alike. */
static void add_common(struct argv *a, const struct sync_opts *o)
{
	if (o->jobs) {
		add(a, "-j");
		add(a, o->jobs);
	}
	if (o->no_uring)
		add(a, "--no-uring");
}

void argv_walk(struct argv *a, const struct toolset *ts, const struct sync_opts *o, bool digests,
	       const char *prune, const char *root)
{
	start(a, ts, TOOL_WALK);
	if (digests)
		add(a, "-X");
	if (o->one_file_system)
		add(a, "-x");
	add_common(a, o);
	if (prune) {
		add(a, "--prune");
		add(a, prune);
	}
	/* A root named like an option ("-rf") stays a root. */
	add(a, "--");
	add(a, root);
}

/* iouput starts on the first records while the walk goes on; a dry run has nothing to overlap. */
bool sync_streams(const struct sync_opts *o, const char *against)
{
	return !against && !o->dry_run;
}

void argv_plan(struct argv *a, const struct toolset *ts, const struct sync_opts *o, bool stream,
	       const char *against, bool deletes)
{
	start(a, ts, TOOL_PLAN);
	if (stream)
		add(a, "--stream");
	/* Without a destination listing there is nothing to delete or compare. */
	if (!against)
		return;
	add(a, "--against");
	add(a, against);
	if (deletes)
		add(a, "--delete");
	if (o->checksum)
		add(a, "-c");
}

void argv_put(struct argv *a, const struct toolset *ts, const struct sync_opts *o, bool stream,
	      const char *dst)
{
	start(a, ts, TOOL_PUT);
	if (stream)
		add(a, "--stream");
	if (o->dry_run)
		add(a, "-n");
	if (o->itemize)
		add(a, "-i");
	if (o->stats)
		add(a, "--stats");
	if (o->progress)
		add(a, "--progress");
	add_common(a, o);
	add(a, "--");
	add(a, dst);
}
