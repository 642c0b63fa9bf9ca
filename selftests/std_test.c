// SPDX-License-Identifier: GPL-2.0
/*
 * `mount -t devnsfs -o std` (issue 13): a new instance starts with what a
 * container's /dev needs and every runtime makes today: the devices null,
 * zero, full, random, urandom (class random) and tty (class tty, 5:0),
 * nodes of mode 0666 owned as every node; the symlinks fd, stdin, stdout,
 * stderr and ptmx; the directories pts, shm and mqueue (0755, owned like
 * the root). mountinfo shows "std"; a remount with std repopulates
 * nothing. The std devices are ADDs like any other: they spend numbers,
 * count toward max= and the budgets (the mount fails with their errno),
 * and can be removed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"
#include "checks.h"

/* The root of a fresh std instance, as list_dir() shows it. */
#define STD_ROOT "devns-control fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "

static const struct std_dev {
	const char *name, *class_name;
} std_devs[] = {
	{ "null", "null" }, { "zero", "zero" }, { "full", "full" },
	{ "random", "random" }, { "urandom", "random" }, { "tty", "tty" },
};

static const struct std_link {
	const char *name, *target;
} std_links[] = {
	{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};

static const char * const std_dirs[] = { "pts", "shm", "mqueue" };

#define NR_STD_DEVS ((int)ARRAY_SIZE(std_devs))

/*
 * Checks a std instance at dir: every entry's type, mode and owner (nodes
 * node_uid:node_gid, directories root_uid:root_gid), the devices' classes
 * and numbers, the symlinks' targets. 0, or an errno with msg set.
 */
static int check_std(const char *dir, int ctl, uid_t node_uid, gid_t node_gid, uid_t root_uid,
		     gid_t root_gid, char *msg, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct devnsfs_device d;
	struct stat st;
	unsigned int i;
	ssize_t n;

	LISTS(dir, STD_ROOT);
	for (i = 0; i < ARRAY_SIZE(std_devs); i++) {
		node_path(path, sizeof(path), dir, std_devs[i].name);
		OK(lstat(path, &st));
		CHECK(S_ISCHR(st.st_mode) && (st.st_mode & 07777) == 0666, "%s: mode %o",
		      std_devs[i].name, st.st_mode);
		CHECK(st.st_uid == node_uid && st.st_gid == node_gid, "%s: owner %d:%d",
		      std_devs[i].name, st.st_uid, st.st_gid);
		dev_init(&d, std_devs[i].name, NULL);
		errno = -ctl_call(ctl, DEVNSFS_IOC_INFO, &d);
		CHECK(!errno, "INFO %s", std_devs[i].name);
		CHECK(!strcmp(d.class_name, std_devs[i].class_name), "%s: class %s",
		      std_devs[i].name, d.class_name);
		CHECK(st.st_rdev == makedev(d.major, d.minor), "%s: st_rdev %u:%u, INFO %u:%u",
		      std_devs[i].name, major(st.st_rdev), minor(st.st_rdev), d.major, d.minor);
		if (!strcmp(std_devs[i].name, "tty"))
			CHECK(d.major == 5 && d.minor == 0, "tty is %u:%u", d.major, d.minor);
		else
			CHECK(d.major != 5 && d.major, "%s is %u:%u", std_devs[i].name, d.major,
			      d.minor);
	}
	for (i = 0; i < ARRAY_SIZE(std_links); i++) {
		node_path(path, sizeof(path), dir, std_links[i].name);
		OK(lstat(path, &st));
		CHECK(S_ISLNK(st.st_mode), "%s: mode %o", std_links[i].name, st.st_mode);
		n = readlink(path, target, sizeof(target) - 1);
		CHECK(n >= 0, "readlink %s", std_links[i].name);
		target[n] = '\0';
		CHECK(!strcmp(target, std_links[i].target), "%s -> '%s', want '%s'",
		      std_links[i].name, target, std_links[i].target);
	}
	for (i = 0; i < ARRAY_SIZE(std_dirs); i++) {
		node_path(path, sizeof(path), dir, std_dirs[i]);
		OK(lstat(path, &st));
		CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755, "%s: mode %o",
		      std_dirs[i], st.st_mode);
		CHECK(st.st_uid == root_uid && st.st_gid == root_gid, "%s: owner %d:%d",
		      std_dirs[i], st.st_uid, st.st_gid);
		CHECK(st.st_nlink == 2, "%s: nlink %lu", std_dirs[i], (unsigned long)st.st_nlink);
		LISTS(path, "");
	}
	OK(lstat(dir, &st));
	CHECK(st.st_nlink == 5, "root: nlink %lu", (unsigned long)st.st_nlink);
	CHECK(st.st_uid == root_uid && st.st_gid == root_gid, "root: owner %d:%d", st.st_uid,
	      st.st_gid);
	return 0;
}

