// SPDX-License-Identifier: GPL-2.0
/*
 * Mount options of devnsfs: owners and modes of the nodes they produce,
 * seen from inside and outside a user namespace, remount, mountinfo, and
 * the options that are refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

#include "mount_fixture.h"

#define P(name) node_path(self->path, sizeof(self->path), self->dir, name)


static void expect_node(struct __test_metadata *_metadata, const char *path,
			unsigned int mode, uid_t uid, gid_t gid)
{
	struct stat st;

	ASSERT_EQ(0, stat(path, &st)) {
		TH_LOG("stat %s: %s", path, strerror(errno));
	}
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(mode, st.st_mode & 07777) {
		TH_LOG("%s", path);
	}
	EXPECT_EQ(uid, st.st_uid);
	EXPECT_EQ(gid, st.st_gid);
}

TEST_F(mnt, defaults)
{
	char opts[512];
	int ctl = mount_instance(self->dir, NULL);

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, ctl_add(ctl, "d", "null", NULL));
	expect_node(_metadata, P(DEVNSFS_CONTROL_NAME), 0600, 0, 0);
	expect_node(_metadata, P("d"), 0600, 0, 0);
	ASSERT_EQ(0, super_options(self->dir, opts, sizeof(opts)));
	EXPECT_STREQ("rw", opts);
	close(ctl);
}

TEST_F(mnt, options_set_owner_and_modes_and_show_in_mountinfo)
{
	char opts[512];
	int ctl = mount_instance(self->dir, "uid=1234,gid=2345,mode=0640,ctlmode=0660,max=7");

	ASSERT_GE(ctl, 0) {
		TH_LOG("mount: %s", strerror(errno));
	}
	ASSERT_EQ(0, ctl_add(ctl, "d", "zero", NULL));
	expect_node(_metadata, P(DEVNSFS_CONTROL_NAME), 0660, 1234, 2345);
	expect_node(_metadata, P("d"), 0640, 1234, 2345);
	ASSERT_EQ(0, super_options(self->dir, opts, sizeof(opts)));
	EXPECT_STREQ("rw,uid=1234,gid=2345,mode=0640,ctlmode=0660,max=7", opts);
	close(ctl);
}

TEST_F(mnt, fsconfig_sets_options)
{
	int fsfd, mfd, ctl;

	fsfd = fsopen("devnsfs", FSOPEN_CLOEXEC);
	ASSERT_GE(fsfd, 0);
	ASSERT_EQ(0, fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "0604", 0));
	ASSERT_EQ(0, fsconfig(fsfd, FSCONFIG_SET_STRING, "uid", "77", 0));
	ASSERT_EQ(0, fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	ASSERT_GE(mfd, 0);
	ASSERT_EQ(0, move_mount(mfd, "", AT_FDCWD, self->dir, MOVE_MOUNT_F_EMPTY_PATH));
	ctl = open(P(DEVNSFS_CONTROL_NAME), O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, ctl_add(ctl, "d", "full", NULL));
	expect_node(_metadata, P("d"), 0604, 77, 0);
	close(ctl);
	close(mfd);
	close(fsfd);
}

TEST_F(mnt, bad_options_are_einval)
{
	static const char * const bad[] = {
		"mode=0999", "mode=01777", "ctlmode=04755", "mode=rw", "max=4097",
		"max=-1", "uid=abc", "uid=4294967295", "gid=-1", "nosuchoption",
	};
	char log[256];
	unsigned int i;
	ssize_t n;
	int fsfd;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, mount("none", self->dir, "devnsfs", 0, bad[i])) {
			TH_LOG("%s was accepted", bad[i]);
		}
		EXPECT_EQ(EINVAL, errno);
	}
	/* The reason reaches the fs_context log. */
	fsfd = fsopen("devnsfs", FSOPEN_CLOEXEC);
	ASSERT_GE(fsfd, 0);
	EXPECT_EQ(-1, fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "01777", 0));
	EXPECT_EQ(EINVAL, errno);
	n = read(fsfd, log, sizeof(log) - 1);
	ASSERT_GT(n, 0);
	log[n] = '\0';
	EXPECT_NE(NULL, strstr(log, "permission bits")) {
		TH_LOG("log: %s", log);
	}
	close(fsfd);
}

