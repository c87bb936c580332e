/* SPDX-License-Identifier: MIT */
#include "iou/uring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool uring_disabled_by_env(void)
{
	const char *v = getenv(URING_DISABLE_ENV);

	return v && *v && strcmp(v, "0") != 0;
}

int uring_init(struct io_uring *ring, unsigned entries, unsigned max_workers)
{
	struct io_uring_params p;
	unsigned workers[2];
	int ret;

	if (uring_disabled_by_env())
		return -ENOSYS;
	memset(&p, 0, sizeof(p));
	/* Each ring belongs to one thread and is only entered by it. */
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
	ret = io_uring_queue_init_params(entries, ring, &p);
	if (ret == -EINVAL) {
		/* Kernels before 6.0 lack these flags; they are only hints. */
		memset(&p, 0, sizeof(p));
		ret = io_uring_queue_init_params(entries, ring, &p);
	}
	if (ret)
		return ret;
	if (max_workers) {
		workers[0] = max_workers;
		workers[1] = max_workers;
		/* Older kernels cannot bound io-wq; the ring still works. */
		(void)io_uring_register_iowq_max_workers(ring, workers);
	}
	return 0;
}

int uring_submit_collect(struct io_uring *ring, unsigned count, int *res)
{
	struct io_uring_cqe *cqe;
	int ret;

	do
		ret = io_uring_submit_and_wait(ring, count);
	while (ret == -EINTR);
	if (ret < 0)
		return ret;
	while (count) {
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret == -EINTR)
			continue;
		if (ret)
			return ret;
		res[io_uring_cqe_get_data64(cqe)] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		count--;
	}
	return 0;
}