/* Whether mountinfo's super options of dir have the token "std". */
static int shows_std(const char *dir)
{
	char opts[512], *tok, *save;

	if (super_options(dir, opts, sizeof(opts)))
		return -1;
	for (tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "std"))
			return 1;
	return 0;
}

/* Host root's instances, in a mount namespace of the test's own. */
FIXTURE(host) {
	char *dir;
	int ctl;
	char path[PATH_MAX];
};

FIXTURE_SETUP(host)
{
	self->ctl = -1;
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
}

FIXTURE_TEARDOWN(host)
{
	if (self->ctl >= 0)
		close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
}

#define P(name) node_path(self->path, sizeof(self->path), self->dir, name)

#define MOUNT_STD(opts) do {							\
	const char *o_ = (opts);						\
	self->ctl = mount_instance(self->dir, o_);				\
	ASSERT_LE(0, self->ctl) TH_LOG("mount -o %s: %s", o_ ? o_ : "(none)",	\
				      strerror(errno));				\
} while (0)

TEST_F(host, std_makes_exactly_the_standard_entries)
{
	char m[512];

	MOUNT_STD("std");
	EXPECT_EQ(0, check_std(self->dir, self->ctl, 0, 0, 0, 0, m, sizeof(m))) TH_LOG("%s", m);
}

