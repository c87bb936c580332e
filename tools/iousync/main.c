/* SPDX-License-Identifier: MIT */
/* iousync: make DST a copy of SRC by running iouwalk | iouplan | iouput. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iou/ancestry.h"
#include "iou/version.h"
#include "iou/tmpfile.h"
#include "pipeline.h"
#include "stages.h"

#define EXIT_FAILED 1
#define EXIT_USAGE  2

static const char usage_text[] =
    "usage: iousync [OPTION]... SRC DST\n"
    "Make DST a copy of the contents of directory SRC, as rsync -aHAX SRC/ DST/\n"
    "does: owners, modes, nanosecond times, hard links, symlinks, special files,\n"
    "xattrs and ACLs. DST is created when missing; when it exists it is walked\n"
    "first and only what differs is done. Runs\n"
    "    iouwalk -X SRC | iouplan --against <(iouwalk -X DST) | iouput DST\n"
    "or, when DST is missing,\n"
    "    iouwalk SRC | iouplan | iouput DST\n"
    "\n"
    "  -x, --one-file-system  do not enter mount points below SRC or DST\n"
    "      --delete           delete what DST has and SRC has not\n"
    "  -c, --checksum         compare the data of files of the same size and\n"
    "                         mtime (default: such files are taken as equal)\n"
    "  -n, --dry-run          change nothing (with -i: show what would change)\n"
    "  -i, --itemize          list each change as rsync --itemize-changes does\n"
    "      --progress         show progress on standard error\n"
    "      --stats            show a summary at the end\n"
    "  -j, --jobs N           walk and copy with N threads (default: online CPUs)\n"
    "      --no-uring         plain syscalls, no io_uring (also IOU_NO_URING=1)\n"
    "  -h, --help             show this help\n"
    "      --version          show the version\n"
    "\n"
    "Exit status: 0 all done, 1 something failed (reported), 2 usage error or\n"
    "bad input.\n";

struct cli {
	struct sync_opts opts;
	const char *src;
	const char *dst;
};

/* A root as the tools get it, and whether it exists. */
struct root {
	char *name;
	bool exists;
};

struct job {
	const struct sync_opts *opts;
	struct toolset tools;
	struct root src, dst;
	int dst_list;  /* iouwalk -X DST, for iouplan --against; -1 when DST is new */
	int src_list;  /* iouwalk -X SRC, walked beside DST before planning; or -1 */
	bool dst_made; /* DST was made here, before the walks */
	struct signals sig;
};

static int usage_error(const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "iousync: %s '%s'\n", what, arg);
	else
		fprintf(stderr, "iousync: %s\n", what);
	fputs("Try 'iousync --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

static bool jobs_valid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return !errno && end != s && !*end && v >= 1 && v <= 1024;
}

enum { OPT_DELETE = 256, OPT_PROGRESS, OPT_STATS, OPT_NO_URING, OPT_VERSION };

static const struct option longopts[] = {
    {"one-file-system", no_argument, NULL, 'x'},
    {"delete", no_argument, NULL, OPT_DELETE},
    {"checksum", no_argument, NULL, 'c'},
    {"dry-run", no_argument, NULL, 'n'},
    {"itemize", no_argument, NULL, 'i'},
    {"itemize-changes", no_argument, NULL, 'i'},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"stats", no_argument, NULL, OPT_STATS},
    {"jobs", required_argument, NULL, 'j'},
    {"no-uring", no_argument, NULL, OPT_NO_URING},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* One option into *o; returns 0, or the exit status. */
static int take_option(int c, struct sync_opts *o)
{
	switch (c) {
	case 'x':
		o->one_file_system = true;
		return 0;
	case OPT_DELETE:
		o->delete = true;
		return 0;
	case 'c':
		o->checksum = true;
		return 0;
	case 'n':
		o->dry_run = true;
		return 0;
	case 'i':
		o->itemize = true;
		return 0;
	case OPT_PROGRESS:
		o->progress = true;
		return 0;
	case OPT_STATS:
		o->stats = true;
		return 0;
	case 'j':
		if (!jobs_valid(optarg))
			return usage_error("invalid job count (want 1 to 1024):", optarg);
		o->jobs = optarg;
		return 0;
	case OPT_NO_URING:
		o->no_uring = true;
		return 0;
	default:
		return EXIT_USAGE;
	}
}

/* getopt's own messages would name argv[0], a path: say it as iousync. */
static int bad_option(int c, char **argv)
{
	char opt[3] = {'-', (char)optopt, '\0'};

	if (c == ':')
		return usage_error("option requires an argument:", argv[optind - 1]);
	/* A long option is named whole (--dry-run=3, an ambiguous --d). */
	if (strncmp(argv[optind - 1], "--", 2) == 0 || !optopt)
		return usage_error("invalid option", argv[optind - 1]);
	return usage_error("invalid option", opt);
}

