/* SPDX-License-Identifier: MIT */
#ifndef IOUSYNC_STAGES_H
#define IOUSYNC_STAGES_H

/* Which programs iousync runs, and the arguments each one gets. */

#include <stdbool.h>

/* What the user asked for, in the terms of the sibling tools. */
struct sync_opts {
	bool one_file_system;
	bool delete;
	bool dry_run;
	bool itemize;
	bool checksum;
	bool progress;
	bool stats;
	bool no_uring;
	const char *jobs; /* as given (already checked), or NULL */
};

enum tool { TOOL_WALK, TOOL_PLAN, TOOL_PUT, TOOL_COUNT };

/* Paths of the sibling tools. */
struct toolset {
	char *path[TOOL_COUNT];
};

/* An argument vector for execv(), NULL-terminated. */
#define ARGV_MAX 16
struct argv {
	const char *v[ARGV_MAX];
	int n;
};

const char *tool_name(enum tool t);

/*
 * Find each tool in the directory of /proc/self/exe, else in $PATH.
 * Returns 0, or -ENOENT with *missing naming the tool not found, or -ENOMEM.
 */
int toolset_find(struct toolset *ts, const char **missing);
void toolset_free(struct toolset *ts);

/*
 * iouwalk [-X] [-x] [-j N] [--no-uring] [--prune DIR] -- ROOT; -X (digests)
 * when digests is true: only a walk compared against another needs them.
 * prune, when not NULL, names a directory the walk leaves out.
 */
void argv_walk(struct argv *a, const struct toolset *ts, const struct sync_opts *o, bool digests,
	       const char *prune, const char *root);

/*
 * Whether plan and put stream (iouplan --stream, iouput --stream): a fresh
 * copy (against is NULL: DST is new) that is not a dry run.
 */
bool sync_streams(const struct sync_opts *o, const char *against);

/* iouplan [--stream] [--against FILE [--delete] [-c]]: against is NULL when DST is new. */
void argv_plan(struct argv *a, const struct toolset *ts, const struct sync_opts *o, bool stream,
	       const char *against, bool deletes);

/* iouput [--stream] [-n] [-i] [--stats] [--progress] [-j N] [--no-uring] -- DST */
void argv_put(struct argv *a, const struct toolset *ts, const struct sync_opts *o, bool stream,
	      const char *dst);

#endif
