/* SPDX-License-Identifier: MIT */
/* iouput: carry out an iou-stream(5) plan in a destination directory. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "bundle.h"
#include "check.h"
#include "iou/ancestry.h"
#include "iou/buf.h"
#include "iou/fdlimit.h"
#include "iou/plan.h"
#include "iou/size.h"
#include "iou/stream.h"
#include "iou/termsig.h"
#include "iou/tmpfile.h"
#include "iou/version.h"
#include "pool.h"
#include "progress.h"

#define EXIT_FAILED 1
#define EXIT_USAGE  2
#define QUEUE_DEPTH 4096
#define IOWQ_MAX    2 /* io-wq threads per ring: see README, "Performance" */

/* Long options without a short form. */
enum {
	OPT_BATCH = 256,
	OPT_BUFFER_SIZE,
	OPT_QUEUE_DEPTH,
	OPT_IOWQ_WORKERS,
	OPT_STREAM,
};

static const char usage_text[] =
    "usage: iouput [OPTION]... DST [PLAN]\n"
    "  or:  iouput [OPTION]... --plan DIR (--shard K|--shard-from-env|--finish) DST\n"
    "Carry out the plan that iouplan wrote (standard input, or PLAN) so that DST\n"
    "holds a copy of the plan's source root. Run it in the directory iouwalk ran in:\n"
    "the source root is taken as the walk named it.\n"
    "\n"
    "  -n, --dry-run  change nothing (DST is not even made); with -i, show what\n"
    "                 would change (verify still reads and compares the data)\n"
    "  -i, --itemize  a line per change on standard output, as rsync's\n"
    "                 --itemize-changes (YXcstpoguax NAME, *deleting NAME)\n"
    "      --stats    a summary on standard output at the end\n"
    "      --progress entries and bytes done, rate and time left, on standard\n"
    "                 error while it runs\n"
    "      --stream   carry out each record as soon as it is read and checked,\n"
    "                 not once the whole plan is (for iouplan --stream): a bad\n"
    "                 record then stops the plan part way\n"
    "  -j, --jobs N   carry out records with N threads (default: online CPUs)\n"
    "      --no-pin   let the scheduler move the threads (default: pinned, one\n"
    "                 per CPU in turn)\n"
    "      --no-uring plain syscalls only, no io_uring (also IOU_NO_URING=1)\n"
    "\n"
    "Tuning (defaults measured with bench/tunables; see README, Performance):\n"
    "      --batch N        small files per io_uring batch, 1 to 32 (default 32)\n"
    "      --buffer-size SIZE  buffer per file of a batch, 4K to 1M: the largest\n"
    "                       file batched, and the chunk of ring copies (default 64K)\n"
    "      --queue-depth N  plan records queued for the workers (default 4096)\n"
    "      --iowq-workers N io-wq threads per ring and kind, 0 for the kernel's\n"
    "                       unbounded default (default 2)\n"
    "  -h, --help     show this help\n"
    "      --version  show the version\n"
    "\n"
    "Plan bundles of iouplan --shards (many machines, one shared DST):\n"
    "      --plan DIR        the bundle to run a part of\n"
    "      --shard K         run shard K; on success leave DIR/done/K (a shard done\n"
    "                        already is skipped)\n"
    "      --shard-from-env  K from the first of SLURM_ARRAY_TASK_ID,\n"
    "                        OMPI_COMM_WORLD_RANK, PMI_RANK or SLURM_PROCID that is set\n"
    "      --finish          run the finish plan, once every shard is done\n"
    "\n"
    "Operations, in plan order: delete (deepest first); then mkdir, copy, verify\n"
    "(copy when the data differ, else only the attributes), symlink, mknod and\n"
    "meta (the attributes of an existing object), mixed; then link; then dirmeta.\n"
    "See iouput(1).\n"
    "\n"
    "Exit status: 0 all done, 1 some entries failed (reported), 2 usage error or\n"
    "malformed plan (nothing written; with --stream, what came before it done).\n";

