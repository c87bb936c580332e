/* SPDX-License-Identifier: MIT */
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iou/buf.h"
#include "iou/stream.h"

#define EXIT_FAILED 1
#define EXIT_USAGE  2

int bundle_shard_from_env(long *k)
{
	/*
	 * Most specific first. A Slurm batch script has SLURM_PROCID 0, which
	 * an array task and the ranks of an mpirun inside the job inherit;
	 * their own index is the array's, or the MPI rank.
	 */
	static const char *const vars[] = {"SLURM_ARRAY_TASK_ID", "OMPI_COMM_WORLD_RANK",
					   "PMI_RANK", "SLURM_PROCID"};
	const char *v;
	char *end;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		v = getenv(vars[i]);
		if (!v || !*v)
			continue;
		errno = 0;
		*k = strtol(v, &end, 10);
		if (*v >= '0' && *v <= '9' && !*end && !errno)
			return 0;
		fprintf(stderr, "iouput: --shard-from-env: %s='%s' is not a shard number\n",
			vars[i], v);
		return EXIT_USAGE;
	}
	fputs("iouput: --shard-from-env: none of " BUNDLE_RANK_VARS " is set\n", stderr);
	return EXIT_USAGE;
}

/* The pending shards as "1, 4, 7" (at most a screenful). Returns 0 or -ENOMEM. */
static int list_pending(struct put_bundle *b, struct buf *list, unsigned *count)
{
	int ret = 0, done;

	*count = 0;
	for (unsigned k = 0; k < b->manifest.shards && !ret; k++) {
		done = bundle_shard_done(b->dirfd, k);
		if (done > 0)
			continue;
		if (done < 0)
			return done;
		if (++*count <= 32)
			ret = buf_printf(list, "%s%u", *count > 1 ? ", " : "", k);
		else if (*count == 33)
			ret = buf_printf(list, ", ...");
	}
	return ret ? ret : buf_putc(list, '\0');
}

/* The finish may run only once every shard has its done marker. */
static int check_finish(struct put_bundle *b)
{
	struct buf list = BUF_INIT;
	unsigned pending;
	int ret = list_pending(b, &list, &pending);

	if (ret)
		fprintf(stderr, "iouput: %s/%s: %s\n", b->dir, BUNDLE_DONE_DIR, strerror(-ret));
	else if (pending)
		fprintf(stderr,
			"iouput: %s: cannot finish, %u of %u shards pending (no done marker): %s\n",
			b->dir, pending, b->manifest.shards, list.data);
	buf_free(&list);
	return ret ? EXIT_FAILED : pending ? EXIT_USAGE : 0;
}

/* A shard that is out of range, or done already. */
static int check_shard(struct put_bundle *b, long k, bool *skip)
{
	char done[BUNDLE_NAME_MAX];
	int ret;

	if (k >= (long)b->manifest.shards) {
		fprintf(stderr, "iouput: %s: no shard %ld (the bundle has shards 0 to %u)\n",
			b->dir, k, b->manifest.shards - 1);
		return EXIT_USAGE;
	}
	ret = bundle_shard_done(b->dirfd, (unsigned)k);
	if (ret < 0) {
		fprintf(stderr, "iouput: %s: done marker of shard %ld: %s\n", b->dir, k,
			strerror(-ret));
		return EXIT_FAILED;
	}
	*skip = ret == 1;
	bundle_done_name((unsigned)k, done);
	if (*skip)
		fprintf(stderr, "iouput: shard %ld is done already (%s/%s): nothing to do\n", k,
			b->dir, done);
	return 0;
}

int bundle_open(struct put_bundle *b, const char *dir, long k, bool *skip)
{
	char name[BUNDLE_NAME_MAX];
	const char *why;
	int ret;

	*skip = false;
	b->dir = dir;
	b->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->dirfd < 0) {
		fprintf(stderr, "iouput: plan bundle %s: %s\n", dir, strerror(errno));
		return EXIT_USAGE;
	}
	ret = bundle_manifest_read(b->dirfd, &b->manifest, &why);
	if (ret) {
		fprintf(stderr, "iouput: %s/%s: %s\n", dir, BUNDLE_MANIFEST,
			why ? why : strerror(-ret));
		return EXIT_USAGE;
	}
	if (k < 0) {
		snprintf(name, sizeof(name), "%s", BUNDLE_FINISH);
		ret = check_finish(b);
	} else {
		bundle_shard_name((unsigned)k, name);
		ret = check_shard(b, k, skip);
	}
	snprintf(b->plan, sizeof(b->plan), "%s/%s", dir, name);
	return ret;
}

/* What the marker says: enough to tell which run of which machine left it. */
static int format_marker(struct buf *b, long k, uint64_t entries, uint64_t bytes)
{
	char host[256] = "?", when[32] = "?";
	time_t now = time(NULL);
	struct tm tm;

	gethostname(host, sizeof(host) - 1);
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf_printf(
	    b, "shard %ld\nhost %s\npid %d\nfinished %s\nentries %" PRIu64 "\nbytes %" PRIu64 "\n",
	    k, host, (int)getpid(), when, entries, bytes);
}

int bundle_mark_done(struct put_bundle *b, long k, uint64_t entries, uint64_t bytes)
{
	char tmp[BUNDLE_NAME_MAX + 300], done[BUNDLE_NAME_MAX], host[256] = "";
	struct buf text = BUF_INIT;
	int fd, ret;

	bundle_done_name((unsigned)k, done);
	/* A name of this process's own, so that two runs of one shard never share it. */
	gethostname(host, sizeof(host) - 1);
	snprintf(tmp, sizeof(tmp), "%s/.%ld.%s.%d.tmp", BUNDLE_DONE_DIR, k, host, (int)getpid());
	ret = format_marker(&text, k, entries, bytes);
	fd = ret ? -1 : openat(b->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (!ret && fd < 0)
		ret = -errno;
	if (fd >= 0) {
		ret = stream_write_all(fd, text.data, text.len);
		if (!ret && fsync(fd))
			ret = -errno;
		if (close(fd) && !ret)
			ret = -errno;
		if (!ret && renameat(b->dirfd, tmp, b->dirfd, done))
			ret = -errno;
		if (ret)
			unlinkat(b->dirfd, tmp, 0);
	}
	buf_free(&text);
	if (ret)
		fprintf(stderr, "iouput: %s/%s: %s\n", b->dir, done, strerror(-ret));
	return ret ? EXIT_FAILED : 0;
}

void bundle_close(struct put_bundle *b)
{
	if (b->dirfd >= 0)
		close(b->dirfd);
	b->dirfd = -1;
}
