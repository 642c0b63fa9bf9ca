// SPDX-License-Identifier: GPL-2.0
/*
 * What the owner of an instance may make in it (issue 13): the owner is
 * whoever has CAP_SYS_ADMIN over the instance's user namespace, the
 * container's root for its own instance, host root for any. The owner may
 * mkdir and rmdir (empty directories only), make and remove symlinks
 * (targets up to 4095 bytes), create empty regular files as bind-mount
 * targets (no data: read and write EINVAL, truncation to non-zero EPERM),
 * rename symlinks and regular files (not devices nor directories: EPERM;
 * RENAME_EXCHANGE EINVAL), chown and chmod as the VFS allows. mknod and
 * link stay EPERM for everyone, unlink(2) of a device in a subdirectory
 * too. ADD works in the owner's directories and REMOVE prunes them when
 * they empty; a directory holding an owner's entry stays. Everyone else
 * gets EPERM (or the VFS's EACCES first). What the owner makes is charged
 * to its memory cgroup.
 *
 * The contract is /work/notes/issue13-std-abi.md's; most cases run as the
 * root of an unprivileged container on an instance it mounted.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"
#include "checks.h"

/* dir/name, in one of a few rotating buffers (one thread only). */
static const char *at(const char *dir, const char *name)
{
	static char bufs[8][PATH_MAX];
	static unsigned int next;
	char *b = bufs[next++ % 8];

	snprintf(b, PATH_MAX, "%s/%s", dir, name);
	return b;
}

#define P(name) at(dir, name)

/* Mounts a fresh instance on dir; its control fd, or returns the error. */
#define MOUNT_OWN(ctl, opts) do {						\
	(ctl) = mount_instance(dir, (opts));					\
	CHECK((ctl) >= 0, "mount devnsfs on %s", dir);				\
} while (0)

/* INFO of name gives want (0 or an errno). */
static int info(int ctl, const char *name)
{
	struct devnsfs_device d;

	dev_init(&d, name, NULL);
	return ctl_call(ctl, DEVNSFS_IOC_INFO, &d);
}

/* readlink(path) is exactly want. */
static int link_is(const char *path, const char *want)
{
	static char got[PATH_MAX + 1];
	ssize_t n = readlink(path, got, sizeof(got) - 1);

	if (n < 0)
		return -1;
	got[n] = '\0';
	if (strcmp(got, want)) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* A file type of path, S_IFMT bits, or 0 if it cannot be stat'ed. */
static mode_t type_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_mode & S_IFMT;
}

/* ---- A container on its own instance ---- */

/* What a container callback gets: the mount point, and room for more. */
struct ct {
	const char *dir;
	int fd;		/* an fd for the callback, or -1 */
	pid_t owner;	/* a container whose instance the callback reaches */
	const char *cg;	/* a cgroup (memory test) */
	int go;		/* read end: the parent lets the callback go on */
};

FIXTURE(ct) {
	char *dir;
	struct userns_child c;
	bool running;
	char path[PATH_MAX];
	struct ct arg;
};

FIXTURE_SETUP(ct)
{
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->running = false;
	self->arg = (struct ct){ .dir = self->dir, .fd = -1, .go = -1 };
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(ct)
{
	if (self->running)
		userns_child_finish(&self->c);
	rmdir(self->dir);
	free(self->dir);
}

/*
 * Runs fn as root of a new container (TEST_UID outside); it stays alive.
 * The test ends if fn failed: what follows builds on it.
 */
#define RUN_IN_CONTAINER(fn) do {						\
	char m_[512];								\
	ASSERT_EQ(0, userns_child_start(&self->c, fn, &self->arg));		\
	self->running = true;							\
	ASSERT_EQ(0, userns_child_result(&self->c, m_, sizeof(m_))) {		\
		TH_LOG("in the container: %s", m_);				\
	}									\
} while (0)

/* The container's instance seen from the host, through its mount ns. */
#define HOST_P(name) ({								\
	snprintf(self->path, sizeof(self->path), "/proc/%d/root%s/%s",		\
		 self->c.pid, self->dir, name);					\
	self->path;								\
})

static int mkdir_rmdir(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	struct stat st;
	int ctl;

	MOUNT_OWN(ctl, NULL);
	umask(022);
	OK(mkdir(P("d"), 0777));
	OK(lstat(P("d"), &st));
	CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755, "d: mode %o", st.st_mode);
	CHECK(st.st_uid == 0 && st.st_gid == 0, "d: owner %d:%d", st.st_uid, st.st_gid);
	CHECK(st.st_nlink == 2, "d: nlink %lu", (unsigned long)st.st_nlink);
	OK(stat(dir, &st));
	CHECK(st.st_nlink == 3, "root: nlink %lu", (unsigned long)st.st_nlink);
	/* Nested, then only empty directories go. */
	OK(mkdir(P("d/e"), 0755));
	OK(mkdir(P("d/e/f"), 0755));
	FAILS(ENOTEMPTY, rmdir(P("d")));
	FAILS(ENOTEMPTY, rmdir(P("d/e")));
	FAILS(EEXIST, mkdir(P("d/e"), 0755));
	FAILS(EEXIST, mkdir(P(DEVNSFS_CONTROL_NAME), 0755));
	FAILS(ENOTDIR, rmdir(P(DEVNSFS_CONTROL_NAME)));
	LISTS(P("d/e"), "f ");
	OK(rmdir(P("d/e/f")));
	OK(rmdir(P("d/e")));
	OK(rmdir(P("d")));
	GONE(P("d"));
	/* The mode is mkdir's & ~umask. */
	umask(027);
	OK(mkdir(P("g"), 0777));
	OK(lstat(P("g"), &st));
	CHECK((st.st_mode & 07777) == 0750, "g: mode %o", st.st_mode);
	OK(rmdir(P("g")));
	umask(022);
	/* In a directory ADD made, too; a non-empty one stays. */
	CTL(0, ctl_add(ctl, "dri/card0", "null", NULL));
	OK(mkdir(P("dri/by-path"), 0755));
	FAILS(ENOTEMPTY, rmdir(P("dri")));
	LISTS(P("dri"), "by-path card0 ");
	OK(rmdir(P("dri/by-path")));
	LISTS(dir, "devns-control dri ");
	/* One for the host to look at. */
	OK(mkdir(P("kept"), 0700));
	close(ctl);
	return 0;
}

TEST_F(ct, owner_makes_and_removes_directories)
{
	struct stat st;

	RUN_IN_CONTAINER(mkdir_rmdir);
	/* The container's root made it: TEST_UID outside. */
	ASSERT_EQ(0, lstat(HOST_P("kept"), &st)) TH_LOG("%s: %s", self->path, strerror(errno));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0700, st.st_mode & 07777);
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(TEST_GID, st.st_gid);
}

