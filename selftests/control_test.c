// SPDX-License-Identifier: GPL-2.0
/*
 * The control node of a devnsfs instance: its ioctl ABI, every error path,
 * the directory rules, removal and revocation.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

FIXTURE(inst) {
	char *dir;
	int ctl;
	char path[256];
};

FIXTURE_SETUP(inst)
{
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0) {
		TH_LOG("mount or open control: %s", strerror(errno));
	}
}

FIXTURE_TEARDOWN(inst)
{
	close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
}

#define P(name) node_path(self->path, sizeof(self->path), self->dir, name)

#define EXPECT_ENTRIES(expected) do {						\
	char list[512];								\
	EXPECT_EQ(0, list_dir(self->dir, list, sizeof(list)));			\
	EXPECT_STREQ(expected, list);						\
} while (0)

/* Only the control node (and extra, if given) exists. */
#define ASSERT_ENTRIES(expected) do {						\
	char list[512];								\
	ASSERT_EQ(0, list_dir(self->dir, list, sizeof(list)));			\
	ASSERT_STREQ(expected, list);						\
} while (0)

TEST_F(inst, control_node_is_a_char_device_owned_by_root)
{
	struct stat st;

	ASSERT_EQ(0, stat(P(DEVNSFS_CONTROL_NAME), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_NE(0, major(st.st_rdev));
	EXPECT_EQ(0, minor(st.st_rdev));
	ASSERT_ENTRIES("devns-control ");
}

TEST_F(inst, add_creates_a_node_and_info_describes_it)
{
	struct devnsfs_device d, info;
	struct stat st;

	ASSERT_EQ(0, ctl_add(self->ctl, "null0", "null", &d));
	EXPECT_GT(d.id, 0);
	EXPECT_NE(0, d.major);
	EXPECT_STREQ("null", d.class_name);
	ASSERT_EQ(0, stat(P("null0"), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(makedev(d.major, d.minor), st.st_rdev);

	dev_init(&info, "null0", NULL);
	ASSERT_EQ(0, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &info));
	EXPECT_STREQ("null", info.class_name);
	EXPECT_EQ(d.major, info.major);
	EXPECT_EQ(d.minor, info.minor);
	EXPECT_EQ(d.id, info.id);
	ASSERT_ENTRIES("devns-control null0 ");
}

TEST_F(inst, remove_deletes_the_device)
{
	struct devnsfs_device d;
	struct stat st;

	ASSERT_EQ(0, ctl_add(self->ctl, "z", "zero", NULL));
	ASSERT_EQ(0, ctl_remove(self->ctl, "z"));
	EXPECT_EQ(-1, stat(P("z"), &st));
	EXPECT_EQ(ENOENT, errno);
	dev_init(&d, "z", NULL);
	EXPECT_EQ(-ENOENT, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &d));
	EXPECT_EQ(-ENOENT, ctl_remove(self->ctl, "z"));
	/* The name is free again; the number is new. */
	ASSERT_EQ(0, ctl_add(self->ctl, "z", "zero", NULL));
	ASSERT_ENTRIES("devns-control z ");
}

TEST_F(inst, unknown_ioctl_is_enotty)
{
	struct devnsfs_device d;
	int n;

	dev_init(&d, "a", "null");
	EXPECT_EQ(-1, ioctl(self->ctl, _IOWR(DEVNSFS_IOC_MAGIC, 0x7f, struct devnsfs_device), &d));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, _IOR(DEVNSFS_IOC_MAGIC, 0x01, int), &n));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, FIONREAD, &n));
	EXPECT_EQ(ENOTTY, errno);
	ASSERT_ENTRIES("devns-control ");
}

TEST_F(inst, nonzero_flags_or_reserved_fields_are_einval)
{
	unsigned long cmds[] = { DEVNSFS_IOC_ADD, DEVNSFS_IOC_REMOVE, DEVNSFS_IOC_INFO };
	struct devnsfs_device d;
	unsigned int i, r;

	ASSERT_EQ(0, ctl_add(self->ctl, "keep", "null", NULL));
	for (i = 0; i < 3; i++) {
		dev_init(&d, i ? "keep" : "new", "null");
		d.flags = 1;
		EXPECT_EQ(-EINVAL, ctl_call(self->ctl, cmds[i], &d));
		dev_init(&d, i ? "keep" : "new", "null");
		d.__reserved0 = 1;
		EXPECT_EQ(-EINVAL, ctl_call(self->ctl, cmds[i], &d));
		for (r = 0; r < 4; r++) {
			dev_init(&d, i ? "keep" : "new", "null");
			d.__reserved[r] = 1ULL << 63;
			EXPECT_EQ(-EINVAL, ctl_call(self->ctl, cmds[i], &d));
		}
	}
	ASSERT_ENTRIES("devns-control keep ");
}

