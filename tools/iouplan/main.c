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
#include "iou/size.h"
#include "iou/bundle.h"
#include "iou/tmpfile.h"
#include "shard.h"
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
    "      --stream           without --against: write each mkdir and creation as\n"
    "                         soon as it is read (input order, mixed), so that\n"
    "                         iouput --stream starts while the walk goes on; bad\n"
    "                         input then stops the plan part way\n"
    "\n"
    "Many machines (see iouplan(1), \"PLAN BUNDLES\"):\n"
    "      --shards N --out DIR  write a bundle to DIR (new, or an empty directory):\n"
    "                         N shard plans (1 to 4096) to run at once with\n"
    "                         iouput --plan DIR --shard K, and a finish plan\n"
    "      --chunk SIZE       with --shards: copy files larger than SIZE in chunks\n"
    "                         of SIZE bytes spread over the shards (suffix K, M, G\n"
    "                         or T: powers of 1024; default 1G)\n"
    "      --pending DIR      list the shards of bundle DIR without a done marker,\n"
    "                         one number a line (nothing when all are done)\n"
    "  -h, --help             show this help\n"
    "      --version          show the version\n"
    "\n"
    "Exit status: 0 plan written (or pending shards listed), 1 I/O error, 2 bad\n"
    "input or usage error.\n";

static int usage_error(const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "iouplan: %s '%s'\n", what, arg);
	else
		fprintf(stderr, "iouplan: %s\n", what);
	fputs("Try 'iouplan --help' for more information.\n", stderr);
	return EXIT_BAD_INPUT;
}

enum {
	OPT_VERSION = 256,
	OPT_AGAINST,
	OPT_DELETE,
	OPT_OWNER,
	OPT_NO_OWNER,
	OPT_SHARDS,
	OPT_OUT,
	OPT_CHUNK,
	OPT_PENDING,
	OPT_STREAM,
};

/* A plan record weighs as much as this many bytes of data in the balance (balance.h). */
#define ENTRY_COST    (64u << 10)
#define CHUNK_DEFAULT (1ull << 30)
#define CHUNK_MIN     4096

struct cli {
	const char *against; /* the destination's walk, or NULL */
	struct root_sync sync;
	const char *out;     /* --out: the bundle to write, or NULL */
	const char *pending; /* --pending: the bundle to look at, or NULL */
	bool stream;	     /* --stream */
	bool chunk_given;    /* --chunk, even at the default size */
	struct shard_options shard;
};

/* The option arguments that need checking. Returns -1 to go on, or the exit status. */
static int parse_sharding(int c, const char *arg, struct cli *cli)
{
	char *end;
	unsigned long n;

	switch (c) {
	case OPT_SHARDS:
		errno = 0;
		n = strtoul(arg, &end, 10);
		if (*arg < '0' || *arg > '9' || *end || errno || n < 1 || n > BUNDLE_SHARDS_MAX)
			return usage_error("invalid shard count (want 1 to 4096)", arg);
		cli->shard.shards = (unsigned)n;
		return -1;
	case OPT_CHUNK:
		if (size_parse(arg, &cli->shard.chunk_size) || cli->shard.chunk_size < CHUNK_MIN)
			return usage_error("invalid chunk size (want bytes, at least 4096, with an "
					   "optional K, M, G or T suffix)",
					   arg);
		cli->chunk_given = true;
		return -1;
	case OPT_OUT:
		cli->out = arg;
		return -1;
	default:
		cli->pending = arg;
		return -1;
	}
}

/* Options that do not go together. Returns -1 to go on, or the exit status. */
static int check_sharding(const struct cli *cli, int operands)
{
	if (!cli->shard.shards != !cli->out)
		return usage_error("--shards and --out go together", NULL);
	if (cli->chunk_given && !cli->out)
		return usage_error("--chunk needs --shards and --out", NULL);
	if (cli->out && cli->against)
		return usage_error("--shards plans a fresh copy: it does not take --against", NULL);
	if (cli->pending && (cli->out || cli->against || operands || cli->stream))
		return usage_error("--pending DIR takes no other options or operands", NULL);
	/* Against a destination, deletions come first: they wait for the whole walk. */
	if (cli->stream && (cli->against || cli->out))
		return usage_error("--stream streams a plain copy's plan: not with --against or "
				   "--shards",
				   NULL);
	return -1;
}

