/* SPDX-License-Identifier: MIT */
#include "iou/fdlimit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>

size_t fdlimit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? (size_t)1 << 20 : (size_t)rl.rlim_cur;
}

size_t fdlimit_free(size_t limit)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t open_now = 0;

	if (!d)
		return limit;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			open_now++;
	closedir(d);
	/* The directory's own descriptor was counted, and is closed again. */
	open_now = open_now ? open_now - 1 : 0;
	return open_now < limit ? limit - open_now : 0;
}

bool fdlimit_wait(int err, unsigned *waited_ms)
{
	unsigned step = 1;

	if ((err != -EMFILE && err != -ENFILE) || *waited_ms >= FDLIMIT_PATIENCE_MS)
		return false;
	/* The step doubles with the time already waited: 1, 1, 2, 4 ... 64 ms. */
	while (step < 64 && step <= *waited_ms)
		step *= 2;
	nanosleep(&(struct timespec){.tv_nsec = (long)step * 1000000}, NULL);
	*waited_ms += step;
	return true;
}

int fdlimit_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	unsigned waited = 0;
	int fd;

	do
		fd = openat(dirfd, path, flags, mode);
	while (fd < 0 && fdlimit_wait(-errno, &waited));
	return fd < 0 ? -errno : fd;
}