TEST_F(inst, bad_names_are_einval)
{
	static const char * const bad[] = {
		"", ".", "..", "devns-control", "a/", "a b", "tab\t", "caf\xc3\xa9",
		"semi;colon", "star*", "new\nline",
	};
	struct devnsfs_device d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		dev_init(&d, bad[i], "null");
		EXPECT_EQ(-EINVAL, ctl_call(self->ctl, DEVNSFS_IOC_ADD, &d)) {
			TH_LOG("name '%s'", bad[i]);
		}
		EXPECT_EQ(-EINVAL, ctl_call(self->ctl, DEVNSFS_IOC_REMOVE, &d));
		EXPECT_EQ(-EINVAL, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &d));
	}
	/* 64 characters: no NUL within the field. */
	dev_init(&d, NULL, "null");
	memset(d.name, 'a', sizeof(d.name));
	EXPECT_EQ(-EINVAL, ctl_call(self->ctl, DEVNSFS_IOC_ADD, &d));
	ASSERT_ENTRIES("devns-control ");

	/* 63 characters and every allowed character are fine. */
	dev_init(&d, NULL, "null");
	memset(d.name, 'b', DEVNSFS_NAME_MAX - 1);
	EXPECT_EQ(0, ctl_call(self->ctl, DEVNSFS_IOC_ADD, &d));
	EXPECT_EQ(0, ctl_add(self->ctl, "AZaz09._-", "null", NULL));
	EXPECT_EQ(0, ctl_add(self->ctl, "...", "null", NULL));
}

TEST_F(inst, duplicate_name_is_eexist)
{
	struct devnsfs_device a, b;

	ASSERT_EQ(0, ctl_add(self->ctl, "dup", "null", &a));
	EXPECT_EQ(-EEXIST, ctl_add(self->ctl, "dup", "zero", NULL));
	dev_init(&b, "dup", NULL);
	ASSERT_EQ(0, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &b));
	EXPECT_STREQ("null", b.class_name);
	EXPECT_EQ(a.id, b.id);
	ASSERT_ENTRIES("devns-control dup ");
}

TEST_F(inst, unknown_class_is_eopnotsupp)
{
	struct devnsfs_device d;

	EXPECT_EQ(-EOPNOTSUPP, ctl_add(self->ctl, "x", "nosuchclass", NULL));
	EXPECT_EQ(-EOPNOTSUPP, ctl_add(self->ctl, "x", "", NULL));
	EXPECT_EQ(-EOPNOTSUPP, ctl_add(self->ctl, "x", "NULL", NULL));
	dev_init(&d, "x", NULL);
	memset(d.class_name, 'n', sizeof(d.class_name));
	EXPECT_EQ(-EINVAL, ctl_call(self->ctl, DEVNSFS_IOC_ADD, &d));
	ASSERT_ENTRIES("devns-control ");
}

TEST_F(inst, bad_user_pointers_are_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct devnsfs_device *ro, *none;

	EXPECT_EQ(-1, ioctl(self->ctl, DEVNSFS_IOC_ADD, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, DEVNSFS_IOC_INFO, (void *)8));
	EXPECT_EQ(EFAULT, errno);

	none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	EXPECT_EQ(-1, ioctl(self->ctl, DEVNSFS_IOC_REMOVE, none));
	EXPECT_EQ(EFAULT, errno);

	/* Readable but not writable: ADD cannot report, so it adds nothing. */
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	dev_init(ro, "ro", "zero");
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->ctl, DEVNSFS_IOC_ADD, ro));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_ENTRIES("devns-control ");
	munmap(ro, page);
	munmap(none, page);
}

TEST_F(inst, read_only_control_cannot_add_or_remove)
{
	struct devnsfs_device d;
	int ro;

	ASSERT_EQ(0, ctl_add(self->ctl, "n", "null", NULL));
	ro = open(P(DEVNSFS_CONTROL_NAME), O_RDONLY | O_CLOEXEC);
	ASSERT_GE(ro, 0);
	EXPECT_EQ(-EBADF, ctl_add(ro, "m", "null", NULL));
	EXPECT_EQ(-EBADF, ctl_remove(ro, "n"));
	dev_init(&d, "n", NULL);
	EXPECT_EQ(0, ctl_call(ro, DEVNSFS_IOC_INFO, &d));
	close(ro);
	ASSERT_ENTRIES("devns-control n ");
}

