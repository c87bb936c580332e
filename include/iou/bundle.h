/* SPDX-License-Identifier: MIT */
#ifndef IOU_BUNDLE_H
#define IOU_BUNDLE_H

/*
 * A plan bundle (iou-stream(5), "PLAN BUNDLES"): one copy split into shard
 * plans that many machines run at once, and a finish plan run once after
 * all of them. The layout of its directory, the manifest's text format, and
 * the done markers, in one place for iouplan (which writes bundles and lists
 * pending shards) and iouput (which runs shards and the finish):
 *
 *   manifest        "iou-bundle 1", then "KEY VALUE..." lines (see below)
 *   shards/K.plan   the plan of shard K, 0 <= K < shards
 *   finish.plan     seals of chunked files, their links, directory metadata
 *   done/K          written (atomically) when shard K finished without error
 */

#include <stdint.h>

#include "iou/buf.h"

#define BUNDLE_MAGIC	    "iou-bundle"
#define BUNDLE_FORMAT	    1
#define BUNDLE_MANIFEST	    "manifest"
#define BUNDLE_FINISH	    "finish.plan"
#define BUNDLE_SHARDS_DIR   "shards"
#define BUNDLE_DONE_DIR	    "done"
#define BUNDLE_SHARDS_MAX   4096
#define BUNDLE_NAME_MAX	    32
#define BUNDLE_MANIFEST_MAX (1u << 20)

/* What a shard was given: its share of the balance. */
struct bundle_load {
	uint64_t bytes;	  /* file data */
	uint64_t entries; /* plan records */
};

/*
 * The manifest's lines: "stream MAJOR.MINOR", "shards N", "chunk BYTES",
 * "entry-cost BYTES", then "load K BYTES ENTRIES" for each shard. A reader
 * needs shards and chunk and skips keys it does not know.
 */
struct bundle_manifest {
	unsigned shards;
	uint64_t chunk_size;
	uint64_t entry_cost;
	const struct bundle_load *loads; /* shards of them, when formatting; NULL when parsed */
};

/* Append the manifest's text. Returns 0 or -ENOMEM. */
int bundle_manifest_format(struct buf *b, const struct bundle_manifest *m);

/* Parse a manifest's text (NUL-terminated). Returns 0, or -EINVAL with *why. */
int bundle_manifest_parse(const char *text, struct bundle_manifest *m, const char **why);

/*
 * Read and parse dirfd's manifest. Returns 0; -EINVAL with *why for a bad
 * manifest; or another negative errno of reading it.
 */
int bundle_manifest_read(int dirfd, struct bundle_manifest *m, const char **why);

/* "shards/K.plan" and "done/K", relative to the bundle. */
void bundle_shard_name(unsigned k, char out[BUNDLE_NAME_MAX]);
void bundle_done_name(unsigned k, char out[BUNDLE_NAME_MAX]);

/* Whether shard k has its done marker: 1, 0, or a negative errno. */
int bundle_shard_done(int dirfd, unsigned k);

#endif
