/* SPDX-License-Identifier: MIT */
/* iouplan: turn an iou-stream(5) of walk records into an ordered plan. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "iou/tmpfile.h"
#include "iou/version.h"

#define EXIT_IO_ERROR  1
#define EXIT_BAD_INPUT 2

static const char usage_text[] =
    "usage: iouplan [OPTION]... [FILE]\n"
    "Read the iou-stream(5) walk records of FILE (default: standard input) and\n"
    "write a plan for iouput(1) to standard output: mkdir for every directory,\n"
    "copy, symlink or mknod for every other object and each hard-link group,\n"
    "link for the group's other members, then dirmeta deepest first.\n"
    "Never touches the file system.\n"
    "\n"
    "      --against DSTWALK  plan only what differs from the destination whose\n"
    "                         walk (iouwalk -X DST) is in the file DSTWALK\n"
    "      --delete           with --against: also remove what the source lacks\n"
    "  -c, --checksum         with --against: have iouput compare the data of files\n"
    "                         whose size and time match (else they are skipped)\n"
    "      --owner, --no-owner  compare owner and group (default: only as root)\n"
    "  -h, --help             show this help\n"
    "      --version          show the version\n"
    "\n"
    "Exit status: 0 plan written, 1 I/O error, 2 bad input or usage error.\n";

static int usage_error(const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "iouplan: %s '%s'\n", what, arg);
	else
		fprintf(stderr, "iouplan: %s\n", what);
	fputs("Try 'iouplan --help' for more information.\n", stderr);
	return EXIT_BAD_INPUT;
}

enum { OPT_VERSION = 256, OPT_AGAINST, OPT_DELETE, OPT_OWNER, OPT_NO_OWNER };

struct cli {
	const char *against; /* the destination's walk, or NULL */
	struct root_sync sync;
};

/* Returns -1 to go on, or the exit status. */
static int parse_cli(int argc, char **argv, struct cli *cli)
{
	static const struct option longopts[] = {
	    {"against", required_argument, NULL, OPT_AGAINST},
	    {"delete", no_argument, NULL, OPT_DELETE},
	    {"checksum", no_argument, NULL, 'c'},
	    {"owner", no_argument, NULL, OPT_OWNER},
	    {"no-owner", no_argument, NULL, OPT_NO_OWNER},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+ch", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_AGAINST:
			cli->against = optarg;
			break;
		case OPT_DELETE:
			cli->sync.delete_extra = true;
			break;
		case 'c':
			cli->sync.compare.checksum = true;
			break;
		case OPT_OWNER:
		case OPT_NO_OWNER:
			cli->sync.compare.owner = c == OPT_OWNER;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case OPT_VERSION:
			printf("iouplan %s\n", IOU_VERSION);
			return 0;
		default:
			return usage_error("invalid option", NULL);
		}
	}
	if (argc - optind > 1)
		return usage_error("extra operand", argv[optind + 1]);
	if (!cli->against && (cli->sync.delete_extra || cli->sync.compare.checksum))
		return usage_error("--delete and --checksum need --against", NULL);
	return -1;
}

static int report(const char *name, int err, const struct plan_failure *f)
{
	if (f->why && f->recno)
		fprintf(stderr, "iouplan: %s: record %" PRIu64 ": %s\n", name, f->recno, f->why);
	else if (f->why)
		fprintf(stderr, "iouplan: %s: %s\n", name, f->why);
	if (f->why)
		return EXIT_BAD_INPUT;
	/* A closed pipe (iouplan | head) is the reader's choice: fail quietly. */
	if (err == -EPIPE && f->where == PLAN_AT_OUTPUT)
		return EXIT_IO_ERROR;
	if (err == -ENOMEM)
		fprintf(stderr, "iouplan: %s\n", strerror(-err));
	else if (f->where == PLAN_AT_INPUT)
		fprintf(stderr, "iouplan: %s: %s\n", name, strerror(-err));
	else if (f->where == PLAN_AT_OUTPUT)
		fprintf(stderr, "iouplan: standard output: %s\n", strerror(-err));
	else
		fprintf(stderr, "iouplan: temporary file in %s: %s\n", tmpfile_dir(),
			strerror(-err));
	return EXIT_IO_ERROR;
}

/* Read the destination's walk for --against. Returns -1 to go on, or the exit status. */
static int load_against(const char *file, struct against *a)
{
	const char *why;
	uint64_t recno;
	int fd = open(file, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0) {
		fprintf(stderr, "iouplan: %s: %s\n", file, strerror(errno));
		return EXIT_IO_ERROR;
	}
	ret = against_load(a, fd, &why, &recno);
	close(fd);
	if (!ret)
		return -1;
	if (ret == -EBADMSG || ret == -EMSGSIZE)
		why = ret == -EBADMSG ? "not terminated by a NUL (truncated input?)"
				      : "longer than the 16 MiB a record may hold";
	if (!why) {
		fprintf(stderr, "iouplan: %s: %s\n", file, strerror(-ret));
		return EXIT_IO_ERROR;
	}
	fprintf(stderr, "iouplan: %s: record %" PRIu64 ": %s\n", file, recno, why);
	return EXIT_BAD_INPUT;
}

int main(int argc, char **argv)
{
	const char *file = NULL, *name = "stdin";
	struct against against = AGAINST_INIT;
	struct cli cli = {0};
	struct plan_failure f;
	int fd = STDIN_FILENO, ret;

	/* Owners are kept only by a copy made as root: compare them only then. */
	cli.sync.compare.owner = geteuid() == 0;
	ret = parse_cli(argc, argv, &cli);
	if (ret >= 0)
		return ret;
	if (cli.against) {
		ret = load_against(cli.against, &against);
		if (ret >= 0)
			goto out;
		cli.sync.against = &against;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0)
		file = name = argv[optind];
	if (file) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "iouplan: %s: %s\n", file, strerror(errno));
			ret = EXIT_IO_ERROR;
			goto out;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	ret = plan_filter(fd, STDOUT_FILENO, cli.against ? &cli.sync : NULL, &f);
	if (file)
		close(fd);
	ret = ret ? report(name, ret, &f) : 0;
out:
	against_free(&against);
	return ret;
}
