/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FIXTURE(mnt): a fresh mount point under /tmp, lazily unmounted and
 * removed after the test. Include after kselftest_harness.h and utils.h.
 */
#ifndef DEVNSFS_MOUNT_FIXTURE_H
#define DEVNSFS_MOUNT_FIXTURE_H

FIXTURE(mnt) {
	char *dir;
	char path[256];
};

FIXTURE_SETUP(mnt)
{
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
}

FIXTURE_TEARDOWN(mnt)
{
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
}

#endif