/*
 * No node but ADD's, no link, no device moved: whatever the caller's
 * capabilities. The owner (host root here) may make directories, symlinks
 * and empty regular files (issue 13; owner_test has the rules).
 */
TEST_F(inst, mknod_links_and_device_renames_are_refused)
{
	char other[256];
	int fd;

	/*
	 * EXPECTs only: this fixture's mount is in the runner's namespace, and
	 * an ASSERT skips the teardown that unmounts it (so rmmod would fail).
	 */
	EXPECT_EQ(0, ctl_add(self->ctl, "dev", "null", NULL));
	EXPECT_EQ(-1, mknod(P("nod"), S_IFCHR | 0600, makedev(1, 3)));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, mknod(P("fifo"), S_IFIFO | 0600, 0));
	EXPECT_EQ(EPERM, errno);
	node_path(other, sizeof(other), self->dir, "dev");
	EXPECT_EQ(-1, link(other, P("hard")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rename(other, P("moved")));
	EXPECT_EQ(EPERM, errno);
	node_path(other, sizeof(other), self->dir, DEVNSFS_CONTROL_NAME);
	EXPECT_EQ(-1, rename(other, P("ctl")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, unlink(other));
	EXPECT_EQ(EPERM, errno);
	EXPECT_ENTRIES("dev devns-control ");

	fd = open(P("file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	EXPECT_LE(0, fd) TH_LOG("create: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(0, mkdir(P("dir"), 0700)) TH_LOG("mkdir: %s", strerror(errno));
	EXPECT_EQ(0, symlink("dev", P("sym"))) TH_LOG("symlink: %s", strerror(errno));
	node_path(other, sizeof(other), self->dir, "file");
	EXPECT_EQ(-1, link(other, P("hard")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_ENTRIES("dev devns-control dir file sym ");
	unlink(P("file"));
	unlink(P("sym"));
	rmdir(P("dir"));
	EXPECT_ENTRIES("dev devns-control ");
	/* mknod(S_IFREG) is the VFS's create, as open(O_CREAT | O_EXCL): empty. */
	EXPECT_EQ(0, mknod(P("reg"), S_IFREG | 0600, 0));
	EXPECT_EQ(0, unlink(P("reg")));
}

TEST_F(inst, unlink_removes_the_device_and_revokes_its_files)
{
	struct devnsfs_device d;
	char buf[8];
	int fd;

	ASSERT_EQ(0, ctl_add(self->ctl, "z", "zero", NULL));
	fd = open(P("z"), O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, unlink(P("z")));
	dev_init(&d, "z", NULL);
	EXPECT_EQ(-ENOENT, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &d));
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(0, close(fd));
	ASSERT_ENTRIES("devns-control ");
}

TEST_F(inst, removed_device_files_get_enodev_and_still_close)
{
	struct pollfd pfd;
	char buf[8];
	int fd, n;

	ASSERT_EQ(0, ctl_add(self->ctl, "z", "zero", NULL));
	fd = open(P("z"), O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(sizeof(buf), read(fd, buf, sizeof(buf)));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);

	ASSERT_EQ(0, ctl_remove(self->ctl, "z"));
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, write(fd, buf, sizeof(buf)));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, ioctl(fd, FIONREAD, &n));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(ENODEV, errno);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR | POLLHUP, pfd.revents);
	EXPECT_EQ(0, close(fd));
}

TEST_F(inst, max_bounds_live_devices)
{
	ASSERT_EQ(0, mount("none", self->dir, NULL, MS_REMOUNT, "max=2"));
	ASSERT_EQ(0, ctl_add(self->ctl, "a", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "b", "null", NULL));
	EXPECT_EQ(-ENOSPC, ctl_add(self->ctl, "c", "null", NULL));
	ASSERT_ENTRIES("a b devns-control ");
	ASSERT_EQ(0, ctl_remove(self->ctl, "a"));
	EXPECT_EQ(0, ctl_add(self->ctl, "c", "null", NULL));
	/* Lowering max below the count keeps the devices, refuses more. */
	ASSERT_EQ(0, mount("none", self->dir, NULL, MS_REMOUNT, "max=1"));
	EXPECT_EQ(-ENOSPC, ctl_add(self->ctl, "d", "null", NULL));
	ASSERT_ENTRIES("b c devns-control ");
}

TEST_HARNESS_MAIN
