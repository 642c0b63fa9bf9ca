/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks for the bodies of userns_fn callbacks (which run in a child of the
 * test and cannot use the harness's ASSERTs): each returns from the
 * callback with msg naming the line and the call that went wrong. They
 * need `char *msg` and `size_t len` in scope.
 */
#ifndef DEVNSFS_CHECKS_H
#define DEVNSFS_CHECKS_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* cond holds, else fail with fmt. */
#define CHECK(cond, fmt, ...) do {						\
	if (!(cond))								\
		return fail_msg(msg, len, errno, "line %d: " fmt, __LINE__,	\
				##__VA_ARGS__);					\
} while (0)

/* call (a syscall returning -1 on failure) succeeds. */
#define OK(call) do {								\
	errno = 0;								\
	if ((long)(call) < 0)							\
		return fail_msg(msg, len, errno, "line %d: %s", __LINE__, #call);\
} while (0)

/* call fails with errno want (or want2, when the VFS may say either). */
#define FAILS2(want, want2, call) do {						\
	long r_;								\
	errno = 0;								\
	r_ = (long)(call);							\
	if (r_ != -1 || (errno != (want) && errno != (want2)))			\
		return fail_msg(msg, len, r_ == -1 ? errno : 0,			\
				"line %d: %s gave %ld, want %s", __LINE__,	\
				#call, r_, strerrorname_np(want));		\
} while (0)
#define FAILS(want, call) FAILS2(want, want, call)

/* A ctl_add()/ctl_remove()-style call (0 or -errno) gives want (0 or an errno). */
#define CTL(want, call) do {							\
	int e_ = (call);							\
	if (e_ != -(want))							\
		return fail_msg(msg, len, e_ < 0 ? -e_ : 0,			\
				"line %d: %s gave %d, want %d", __LINE__,	\
				#call, e_, -(want));				\
} while (0)

/* path does not exist. */
#define GONE(path) do {								\
	struct stat gone_;							\
	const char *p_ = (path);						\
	errno = 0;								\
	if (!lstat(p_, &gone_) || errno != ENOENT)				\
		return fail_msg(msg, len, errno, "line %d: %s still there",	\
				__LINE__, p_);					\
} while (0)

/* The entries of dir are expected (list_dir's format). */
#define LISTS(dir, expected) do {							char l_[1024];									if (list_dir((dir), l_, sizeof(l_)))							return fail_msg(msg, len, errno, "line %d: list %s", __LINE__,					(dir));							if (strcmp(l_, (expected))) {								errno = 0;									return fail_msg(msg, len, EBADMSG, "line %d: %s lists '%s', want '%s'",				__LINE__, (dir), l_, (expected));			}									} while (0)

#endif