struct cli {
	unsigned jobs;
	unsigned batch;
	uint64_t buffer_size;
	uint64_t queue_depth;
	unsigned iowq_workers;
	bool no_pin;
	bool no_uring;
	bool dry_run;
	bool itemize;
	bool stats;
	bool progress;
	bool stream;
	const char *dst;
	const char *plan;
	const char *plan_name; /* for messages: plan, or "standard input" */
	const char *bundle;    /* --plan DIR */
	long shard;	       /* --shard K, or -1 */
	bool shard_from_env;
	bool finish;
};

static int usage_error(const char *what)
{
	fprintf(stderr, "iouput: %s\nTry 'iouput --help' for more information.\n", what);
	return EXIT_USAGE;
}

/* The setting an option without argument turns on, or NULL for other options. */
static bool *switch_of(struct cli *cli, int c)
{
	switch (c) {
	case 'P':
		return &cli->no_pin;
	case 'U':
		return &cli->no_uring;
	case 'n':
		return &cli->dry_run;
	case 'i':
		return &cli->itemize;
	case 'S':
		return &cli->stats;
	case 'R':
		return &cli->progress;
	case OPT_STREAM:
		return &cli->stream;
	case 'E':
		return &cli->shard_from_env;
	case 'F':
		return &cli->finish;
	default:
		return NULL;
	}
}

/* A whole number from min to max, suffixes allowed. Returns 0 or -EINVAL. */
static int parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (size_parse(s, out) || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

/* The options of a bundle go together; the shard from the environment is read here. */
static int check_bundle_cli(struct cli *cli)
{
	int parts = (cli->shard >= 0) + cli->shard_from_env + cli->finish;

	if (cli->stream && cli->bundle)
		return usage_error(
		    "--stream does not go with --plan DIR: a bundle's plans are files");
	if (!cli->bundle)
		return parts ? usage_error("--shard, --shard-from-env and --finish need --plan DIR")
			     : 0;
	if (parts != 1)
		return usage_error("--plan DIR needs exactly one of --shard K, --shard-from-env "
				   "or --finish");
	if (cli->plan)
		return usage_error("with --plan DIR give only DST: the plan is in the bundle");
	return cli->shard_from_env ? bundle_shard_from_env(&cli->shard) : 0;
}

static int parse_cli(int argc, char **argv, struct cli *cli)
{
	/* --itemize-changes is how rsync spells --itemize. */
	static const struct option longopts[] = {
	    {"jobs", required_argument, NULL, 'j'},
	    {"no-pin", no_argument, NULL, 'P'},
	    {"no-uring", no_argument, NULL, 'U'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"itemize", no_argument, NULL, 'i'},
	    {"itemize-changes", no_argument, NULL, 'i'},
	    {"stats", no_argument, NULL, 'S'},
	    {"progress", no_argument, NULL, 'R'},
	    {"stream", no_argument, NULL, OPT_STREAM},
	    {"plan", required_argument, NULL, 'B'},
	    {"shard", required_argument, NULL, 'K'},
	    {"shard-from-env", no_argument, NULL, 'E'},
	    {"finish", no_argument, NULL, 'F'},
	    {"batch", required_argument, NULL, OPT_BATCH},
	    {"buffer-size", required_argument, NULL, OPT_BUFFER_SIZE},
	    {"queue-depth", required_argument, NULL, OPT_QUEUE_DEPTH},
	    {"iowq-workers", required_argument, NULL, OPT_IOWQ_WORKERS},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "+j:hni", longopts, NULL)) != -1) {
		if (switch_of(cli, c)) {
			*switch_of(cli, c) = true;
			continue;
		}
		switch (c) {
		case 'j':
			if (parse_count(optarg, 1, 1024, &v))
				return usage_error("invalid job count (want 1 to 1024)");
			cli->jobs = (unsigned)v;
			break;
		case 'B':
			cli->bundle = optarg;
			break;
		case 'K':
			if (parse_count(optarg, 0, BUNDLE_SHARDS_MAX - 1, &v))
				return usage_error("invalid shard number (want 0 to 4095)");
			cli->shard = (long)v;
			break;
		case OPT_BATCH:
			if (parse_count(optarg, 1, BATCH_FILES, &v))
				return usage_error("invalid --batch (want 1 to 32)");
			cli->batch = (unsigned)v;
			break;
		case OPT_BUFFER_SIZE:
			if (size_parse(optarg, &cli->buffer_size) || cli->buffer_size < 4096 ||
			    cli->buffer_size > (1u << 20) || cli->buffer_size % 4096)
				return usage_error(
				    "invalid --buffer-size (want 4K to 1M, a multiple of 4K)");
			break;
		case OPT_QUEUE_DEPTH:
			if (parse_count(optarg, 16, 1u << 20, &cli->queue_depth))
				return usage_error("invalid --queue-depth (want 16 to 1048576)");
			break;
		case OPT_IOWQ_WORKERS:
			if (parse_count(optarg, 0, 64, &v))
				return usage_error("invalid --iowq-workers (want 0 to 64)");
			cli->iowq_workers = (unsigned)v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("iouput %s\n", IOU_VERSION);
			exit(0);
		default:
			return usage_error("invalid option");
		}
	}
	if (optind == argc)
		return usage_error("no DST given");
	if (argc - optind > 2)
		return usage_error("too many arguments");
	cli->dst = argv[optind];
	cli->plan = argc - optind == 2 ? argv[optind + 1] : NULL;
	cli->plan_name = cli->plan ? cli->plan : "standard input";
	return check_bundle_cli(cli);
}

