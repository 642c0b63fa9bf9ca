// SPDX-License-Identifier: GPL-2.0
/*
 * Two instances side by side: independent names and numbers, and a device
 * opens only through a node of its own instance.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

FIXTURE(two) {
	char *a, *b;
	int ctl_a, ctl_b;
	char path[256];
};

FIXTURE_SETUP(two)
{
	self->a = make_mountpoint();
	self->b = make_mountpoint();
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	self->ctl_a = mount_instance(self->a, NULL);
	self->ctl_b = mount_instance(self->b, NULL);
	ASSERT_GE(self->ctl_a, 0);
	ASSERT_GE(self->ctl_b, 0);
}

FIXTURE_TEARDOWN(two)
{
	close(self->ctl_a);
	close(self->ctl_b);
	umount2(self->a, MNT_DETACH);
	umount2(self->b, MNT_DETACH);
	rmdir(self->a);
	rmdir(self->b);
	free(self->a);
	free(self->b);
}

TEST_F(two, names_and_numbers_are_independent)
{
	struct devnsfs_device da, db, info;
	struct stat st;

	ASSERT_EQ(0, ctl_add(self->ctl_a, "x", "zero", &da));
	EXPECT_EQ(-1, stat(node_path(self->path, sizeof(self->path), self->b, "x"), &st));
	EXPECT_EQ(ENOENT, errno);
	dev_init(&info, "x", NULL);
	EXPECT_EQ(-ENOENT, ctl_call(self->ctl_b, DEVNSFS_IOC_INFO, &info));
	EXPECT_EQ(-ENOENT, ctl_remove(self->ctl_b, "x"));

	ASSERT_EQ(0, ctl_add(self->ctl_b, "x", "null", &db));
	EXPECT_NE(da.id, db.id);
	EXPECT_NE(makedev(da.major, da.minor), makedev(db.major, db.minor));
	ASSERT_EQ(0, ctl_remove(self->ctl_a, "x"));
	ASSERT_EQ(0, stat(node_path(self->path, sizeof(self->path), self->b, "x"), &st));
	EXPECT_EQ(makedev(db.major, db.minor), st.st_rdev);
}

TEST_F(two, a_copied_number_elsewhere_is_enxio)
{
	struct devnsfs_device d;
	char *tmp = make_mountpoint(), node[256];
	int fd;

	ASSERT_NE(NULL, tmp);
	ASSERT_EQ(0, ctl_add(self->ctl_a, "z", "zero", &d));
	/* Host root copies the number onto tmpfs: no driver answers it. */
	ASSERT_EQ(0, mknod(node_path(node, sizeof(node), tmp, "z"), S_IFCHR | 0666,
			   makedev(d.major, d.minor)));
	EXPECT_EQ(-1, open(node, O_RDONLY));
	EXPECT_EQ(ENXIO, errno);
	/* Nor does the control node's number. */
	ASSERT_EQ(0, mknod(node_path(node, sizeof(node), tmp, "ctl"), S_IFCHR | 0666,
			   makedev(d.major, 0)));
	EXPECT_EQ(-1, open(node, O_RDWR));
	EXPECT_EQ(ENXIO, errno);
	/* And the other instance cannot make a node at all. */
	EXPECT_EQ(-1, mknod(node_path(self->path, sizeof(self->path), self->b, "z"),
			    S_IFCHR | 0666, makedev(d.major, d.minor)));
	EXPECT_EQ(EPERM, errno);
	/* The real node works. */
	fd = open(node_path(self->path, sizeof(self->path), self->a, "z"), O_RDONLY);
	EXPECT_GE(fd, 0);
	close(fd);
	unlink(node_path(node, sizeof(node), tmp, "z"));
	unlink(node_path(node, sizeof(node), tmp, "ctl"));
	rmdir(tmp);
	free(tmp);
}

TEST_F(two, a_bind_mount_shares_the_instance)
{
	char *bind = make_mountpoint();
	struct stat st;

	ASSERT_NE(NULL, bind);
	ASSERT_EQ(0, mount(self->a, bind, NULL, MS_BIND, NULL));
	ASSERT_EQ(0, ctl_add(self->ctl_a, "shared", "null", NULL));
	EXPECT_EQ(0, stat(node_path(self->path, sizeof(self->path), bind, "shared"), &st));
	EXPECT_EQ(0, umount2(bind, 0));
	rmdir(bind);
	free(bind);
}

TEST_HARNESS_MAIN
