/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_OUTCOME_H
#define IOUPUT_OUTCOME_H

/*
 * What carrying out one plan record turned out to do. Most operations do
 * what they say; "verify", "delete" and "link" to a name DST had find out
 * only on the spot. exec decides it, -i prints it (itemize.h), --stats
 * counts it (stats.h).
 */
enum put_outcome {
	OUTCOME_DONE,	   /* the operation as planned */
	OUTCOME_COPIED,	   /* verify: the data differed (or DST had no file): copied */
	OUTCOME_META_ONLY, /* verify: same data, only attributes applied */
	OUTCOME_NONE,	   /* verify: all equal; delete: already gone; link: there already */
};

#endif
