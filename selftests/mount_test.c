// SPDX-License-Identifier: GPL-2.0
/*
 * Mounting devnsfs: as root, through the new mount API, and as an
 * unprivileged user in its own user and mount namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/devnsfs.h>

#include "kselftest_harness.h"
#include "utils.h"

#include "mount_fixture.h"

TEST_F(mnt, root_mount_and_umount)
{
	struct stat st;

	ASSERT_EQ(0, mount("none", self->dir, "devnsfs", 0, NULL)) {
		TH_LOG("mount: %s", strerror(errno));
	}
	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0755, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(1, st.st_ino);
	ASSERT_EQ(0, umount2(self->dir, 0));
	/* After umount the directory is tmpfs again. */
	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_NE(1, st.st_ino);
}

TEST_F(mnt, statfs_reports_the_magic)
{
	struct statfs sfs;

	ASSERT_EQ(0, mount("none", self->dir, "devnsfs", 0, NULL));
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(DEVNSFS_SUPER_MAGIC, (unsigned long)sfs.f_type);
}

TEST_F(mnt, every_mount_is_a_new_instance_and_a_bind_shares_it)
{
	char *second = make_mountpoint(), *bind = make_mountpoint();
	struct stat a, b, c;

	ASSERT_NE(NULL, second);
	ASSERT_NE(NULL, bind);
	ASSERT_EQ(0, mount("none", self->dir, "devnsfs", 0, NULL));
	ASSERT_EQ(0, mount("none", second, "devnsfs", 0, NULL));
	ASSERT_EQ(0, mount(self->dir, bind, NULL, MS_BIND, NULL));
	ASSERT_EQ(0, stat(self->dir, &a));
	ASSERT_EQ(0, stat(second, &b));
	ASSERT_EQ(0, stat(bind, &c));
	EXPECT_NE(a.st_dev, b.st_dev);
	EXPECT_EQ(a.st_dev, c.st_dev);
	EXPECT_EQ(0, umount2(bind, 0));
	EXPECT_EQ(0, umount2(second, 0));
	rmdir(bind);
	rmdir(second);
	free(bind);
	free(second);
}

TEST_F(mnt, new_mount_api)
{
	struct statfs sfs;
	int fsfd, mfd;

	fsfd = fsopen("devnsfs", FSOPEN_CLOEXEC);
	ASSERT_GE(fsfd, 0) {
		TH_LOG("fsopen: %s", strerror(errno));
	}
	ASSERT_EQ(0, fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	ASSERT_GE(mfd, 0);
	ASSERT_EQ(0, fstatfs(mfd, &sfs));
	EXPECT_EQ(DEVNSFS_SUPER_MAGIC, (unsigned long)sfs.f_type);
	ASSERT_EQ(0, move_mount(mfd, "", AT_FDCWD, self->dir, MOVE_MOUNT_F_EMPTY_PATH));
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(DEVNSFS_SUPER_MAGIC, (unsigned long)sfs.f_type);
	close(mfd);
	close(fsfd);
}

TEST_F(mnt, unknown_option_is_rejected)
{
	int fsfd;

	EXPECT_EQ(-1, mount("none", self->dir, "devnsfs", 0, "bogus=1"));
	EXPECT_EQ(EINVAL, errno);

	fsfd = fsopen("devnsfs", FSOPEN_CLOEXEC);
	ASSERT_GE(fsfd, 0);
	EXPECT_EQ(-1, fsconfig(fsfd, FSCONFIG_SET_STRING, "bogus", "1", 0));
	EXPECT_EQ(EINVAL, errno);
	close(fsfd);
}

static int mount_in_container(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	struct statfs sfs;
	struct stat st;

	if (mount("none", dir, "devnsfs", 0, NULL))
		return fail_msg(msg, len, errno, "mount");
	if (statfs(dir, &sfs))
		return fail_msg(msg, len, errno, "statfs");
	if ((unsigned long)sfs.f_type != DEVNSFS_SUPER_MAGIC)
		return fail_msg(msg, len, EINVAL, "f_type %lx", (unsigned long)sfs.f_type);
	if (stat(dir, &st))
		return fail_msg(msg, len, errno, "stat");
	/* The container's root owns its instance's root directory. */
	if (st.st_uid != 0 || st.st_gid != 0)
		return fail_msg(msg, len, EPERM, "root dir owned by %d:%d inside",
				st.st_uid, st.st_gid);
	return 0;
}

TEST_F(mnt, unprivileged_user_mounts_in_its_own_namespaces)
{
	struct userns_child c;
	char msg[256], path[128];
	struct statfs sfs;
	struct stat st;

	ASSERT_EQ(0, userns_child_start(&c, mount_in_container, self->dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	/* Seen from outside, through the child's mount namespace. */
	snprintf(path, sizeof(path), "/proc/%d/root%s", c.pid, self->dir);
	EXPECT_EQ(0, statfs(path, &sfs));
	EXPECT_EQ(DEVNSFS_SUPER_MAGIC, (unsigned long)sfs.f_type);
	EXPECT_EQ(0, stat(path, &st));
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(TEST_GID, st.st_gid);
	/* The host's view of the mount point is untouched. */
	EXPECT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_NE(DEVNSFS_SUPER_MAGIC, (unsigned long)sfs.f_type);
	EXPECT_EQ(0, userns_child_finish(&c));
}

TEST_F(mnt, unprivileged_user_without_namespaces_is_refused)
{
	pid_t pid = fork();
	int status;

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (setresgid(TEST_GID, TEST_GID, TEST_GID) ||
		    setresuid(TEST_UID, TEST_UID, TEST_UID))
			_exit(100);
		if (mount("none", self->dir, "devnsfs", 0, NULL) == 0)
			_exit(101);
		_exit(errno);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EPERM, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
