/* SPDX-License-Identifier: MIT */
/* iouwalk: walk trees and emit an iou-stream(5) of statx records. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "iou/fdlimit.h"
#include "iou/inoset.h"
#include "iou/version.h"
#include "iou/xattrs.h"
#include "walk.h"

#define EXIT_SKIPPED 1
#define EXIT_USAGE   2

/* Measured on 2 cores (bench/walk): deeper rings stopped paying off at 128. */
#define DEFAULT_RING_ENTRIES 128
#define DEFAULT_RING_WORKERS 2

static const char usage_text[] =
    "usage: iouwalk [OPTION]... PATH...\n"
    "       iouwalk --from0 [OPTION]... [ROOT] < NUL-separated paths\n"
    "Walk each PATH without following symlinks and write an iou-stream(5) of\n"
    "statx records to standard output, a directory before its contents.\n"
    "\n"
    "  -x, --one-file-system  emit mount points (flagged 'm') but do not enter them\n"
    "  -d, --no-recurse       emit the named paths only, not what is below them\n"
    "  -X, --xattrs           digest each object's ACLs and extended attributes\n"
    "                         into its XATTRS field (else '-'), for iouplan --against\n"
    "      --prune DIR        leave out directory DIR and all in it wherever the\n"
    "                         walk meets it (same device and inode; repeatable)\n"
    "      --from0            read paths below ROOT (default .) from standard input,\n"
    "                         NUL-separated, as find -print0 writes them\n"
    "      --paths0           write bare NUL-terminated paths, as find -print0\n"
    "  -j, --jobs N           walk with N threads (default: online CPUs)\n"
    "      --no-uring         use plain syscalls, not io_uring (also IOU_NO_URING=1)\n"
    "  -h, --help             show this help\n"
    "      --version          show the version\n"
    "\n"
    "Exit status: 0 all walked, 1 something was skipped (reported), 2 usage error.\n";

/* Enough for the destinations a pipeline may write into; more is refused. */
#define PRUNE_MAX 16

struct cli {
	struct walk_options walk;
	struct walk_prune prune[PRUNE_MAX];
	enum emit_format format;
	int from0;
};

static void report_error(void *arg, const char *root, const char *path, int err, const char *why)
{
	const char *sep = root[strlen(root) - 1] == '/' ? "" : "/";

	(void)arg;
	/* A refused absolute --from0 path reads best as it was listed. */
	if (path[0] == '/')
		fprintf(stderr, "iouwalk: %s: %s\n", path, why ? why : strerror(-err));
	else if (strcmp(path, ".") == 0)
		fprintf(stderr, "iouwalk: %s: %s\n", root, why ? why : strerror(-err));
	else
		fprintf(stderr, "iouwalk: %s%s%s: %s\n", root, sep, path,
			why ? why : strerror(-err));
}

static int usage_error(const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "iouwalk: %s '%s'\n", what, arg);
	else
		fprintf(stderr, "iouwalk: %s\n", what);
	fputs("Try 'iouwalk --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

static int parse_jobs(const char *s, unsigned *jobs)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 1024)
		return -EINVAL;
	*jobs = (unsigned)v;
	return 0;
}

/* --prune DIR: a directory, followed if DIR is a symlink, as it is named now. */
static int add_prune(struct cli *cli, const char *dir)
{
	struct stat st;

	if (cli->walk.nprune == PRUNE_MAX)
		return usage_error("too many --prune directories, at most 16:", dir);
	if (stat(dir, &st) < 0) {
		fprintf(stderr, "iouwalk: --prune '%s': %s\n", dir, strerror(errno));
		return EXIT_USAGE;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "iouwalk: --prune '%s': %s\n", dir, strerror(ENOTDIR));
		return EXIT_USAGE;
	}
	cli->prune[cli->walk.nprune++] = (struct walk_prune){
	    .dev = inoset_dev(major(st.st_dev), minor(st.st_dev)),
	    .ino = st.st_ino,
	};
	return 0;
}

enum { OPT_FROM0 = 256, OPT_PATHS0, OPT_PRUNE, OPT_NO_URING, OPT_VERSION };