#define SPOOL_CHUNK (256 * 1024)

static int spool_flush(int fd, struct buf *out)
{
	int ret = stream_write_all(fd, out->data, out->len);

	buf_clear(out);
	return ret;
}

/* Records gather in out so the spool costs a write per chunk, not per record. */
static int spool_flush_full(int fd, struct buf *out)
{
	return out->len >= SPOOL_CHUNK ? spool_flush(fd, out) : 0;
}

/*
 * The end of a plan's check, once reading stopped with ret (*why set for a
 * bad record): an empty plan and repeated paths are found now. Reports a bad
 * plan, and returns its negative errno, or 0.
 */
static int check_finish(struct plan_check *check, const struct stream_reader *r, int ret,
			const char *why, const char *plan_name)
{
	uint64_t bad_recno = 0;

	if (ret == 0 && r->recno == 0) {
		why = "the plan is empty";
		ret = -EBADMSG;
	}
	/* Where reading stopped: the bad record, or the one it ended inside. */
	if (ret < 0)
		bad_recno = r->recno + (why ? 0 : 1);
	if ((ret == 0 || ret == -EBADMSG) && r->recno) {
		int repeat = plan_check_repeats(check, bad_recno, &bad_recno, &why);

		ret = repeat ? (repeat == -EINVAL ? -EBADMSG : repeat) : ret;
	}
	if (ret < 0 && r->recno == 0 && why)
		fprintf(stderr, "iouput: %s: %s\n", plan_name, why);
	else if (ret < 0)
		fprintf(stderr, "iouput: %s: record %llu: %s\n", plan_name,
			(unsigned long long)bad_recno,
			why		  ? why
			: ret == -EBADMSG ? "ends inside a record"
					  : strerror(-ret));
	return ret;
}

/*
 * Read and check the whole plan before anything is written, keeping a copy
 * in an unnamed temporary file to carry out afterwards, and count it.
 */
