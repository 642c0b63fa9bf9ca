// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading devnsfs: the runner runs this first, with
 * DEVNSFS_KO naming the module, and it leaves the module loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

static int load_module(void)
{
	const char *ko = getenv("DEVNSFS_KO");
	int fd, ret;

	if (!ko) {
		errno = ENOENT;
		return -1;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

static int unload_module(void)
{
	return syscall(SYS_delete_module, "devnsfs", O_NONBLOCK);
}

/* Whether /proc/filesystems lists devnsfs, as a nodev filesystem. */
static int fs_registered(void)
{
	FILE *f = fopen("/proc/filesystems", "re");
	char line[128];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "nodev\tdevnsfs\n"))
			found = 1;
	fclose(f);
	return found;
}


TEST(insmod_registers_the_filesystem)
{
	ASSERT_EQ(0, fs_registered());
	ASSERT_EQ(0, load_module()) {
		TH_LOG("finit_module(%s): %s", getenv("DEVNSFS_KO"), strerror(errno));
	}
	EXPECT_EQ(1, fs_registered());
	EXPECT_EQ(0, module_refcount());
}

TEST(rmmod_is_refused_while_an_instance_is_mounted)
{
	char *dir = make_mountpoint();

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, mount("none", dir, "devnsfs", 0, NULL));
	EXPECT_EQ(1, module_refcount());
	/* delete_module(2) says EWOULDBLOCK; rmmod(8) says "in use". */
	EXPECT_EQ(-1, unload_module());
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(1, fs_registered());

	ASSERT_EQ(0, umount2(dir, 0));
	EXPECT_EQ(0, module_refcount());
	ASSERT_EQ(0, unload_module()) {
		TH_LOG("delete_module: %s", strerror(errno));
	}
	EXPECT_EQ(0, fs_registered());
	EXPECT_EQ(-1, mount("none", dir, "devnsfs", 0, NULL));
	EXPECT_EQ(ENODEV, errno);

	ASSERT_EQ(0, load_module());
	rmdir(dir);
	free(dir);
}

TEST(rmmod_waits_for_a_lazily_detached_instance)
{
	char *dir = make_mountpoint();
	int fd;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, mount("none", dir, "devnsfs", 0, NULL));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, umount2(dir, MNT_DETACH));
	/* The open directory keeps the instance, and so the module, alive. */
	EXPECT_EQ(1, module_refcount());
	EXPECT_EQ(-1, unload_module());
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
	EXPECT_EQ(0, module_refcount());
	ASSERT_EQ(0, unload_module());
	ASSERT_EQ(0, load_module());
	rmdir(dir);
	free(dir);
}

TEST(rmmod_waits_for_an_open_device_file)
{
	char *dir = make_mountpoint(), path[256], buf[4];
	int ctl, fd;

	ASSERT_NE(NULL, dir);
	ctl = mount_instance(dir, NULL);
	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, ctl_add(ctl, "z", "zero", NULL));
	fd = open(node_path(path, sizeof(path), dir, "z"), O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	close(ctl);
	ASSERT_EQ(0, umount2(dir, MNT_DETACH));
	EXPECT_EQ(-1, unload_module());
	EXPECT_EQ(EWOULDBLOCK, errno);
	/* After a lazy umount the open device keeps working until closed. */
	EXPECT_EQ(sizeof(buf), read(fd, buf, sizeof(buf)));
	close(fd);
	EXPECT_EQ(0, module_refcount());
	ASSERT_EQ(0, unload_module());
	ASSERT_EQ(0, load_module());
	rmdir(dir);
	free(dir);
}

TEST_HARNESS_MAIN