/* Options may follow SRC and DST, as with rsync; "--" ends them. */
static int parse_cli(int argc, char **argv, struct cli *cli)
{
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":xcnij:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (c == OPT_VERSION) {
			printf("iousync %s\n", IOU_VERSION);
			exit(0);
		}
		if (c == '?' || c == ':')
			return bad_option(c, argv);
		ret = take_option(c, &cli->opts);
		if (ret)
			return ret;
	}
	if (optind == argc)
		return usage_error("missing SRC and DST", NULL);
	if (argc - optind == 1)
		return usage_error("missing DST after", argv[optind]);
	if (argc - optind > 2)
		return usage_error("extra operand", argv[optind + 2]);
	cli->src = argv[optind];
	cli->dst = argv[optind + 1];
	if (!*cli->src || !*cli->dst)
		return usage_error(*cli->src ? "empty DST" : "empty SRC", NULL);
	return 0;
}

/* Pipes must not get descriptors 0 to 2, or wiring up a stage would clobber them. */
static void ensure_std_fds(void)
{
	int fd;

	for (fd = open("/dev/null", O_RDWR); fd >= 0 && fd <= STDERR_FILENO;)
		fd = open("/dev/null", O_RDWR);
	if (fd > STDERR_FILENO)
		close(fd);
}

/*
 * A symbolic link to a directory is followed, as rsync follows SRC/ and
 * DST/: it is named with a trailing '/', since iouwalk never follows a root
 * otherwise.
 */
static int root_name(const char *name, bool is_link, struct root *r)
{
	size_t len = strlen(name);

	if (is_link && len && name[len - 1] != '/') {
		if (asprintf(&r->name, "%s/", name) < 0)
			r->name = NULL;
	} else {
		r->name = strdup(name);
	}
	return r->name ? 0 : -ENOMEM;
}

/*
 * Check a root: a directory, or for the destination also missing.
 * Returns 0, -ENOMEM, or -ENOENT/-ENOTDIR/... with the error already reported.
 */
static int check_root(const char *name, const char *what, bool may_be_missing, struct root *r)
{
	struct stat st;
	bool is_link;
	int err;

	if (lstat(name, &st) < 0) {
		err = errno;
		if (err == ENOENT && may_be_missing)
			return root_name(name, false, r);
		fprintf(stderr, "iousync: %s '%s': %s\n", what, name, strerror(err));
		return -err;
	}
	is_link = S_ISLNK(st.st_mode);
	if (is_link && stat(name, &st) < 0)
		st.st_mode = S_IFLNK; /* dangling: not a directory */
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "iousync: %s '%s' %s\n", what, name,
			may_be_missing ? "exists and is not a directory" : "is not a directory");
		return -ENOTDIR;
	}
	r->exists = true;
	return root_name(name, is_link, r);
}

/* Whether directory src lies strictly inside directory dst: 1, 0, or a negative errno. */
static int source_inside_destination(const char *src, const char *dst)
{
	struct stat d;
	int fd, ret;

	if (stat(dst, &d) < 0)
		return -errno;
	fd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ancestry_is_below(fd, &d);
	close(fd);
	return ret;
}

/*
 * --delete removes what DST has and SRC has not. With SRC inside DST, that
 * is the way down to SRC, or SRC's own files: the source would be lost, as
 * it is with rsync. Refused before anything runs; returns 0 or an exit status.
 */
static int check_delete_spares_source(const struct cli *cli, const struct job *job)
{
	int ret;

	if (!job->opts->delete || !job->dst.exists)
		return 0;
	ret = source_inside_destination(cli->src, cli->dst);
	if (ret == 0)
		return 0;
	if (ret < 0) {
		fprintf(stderr, "iousync: cannot tell whether '%s' lies inside '%s': %s\n",
			cli->src, cli->dst, strerror(-ret));
		return EXIT_FAILED;
	}
	fprintf(stderr,
		"iousync: --delete would delete the source: SRC '%s' lies inside DST '%s'\n",
		cli->src, cli->dst);
	return EXIT_USAGE;
}

static bool later_failed(const struct stage *st, int i, int n)
{
	while (++i < n)
		if (stage_exit_code(&st[i]))
			return true;
	return false;
}

/*
 * The exit status of stages that ran: 1 if one was killed by a signal
 * (what the others did then follows from it), else 2 if one reported bad
 * input or a usage error, else 1 if one failed, else 0. The stages report
 * their own errors; deaths by signal are reported here, except a SIGPIPE
 * that only follows a later stage's failure and the signal iousync passed on.
 */