static int spool_plan(int in, const char *plan_name, int *spool, struct plan_totals *totals)
{
	struct plan_check check;
	struct stream_reader r;
	struct buf out = BUF_INIT;
	const char *why = NULL;
	char *rec;
	size_t len;
	int ret, fd;

	fd = tmpfile_anon("iouput");
	if (fd < 0) {
		fprintf(stderr, "iouput: cannot create a temporary file in %s: %s\n", tmpfile_dir(),
			strerror(-fd));
		return EXIT_FAILED;
	}
	if (plan_check_init(&check, totals)) {
		plan_check_free(&check);
		fprintf(stderr, "iouput: %s\n", strerror(ENOMEM));
		close(fd);
		return EXIT_FAILED;
	}
	ret = stream_reader_init(&r, in);
	/* The spool takes the record as read; the check then parses the reader's bytes in place. */
	while (ret == 0 && (ret = stream_read_record(&r, &rec, &len)) == 1) {
		ret = buf_append(&out, rec, len + 1);
		if (!ret)
			ret = plan_check_record(&check, rec, len, r.recno, &why);
		if (ret && why)
			ret = -EBADMSG;
		if (!ret)
			ret = spool_flush_full(fd, &out);
	}
	if (!ret)
		ret = spool_flush(fd, &out);
	ret = check_finish(&check, &r, ret, why, plan_name);
	stream_reader_free(&r);
	plan_check_free(&check);
	buf_free(&out);
	if (ret < 0) {
		close(fd);
		return EXIT_USAGE;
	}
	*spool = fd;
	return lseek(fd, 0, SEEK_SET) ? EXIT_FAILED : 0;
}

/*
 * With --stream, each record is checked as it is read, just before it is
 * carried out: what spool_plan() does for the whole plan first.
 */
struct live_check {
	struct plan_check check;
	struct buf copy; /* of the record: the check parses it in place */
	const char *why; /* what is wrong with the record reading stopped at */
};

static int live_check_record(struct live_check *lc, const char *rec, size_t len, uint64_t recno)
{
	int ret;

	buf_clear(&lc->copy);
	ret = buf_append(&lc->copy, rec, len + 1);
	if (!ret)
		ret = plan_check_record(&lc->check, lc->copy.data, len, recno, &lc->why);
	return ret && lc->why ? -EBADMSG : ret;
}

/* Operations that must not start before every earlier one has finished. */
static int op_class(enum plan_op op)
{
	return op == PLAN_LINK ? 1 : op == PLAN_DIRMETA ? 2 : op == PLAN_DELETE ? 3 : 0;
}

/*
 * The class carried out here, one record at a time in plan order:
 * deletions (deepest first: a directory is empty by the time it is removed).
 */
static bool class_is_serial(int class)
{
	return class == op_class(PLAN_DELETE);
}

/*
 * Directory metadata runs on the workers, deepest first as planned (a
 * directory made read-only is never needed again): a directory waits until
 * everything before it is done when the directory before it lies inside it.
 * The plan lists a subtree's directories right before its root, so sibling
 * directories go at once and a parent only after its whole subtree.
 * prev holds the path of the last one; returns whether to wait.
 */
static bool dirmeta_waits(struct buf *prev, const char *rec, size_t len)
{
	const char *path = plan_raw_path(rec, len);
	size_t n = path ? (size_t)(rec + len - path) : 0;
	bool inside = prev->len > n && memcmp(prev->data, path, n) == 0 && prev->data[n] == '/';

	/* "." holds everything; an unreadable record (parse reports it) waits too. */
	if (!path || (n == 1 && path[0] == '.'))
		inside = true;
	buf_clear(prev);
	if (!path || buf_append(prev, path, n))
		return true;
	return inside;
}

static int open_dir_or_fail(const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "iouput: %s %s: %s\n", what, path, strerror(errno));
	return fd;
}

/*
 * Switch to the source root a header names: drain, reopen. Returns 0, or 1
 * when the root cannot be opened (already reported).
 */
static int enter_root(struct pool *pool, struct exec_shared *sh, const char *rec, size_t len)
{
	struct stream_header h;
	const char *why;
	int fd;

	pool_drain(pool);
	stream_parse_header(rec, len, &h, &why);
	fd = open_dir_or_fail(h.root, "source");
	if (fd < 0)
		return 1;
	if (sh->src_root_fd >= 0)
		close(sh->src_root_fd);
	sh->src_root_fd = fd;
	atomic_store(&sh->reflink, REFLINK_UNKNOWN);
	atomic_fetch_add(&sh->root_gen, 1);
	return 0;
}

