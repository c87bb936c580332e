/* SPDX-License-Identifier: MIT */
#ifndef IOU_TERMSIG_H
#define IOU_TERMSIG_H

/*
 * The signals that end a run early (^C, kill, a closed terminal), as a tool
 * that takes them with sigwait() must block them: SIGINT, SIGTERM and
 * SIGHUP, less those the process was started ignoring (nohup, a background
 * job). A blocked signal is queued even when ignored, so blocking an ignored
 * one would make it end the run after all.
 */

#include <signal.h>

/* Empty set, then add those of SIGINT, SIGTERM and SIGHUP not ignored now. */
void termsig_set(sigset_t *set);

#endif
