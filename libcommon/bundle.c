/* SPDX-License-Identifier: MIT */
#include "iou/bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iou/stream.h"

int bundle_manifest_format(struct buf *b, const struct bundle_manifest *m)
{
	size_t old = b->len;
	int ret;

	ret = buf_printf(
	    b, "%s %d\nstream %d.%d\nshards %u\nchunk %" PRIu64 "\nentry-cost %" PRIu64 "\n",
	    BUNDLE_MAGIC, BUNDLE_FORMAT, STREAM_VERSION_MAJOR, STREAM_VERSION_MINOR, m->shards,
	    m->chunk_size, m->entry_cost);
	for (unsigned k = 0; !ret && m->loads && k < m->shards; k++)
		ret = buf_printf(b, "load %u %" PRIu64 " %" PRIu64 "\n", k, m->loads[k].bytes,
				 m->loads[k].entries);
	if (ret)
		b->len = old;
	return ret;
}

/* A decimal value that runs to the end of its line, within [min, max]. */
static int parse_value(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || (*end && *end != '\n') || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

/* One "KEY VALUE" line of the manifest; unknown keys are skipped. */
static const char *parse_line(const char *line, struct bundle_manifest *m)
{
	uint64_t v;

	if (strncmp(line, "shards ", 7) == 0) {
		if (parse_value(line + 7, 1, BUNDLE_SHARDS_MAX, &v))
			return "bad \"shards\" line (1 to 4096 shards)";
		m->shards = (unsigned)v;
	} else if (strncmp(line, "chunk ", 6) == 0) {
		if (parse_value(line + 6, 1, UINT64_MAX, &m->chunk_size))
			return "bad \"chunk\" line (a size in bytes)";
	} else if (strncmp(line, "entry-cost ", 11) == 0) {
		if (parse_value(line + 11, 0, UINT64_MAX, &m->entry_cost))
			return "bad \"entry-cost\" line (a size in bytes)";
	} else if (strncmp(line, "stream ", 7) == 0) {
		if (strtoul(line + 7, NULL, 10) != STREAM_VERSION_MAJOR)
			return "the bundle's plans have another stream major version";
	}
	return NULL;
}

int bundle_manifest_parse(const char *text, struct bundle_manifest *m, const char **why)
{
	char magic[32];
	const char *line;

	*m = (struct bundle_manifest){0};
	snprintf(magic, sizeof(magic), "%s %d\n", BUNDLE_MAGIC, BUNDLE_FORMAT);
	if (strncmp(text, magic, strlen(magic)) != 0) {
		*why = "not a bundle manifest (the first line is not \"iou-bundle 1\")";
		return -EINVAL;
	}
	for (line = text; line; line = strchr(line, '\n')) {
		line += *line == '\n';
		*why = parse_line(line, m);
		if (*why)
			return -EINVAL;
	}
	if (!m->shards || !m->chunk_size) {
		*why = "the manifest lacks a \"shards\" or a \"chunk\" line";
		return -EINVAL;
	}
	return 0;
}

/* The whole manifest, NUL-terminated, in *text (freed by the caller). */
static int read_manifest_text(int dirfd, char **text)
{
	struct buf b = BUF_INIT;
	ssize_t n;
	int fd = openat(dirfd, BUNDLE_MANIFEST, O_RDONLY | O_CLOEXEC), ret = 0;

	*text = NULL;
	if (fd < 0)
		return -errno;
	do {
		ret = buf_reserve(&b, 4096);
		n = ret ? 0 : read(fd, b.data + b.len, b.cap - b.len);
		if (n < 0)
			ret = -errno;
		if (n > 0)
			b.len += (size_t)n;
		if (b.len > BUNDLE_MANIFEST_MAX)
			ret = -EFBIG;
	} while (!ret && n > 0);
	close(fd);
	if (!ret)
		ret = buf_putc(&b, '\0');
	if (ret)
		buf_free(&b);
	*text = b.data;
	return ret;
}

int bundle_manifest_read(int dirfd, struct bundle_manifest *m, const char **why)
{
	char *text;
	int ret = read_manifest_text(dirfd, &text);

	*why = NULL;
	if (ret)
		return ret;
	ret = bundle_manifest_parse(text, m, why);
	free(text);
	return ret;
}

void bundle_shard_name(unsigned k, char out[BUNDLE_NAME_MAX])
{
	snprintf(out, BUNDLE_NAME_MAX, "%s/%u.plan", BUNDLE_SHARDS_DIR, k);
}

void bundle_done_name(unsigned k, char out[BUNDLE_NAME_MAX])
{
	snprintf(out, BUNDLE_NAME_MAX, "%s/%u", BUNDLE_DONE_DIR, k);
}

int bundle_shard_done(int dirfd, unsigned k)
{
	char name[BUNDLE_NAME_MAX];
	struct stat st;

	bundle_done_name(k, name);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	return errno == ENOENT ? 0 : -errno;
}