/* Returns -1 to go on, or the exit status. */
static int parse_cli(int argc, char **argv, struct cli *cli)
{
	static const struct option longopts[] = {
	    {"against", required_argument, NULL, OPT_AGAINST},
	    {"delete", no_argument, NULL, OPT_DELETE},
	    {"checksum", no_argument, NULL, 'c'},
	    {"owner", no_argument, NULL, OPT_OWNER},
	    {"no-owner", no_argument, NULL, OPT_NO_OWNER},
	    {"shards", required_argument, NULL, OPT_SHARDS},
	    {"out", required_argument, NULL, OPT_OUT},
	    {"chunk", required_argument, NULL, OPT_CHUNK},
	    {"pending", required_argument, NULL, OPT_PENDING},
	    {"stream", no_argument, NULL, OPT_STREAM},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	int c, ret;

	while ((c = getopt_long(argc, argv, "+ch", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SHARDS:
		case OPT_OUT:
		case OPT_CHUNK:
		case OPT_PENDING:
			ret = parse_sharding(c, optarg, cli);
			if (ret >= 0)
				return ret;
			break;
		case OPT_AGAINST:
			cli->against = optarg;
			break;
		case OPT_STREAM:
			cli->stream = true;
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
	return check_sharding(cli, argc - optind);
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

/* iouplan --pending: the shards of a bundle that have no done marker yet. */
static int list_pending(const char *dir)
{
	struct bundle_manifest m;
	const char *why;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0, done;

	if (fd < 0) {
		fprintf(stderr, "iouplan: %s: %s\n", dir, strerror(errno));
		return EXIT_IO_ERROR;
	}
	done = bundle_manifest_read(fd, &m, &why);
	if (done)
		fprintf(stderr, "iouplan: %s/%s: %s\n", dir, BUNDLE_MANIFEST,
			why ? why : strerror(-done));
	if (done)
		ret = why ? EXIT_BAD_INPUT : EXIT_IO_ERROR;
	for (unsigned k = 0; !ret && k < m.shards; k++) {
		done = bundle_shard_done(fd, k);
		if (done < 0) {
			fprintf(stderr, "iouplan: %s: done marker of shard %u: %s\n", dir, k,
				strerror(-done));
			ret = EXIT_IO_ERROR;
		} else if (!done) {
			printf("%u\n", k);
		}
	}
	close(fd);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "iouplan: standard output: %s\n", strerror(errno));
		ret = EXIT_IO_ERROR;
	}
	return ret;
}

/* Why a bundle could not be written, said once with its path. */
static int report_bundle(const char *name, int err, const struct shard_failure *sf)
{
	if (sf->why) {
		fprintf(stderr, "iouplan: %s: %s\n", name, sf->why);
		return EXIT_BAD_INPUT;
	}
	if (err == -ENOTEMPTY || err == -EEXIST || err == -ENOTDIR) {
		fprintf(stderr,
			"iouplan: %s: %s (--out writes a new bundle: remove it or name "
			"another directory)\n",
			sf->path,
			err == -ENOTDIR ? "exists and is not a directory"
					: "exists and is not empty");
		return EXIT_BAD_INPUT;
	}
	fprintf(stderr, "iouplan: %s: %s\n", sf->path, strerror(-err));
	return EXIT_IO_ERROR;
}

/* iouplan --shards N --out DIR: the plan goes to a temporary file, then into a bundle. */
static int write_bundle(const struct cli *cli, int in, const char *name)
{
	struct shard_failure sf = {0};
	struct plan_failure f;
	int plan, ret;

	snprintf(sf.path, sizeof(sf.path), "%s", cli->out);
	/* Refuse before reading the whole walk; shard_write_bundle() checks again. */
	ret = shard_check_out(cli->out);
	if (ret)
		return report_bundle(name, ret, &sf);
	plan = tmpfile_anon("iouplan");
	if (plan < 0) {
		fprintf(stderr, "iouplan: temporary file in %s: %s\n", tmpfile_dir(),
			strerror(-plan));
		return EXIT_IO_ERROR;
	}
	ret = plan_filter(in, plan, NULL, false, &f);
	if (ret && f.where == PLAN_AT_OUTPUT)
		f.where = PLAN_AT_SPOOL; /* the plan's temporary file, not standard output */
	if (ret)
		ret = report(name, ret, &f);
	else if ((ret = shard_write_bundle(plan, cli->out, &cli->shard, &sf)))
		ret = report_bundle(name, ret, &sf);
	close(plan);
	return ret;
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
	cli.shard.chunk_size = CHUNK_DEFAULT;
	cli.shard.entry_cost = ENTRY_COST;
	ret = parse_cli(argc, argv, &cli);
	if (ret >= 0)
		return ret;
	if (cli.pending)
		return list_pending(cli.pending);
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
	if (cli.out) {
		ret = write_bundle(&cli, fd, name);
	} else {
		ret =
		    plan_filter(fd, STDOUT_FILENO, cli.against ? &cli.sync : NULL, cli.stream, &f);
		ret = ret ? report(name, ret, &f) : 0;
	}
	if (file)
		close(fd);
out:
	against_free(&against);
	return ret;
}
