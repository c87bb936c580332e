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
    "  -h, --help     show this help\n"
    "      --version  show the version\n"
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

enum { OPT_VERSION = 256 };

/* Returns -1 to go on, or the exit status. */
static int parse_cli(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
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
	return -1;
}

/* Where spool.c puts its temporary files, for messages. */
static const char *temp_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && *dir ? dir : "/tmp";
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
		fprintf(stderr, "iouplan: temporary file in %s: %s\n", temp_dir(), strerror(-err));
	return EXIT_IO_ERROR;
}

int main(int argc, char **argv)
{
	const char *file = NULL, *name = "stdin";
	struct plan_failure f;
	int fd = STDIN_FILENO, ret;

	ret = parse_cli(argc, argv);
	if (ret >= 0)
		return ret;
	if (optind < argc && strcmp(argv[optind], "-") != 0)
		file = name = argv[optind];
	if (file) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "iouplan: %s: %s\n", file, strerror(errno));
			return EXIT_IO_ERROR;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	ret = plan_filter(fd, STDOUT_FILENO, &f);
	if (file)
		close(fd);
	return ret ? report(name, ret, &f) : 0;
}
