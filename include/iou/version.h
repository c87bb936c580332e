/* SPDX-License-Identifier: MIT */
#ifndef IOU_VERSION_H
#define IOU_VERSION_H

/* The suite's version, shared by every tool's --version. */
#define IOU_VERSION "0.1.0"

#endif