/* The class of a raw (not yet parsed) record, from its operation word. */
static int raw_class(const char *rec)
{
	static const enum plan_op barriers[] = {PLAN_LINK, PLAN_DIRMETA, PLAN_DELETE};

	for (size_t i = 0; i < sizeof(barriers) / sizeof(barriers[0]); i++) {
		const char *word = plan_op_name(barriers[i]);
		size_t n = strlen(word);

		if (strncmp(rec, word, n) == 0 && rec[n] == ' ')
			return op_class(barriers[i]);
	}
	return 0;
}

/*
 * Deletions leave DST holding only what the source holds. With the source
 * inside DST, the way down to it is not in the source, so they would delete
 * the source: then none of the root's are done, with one message.
 */
static bool deletes_spare_source(const struct exec_shared *sh, const char *dst)
{
	struct stat top;
	int ret;

	if (sh->dst_root_fd < 0)
		return true;
	ret = fstat(sh->dst_root_fd, &top) ? -errno : ancestry_is_below(sh->src_root_fd, &top);
	if (ret > 0)
		fprintf(stderr,
			"iouput: %s: deleting nothing: the source lies inside it, and deletions "
			"would remove the source\n",
			dst);
	else if (ret < 0)
		fprintf(stderr,
			"iouput: %s: deleting nothing: cannot tell whether the source lies inside "
			"it: %s\n",
			dst, strerror(-ret));
	return ret == 0;
}

/*
 * Records stream to the workers; a change of class waits for everything
 * before it. The serial classes run here, in plan order. With live, each
 * record is checked first, and reading stops at a bad one (its negative
 * errno returned, live->why set) or at a read error.
 */
static int carry_out(struct stream_reader *r, struct pool *pool, struct exec_shared *sh,
		     struct exec_worker *serial, struct live_check *live)
{
	struct plan_record pr;
	struct buf dirmeta_prev = BUF_INIT;
	const char *why;
	int ret, class, last_class = 0;
	int deletes = 0; /* this root's: 0 not judged yet, 1 allowed, -1 refused */
	bool wait;
	char *rec;
	size_t len;

	while ((ret = stream_read_record(r, &rec, &len)) == 1) {
		if (live && (ret = live_check_record(live, rec, len, r->recno)))
			break;
		if (stream_is_header(rec, len)) {
			ret = enter_root(pool, sh, rec, len);
			if (ret)
				break;
			last_class = 0;
			deletes = 0;
			buf_clear(&dirmeta_prev);
			continue;
		}
		class = raw_class(rec);
		if (class == op_class(PLAN_DELETE)) {
			if (!deletes)
				deletes = deletes_spare_source(sh, pool->dst_name) ? 1 : -1;
			if (deletes < 0) {
				atomic_store(&pool->failed, 1);
				continue;
			}
		}
		wait = class != last_class;
		if (class == op_class(PLAN_DIRMETA) && dirmeta_waits(&dirmeta_prev, rec, len))
			wait = true;
		if (wait)
			pool_drain(pool);
		last_class = class;
		if (!class_is_serial(class)) {
			ret = pool_submit(pool, rec, len);
			if (ret)
				break;
		} else if (plan_parse(rec, len, &pr, &why) == 0) {
			pool_run_record(serial, pool, &pr);
		}
	}
	buf_free(&dirmeta_prev);
	return ret;
}

/*
 * The destination directory, made when missing. A dry run makes nothing: a
 * DST that does not exist yet gets *fd -1, below which everything is missing.
 */
static int open_destination(const char *dst, bool dry_run, int *fd, bool *created)
{
	*created = !dry_run && mkdir(dst, 0700) == 0;
	if (!dry_run && !*created && errno != EEXIST) {
		fprintf(stderr, "iouput: cannot create %s: %s\n", dst, strerror(errno));
		return -1;
	}
	*fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd >= 0 || (dry_run && errno == ENOENT))
		return 0;
	fprintf(stderr, "iouput: destination %s: %s\n", dst, strerror(errno));
	return -1;
}