TEST_F(host, std_nodes_are_0666_owned_as_every_node_and_dirs_like_the_root)
{
	char m[512];
	struct stat st;

	MOUNT_STD("std,uid=1234,gid=2345,mode=0600,ctlmode=0640");
	EXPECT_EQ(0, check_std(self->dir, self->ctl, 1234, 2345, 0, 0, m, sizeof(m)))
		TH_LOG("%s", m);
	ASSERT_EQ(0, lstat(P(DEVNSFS_CONTROL_NAME), &st));
	EXPECT_EQ(0640, st.st_mode & 07777);
	EXPECT_EQ(1234, st.st_uid);
	/* mode= is still for the nodes added later. */
	ASSERT_EQ(0, ctl_add(self->ctl, "later", "null", NULL));
	ASSERT_EQ(0, lstat(P("later"), &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(1234, st.st_uid);
}

TEST_F(host, mountinfo_shows_std)
{
	char opts[512];

	MOUNT_STD("std");
	EXPECT_EQ(1, shows_std(self->dir)) {
		super_options(self->dir, opts, sizeof(opts));
		TH_LOG("mountinfo: %s", opts);
	}
	close(self->ctl);
	self->ctl = -1;
	ASSERT_EQ(0, umount2(self->dir, 0));
	MOUNT_STD("mode=0640,std,max=100");
	EXPECT_EQ(1, shows_std(self->dir));
	super_options(self->dir, opts, sizeof(opts));
	EXPECT_NE(NULL, strstr(opts, "mode=0640")) TH_LOG("mountinfo: %s", opts);
	EXPECT_NE(NULL, strstr(opts, "max=100")) TH_LOG("mountinfo: %s", opts);
	close(self->ctl);
	self->ctl = -1;
	ASSERT_EQ(0, umount2(self->dir, 0));
	/* Without it: no std, and only the control node. */
	MOUNT_STD(NULL);
	EXPECT_EQ(0, shows_std(self->dir));
	ASSERT_EQ(0, list_dir(self->dir, opts, sizeof(opts)));
	EXPECT_STREQ("devns-control ", opts);
}

TEST_F(host, std_is_a_flag)
{
	char list[1024];
	int fsfd, mfd;

	EXPECT_EQ(-1, mount("none", self->dir, "devnsfs", 0, "std=1"));
	EXPECT_EQ(EINVAL, errno);
	fsfd = fsopen("devnsfs", FSOPEN_CLOEXEC);
	ASSERT_LE(0, fsfd);
	EXPECT_EQ(-1, fsconfig(fsfd, FSCONFIG_SET_STRING, "std", "yes", 0));
	EXPECT_EQ(EINVAL, errno);
	close(fsfd);
	fsfd = fsopen("devnsfs", FSOPEN_CLOEXEC);
	ASSERT_LE(0, fsfd);
	ASSERT_EQ(0, fsconfig(fsfd, FSCONFIG_SET_FLAG, "std", NULL, 0))
		TH_LOG("fsconfig std: %s", strerror(errno));
	ASSERT_EQ(0, fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, move_mount(mfd, "", AT_FDCWD, self->dir, MOVE_MOUNT_F_EMPTY_PATH));
	ASSERT_EQ(0, list_dir(self->dir, list, sizeof(list)));
	EXPECT_STREQ(STD_ROOT, list);
	close(mfd);
	close(fsfd);
}

/* Reads or writes of fd: the result, or -errno. */
static long rd(int fd, void *buf, size_t n)
{
	ssize_t r = read(fd, buf, n);

	return r < 0 ? -errno : r;
}

static long wr(int fd, const void *buf, size_t n)
{
	ssize_t r = write(fd, buf, n);

	return r < 0 ? -errno : r;
}

static bool all_zero(const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf[i])
			return false;
	return true;
}

/* std's name and the host's /dev node of the same device, both open. */
struct pair {
	int ours, host;
};

static int open_pair(struct pair *p, const char *dir, const char *name, int flags)
{
	char path[PATH_MAX];

	node_path(path, sizeof(path), dir, name);
	p->ours = open(path, flags | O_CLOEXEC);
	node_path(path, sizeof(path), "/dev", name);
	p->host = open(path, flags | O_CLOEXEC);
	return p->ours >= 0 && p->host >= 0 ? 0 : -1;
}

static void close_pair(struct pair *p)
{
	close(p->ours);
	close(p->host);
}

TEST_F(host, std_devices_behave_like_the_hosts)
{
	char a[4096], b[4096];
	struct pair p;

	MOUNT_STD("std");
	/* null: nothing to read, everything written goes. */
	ASSERT_EQ(0, open_pair(&p, self->dir, "null", O_RDWR)) TH_LOG("open null: %s", strerror(errno));
	EXPECT_EQ(rd(p.host, a, sizeof(a)), rd(p.ours, a, sizeof(a)));
	EXPECT_EQ(0, rd(p.ours, a, sizeof(a)));
	EXPECT_EQ(wr(p.host, "hello", 5), wr(p.ours, "hello", 5));
	EXPECT_EQ(0, lseek(p.ours, 0, SEEK_CUR));
	close_pair(&p);
	/* zero: zeroes; writes succeed. */
	ASSERT_EQ(0, open_pair(&p, self->dir, "zero", O_RDWR));
	memset(a, 1, sizeof(a));
	EXPECT_EQ(sizeof(a), rd(p.ours, a, sizeof(a)));
	EXPECT_TRUE(all_zero(a, sizeof(a)));
	EXPECT_EQ(wr(p.host, "x", 1), wr(p.ours, "x", 1));
	close_pair(&p);
	/* full: zeroes, and ENOSPC for writes. */
	ASSERT_EQ(0, open_pair(&p, self->dir, "full", O_RDWR));
	memset(a, 1, sizeof(a));
	EXPECT_EQ(sizeof(a), rd(p.ours, a, sizeof(a)));
	EXPECT_TRUE(all_zero(a, sizeof(a)));
	EXPECT_EQ(-ENOSPC, wr(p.ours, "x", 1));
	EXPECT_EQ(wr(p.host, "x", 1), wr(p.ours, "x", 1));
	close_pair(&p);
	/* urandom and random: random bytes, never blocking; writes mix in. */
	ASSERT_EQ(0, open_pair(&p, self->dir, "urandom", O_RDWR | O_NONBLOCK));
	EXPECT_EQ(64, rd(p.ours, a, 64));
	EXPECT_EQ(64, rd(p.ours, b, 64));
	EXPECT_FALSE(all_zero(a, 64));
	EXPECT_NE(0, memcmp(a, b, 64));
	EXPECT_EQ(wr(p.host, "seed", 4), wr(p.ours, "seed", 4));
	close_pair(&p);
	ASSERT_EQ(0, open_pair(&p, self->dir, "random", O_RDWR | O_NONBLOCK));
	EXPECT_EQ(64, rd(p.ours, a, 64));
	EXPECT_EQ(64, rd(p.ours, b, 64));
	EXPECT_NE(0, memcmp(a, b, 64));
	EXPECT_EQ(wr(p.host, "seed", 4), wr(p.ours, "seed", 4));
	close_pair(&p);
}

/* Opens std's tty and the host's /dev/tty without a controlling terminal. */
static int tty_without_ctty(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char path[PATH_MAX];
	int ours, host, ours_err, host_err;

	if (setsid() < 0)
		return fail_msg(msg, len, errno, "setsid");
	ours = open(node_path(path, sizeof(path), dir, "tty"), O_RDWR | O_CLOEXEC);
	ours_err = ours < 0 ? errno : 0;
	host = open("/dev/tty", O_RDWR | O_CLOEXEC);
	host_err = host < 0 ? errno : 0;
	CHECK(ours_err == host_err, "open of std's tty: %s; of the host's /dev/tty: %s",
	      strerror(ours_err), strerror(host_err));
	CHECK(ours_err == ENXIO, "open of tty without a controlling terminal: %s",
	      strerror(ours_err));
	return 0;
}

TEST_F(host, std_tty_is_the_openers_controlling_terminal)
{
	char m[512];

	MOUNT_STD("std");
	EXPECT_EQ(0, fork_run(tty_without_ctty, self->dir, m, sizeof(m))) TH_LOG("%s", m);
}

TEST_F(host, remount_with_std_repopulates_nothing)
{
	char list[1024];

	MOUNT_STD("std");
	ASSERT_EQ(0, ctl_remove(self->ctl, "null"));
	ASSERT_EQ(0, unlink(P("zero")));
	/* The owner's own changes to what std made (issue 13's owner rules). */
	EXPECT_EQ(0, unlink(P("fd"))) TH_LOG("unlink fd: %s", strerror(errno));
	EXPECT_EQ(0, rmdir(P("shm"))) TH_LOG("rmdir shm: %s", strerror(errno));
	ASSERT_EQ(0, list_dir(self->dir, list, sizeof(list)));
	EXPECT_STREQ("devns-control full mqueue ptmx pts random stderr stdin stdout tty urandom ",
		     list);
	ASSERT_EQ(0, mount("none", self->dir, NULL, MS_REMOUNT, "std"))
		TH_LOG("remount std: %s", strerror(errno));
	ASSERT_EQ(0, mount("none", self->dir, NULL, MS_REMOUNT, "std,mode=0640"))
		TH_LOG("remount std,mode=0640: %s", strerror(errno));
	ASSERT_EQ(0, list_dir(self->dir, list, sizeof(list)));
	EXPECT_STREQ("devns-control full mqueue ptmx pts random stderr stdin stdout tty urandom ",
		     list);
	close(self->ctl);
	self->ctl = -1;
	ASSERT_EQ(0, umount2(self->dir, 0));
	/* Nor does a remount with std of an instance mounted without it. */
	MOUNT_STD(NULL);
	ASSERT_EQ(0, mount("none", self->dir, NULL, MS_REMOUNT, "std"))
		TH_LOG("remount std: %s", strerror(errno));
	ASSERT_EQ(0, list_dir(self->dir, list, sizeof(list)));
	EXPECT_STREQ("devns-control ", list);
}

TEST_F(host, std_counts_toward_max)
{
	struct statfs sfs;
	char list[1024];

	EXPECT_EQ(-1, mount("none", self->dir, "devnsfs", 0, "std,max=3"));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, mount("none", self->dir, "devnsfs", 0, "max=5,std"));
	EXPECT_EQ(ENOSPC, errno);
	/* A failed mount leaves nothing mounted. */
	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_NE(DEVNSFS_SUPER_MAGIC, (unsigned long)sfs.f_type);
	/* Exactly enough: six devices, and not one more. */
	MOUNT_STD("std,max=6");
	EXPECT_EQ(-ENOSPC, ctl_add(self->ctl, "more", "null", NULL));
	ASSERT_EQ(0, ctl_remove(self->ctl, "urandom"));
	EXPECT_EQ(0, ctl_add(self->ctl, "more", "null", NULL));
	ASSERT_EQ(0, list_dir(self->dir, list, sizeof(list)));
	EXPECT_STREQ("devns-control fd full more mqueue null ptmx pts random shm stderr stdin stdout tty zero ",
		     list);
}

