/* SPDX-License-Identifier: MIT */
#ifndef IOU_TMPFILE_H
#define IOU_TMPFILE_H

/*
 * An anonymous read-write file in $TMPDIR (default /tmp): O_TMPFILE, or on
 * file systems without it a file created and unlinked at once, so nothing
 * is left behind whatever kills the process. prefix names the fallback's
 * short-lived file. Returns the descriptor (close-on-exec) or a negative
 * errno.
 */
int tmpfile_anon(const char *prefix);

/* The directory tmpfile_anon() uses, for messages. */
const char *tmpfile_dir(void);

#endif