static int symlinks(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	static char target[PATH_MAX + 2];
	struct stat st;
	int ctl, fd;

	MOUNT_OWN(ctl, NULL);
	CTL(0, ctl_add(ctl, "null", "null", NULL));
	OK(symlink("null", P("nul")));
	OK(lstat(P("nul"), &st));
	CHECK(S_ISLNK(st.st_mode), "nul: mode %o", st.st_mode);
	CHECK(st.st_size == 4, "nul: size %lld", (long long)st.st_size);
	CHECK(st.st_uid == 0 && st.st_gid == 0, "nul: owner %d:%d", st.st_uid, st.st_gid);
	CHECK(!link_is(P("nul"), "null"), "readlink nul");
	/* It resolves: the node behind it opens and works. */
	fd = open(P("nul"), O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open through the symlink");
	CHECK(write(fd, "x", 1) == 1, "write to null through the symlink");
	close(fd);
	/* The targets a /dev needs, exactly as given; dangling is fine. */
	OK(symlink("/proc/self/fd", P("fd")));
	CHECK(!link_is(P("fd"), "/proc/self/fd"), "readlink fd");
	OK(symlink("pts/ptmx", P("ptmx")));
	CHECK(!link_is(P("ptmx"), "pts/ptmx"), "readlink ptmx");
	OK(symlink("../x/./y//z", P("odd")));
	CHECK(!link_is(P("odd"), "../x/./y//z"), "readlink odd");
	FAILS(EEXIST, symlink("x", P("fd")));
	FAILS(EEXIST, symlink("x", P("null")));
	FAILS(EEXIST, symlink("x", P(DEVNSFS_CONTROL_NAME)));
	/* 4095 bytes is the longest target; 4096 is ENAMETOOLONG. */
	memset(target, 'a', sizeof(target));
	for (fd = 0; fd < 4095; fd += 64)
		target[fd] = '/';
	target[4095] = '\0';
	OK(symlink(target, P("long")));
	CHECK(!link_is(P("long"), target), "readlink of a 4095-byte target");
	OK(lstat(P("long"), &st));
	CHECK(st.st_size == 4095, "long: size %lld", (long long)st.st_size);
	target[4095] = 'b';
	target[4096] = '\0';
	FAILS(ENAMETOOLONG, symlink(target, P("toolong")));
	GONE(P("toolong"));
	/* In directories: the owner's and ADD's. */
	OK(mkdir(P("d"), 0755));
	OK(symlink("../null", P("d/up")));
	CHECK(!link_is(P("d/up"), "../null"), "readlink d/up");
	CTL(0, ctl_add(ctl, "dri/card0", "zero", NULL));
	OK(symlink("card0", P("dri/card")));
	fd = open(P("dri/card"), O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open dri/card");
	CHECK(read(fd, target, 8) == 8 && !target[0] && !target[7], "read zero through dri/card");
	close(fd);
	LISTS(dir, "d devns-control dri fd long nul null odd ptmx ");
	/* unlink(2) of symlinks, anywhere; the device behind stays. */
	OK(unlink(P("nul")));
	OK(unlink(P("d/up")));
	OK(unlink(P("dri/card")));
	OK(unlink(P("long")));
	GONE(P("nul"));
	GONE(P("dri/card"));
	CTL(0, info(ctl, "null"));
	CTL(0, info(ctl, "dri/card0"));
	/* A symlink is not a device. */
	CTL(ENOENT, info(ctl, "fd"));
	CTL(ENOENT, ctl_remove(ctl, "fd"));
	LISTS(dir, "d devns-control dri fd null odd ptmx ");
	close(ctl);
	return 0;
}

TEST_F(ct, owner_makes_and_removes_symlinks)
{
	struct stat st;

	RUN_IN_CONTAINER(symlinks);
	ASSERT_EQ(0, lstat(HOST_P("fd"), &st)) TH_LOG("%s: %s", self->path, strerror(errno));
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(TEST_GID, st.st_gid);
}

static int regular_files(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	struct devnsfs_device inner_null;
	struct stat st;
	char buf[8];
	int ctl, ctl2, fd;

	MOUNT_OWN(ctl, NULL);
	umask(022);
	/* An empty file, as a runtime makes /dev/console. */
	fd = open(P("console"), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
	CHECK(fd >= 0, "create console");
	OK(fstat(fd, &st));
	CHECK(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644, "console: mode %o",
	      st.st_mode);
	CHECK(st.st_size == 0, "console: size %lld", (long long)st.st_size);
	CHECK(st.st_uid == 0 && st.st_gid == 0, "console: owner %d:%d", st.st_uid, st.st_gid);
	CHECK(st.st_nlink == 1, "console: nlink %lu", (unsigned long)st.st_nlink);
	/* It has no data operations. */
	FAILS(EINVAL, read(fd, buf, sizeof(buf)));
	FAILS(EINVAL, write(fd, "x", 1));
	OK(ftruncate(fd, 0));
	FAILS(EPERM, ftruncate(fd, 1));
	FAILS(EPERM, ftruncate(fd, 4096));
	close(fd);
	FAILS(EPERM, truncate(P("console"), 1));
	OK(truncate(P("console"), 0));
	/* Opening it again, with O_TRUNC too, is fine; O_EXCL is EEXIST. */
	fd = open(P("console"), O_WRONLY | O_TRUNC | O_CLOEXEC);
	CHECK(fd >= 0, "open console O_TRUNC");
	close(fd);
	fd = open(P("console"), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "open console O_CREAT|O_TRUNC");
	close(fd);
	FAILS(EEXIST, open(P("console"), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
	OK(lstat(P("console"), &st));
	CHECK(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644 && st.st_size == 0,
	      "console after the opens: mode %o size %lld", st.st_mode, (long long)st.st_size);
	/* O_CREAT on a device node opens the device. */
	CTL(0, ctl_add(ctl, "zero", "zero", NULL));
	fd = open(P("zero"), O_CREAT | O_RDONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "open zero O_CREAT");
	CHECK(read(fd, buf, sizeof(buf)) == sizeof(buf), "read zero");
	close(fd);
	CHECK(type_of(P("zero")) == S_IFCHR, "zero is no longer a device");

	/* A bind-mount target: the host's /dev/null, as the container sees it. */
	if (!access("/dev/null", F_OK)) {
		OK(mount("/dev/null", P("console"), NULL, MS_BIND, NULL));
		CHECK(type_of(P("console")) == S_IFCHR, "console covered by /dev/null");
		fd = open(P("console"), O_WRONLY | O_CLOEXEC);
		CHECK(fd >= 0, "open the covered console");
		CHECK(write(fd, "hello", 5) == 5, "write to the covered console");
		close(fd);
		FAILS(EBUSY, unlink(P("console")));
		OK(umount2(P("console"), 0));
	}
	/* Another instance's node on it, that instance mounted on an owner's dir. */
	OK(mkdir(P("inner"), 0755));
	ctl2 = mount_instance(P("inner"), NULL);
	CHECK(ctl2 >= 0, "mount a second instance on inner");
	CTL(0, ctl_add(ctl2, "null", "null", &inner_null));
	FAILS(EBUSY, rmdir(P("inner")));
	OK(mount(P("inner/null"), P("console"), NULL, MS_BIND, NULL));
	OK(stat(P("console"), &st));
	CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(inner_null.major, inner_null.minor),
	      "console covered by inner/null: mode %o", st.st_mode);
	fd = open(P("console"), O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open console covered by inner/null");
	CHECK(write(fd, "x", 1) == 1, "write to null through console");
	CHECK(read(fd, buf, 1) == 0, "read of null through console");
	close(fd);
	FAILS(EBUSY, unlink(P("console")));
	OK(umount2(P("console"), 0));
	CHECK(type_of(P("console")) == S_IFREG, "console after the umount");
	close(ctl2);
	OK(umount2(P("inner"), 0));
	OK(rmdir(P("inner")));
	/* In directories too, and unlink(2) removes it. */
	OK(mkdir(P("d"), 0755));
	fd = open(P("d/f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create d/f");
	close(fd);
	CTL(0, ctl_add(ctl, "dri/card0", "null", NULL));
	fd = open(P("dri/f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create dri/f");
	close(fd);
	LISTS(P("dri"), "card0 f ");
	CTL(ENOENT, info(ctl, "dri/f"));
	OK(unlink(P("dri/f")));
	OK(unlink(P("d/f")));
	OK(unlink(P("console")));
	GONE(P("console"));
	LISTS(dir, "d devns-control dri zero ");
	close(ctl);
	return 0;
}

TEST_F(ct, owner_makes_empty_regular_files_to_bind_mount_on)
{
	RUN_IN_CONTAINER(regular_files);
}

static int renames(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	int ctl, fd;

	MOUNT_OWN(ctl, NULL);
	OK(mkdir(P("d"), 0755));
	OK(mkdir(P("e"), 0755));
	CTL(0, ctl_add(ctl, "dri/card0", "null", NULL));
	CTL(0, ctl_add(ctl, "null", "null", NULL));

	/* A symlink: within a directory, across, into ADD's, back. */
	OK(symlink("t1", P("a")));
	OK(rename(P("a"), P("b")));
	GONE(P("a"));
	CHECK(!link_is(P("b"), "t1"), "readlink b");
	OK(rename(P("b"), P("d/b")));
	CHECK(!link_is(P("d/b"), "t1"), "readlink d/b");
	OK(rename(P("d/b"), P("dri/b")));
	CHECK(!link_is(P("dri/b"), "t1"), "readlink dri/b");
	OK(rename(P("dri/b"), P("b")));
	LISTS(P("d"), "");
	LISTS(P("dri"), "card0 ");
	/* Replacing a symlink. */
	OK(symlink("t2", P("c")));
	OK(rename(P("b"), P("c")));
	GONE(P("b"));
	CHECK(!link_is(P("c"), "t1"), "readlink c after it was replaced");
	/* A regular file: moved around, replacing a symlink, replaced by one. */
	fd = open(P("f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create f");
	close(fd);
	OK(rename(P("f"), P("g")));
	OK(rename(P("g"), P("d/g")));
	OK(rename(P("d/g"), P("c")));
	CHECK(type_of(P("c")) == S_IFREG, "c is not the regular file");
	OK(symlink("t3", P("s")));
	OK(rename(P("s"), P("c")));
	CHECK(!link_is(P("c"), "t3"), "readlink c after it replaced the file");
	fd = open(P("h"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create h");
	close(fd);
	OK(rename(P("h"), P("e/h")));
	fd = open(P("i"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create i");
	close(fd);
	OK(rename(P("i"), P("e/h")));	/* a regular file replacing one */
	LISTS(P("e"), "h ");
	/* RENAME_NOREPLACE: fine onto nothing, EEXIST onto something. */
	OK(symlink("tx", P("x")));
	OK(renameat2(AT_FDCWD, P("x"), AT_FDCWD, P("y"), RENAME_NOREPLACE));
	OK(symlink("tx2", P("x")));
	FAILS(EEXIST, renameat2(AT_FDCWD, P("x"), AT_FDCWD, P("y"), RENAME_NOREPLACE));
	/* RENAME_EXCHANGE: EINVAL; nothing moved. */
	FAILS(EINVAL, renameat2(AT_FDCWD, P("x"), AT_FDCWD, P("y"), RENAME_EXCHANGE));
	CHECK(!link_is(P("x"), "tx2") && !link_is(P("y"), "tx"), "x and y after EXCHANGE");

	/* Devices and directories do not move, nor are they replaced. */
	FAILS(EPERM, rename(P("null"), P("n2")));
	FAILS(EPERM, rename(P("null"), P("d/null")));
	FAILS(EPERM, rename(P("dri/card0"), P("dri/card1")));
	FAILS(EPERM, rename(P(DEVNSFS_CONTROL_NAME), P("ctl")));
	FAILS(EPERM, rename(P("d"), P("d2")));
	FAILS(EPERM, rename(P("d"), P("e/d")));
	FAILS(EPERM, rename(P("dri"), P("dri2")));
	FAILS(EPERM, rename(P("x"), P("null")));
	FAILS(EPERM, rename(P("x"), P("dri/card0")));
	FAILS(EPERM, rename(P("x"), P(DEVNSFS_CONTROL_NAME)));
	FAILS(EPERM, rename(P("c"), P("null")));
	FAILS(EEXIST, renameat2(AT_FDCWD, P("x"), AT_FDCWD, P("null"), RENAME_NOREPLACE));
	OK(mkdir(P("empty"), 0755));
	FAILS(EPERM, rename(P("e"), P("empty")));
	CTL(0, info(ctl, "null"));
	CTL(0, info(ctl, "dri/card0"));
	CHECK(!link_is(P("x"), "tx2"), "x after the refused renames");
	LISTS(dir, "c d devns-control dri e empty null x y ");
	close(ctl);
	return 0;
}

TEST_F(ct, owner_renames_symlinks_and_files_but_not_devices_or_directories)
{
	RUN_IN_CONTAINER(renames);
}

static int mknod_and_link(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	int ctl, fd;

	MOUNT_OWN(ctl, NULL);
	CTL(0, ctl_add(ctl, "n", "null", NULL));
	OK(mkdir(P("d"), 0755));
	OK(symlink("n", P("s")));
	fd = open(P("f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create f");
	close(fd);
	/* mknod of every type: EPERM. */
	FAILS(EPERM, mknod(P("c"), S_IFCHR | 0600, makedev(1, 3)));
	FAILS(EPERM, mknod(P("wh"), S_IFCHR | 0600, makedev(0, 0)));
	FAILS(EPERM, mknod(P("b"), S_IFBLK | 0600, makedev(7, 0)));
	FAILS(EPERM, mknod(P("p"), S_IFIFO | 0600, 0));
	FAILS(EPERM, mknod(P("so"), S_IFSOCK | 0600, 0));
	FAILS(EPERM, mknod(P("d/p"), S_IFIFO | 0600, 0));
	/* link(2) of anything: EPERM. */
	FAILS(EPERM, link(P("n"), P("n2")));
	FAILS(EPERM, link(P("f"), P("f2")));
	FAILS(EPERM, link(P("f"), P("d/f2")));
	FAILS(EPERM, linkat(AT_FDCWD, P("s"), AT_FDCWD, P("s2"), 0));
	FAILS(EPERM, link(P(DEVNSFS_CONTROL_NAME), P("ctl")));
	LISTS(dir, "d devns-control f n s ");
	LISTS(P("d"), "");
	/*
	 * mknod(S_IFREG) (and type 0) is the VFS's create, the same as
	 * open(O_CREAT | O_EXCL): an empty file, a mount target.
	 */
	OK(mknod(P("r"), S_IFREG | 0600, 0));
	OK(mknod(P("r0"), 0600, 0));
	OK(mknod(P("d/r"), S_IFREG | 0600, 0));
	CHECK(type_of(P("r")) == S_IFREG, "mknod(S_IFREG) made no regular file");
	OK(unlink(P("r")));
	OK(unlink(P("r0")));
	OK(unlink(P("d/r")));
	close(ctl);
	return 0;
}

TEST_F(ct, mknod_and_link_stay_eperm)
{
	RUN_IN_CONTAINER(mknod_and_link);
}

static int unlink_devices(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	int ctl;

	MOUNT_OWN(ctl, NULL);
	CTL(0, ctl_add(ctl, "top", "null", NULL));
	CTL(0, ctl_add(ctl, "dri/card0", "null", NULL));
	OK(mkdir(P("d"), 0755));
	CTL(0, ctl_add(ctl, "d/n", "null", NULL));
	/* In a subdirectory: EPERM (REMOVE removes devices there). */
	FAILS(EPERM, unlink(P("dri/card0")));
	FAILS(EPERM, unlink(P("d/n")));
	CTL(0, info(ctl, "dri/card0"));
	CTL(0, info(ctl, "d/n"));
	/* In the root: the device goes. */
	CTL(0, info(ctl, "top"));
	OK(unlink(P("top")));
	CTL(ENOENT, info(ctl, "top"));
	GONE(P("top"));
	FAILS(EPERM, unlink(P(DEVNSFS_CONTROL_NAME)));
	FAILS(EISDIR, unlink(P("dri")));
	FAILS(EISDIR, unlink(P("d")));
	FAILS(ENOTEMPTY, rmdir(P("d")));
	LISTS(dir, "d devns-control dri ");
	close(ctl);
	return 0;
}

TEST_F(ct, unlink_of_a_device_only_in_the_root)
{
	RUN_IN_CONTAINER(unlink_devices);
}

static int add_and_prune(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	struct stat st;
	int ctl, fd;

	MOUNT_OWN(ctl, NULL);
	/* ADD into the owner's directory; REMOVE prunes it. */
	OK(mkdir(P("d"), 0700));
	CTL(0, ctl_add(ctl, "d/x", "null", NULL));
	CHECK(type_of(P("d/x")) == S_IFCHR, "d/x is no device");
	OK(lstat(P("d"), &st));
	CHECK((st.st_mode & 07777) == 0700, "d: mode %o after ADD", st.st_mode);
	CTL(0, ctl_remove(ctl, "d/x"));
	GONE(P("d"));
	/* Every directory on the path that empties, whoever made it. */
	OK(mkdir(P("a"), 0755));
	OK(mkdir(P("a/b"), 0755));
	CTL(0, ctl_add(ctl, "a/b/c/x", "null", NULL));
	CTL(0, ctl_remove(ctl, "a/b/c/x"));
	GONE(P("a"));
	/* A directory holding an owner's empty directory stays. */
	OK(mkdir(P("k"), 0755));
	OK(mkdir(P("k/empty"), 0755));
	CTL(0, ctl_add(ctl, "k/x", "null", NULL));
	CTL(0, ctl_remove(ctl, "k/x"));
	LISTS(P("k"), "empty ");
	/* Or an owner's symlink, or regular file. */
	OK(mkdir(P("h"), 0755));
	OK(symlink("x", P("h/s")));
	CTL(0, ctl_add(ctl, "h/i/x", "null", NULL));
	CTL(0, ctl_remove(ctl, "h/i/x"));
	LISTS(P("h"), "s ");
	OK(mkdir(P("q"), 0755));
	fd = open(P("q/console"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create q/console");
	close(fd);
	CTL(0, ctl_add(ctl, "q/x", "null", NULL));
	CTL(0, ctl_remove(ctl, "q/x"));
	LISTS(P("q"), "console ");
	/* Also a directory ADD made. */
	CTL(0, ctl_add(ctl, "dri/card0", "null", NULL));
	OK(symlink("card0", P("dri/link")));
	CTL(0, ctl_remove(ctl, "dri/card0"));
	LISTS(P("dri"), "link ");
	/* unlink(2) and rmdir(2) prune nothing; the owner removes it. */
	OK(unlink(P("dri/link")));
	LISTS(P("dri"), "");
	OK(rmdir(P("dri")));
	/* What is in the way of an ADD. */
	CTL(EEXIST, ctl_add(ctl, "k", "null", NULL));
	CTL(EEXIST, ctl_add(ctl, "h/s", "null", NULL));
	CTL(EEXIST, ctl_add(ctl, "q/console", "null", NULL));
	CTL(ENOENT, info(ctl, "h/s"));
	CTL(ENOENT, ctl_remove(ctl, "q/console"));
	CTL(ENOENT, ctl_remove(ctl, "k/empty"));
	LISTS(dir, "devns-control h k q ");
	close(ctl);
	return 0;
}

TEST_F(ct, add_into_owner_directories_and_remove_prunes_only_empty_ones)
{
	RUN_IN_CONTAINER(add_and_prune);
}

/*
 * An owner's symlink or regular file where ADD needs a directory: the
 * contract names ENOTDIR for a device in the way, EEXIST for an entry at
 * the path; for a symlink or file on the path it says nothing, so either.
 */
static int add_through_entries(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	int ctl, fd, ret;

	MOUNT_OWN(ctl, NULL);
	OK(mkdir(P("d"), 0755));
	OK(symlink("d", P("s")));
	fd = open(P("f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create f");
	close(fd);
	ret = ctl_add(ctl, "s/x", "null", NULL);
	CHECK(ret == -ENOTDIR || ret == -EEXIST, "ADD s/x (s a symlink to d): %d", ret);
	ret = ctl_add(ctl, "f/x", "null", NULL);
	CHECK(ret == -ENOTDIR || ret == -EEXIST, "ADD f/x (f a regular file): %d", ret);
	LISTS(P("d"), "");
	LISTS(dir, "d devns-control f s ");
	close(ctl);
	return 0;
}

TEST_F(ct, add_never_goes_through_a_symlink_or_a_file)
{
	RUN_IN_CONTAINER(add_through_entries);
}

/* The owner's fsuid/fsgid own what it makes (a container with 101 ids). */
static int chown_chmod(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	struct stat st;
	int ctl, fd;

	MOUNT_OWN(ctl, NULL);
	CTL(0, ctl_add(ctl, "n", "null", NULL));
	OK(mkdir(P("d"), 0755));
	OK(symlink("n", P("s")));
	fd = open(P("f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create f");
	close(fd);
	/* chmod and chown within the container's ids. */
	OK(chmod(P("n"), 0640));
	OK(chown(P("n"), 1, 2));
	OK(lstat(P("n"), &st));
	CHECK((st.st_mode & 07777) == 0640 && st.st_uid == 1 && st.st_gid == 2,
	      "n: mode %o owner %d:%d", st.st_mode, st.st_uid, st.st_gid);
	OK(chmod(P("d"), 0711));
	OK(chown(P("d"), 3, 3));
	OK(lstat(P("d"), &st));
	CHECK((st.st_mode & 07777) == 0711 && st.st_uid == 3 && st.st_gid == 3,
	      "d: mode %o owner %d:%d", st.st_mode, st.st_uid, st.st_gid);
	OK(lchown(P("s"), 4, 5));
	OK(lstat(P("s"), &st));
	CHECK(S_ISLNK(st.st_mode) && st.st_uid == 4 && st.st_gid == 5, "s: owner %d:%d",
	      st.st_uid, st.st_gid);
	OK(chown(P("f"), 6, 7));
	OK(chmod(P("f"), 0444));
	OK(lstat(P("f"), &st));
	CHECK((st.st_mode & 07777) == 0444 && st.st_uid == 6 && st.st_gid == 7,
	      "f: mode %o owner %d:%d", st.st_mode, st.st_uid, st.st_gid);
	/* An id the container does not map: the VFS refuses it. */
	FAILS2(EINVAL, EPERM, chown(P("n"), 5000, -1));
	FAILS2(EINVAL, EPERM, chown(P("d"), -1, 5000));
	OK(lstat(P("n"), &st));
	CHECK(st.st_uid == 1 && st.st_gid == 2, "n after the refused chown: %d:%d", st.st_uid,
	      st.st_gid);
	/* New entries belong to the caller's fsuid/fsgid, mode & ~umask. */
	OK(chmod(dir, 0777));
	umask(0);
	setfsgid(9);
	setfsuid(8);
	CHECK(setfsuid(-1) == 8 && setfsgid(-1) == 9, "setfsuid/setfsgid");
	OK(mkdir(P("d8"), 0751));
	OK(symlink("x", P("s8")));
	fd = open(P("f8"), O_CREAT | O_WRONLY | O_CLOEXEC, 0604);
	CHECK(fd >= 0, "create f8 as fsuid 8");
	close(fd);
	setfsuid(0);
	setfsgid(0);
	OK(lstat(P("d8"), &st));
	CHECK(st.st_uid == 8 && st.st_gid == 9 && (st.st_mode & 07777) == 0751,
	      "d8: mode %o owner %d:%d", st.st_mode, st.st_uid, st.st_gid);
	OK(lstat(P("s8"), &st));
	CHECK(st.st_uid == 8 && st.st_gid == 9, "s8: owner %d:%d", st.st_uid, st.st_gid);
	OK(lstat(P("f8"), &st));
	CHECK(st.st_uid == 8 && st.st_gid == 9 && (st.st_mode & 07777) == 0604,
	      "f8: mode %o owner %d:%d", st.st_mode, st.st_uid, st.st_gid);
	close(ctl);
	return 0;
}

#define EXTRA_IDS 200000

TEST_F(ct, chown_and_chmod_within_the_containers_ids)
{
	char maps[64], m[512];
	struct stat st;

	/* Inside 0 is TEST_UID/TEST_GID, 1..100 are EXTRA_IDS+1... outside. */
	snprintf(maps, sizeof(maps), "0 %d 1\n1 %d 100", TEST_UID, EXTRA_IDS + 1);
	ASSERT_EQ(0, userns_child_start_maps(&self->c, maps, maps, chown_chmod, &self->arg));
	self->running = true;
	ASSERT_EQ(0, userns_child_result(&self->c, m, sizeof(m))) TH_LOG("in the container: %s", m);
	ASSERT_EQ(0, lstat(HOST_P("n"), &st)) TH_LOG("%s: %s", self->path, strerror(errno));
	EXPECT_EQ(EXTRA_IDS + 1, st.st_uid);
	EXPECT_EQ(EXTRA_IDS + 2, st.st_gid);
	ASSERT_EQ(0, lstat(HOST_P("d8"), &st));
	EXPECT_EQ(EXTRA_IDS + 8, st.st_uid);
	EXPECT_EQ(EXTRA_IDS + 9, st.st_gid);
}

/* ---- ADD racing rmdir ---- */

struct race {
	const char *dir;
	int ctl;
	volatile bool stop;
	int bad_errno;		/* the first unexpected result */
	char bad_op[16];
	unsigned long adds, add_enoent, rmdirs;
};

static void race_bad(struct race *r, const char *op, int err)
{
	if (!__atomic_exchange_n(&r->bad_errno, err ? err : -1, __ATOMIC_RELAXED))
		snprintf(r->bad_op, sizeof(r->bad_op), "%s", op);
	r->stop = true;
}

static void *race_dirs(void *arg)
{
	struct race *r = arg;
	char d[PATH_MAX];

	snprintf(d, sizeof(d), "%s/d", r->dir);
	while (!r->stop) {
		if (mkdir(d, 0755) && errno != EEXIST) {
			race_bad(r, "mkdir", errno);
			break;
		}
		if (!rmdir(d))
			r->rmdirs++;
		else if (errno != ENOENT && errno != ENOTEMPTY) {
			race_bad(r, "rmdir", errno);
			break;
		}
	}
	return NULL;
}

static void *race_adds(void *arg)
{
	struct race *r = arg;
	int err;

	while (!r->stop) {
		err = ctl_add(r->ctl, "d/x", "null", NULL);
		if (err == -ENOENT) {
			r->add_enoent++;
			continue;
		}
		if (err) {
			race_bad(r, "ADD", -err);
			break;
		}
		r->adds++;
		/* While d/x lives, d cannot go; REMOVE then prunes it. */
		err = ctl_remove(r->ctl, "d/x");
		if (err) {
			race_bad(r, "REMOVE", -err);
			break;
		}
	}
	return NULL;
}

static int add_races_rmdir(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	struct race r = { .dir = dir };
	unsigned long ms = soak_count(1500, 20000);
	pthread_t a, b;
	struct stat st;

	MOUNT_OWN(r.ctl, NULL);
	/* Both sides must work alone first, or the race proves nothing. */
	OK(mkdir(P("d"), 0755));
	OK(rmdir(P("d")));
	if (pthread_create(&a, NULL, race_dirs, &r) || pthread_create(&b, NULL, race_adds, &r))
		return fail_msg(msg, len, EAGAIN, "pthread_create");
	usleep(ms * 1000);
	r.stop = true;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	if (r.bad_errno)
		return fail_msg(msg, len, r.bad_errno > 0 ? r.bad_errno : 0,
				"%s gave an unexpected result (%lu ADDs, %lu ENOENT, %lu rmdirs)",
				r.bad_op, r.adds, r.add_enoent, r.rmdirs);
	if (!lstat(P("d"), &st))
		OK(rmdir(P("d")));
	LISTS(dir, "devns-control ");
	snprintf(msg, len, "%lu ADDs, %lu ADD ENOENT, %lu rmdirs", r.adds, r.add_enoent,
		 r.rmdirs);
	close(r.ctl);
	return 0;
}

TEST_F_TIMEOUT(ct, add_racing_rmdir_of_a_directory_on_its_path_is_enoent_or_works, 120)
{
	char m[512];

	ASSERT_EQ(0, userns_child_start(&self->c, add_races_rmdir, &self->arg));
	self->running = true;
	EXPECT_EQ(0, userns_child_result(&self->c, m, sizeof(m))) TH_LOG("in the container: %s", m);
	TH_LOG("%s", m);
}

/* ---- Who is not the owner ---- */

/* Sets up what a non-owner will try to change. */
static int owner_prepares(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	int ctl, fd;

	MOUNT_OWN(ctl, NULL);
	CTL(0, ctl_add(ctl, "n", "null", NULL));
	OK(mkdir(P("d"), 0755));
	OK(mkdir(P("e"), 0755));
	OK(symlink("n", P("s")));
	fd = open(P("f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	CHECK(fd >= 0, "create f");
	close(fd);
	close(ctl);
	return 0;
}

/*
 * Every change the owner may make, by someone who is not: EPERM. (Where the
 * VFS's permission check fails first it is EACCES; every case here is set
 * up so that it passes: the directories are the caller's own uid's, or
 * 0777.) Through dirfd, a directory of the instance holding n (a device),
 * d and e (empty directories), s (a symlink) and f (a regular file).
 */
static int non_owner_tries(int dirfd, char *msg, size_t len)
{
	FAILS(EPERM, mkdirat(dirfd, "x", 0755));
	FAILS(EPERM, mkdirat(dirfd, "d/x", 0755));
	FAILS(EPERM, unlinkat(dirfd, "e", AT_REMOVEDIR));
	FAILS(EPERM, symlinkat("n", dirfd, "y"));
	FAILS(EPERM, symlinkat("n", dirfd, "d/y"));
	FAILS(EPERM, unlinkat(dirfd, "s", 0));
	FAILS(EPERM, unlinkat(dirfd, "f", 0));
	FAILS(EPERM, openat(dirfd, "z", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	FAILS(EPERM, openat(dirfd, "d/z", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	FAILS(EPERM, renameat(dirfd, "s", dirfd, "s2"));
	FAILS(EPERM, renameat(dirfd, "s", dirfd, "d/s"));
	FAILS(EPERM, renameat(dirfd, "f", dirfd, "s"));
	FAILS(EPERM, mknodat(dirfd, "p", S_IFIFO | 0600, 0));
	FAILS(EPERM, linkat(dirfd, "f", dirfd, "f2", 0));
	FAILS(EPERM, mknodat(dirfd, "r", S_IFREG | 0600, 0));
	return 0;
}

/* What the owner prepared is untouched. */
#define UNTOUCHED(path) LISTS((path), "d devns-control e f n s ")

static int untouched(const char *path, char *msg, size_t len)
{
	UNTOUCHED(path);
	return 0;
}

struct outsider {
	int dirfd;
};

static int outsider_tries(void *arg, char *msg, size_t len)
{
	struct outsider *o = arg;

	return non_owner_tries(o->dirfd, msg, len);
}

/*
 * A second container of the same host user: its root maps to the same
 * host uid, so the VFS lets it write the owner's 0755 directories, but it
 * has no capability over the first container's namespace. It reaches the
 * instance through a directory fd host root opened for it (as a runtime
 * or an SCM_RIGHTS message would hand it over).
 */
TEST_F(ct, a_second_container_of_the_same_user_is_not_the_owner)
{
	struct userns_child other;
	struct outsider o;
	char m[512];

	RUN_IN_CONTAINER(owner_prepares);
	o.dirfd = open(HOST_P(""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, o.dirfd) TH_LOG("open %s: %s", self->path, strerror(errno));
	ASSERT_EQ(0, userns_child_start(&other, outsider_tries, &o));
	EXPECT_EQ(0, userns_child_result(&other, m, sizeof(m))) {
		TH_LOG("in the second container: %s", m);
	}
	userns_child_finish(&other);
	close(o.dirfd);
	EXPECT_EQ(0, untouched(HOST_P(""), m, sizeof(m))) TH_LOG("%s", m);
}

/* The same over SCM_RIGHTS, from the owner itself, to a new container. */
struct passer {
	const char *dir;
	int sock;
};

static int owner_passes_its_root(void *arg, char *msg, size_t len)
{
	struct passer *p = arg;
	struct ct c = { .dir = p->dir };
	int err, fd;

	err = owner_prepares(&c, msg, len);
	if (err)
		return err;
	fd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0, "open the instance's root");
	err = scm_send_fd(p->sock, fd);
	CHECK(!err, "scm_send_fd: %d", err);
	close(fd);
	return 0;
}

static int receiver_tries(void *arg, char *msg, size_t len)
{
	struct passer *p = arg;
	int fd = scm_recv_fd(p->sock), err;

	CHECK(fd >= 0, "scm_recv_fd: %d", fd);
	err = non_owner_tries(fd, msg, len);
	close(fd);
	return err;
}

TEST_F(ct, a_container_handed_the_instance_over_scm_rights_is_not_the_owner)
{
	struct userns_child other;
	struct passer p = { .dir = self->dir };
	int sv[2];
	char m[512];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	p.sock = sv[0];
	ASSERT_EQ(0, userns_child_start(&self->c, owner_passes_its_root, &p));
	self->running = true;
	ASSERT_EQ(0, userns_child_result(&self->c, m, sizeof(m))) TH_LOG("owner: %s", m);
	/* The receiver's own root is not the owner's: the VFS lets it write. */
	p.sock = sv[1];
	ASSERT_EQ(0, userns_child_start(&other, receiver_tries, &p));
	EXPECT_EQ(0, userns_child_result(&other, m, sizeof(m))) TH_LOG("receiver: %s", m);
	userns_child_finish(&other);
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(0, untouched(HOST_P(""), m, sizeof(m))) TH_LOG("%s", m);
}

/*
 * A container nested in the owner's: its root maps to the owner's root,
 * but a child namespace has no capability over its parent.
 */
static int nested_tries(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	CHECK(fd >= 0, "open %s in the nested container", dir);
	err = non_owner_tries(fd, msg, len);
	close(fd);
	return err;
}

static int owner_with_nested(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;
	struct userns_child nested;
	char m[256];
	int err;

	err = owner_prepares(arg, msg, len);
	if (err)
		return err;
	CHECK(!userns_child_start_nested(&nested, nested_tries, arg), "start the nested container");
	err = userns_child_result(&nested, m, sizeof(m));
	userns_child_finish(&nested);
	if (err)
		return fail_msg(msg, len, err > 0 ? err : 0, "nested: %s", m);
	UNTOUCHED(dir);
	return 0;
}

TEST_F(ct, a_nested_container_is_not_the_owner)
{
	RUN_IN_CONTAINER(owner_with_nested);
}

/* Another task of the same container (setns into it) is the owner. */
static int joiner_makes(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct ct *)arg)->dir;

	OK(mkdir(P("by-joiner"), 0755));
	OK(symlink("n", P("by-joiner/s")));
	OK(rename(P("s"), P("by-joiner/s2")));
	OK(unlink(P("by-joiner/s")));
	OK(unlink(P("by-joiner/s2")));
	OK(rmdir(P("by-joiner")));
	OK(unlink(P("f")));
	return 0;
}

TEST_F(ct, another_task_of_the_container_is_the_owner)
{
	char m[512];

	RUN_IN_CONTAINER(owner_prepares);
	EXPECT_EQ(0, userns_join_run(self->c.pid, joiner_makes, &self->arg, m, sizeof(m)))
		TH_LOG("joined task: %s", m);
}

/*
 * Host root is the owner of every instance, but the VFS creates nothing
 * for an fsuid the instance's namespace does not map (EOVERFLOW): with
 * the container's root's ids as fsuid/fsgid, host root makes entries in
 * the container's instance.
 */
struct host_in_ct {
	const char *root;	/* /proc/PID/root/DIR */
};

static int host_root_makes(void *arg, char *msg, size_t len)
{
	const char *dir = ((struct host_in_ct *)arg)->root;
	struct stat st;
	int fd;

	FAILS2(EOVERFLOW, EPERM, mkdir(P("as-root"), 0755));
	setfsgid(TEST_GID);
	setfsuid(TEST_UID);
	OK(mkdir(P("host-dir"), 0755));
	OK(symlink("n", P("host-dir/s")));
	fd = open(P("host-file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create host-file");
	close(fd);
	OK(rename(P("host-file"), P("host-dir/f")));
	OK(lstat(P("host-dir"), &st));
	CHECK(st.st_uid == TEST_UID && st.st_gid == TEST_GID, "host-dir: %d:%d", st.st_uid,
	      st.st_gid);
	OK(unlink(P("host-dir/s")));
	OK(unlink(P("host-dir/f")));
	OK(rmdir(P("host-dir")));
	/* Still no mknod nor link, and still EPERM for devices in directories. */
	FAILS(EPERM, mknod(P("c"), S_IFCHR | 0600, makedev(1, 3)));
	FAILS(EPERM, link(P("f"), P("f2")));
	FAILS(EPERM, rename(P("n"), P("n2")));
	return 0;
}

TEST_F(ct, host_root_is_the_owner_of_a_containers_instance)
{
	struct host_in_ct h;
	char m[512];

	RUN_IN_CONTAINER(owner_prepares);
	h.root = HOST_P("");
	EXPECT_EQ(0, fork_run(host_root_makes, &h, m, sizeof(m))) TH_LOG("host root: %s", m);
}

/* Host root on its own instance, and uid 1000 without namespaces beside it. */
FIXTURE(host) {
	char *dir;
	int ctl;
};

FIXTURE_SETUP(host)
{
	self->ctl = -1;
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_LE(0, self->ctl) TH_LOG("mount: %s", strerror(errno));
}

FIXTURE_TEARDOWN(host)
{
	if (self->ctl >= 0)
		close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
}

static int host_owner(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	int fd;

	umask(022);
	OK(mkdir(P("hd"), 0777));
	OK(symlink("null", P("hd/s")));
	fd = open(P("hd/f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create hd/f");
	close(fd);
	OK(rename(P("hd/s"), P("hs")));
	OK(rename(P("hd/f"), P("hf")));
	FAILS(ENOTEMPTY, rmdir(P("pub")));
	OK(unlink(P("hs")));
	OK(unlink(P("hf")));
	OK(rmdir(P("hd")));
	/* CAP_MKNOD does not help. */
	FAILS(EPERM, mknod(P("hc"), S_IFCHR | 0600, makedev(1, 3)));
	/* A regular file is a create, as for the container's root. */
	OK(mknod(P("hr"), S_IFREG | 0600, 0));
	OK(unlink(P("hr")));
	return 0;
}

static int host_user_tries(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	int fd, err;

	if (setgroups(0, NULL) || setresgid(TEST_GID, TEST_GID, TEST_GID) ||
	    setresuid(TEST_UID, TEST_UID, TEST_UID))
		return fail_msg(msg, len, errno, "become uid %d", TEST_UID);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0, "open %s as uid %d", dir, TEST_UID);
	err = non_owner_tries(fd, msg, len);
	close(fd);
	return err;
}

TEST_F(host, host_root_owns_its_instance_and_a_plain_user_does_not)
{
	char m[512], path[PATH_MAX];
	int fd;

	/* A root that anyone may write to, and a directory, a file, a symlink in it. */
	ASSERT_EQ(0, ctl_add(self->ctl, "n", "null", NULL));
	ASSERT_EQ(0, chmod(self->dir, 0777)) TH_LOG("chmod of the root: %s", strerror(errno));
	ASSERT_EQ(0, mkdir(node_path(path, sizeof(path), self->dir, "pub"), 0777))
		TH_LOG("mkdir as host root: %s", strerror(errno));
	ASSERT_EQ(0, chmod(path, 0777));
	ASSERT_EQ(0, mkdir(node_path(path, sizeof(path), self->dir, "pub/e"), 0777));
	ASSERT_EQ(0, chmod(path, 0777));
	ASSERT_EQ(0, mkdir(node_path(path, sizeof(path), self->dir, "pub/d"), 0777));
	ASSERT_EQ(0, chmod(path, 0777));
	ASSERT_EQ(0, mkdir(node_path(path, sizeof(path), self->dir, "d"), 0777));
	ASSERT_EQ(0, chmod(path, 0777));
	ASSERT_EQ(0, mkdir(node_path(path, sizeof(path), self->dir, "e"), 0777));
	ASSERT_EQ(0, chmod(path, 0777));
	ASSERT_EQ(0, symlink("n", node_path(path, sizeof(path), self->dir, "s")));
	ASSERT_EQ(0, symlink("../n", node_path(path, sizeof(path), self->dir, "pub/s")));
	fd = open(node_path(path, sizeof(path), self->dir, "f"), O_CREAT | O_WRONLY, 0666);
	ASSERT_LE(0, fd);
	close(fd);
	fd = open(node_path(path, sizeof(path), self->dir, "pub/f"), O_CREAT | O_WRONLY, 0666);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(0, fork_run(host_owner, self->dir, m, sizeof(m))) TH_LOG("host root: %s", m);
	/* uid 1000, no namespace: the mode lets it, devnsfs does not. */
	EXPECT_EQ(0, fork_run(host_user_tries, self->dir, m, sizeof(m))) TH_LOG("uid 1000: %s", m);
	node_path(path, sizeof(path), self->dir, "pub");
	EXPECT_EQ(0, fork_run(host_user_tries, path, m, sizeof(m))) TH_LOG("uid 1000 in pub: %s", m);
}

/* ---- Memory ---- */

#define SYMLINKS 2000
#define TARGET 4000

static long long cg_current(const char *cg)
{
	char path[PATH_MAX];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.current", cg);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int many_symlinks(void *arg, char *msg, size_t len)
{
	struct ct *c = arg;
	const char *dir = c->dir;
	static char target[TARGET + 1];
	long long before, after;
	char name[32], ch;
	int ctl, i;

	CHECK(read(c->go, &ch, 1) == 1, "no go from the parent");
	MOUNT_OWN(ctl, NULL);
	memset(target, 't', TARGET);
	OK(mkdir(P("links"), 0755));
	before = cg_current(c->cg);
	for (i = 0; i < SYMLINKS; i++) {
		snprintf(name, sizeof(name), "links/%d", i);
		target[0] = 'a' + i % 26;
		OK(symlink(target, P(name)));
	}
	after = cg_current(c->cg);
	snprintf(msg, len, "%lld %lld", before, after);
	close(ctl);
	return 0;
}

TEST_F_TIMEOUT(ct, owner_symlinks_are_charged_to_the_containers_memory_cgroup, 120)
{
	char root[] = "/tmp/devnsfs-cgroup.XXXXXX", cg[PATH_MAX], m[512], text[32];
	long long before = -1, after = -1, want = (long long)SYMLINKS * TARGET * 3 / 4;
	bool mounted = false, made = false;
	int go[2] = { -1, -1 }, i, ret = -1;

	ASSERT_NE(NULL, mkdtemp(root));
	/* No ASSERT from here on: the cleanup below must run. */
	mounted = !mount("none", root, "cgroup2", 0, NULL);
	EXPECT_TRUE(mounted) TH_LOG("mount cgroup2: %s", strerror(errno));
	if (mounted) {
		EXPECT_EQ(0, write_text(node_path(cg, sizeof(cg), root, "cgroup.subtree_control"),
					"+memory")) TH_LOG("enable memory: %s", strerror(errno));
		snprintf(cg, sizeof(cg), "%s/devnsfs-owner-%d", root, getpid());
		made = !mkdir(cg, 0755);
		EXPECT_TRUE(made) TH_LOG("mkdir %s: %s", cg, strerror(errno));
	}
	if (made && !pipe2(go, O_CLOEXEC)) {
		self->arg.cg = cg;
		self->arg.go = go[0];
		ret = userns_child_start(&self->c, many_symlinks, &self->arg);
		EXPECT_EQ(0, ret);
	}
	if (!ret) {
		self->running = true;
		snprintf(text, sizeof(text), "%d", self->c.pid);
		EXPECT_EQ(0, write_text(node_path(m, sizeof(m), cg, "cgroup.procs"), text));
		EXPECT_EQ(1, write(go[1], "g", 1));
		EXPECT_EQ(0, userns_child_result(&self->c, m, sizeof(m)))
			TH_LOG("in the container: %s", m);
		EXPECT_EQ(2, sscanf(m, "%lld %lld", &before, &after)) TH_LOG("%s", m);
		TH_LOG("%d symlinks of %d bytes: memory.current %lld -> %lld (+%lld bytes each)",
		       SYMLINKS, TARGET, before, after, (after - before) / SYMLINKS);
		/* The targets alone are 8 MB; inodes and dentries are not half of that. */
		EXPECT_LE(want, after - before) TH_LOG("want at least %lld more bytes charged",
						       want);
		userns_child_finish(&self->c);
		self->running = false;
	}
	if (made)
		for (i = 0; i < 50 && rmdir(cg) && errno == EBUSY; i++)
			usleep(100000);
	if (go[0] >= 0) {
		close(go[0]);
		close(go[1]);
	}
	if (mounted)
		umount2(root, MNT_DETACH);
	rmdir(root);
}

TEST_HARNESS_MAIN