TEST_F(mnt, remount_changes_modes_and_max_not_owner)
{
	char opts[512];
	int ctl = mount_instance(self->dir, "uid=5");

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, ctl_add(ctl, "old", "null", NULL));
	ASSERT_EQ(0, mount("none", self->dir, NULL, MS_REMOUNT, "mode=0644,ctlmode=0640,max=3"));
	ASSERT_EQ(0, ctl_add(ctl, "new", "null", NULL));
	/* mode applies to nodes made after the remount, ctlmode at once. */
	expect_node(_metadata, P("old"), 0600, 5, 0);
	expect_node(_metadata, P("new"), 0644, 5, 0);
	expect_node(_metadata, P(DEVNSFS_CONTROL_NAME), 0640, 5, 0);
	ASSERT_EQ(0, super_options(self->dir, opts, sizeof(opts)));
	EXPECT_STREQ("rw,uid=5,mode=0644,ctlmode=0640,max=3", opts);

	EXPECT_EQ(-1, mount("none", self->dir, NULL, MS_REMOUNT, "uid=6"));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mount("none", self->dir, NULL, MS_REMOUNT, "gid=6"));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mount("none", self->dir, NULL, MS_REMOUNT, "uid=5"));
	ASSERT_EQ(0, super_options(self->dir, opts, sizeof(opts)));
	EXPECT_STREQ("rw,uid=5,mode=0644,ctlmode=0640,max=3", opts);
	close(ctl);
}

struct container_args {
	const char *dir;
	const char *options;
};

/* In the container: mount, add a device, check it opens and who owns it. */
static int container_mount(void *arg, char *msg, size_t len)
{
	struct container_args *a = arg;
	char path[256], byte = 1;
	struct stat st;
	int ctl, fd;

	if (mount("none", a->dir, "devnsfs", 0, a->options))
		return fail_msg(msg, len, errno, "mount -o %s", a->options);
	ctl = open(node_path(path, sizeof(path), a->dir, DEVNSFS_CONTROL_NAME), O_RDWR);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "open control");
	if (ctl_add(ctl, "zero", "zero", NULL))
		return fail_msg(msg, len, errno, "add");
	node_path(path, sizeof(path), a->dir, "zero");
	if (stat(path, &st))
		return fail_msg(msg, len, errno, "stat");
	if (st.st_uid != 0 || st.st_gid != 0 || (st.st_mode & 07777) != 0666)
		return fail_msg(msg, len, EPERM, "node %o %d:%d inside",
				st.st_mode & 07777, st.st_uid, st.st_gid);
	/* SB_I_NODEV is clear: the container's own nodes open. */
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail_msg(msg, len, errno, "open the node");
	if (read(fd, &byte, 1) != 1 || byte != 0)
		return fail_msg(msg, len, EIO, "read");
	close(fd);
	close(ctl);
	return 0;
}

static int container_unmapped_uid(void *arg, char *msg, size_t len)
{
	const char *dir = arg;

	if (mount("none", dir, "devnsfs", 0, "uid=1") == 0)
		return fail_msg(msg, len, EEXIST, "uid=1 (unmapped) accepted");
	if (errno != EINVAL)
		return fail_msg(msg, len, errno, "uid=1 (unmapped) refused");
	return 0;
}

TEST_F(mnt, container_owns_its_nodes_inside_and_outside)
{
	struct container_args args = { .dir = self->dir, .options = "mode=0666" };
	struct userns_child c;
	char msg[256], path[256];
	struct stat st;

	ASSERT_EQ(0, userns_child_start(&c, container_mount, &args));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	snprintf(path, sizeof(path), "/proc/%d/root%s/zero", c.pid, self->dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(TEST_GID, st.st_gid);
	EXPECT_EQ(0666, st.st_mode & 07777);
	snprintf(path, sizeof(path), "/proc/%d/root%s/" DEVNSFS_CONTROL_NAME, c.pid, self->dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, userns_child_finish(&c));
}

/* A namespace that maps only TEST_UID: nodes go to the mounter. */
static int container_without_root(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char path[256];
	struct stat st;

	if (mount("none", dir, "devnsfs", 0, NULL))
		return fail_msg(msg, len, errno, "mount");
	if (stat(node_path(path, sizeof(path), dir, DEVNSFS_CONTROL_NAME), &st))
		return fail_msg(msg, len, errno, "stat");
	if (st.st_uid != TEST_UID || st.st_gid != TEST_GID)
		return fail_msg(msg, len, EPERM, "control node owned by %d:%d inside",
				st.st_uid, st.st_gid);
	return 0;
}

TEST_F(mnt, owner_defaults_to_the_mounter_when_root_is_unmapped)
{
	struct userns_child c;
	char msg[256], path[256];
	struct stat st;

	ASSERT_EQ(0, userns_child_start_as(&c, TEST_UID, container_without_root, self->dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	snprintf(path, sizeof(path), "/proc/%d/root%s/" DEVNSFS_CONTROL_NAME, c.pid, self->dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(TEST_GID, st.st_gid);
	EXPECT_EQ(0, userns_child_finish(&c));
}

TEST_F(mnt, container_cannot_name_an_unmapped_owner)
{
	struct userns_child c;
	char msg[256];

	ASSERT_EQ(0, userns_child_start(&c, container_unmapped_uid, self->dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
}

TEST_HARNESS_MAIN