/* How long a termination signal waits for running batches (see below). */
#define SIGNAL_PATIENCE_SECONDS 2

/*
 * What the signal thread waits for: the termination signals, and one that
 * tells it the run is over (pthread_cancel would load libgcc_s to unwind).
 */
static int signal_thread_end(void)
{
	return SIGRTMIN;
}

static void signal_thread_set(sigset_t *set)
{
	termsig_set(set);
	sigaddset(set, signal_thread_end());
}

/*
 * The one thread that takes termination signals: it lets running batches
 * finish the files they create under final names (milliseconds), then ends
 * the process by the signal, as if it had not been caught. Unnamed files
 * of bigger copies vanish with the process.
 */
static void *signal_thread(void *arg)
{
	struct pool *pool = arg;
	sigset_t set;
	int sig;

	signal_thread_set(&set);
	if (sigwait(&set, &sig) || sig == signal_thread_end())
		return NULL;
	if (!pool_hold_batches(pool, SIGNAL_PATIENCE_SECONDS))
		fputs("iouput: interrupted with files half written; their times mark them for the "
		      "next run to redo\n",
		      stderr);
	exec_remove_named_tmps(pool->shared);
	signal(sig, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	return NULL;
}

/* Start the workers (and the progress reporter), carry the plan out, stop them. */
static int execute(const struct cli *cli, int plan_fd, struct live_check *live,
		   struct exec_shared *sh, struct plan_totals *totals)
{
	size_t fd_limit = fdlimit_free(fdlimit_raise());
	unsigned threads = pool_threads_max(fd_limit, cli->jobs);
	struct pool_config cfg = {
	    .threads = threads,
	    .depth = cli->queue_depth,
	    .pin = !cli->no_pin,
	    .uring = !cli->no_uring,
	    .iowq_max = cli->iowq_workers,
	    .batch_max = pool_batch_max(fd_limit, threads, cli->batch),
	    .buffer_size = cli->buffer_size,
	};
	struct exec_worker serial;
	struct progress progress;
	struct pool pool;
	bool reporting = false;
	struct stream_reader r;
	sigset_t blocked, old_mask;
	pthread_t signals;
	int status, ret;

	if (fd_limit < pool_fds_needed(1))
		fprintf(stderr,
			"iouput: warning: the descriptors free (%zu) are fewer than the %zu a "
			"deep tree may need; raise ulimit -n, or close some\n",
			fd_limit, pool_fds_needed(1));
	/* Blocked before any thread starts, so that every thread inherits it. */
	signal_thread_set(&blocked);
	pthread_sigmask(SIG_BLOCK, &blocked, &old_mask);
	if (pool_start(&pool, &cfg, sh, cli->dst) || exec_worker_init(&serial, sh) ||
	    pthread_create(&signals, NULL, signal_thread, &pool)) {
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
		fputs("iouput: cannot start workers\n", stderr);
		return EXIT_FAILED;
	}
	if (cli->progress) {
		ret = progress_start(&progress, stderr, &sh->stats, totals);
		if (ret)
			fprintf(stderr, "iouput: --progress: %s\n", strerror(-ret));
		reporting = ret == 0;
	}
	ret = stream_reader_init(&r, plan_fd);
	if (!ret)
		ret = carry_out(&r, &pool, sh, &serial, live);
	atomic_store(&totals->growing, false);
	status = pool_stop(&pool) || ret ? EXIT_FAILED : 0;
	/* Every file is whole now: a signal from here on may end us at once. */
	pthread_kill(signals, signal_thread_end());
	pthread_join(signals, NULL);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	if (reporting)
		progress_stop(&progress);
	/* A root that cannot be opened (ret 1) was reported, and ended the reading. */
	if (live && ret <= 0 && check_finish(&live->check, &r, ret, live->why, cli->plan_name) < 0)
		status = EXIT_USAGE;
	else if (!live && ret < 0)
		fprintf(stderr, "iouput: %s\n", strerror(-ret));
	stream_reader_free(&r);
	exec_worker_free(&serial);
	return status;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* -i lines and --stats are worth nothing if they did not all get out. */
static int flush_stdout(void)
{
	int err = fflush(stdout) ? errno : ferror(stdout) ? EIO : 0;

	if (err)
		fprintf(stderr, "iouput: standard output: %s\n", strerror(err));
	return err ? EXIT_FAILED : 0;
}

static int run(const struct cli *cli, struct plan_totals *totals_out)
{
	struct exec_shared sh = {
	    .src_root_fd = -1,
	    .dst_root_fd = -1,
	    .dry_run = cli->dry_run,
	    .itemize = cli->itemize,
	    .tmp_lock = PTHREAD_MUTEX_INITIALIZER,
	    .renewed_lock = PTHREAD_MUTEX_INITIALIZER,
	    .renewed = INOSET_INIT,
	};
	struct plan_totals totals = {0};
	struct live_check live = {.copy = BUF_INIT};
	struct timespec start;
	int in = STDIN_FILENO, spool = -1, status = 0;
	bool ran, created = false;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (cli->plan && (in = open(cli->plan, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "iouput: %s: %s\n", cli->plan, strerror(errno));
		return EXIT_USAGE;
	}
	if (cli->stream && plan_check_init(&live.check, &totals)) {
		fprintf(stderr, "iouput: %s\n", strerror(ENOMEM));
		status = EXIT_FAILED;
	} else if (!cli->stream) {
		status = spool_plan(in, cli->plan_name, &spool, &totals);
	}
	if (status)
		goto out;
	atomic_store(&totals.growing, cli->stream);
	meta_init(&sh.meta, geteuid() == 0);
	stats_init(&sh.stats);
	ran = open_destination(cli->dst, cli->dry_run, &sh.dst_root_fd, &created) == 0;
	status =
	    ran ? execute(cli, cli->stream ? in : spool, cli->stream ? &live : NULL, &sh, &totals)
		: EXIT_FAILED;
	/* A failed run takes back the DST it made, if it made nothing inside. */
	if (status && created)
		rmdir(cli->dst);
	if (ran && cli->stats)
		stats_print(stdout, &sh.stats, &totals, seconds_since(&start));
	if (flush_stdout())
		status = EXIT_FAILED;
out:
	if (cli->stream)
		plan_check_free(&live.check);
	buf_free(&live.copy);
	if (spool >= 0)
		close(spool);
	if (sh.dst_root_fd >= 0)
		close(sh.dst_root_fd);
	if (sh.src_root_fd >= 0)
		close(sh.src_root_fd);
	inoset_free(&sh.renewed);
	*totals_out = totals;
	return status;
}

/* A shard or the finish of a bundle: its plan, then the done marker of a shard. */
static int run_bundle(const struct cli *cli)
{
	struct put_bundle b = {.dirfd = -1};
	struct plan_totals totals = {0};
	struct cli part = *cli;
	bool skip;
	int status = bundle_open(&b, cli->bundle, cli->finish ? -1 : cli->shard, &skip);

	part.plan = b.plan;
	if (!status && !skip)
		status = run(&part, &totals);
	/* A failed or dry run leaves no marker: the shard is still to do. */
	if (!status && !skip && !cli->finish && !cli->dry_run)
		status = bundle_mark_done(&b, cli->shard, totals.entries, totals.bytes);
	bundle_close(&b);
	return status;
}

int main(int argc, char **argv)
{
	struct cli cli = {
	    .shard = -1,
	    .batch = BATCH_FILES,
	    .buffer_size = BATCH_FILE_BYTES,
	    .queue_depth = QUEUE_DEPTH,
	    .iowq_workers = IOWQ_MAX,
	};
	struct plan_totals totals;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int ret;

	cli.jobs = cpus > 0 ? (unsigned)cpus : 1;
	/* Files are created with the modes they will keep (meta_create_mode). */
	umask(0);
	ret = parse_cli(argc, argv, &cli);
	if (ret)
		return ret;
	return cli.bundle ? run_bundle(&cli) : run(&cli, &totals);
}