TEST_F(host, devices_added_later_live_alongside)
{
	struct devnsfs_device d, later[3];
	struct stat st;
	char buf[8];
	int fd, i, j, ret;

	MOUNT_STD("std");
	ASSERT_EQ(0, ctl_add(self->ctl, "rtc0", "rtc", &later[0]));
	ASSERT_EQ(0, ctl_add(self->ctl, "dri/card0", "zero", &later[1]));
	ASSERT_EQ(0, ctl_add(self->ctl, "shm/x", "null", &later[2]));
	/* What std made is in the way as any entry is. */
	EXPECT_EQ(-EEXIST, ctl_add(self->ctl, "null", "null", NULL));
	EXPECT_EQ(-EEXIST, ctl_add(self->ctl, "tty", "tty", NULL));
	EXPECT_EQ(-EEXIST, ctl_add(self->ctl, "fd", "null", NULL));
	EXPECT_EQ(-EEXIST, ctl_add(self->ctl, "pts", "null", NULL));
	ret = ctl_add(self->ctl, "stdin/x", "null", NULL);
	EXPECT_TRUE(ret == -ENOTDIR || ret == -EEXIST) TH_LOG("ADD stdin/x: %d", ret);
	/* Every number is new. */
	for (i = 0; i < NR_STD_DEVS; i++) {
		if (!strcmp(std_devs[i].name, "tty"))
			continue;
		dev_init(&d, std_devs[i].name, NULL);
		ASSERT_EQ(0, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &d));
		for (j = 0; j < 3; j++) {
			EXPECT_NE(d.id, later[j].id);
			EXPECT_NE(makedev(d.major, d.minor), makedev(later[j].major, later[j].minor));
		}
	}
	fd = open(P("dri/card0"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(sizeof(buf), read(fd, buf, sizeof(buf)));
	close(fd);
	fd = open(P("zero"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(sizeof(buf), read(fd, buf, sizeof(buf)));
	/* std's devices go like any: removal revokes their files. */
	ASSERT_EQ(0, ctl_remove(self->ctl, "zero"));
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	ASSERT_EQ(0, unlink(P("tty")));
	EXPECT_EQ(-1, lstat(P("tty"), &st));
	ASSERT_EQ(0, ctl_remove(self->ctl, "rtc0"));
	ASSERT_EQ(0, ctl_remove(self->ctl, "dri/card0"));
	EXPECT_EQ(-1, lstat(P("dri"), &st));
	/* And come back, with new numbers. */
	ASSERT_EQ(0, ctl_add(self->ctl, "zero", "zero", &d));
	ASSERT_EQ(0, ctl_add(self->ctl, "tty", "tty", NULL));
	ASSERT_EQ(0, lstat(P("tty"), &st));
	EXPECT_EQ(makedev(5, 0), st.st_rdev);
}

/* ---- In a container ---- */

/* `2>/dev/null` and friends in a shell whose /dev is a std instance. */
#define SCRIPT "mount -t devnsfs -o std none /dev && ls /nonexistent 2>/dev/null; echo ok; " \
	"echo via-stdout >/dev/stdout; [ -c /dev/null ] && [ -L /dev/fd ] && echo nodes; " \
	"head -c 4 /dev/zero | od -An -tx1 | tr -d ' \\n'; echo"
#define WANT_OUT "ok\nvia-stdout\nnodes\n00000000\n"

static ssize_t slurp(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	buf[n] = '\0';
	return n;
}

TEST(a_shell_in_a_container_redirects_to_its_std_dev_null)
{
	char out[512], err[512];
	int o[2], e[2], status, i;
	pid_t pid;

	ASSERT_EQ(0, pipe2(o, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(e, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The pipes are the user's, as a terminal would be: /dev/stdout reopens one. */
		if (fchown(o[1], TEST_UID, TEST_GID) || fchown(e[1], TEST_UID, TEST_GID) ||
		    dup2(o[1], 1) < 0 || dup2(e[1], 2) < 0 || setgroups(0, NULL) ||
		    setresgid(TEST_GID, TEST_GID, TEST_GID) ||
		    setresuid(TEST_UID, TEST_UID, TEST_UID))
			_exit(100);
		setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 0);
		execlp("unshare", "unshare", "-Urm", "sh", "-c", SCRIPT, (char *)NULL);
		_exit(101);
	}
	close(o[1]);
	close(e[1]);
	/* At most 20 s: a shell that hangs fails the case, not the run. */
	for (i = 0; i < 200 && !waitpid(pid, &status, WNOHANG); i++)
		usleep(100000);
	if (i == 200) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	slurp(o[0], out, sizeof(out));
	slurp(e[0], err, sizeof(err));
	close(o[0]);
	close(e[0]);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("wait status %#x, stderr: %s", status, err);
	EXPECT_STREQ(WANT_OUT, out);
	EXPECT_STREQ("", err);
}

struct ct {
	const char *dir, *dir2;
};

static int std_in_container(void *arg, char *msg, size_t len)
{
	struct ct *c = arg;
	char path[PATH_MAX], buf[16];
	struct statfs sfs;
	int ctl, fd, err;

	ctl = mount_instance(c->dir, "std");
	CHECK(ctl >= 0, "mount -o std in the container");
	err = check_std(c->dir, ctl, 0, 0, 0, 0, msg, len);
	if (err)
		return err;
	fd = open(node_path(path, sizeof(path), c->dir, "zero"), O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open zero");
	CHECK(read(fd, buf, sizeof(buf)) == sizeof(buf) && all_zero(buf, sizeof(buf)), "read zero");
	close(fd);
	fd = open(node_path(path, sizeof(path), c->dir, "full"), O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open full");
	FAILS(ENOSPC, write(fd, "x", 1));
	close(fd);
	/* The container's max= counts the std devices too. */
	FAILS(ENOSPC, mount("none", c->dir2, "devnsfs", 0, "std,max=3"));
	OK(statfs(c->dir2, &sfs));
	CHECK((unsigned long)sfs.f_type != DEVNSFS_SUPER_MAGIC, "a failed mount stayed");
	close(ctl);
	return 0;
}

TEST(std_in_an_unprivileged_container)
{
	struct ct c = { make_mountpoint(), make_mountpoint() };
	struct userns_child child;
	char m[512], path[PATH_MAX];
	struct stat st;

	ASSERT_NE(NULL, c.dir);
	ASSERT_NE(NULL, c.dir2);
	ASSERT_EQ(0, chmod(c.dir2, 0777));
	ASSERT_EQ(0, userns_child_start(&child, std_in_container, &c));
	ASSERT_EQ(0, userns_child_result(&child, m, sizeof(m))) TH_LOG("in the container: %s", m);
	/* From the host: the container's root owns them. */
	snprintf(path, sizeof(path), "/proc/%d/root%s/null", child.pid, c.dir);
	EXPECT_EQ(0, lstat(path, &st));
	EXPECT_EQ(TEST_UID, st.st_uid);
	snprintf(path, sizeof(path), "/proc/%d/root%s/pts", child.pid, c.dir);
	EXPECT_EQ(0, lstat(path, &st));
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(0, userns_child_finish(&child));
	rmdir(c.dir);
	rmdir(c.dir2);
	free((char *)c.dir);
	free((char *)c.dir2);
}

/* Budgets: reloads the module, so the defaults come back after. */
FIXTURE(bud) {
	char dir[64];
};

FIXTURE_SETUP(bud)
{
	char *dir = make_mountpoint();

	ASSERT_NE(NULL, dir);
	snprintf(self->dir, sizeof(self->dir), "%s", dir);
	free(dir);
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN_PARENT(bud)
{
	rmdir(self->dir);
	EXPECT_EQ(0, reset_module()) TH_LOG("could not reload devnsfs with its defaults");
}

struct budget_try {
	const char *dir;
	int want;	/* errno of mount -o std; 0: it works, then ADD is EDQUOT */
};

static int std_against_budget(void *arg, char *msg, size_t len)
{
	struct budget_try *b = arg;
	struct statfs sfs;
	int ctl;

	if (b->want) {
		FAILS(b->want, mount("none", b->dir, "devnsfs", 0, "std"));
		OK(statfs(b->dir, &sfs));
		CHECK((unsigned long)sfs.f_type != DEVNSFS_SUPER_MAGIC, "a failed mount stayed");
		/* Without std the same budget still has room. */
		ctl = mount_instance(b->dir, NULL);
		CHECK(ctl >= 0, "mount without std");
		close(ctl);
		return 0;
	}
	ctl = mount_instance(b->dir, "std");
	CHECK(ctl >= 0, "mount -o std with a budget of exactly six numbers");
	CTL(EDQUOT, ctl_add(ctl, "more", "null", NULL));
	close(ctl);
	return 0;
}

static void try_budget(struct __test_metadata *_metadata, const char *dir, int want)
{
	struct budget_try b = { dir, want };
	struct userns_child c;
	char m[512];

	ASSERT_EQ(0, userns_child_start(&c, std_against_budget, &b));
	EXPECT_EQ(0, userns_child_result(&c, m, sizeof(m))) TH_LOG("in the container: %s", m);
	EXPECT_EQ(0, userns_child_finish(&c));
}

TEST_F_TIMEOUT(bud, std_spends_the_containers_number_budget, 60)
{
	int ret;

	/* Six devices, six numbers (tty's too: every ADD spends one). */
	ret = reload_module_wait("ns_budget=6");
	ASSERT_EQ(0, ret) TH_LOG("reload with ns_budget=6: %s", strerror(-ret));
	try_budget(_metadata, self->dir, 0);
	ret = reload_module_wait("ns_budget=5");
	ASSERT_EQ(0, ret) TH_LOG("reload with ns_budget=5: %s", strerror(-ret));
	try_budget(_metadata, self->dir, EDQUOT);
}

TEST_HARNESS_MAIN
