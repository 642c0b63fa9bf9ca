/* SPDX-License-Identifier: GPL-2.0 */
/*
 * INSTANCE_FIXTURE(name): each test of fixture name runs in a private
 * mount namespace of its own (so that what a failing case leaves mounted
 * goes with its process), with a fresh instance mounted on self->dir and
 * its control node open for writing as self->ctl. P(name) is a path in
 * the instance. Include after kselftest_harness.h and utils.h.
 */
#ifndef DEVNSFS_INSTANCE_FIXTURE_H
#define DEVNSFS_INSTANCE_FIXTURE_H

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define INSTANCE_FIXTURE(fixture)						\
FIXTURE(fixture) {								\
	char *dir;								\
	int ctl;								\
	char path[256];								\
};										\
										\
FIXTURE_SETUP(fixture)								\
{										\
	self->ctl = -1;								\
	ASSERT_EQ(0, unshare(CLONE_NEWNS));					\
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));	\
	self->dir = make_mountpoint();						\
	ASSERT_NE(NULL, self->dir);						\
	self->ctl = mount_instance(self->dir, NULL);				\
	ASSERT_GE(self->ctl, 0) {						\
		TH_LOG("mount or open control: %s", strerror(errno));		\
	}									\
}										\
										\
FIXTURE_TEARDOWN(fixture)							\
{										\
	if (self->ctl >= 0)							\
		close(self->ctl);						\
	umount2(self->dir, MNT_DETACH);						\
	rmdir(self->dir);							\
	free(self->dir);							\
}

#define P(name) node_path(self->path, sizeof(self->path), self->dir, name)

#endif
