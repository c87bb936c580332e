/* SPDX-License-Identifier: MIT */
#include "iou/termsig.h"

#include <stddef.h>

void termsig_set(sigset_t *set)
{
	static const int terminating[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction old;

	sigemptyset(set);
	for (size_t i = 0; i < sizeof(terminating) / sizeof(terminating[0]); i++)
		if (sigaction(terminating[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaddset(set, terminating[i]);
}