static int parse_cli(int argc, char **argv, struct cli *cli)
{
	static const struct option longopts[] = {
	    {"one-file-system", no_argument, NULL, 'x'},
	    {"no-recurse", no_argument, NULL, 'd'},
	    {"xattrs", no_argument, NULL, 'X'},
	    {"from0", no_argument, NULL, OPT_FROM0},
	    {"paths0", no_argument, NULL, OPT_PATHS0},
	    {"prune", required_argument, NULL, OPT_PRUNE},
	    {"jobs", required_argument, NULL, 'j'},
	    {"no-uring", no_argument, NULL, OPT_NO_URING},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	int c, ret;

	while ((c = getopt_long(argc, argv, "+xdXj:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'x':
			cli->walk.one_file_system = true;
			break;
		case 'd':
			cli->walk.recurse = false;
			break;
		case 'X':
			cli->walk.xattrs = true;
			break;
		case OPT_FROM0:
			cli->from0 = 1;
			break;
		case OPT_PATHS0:
			cli->format = EMIT_PATHS0;
			break;
		case OPT_PRUNE:
			if ((ret = add_prune(cli, optarg)))
				return ret;
			break;
		case 'j':
			if (parse_jobs(optarg, &cli->walk.jobs))
				return usage_error("invalid job count (want 1 to 1024):", optarg);
			break;
		case OPT_NO_URING:
			cli->walk.use_uring = false;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case OPT_VERSION:
			printf("iouwalk %s\n", IOU_VERSION);
			exit(0);
		default:
			return usage_error("invalid option", NULL);
		}
	}
	if (cli->from0 && argc - optind > 1)
		return usage_error("--from0 takes at most one ROOT", NULL);
	if (!cli->from0 && optind == argc)
		return usage_error("no PATH to walk", NULL);
	for (int i = optind; i < argc; i++)
		if (argv[i][0] == '\0')
			return usage_error("empty PATH", NULL);
	return 0;
}

static int run(struct cli *cli, char **paths, int npaths, struct emit_out *out)
{
	int status = 0, ret;

	if (cli->from0) {
		const char *root = npaths ? paths[0] : ".";

		ret = walk_paths_from(&cli->walk, out, root, STDIN_FILENO);
		if (ret == -EBADMSG) {
			fputs("iouwalk: standard input: the last path is not NUL-terminated\n",
			      stderr);
			return EXIT_SKIPPED;
		}
		if (ret < 0)
			goto fatal;
		return ret;
	}
	for (int i = 0; i < npaths; i++) {
		ret = walk_root(&cli->walk, out, paths[i]);
		if (ret < 0)
			goto fatal;
		status |= ret;
	}
	return status;
fatal:
	if (ret == -EPIPE)
		return EXIT_SKIPPED;
	fprintf(stderr, "iouwalk: %s\n", strerror(-ret));
	return EXIT_SKIPPED;
}

int main(int argc, char **argv)
{
	struct cli cli = {
	    .walk =
		{
		    .jobs = default_jobs(),
		    .recurse = true,
		    .use_uring = true,
		    .ring_entries = DEFAULT_RING_ENTRIES,
		    .ring_workers = DEFAULT_RING_WORKERS,
		    .on_error = report_error,
		},
	    .format = EMIT_RECORDS,
	};
	struct emit_out out;
	int ret;

	cli.walk.prune = cli.prune;
	ret = parse_cli(argc, argv, &cli);
	if (ret)
		return ret;
	/* A closed pipe (iouwalk | head) ends the walk through EPIPE, quietly. */
	signal(SIGPIPE, SIG_IGN);
	if (cli.walk.xattrs)
		xattrs_init();
	/* Deep trees keep one descriptor per level open: take all we may have. */
	fdlimit_raise();
	if (emit_out_init(&out, STDOUT_FILENO, cli.format)) {
		fputs("iouwalk: cannot initialise output\n", stderr);
		return EXIT_SKIPPED;
	}
	ret = run(&cli, argv + optind, argc - optind, &out);
	emit_out_free(&out);
	return ret;
}
