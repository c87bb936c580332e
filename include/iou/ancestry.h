/* SPDX-License-Identifier: MIT */
#ifndef IOU_ANCESTRY_H
#define IOU_ANCESTRY_H

/*
 * Whether one directory lies below another, as the kernel resolves them:
 * found by climbing ".." from the lower one, so that symbolic links and
 * bind mounts on the way count as they are, not as some path reads. Guards
 * --delete, which would remove a source that lies inside its destination.
 */

#include <sys/stat.h>

/*
 * Whether the directory open as fd lies strictly below the directory top
 * (as fstat() gives it): 1, 0 (fd is top itself, or elsewhere), or a
 * negative errno. fd stays open and unmoved.
 */
int ancestry_is_below(int fd, const struct stat *top);

#endif