static int stages_status(const struct stage *st, int n, int caught)
{
	int status = 0, code, sig;
	bool killed = false;

	for (int i = 0; i < n; i++) {
		code = stage_exit_code(&st[i]);
		sig = WIFSIGNALED(st[i].wstatus) ? WTERMSIG(st[i].wstatus) : 0;
		if (sig && sig != caught && !(sig == SIGPIPE && later_failed(st, i, n))) {
			fprintf(stderr, "iousync: %s killed by signal %d\n", st[i].name, sig);
			killed = true;
		}
		if (code == 2 || status == 2)
			status = 2;
		else if (code)
			status = 1;
	}
	return killed ? EXIT_FAILED : status;
}

/* The two walks into unnamed files: DST's, and SRC's beside it. */
enum { LIST_DST, LIST_SRC, LIST_COUNT };

static void close_lists(int *fds)
{
	for (int i = 0; i < LIST_COUNT; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/*
 * Walk DST and SRC at once, each into a new unnamed file, and rewind them.
 * Sets status[i] to each walk's exit status; fds[i] stays open only if that
 * walk ran to its end (status 0 or 1). Returns 0, or an exit status when
 * the walks could not run at all.
 */
static int walk_both(struct job *job, int *fds, int *status)
{
	const char *roots[LIST_COUNT] = {job->dst.name, job->src.name};
	struct argv a[LIST_COUNT];
	struct stage st[LIST_COUNT];
	int ret;

	for (int i = 0; i < LIST_COUNT; i++)
		fds[i] = -1;
	for (int i = 0; i < LIST_COUNT; i++) {
		fds[i] = tmpfile_anon("iousync");
		if (fds[i] < 0) {
			fprintf(stderr, "iousync: cannot create a temporary file in %s: %s\n",
				tmpfile_dir(), strerror(-fds[i]));
			close_lists(fds);
			return EXIT_FAILED;
		}
		argv_walk(&a[i], &job->tools, job->opts, true, i == LIST_SRC ? job->dst.name : NULL,
			  roots[i]);
		stage_init(&st[i], tool_name(TOOL_WALK), a[i].v, -1);
	}
	ret = stages_run_apart(st, LIST_COUNT, fds, &job->sig);
	for (int i = 0; i < LIST_COUNT; i++) {
		status[i] = stages_status(&st[i], 1, job->sig.caught);
		if (ret || !WIFEXITED(st[i].wstatus) || status[i] == EXIT_USAGE ||
		    lseek(fds[i], 0, SEEK_SET) < 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	if (ret < 0) {
		fprintf(stderr, "iousync: cannot start %s: %s\n", tool_name(TOOL_WALK),
			strerror(-ret));
		close_lists(fds);
		return EXIT_FAILED;
	}
	return 0;
}

/*
 * With DST there, both trees are walked before planning, side by side (two
 * cores list them in the time of one). A partial listing of DST would make
 * iouplan --delete remove what the walk missed and copy over what it could
 * not see: any failure there stops everything. An incomplete walk of SRC (an
 * unreadable directory) deletes nothing, as rsync does after an I/O error,
 * and the rest goes on. Returns 0, or the exit status to stop with;
 * *deletes and *partial say how it went.
 */
static int list_trees(struct job *job, bool *deletes, bool *partial)
{
	int fds[LIST_COUNT], status[LIST_COUNT], ret;

	*deletes = *partial = false;
	if (!job->dst.exists)
		return 0;
	ret = walk_both(job, fds, status);
	if (ret)
		return ret;
	job->dst_list = fds[LIST_DST];
	job->src_list = fds[LIST_SRC];
	if (status[LIST_DST] != 0) {
		if (!job->sig.caught)
			fprintf(stderr,
				"iousync: cannot list the destination %s: nothing was changed\n",
				job->dst.name);
		return EXIT_FAILED;
	}
	if (status[LIST_SRC] == 0) {
		*deletes = job->opts->delete;
		return 0;
	}
	if (status[LIST_SRC] == EXIT_FAILED && job->src_list >= 0 && !job->sig.caught) {
		if (job->opts->delete)
			fputs("iousync: the source walk was incomplete: nothing is deleted\n",
			      stderr);
		*partial = true;
		return 0;
	}
	return status[LIST_SRC];
}

/* iouwalk SRC | iouplan [--against DST-LIST] | iouput DST; returns the exit status. */
static int sync_trees(struct job *job, bool deletes)
{
	struct argv walk, plan, put;
	struct stage st[3];
	char against[64];
	const char *listing = job->dst_list >= 0 ? against : NULL;
	bool stream = sync_streams(job->opts, listing);
	int n = 0, ret, status;

	snprintf(against, sizeof(against), "/proc/self/fd/%d", job->dst_list);
	if (job->src_list < 0) {
		/*
		 * Digests only when there is DST's listing to compare with
		 * (here, a source listing that could not be rewound); else
		 * iouput lists each file's attributes by descriptor as it
		 * copies, and digests would be a second listing, by path.
		 */
		argv_walk(&walk, &job->tools, job->opts, job->dst_list >= 0,
			  job->dst.exists || job->dst_made ? job->dst.name : NULL, job->src.name);
		stage_init(&st[n++], tool_name(TOOL_WALK), walk.v, -1);
	}
	argv_plan(&plan, &job->tools, job->opts, stream, listing, deletes);
	/* Only iouplan inherits the destination's listing. */
	stage_init(&st[n++], tool_name(TOOL_PLAN), plan.v, job->dst_list);
	argv_put(&put, &job->tools, job->opts, stream, job->dst.name);
	stage_init(&st[n++], tool_name(TOOL_PUT), put.v, -1);
	ret = pipeline_run(st, n, job->src_list, -1, &job->sig);
	status = stages_status(st, n, job->sig.caught);
	if (ret < 0) {
		fprintf(stderr, "iousync: cannot start the pipeline: %s\n", strerror(-ret));
		return status == EXIT_USAGE ? status : EXIT_FAILED;
	}
	return status;
}

/*
 * A DST that lies inside SRC must not be walked as part of SRC: each run
 * would copy the last one's copy one level deeper, and a streamed copy
 * would walk into files as it makes them, deeper and deeper until the disk
 * is full. The source walk leaves DST out by device and inode (iouwalk
 * --prune), which also holds through bind mounts and symlinks; so DST is
 * made before the walks start. A dry run makes nothing, and has nothing
 * under DST to meet. Returns 0 or an exit status.
 */
static int make_destination(struct job *job)
{
	if (job->dst.exists || job->opts->dry_run)
		return 0;
	if (mkdir(job->dst.name, 0700) < 0) {
		fprintf(stderr, "iousync: cannot create destination '%s': %s\n", job->dst.name,
			strerror(errno));
		return EXIT_FAILED;
	}
	job->dst_made = true;
	return 0;
}

static int find_tools(struct toolset *ts)
{
	const char *missing = NULL;
	int ret = toolset_find(ts, &missing);

	if (ret == -ENOENT)
		fprintf(stderr, "iousync: %s not found beside iousync or in PATH\n", missing);
	else if (ret)
		fprintf(stderr, "iousync: %s\n", strerror(-ret));
	return ret ? EXIT_FAILED : 0;
}

static int run(struct job *job, const struct cli *cli)
{
	bool deletes = false, partial = false;
	int ret, status;

	ret = check_root(cli->src, "source", false, &job->src);
	if (!ret)
		ret = check_root(cli->dst, "destination", true, &job->dst);
	if (ret == -ENOMEM)
		fprintf(stderr, "iousync: %s\n", strerror(ENOMEM));
	if (ret) {
		status = ret == -ENOMEM ? EXIT_FAILED : EXIT_USAGE;
		goto out;
	}
	status = check_delete_spares_source(cli, job);
	if (status)
		goto out;
	/* Once iousync was told to stop, no further step starts. */
	status = find_tools(&job->tools);
	if (!status)
		status = make_destination(job);
	if (!status && !job->sig.caught)
		status = list_trees(job, &deletes, &partial);
	if (!status && !job->sig.caught)
		status = sync_trees(job, deletes);
	if (partial && !status)
		status = EXIT_FAILED;
	/* Nothing made inside (rmdir fails otherwise): as if never begun. */
	if (status && job->dst_made)
		rmdir(job->dst.name);
out:
	toolset_free(&job->tools);
	free(job->src.name);
	free(job->dst.name);
	if (job->dst_list >= 0)
		close(job->dst_list);
	if (job->src_list >= 0)
		close(job->src_list);
	return status;
}

/* Interrupted: end by the same signal, so that a calling shell stops too. */
static void die_by(const struct signals *sg)
{
	fprintf(stderr, "iousync: interrupted by signal %d; the destination may be partly synced\n",
		sg->caught);
	signal(sg->caught, SIG_DFL);
	sigprocmask(SIG_SETMASK, &sg->saved, NULL);
	raise(sg->caught);
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	struct job job = {.opts = &cli.opts, .dst_list = -1, .src_list = -1};
	int status;

	status = parse_cli(argc, argv, &cli);
	if (status)
		return status;
	ensure_std_fds();
	status = signals_setup(&job.sig);
	if (status < 0) {
		fprintf(stderr, "iousync: cannot block signals: %s\n", strerror(-status));
		return EXIT_FAILED;
	}
	status = run(&job, &cli);
	if (job.sig.caught)
		die_by(&job.sig);
	return status;
}
