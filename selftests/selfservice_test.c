// SPDX-License-Identifier: GPL-2.0
/*
 * The self-service classes (issue 12): "tty" (5:0), "tun" (10:200),
 * "fuse" (10:229) and "kvm" (10:232), added and used by an unprivileged
 * container (uid TEST_UID as root of its own user and mount namespace),
 * against the issue 12 contract:
 *
 *  - anyone who may ADD may add tty, tun and fuse; ADD and INFO report the
 *    host number, which the node carries;
 *  - the tty node is the opener's controlling terminal, as /dev/tty;
 *  - the tun node makes an interface in the opener's network namespace,
 *    and its files are revoked by REMOVE;
 *  - the fuse node mounts a FUSE filesystem that a server in the
 *    container serves;
 *  - "kvm" is EPERM unless the module parameter kvm_class is 1, and then
 *    ENXIO on a kernel without KVM (the test kernel).
 *
 * tty and fuse files are the drivers' own: REMOVE stops new opens but
 * does not revoke them (the contract's documented limit), which the tty
 * and fuse cases check too.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/fuse.h>
#include <linux/if_tun.h>

#include "kselftest_harness.h"
#include "utils.h"

#define TTYAUX_MAJOR 5
#define MISC_MAJOR 10
#define TUN_MINOR 200
#define FUSE_MINOR 229
#define KVM_MINOR 232

#define IP_TOOL "/usr/sbin/ip"
#define KVM_CLASS_PARAM "/sys/module/devnsfs/parameters/kvm_class"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * ADD name of class cls and check what ADD, INFO and stat(2) of the node
 * say: the host number maj:min, mode 0600 and the instance's root as
 * owner. 0, or an errno with msg set.
 */
static int add_and_check(int ctl, const char *dir, const char *name, const char *cls,
			 unsigned int maj, unsigned int min, char *msg, size_t len)
{
	struct devnsfs_device d, info;
	char path[256];
	struct stat st;
	int ret;

	ret = ctl_add(ctl, name, cls, &d);
	if (ret)
		return fail_msg(msg, len, -ret, "ADD \"%s\" of class %s", name, cls);
	if (d.major != maj || d.minor != min || strcmp(d.class_name, cls))
		return fail_msg(msg, len, EINVAL, "ADD \"%s\" reported class %.16s, %u:%u",
				name, d.class_name, d.major, d.minor);
	dev_init(&info, name, NULL);
	ret = ctl_call(ctl, DEVNSFS_IOC_INFO, &info);
	if (ret)
		return fail_msg(msg, len, -ret, "INFO \"%s\"", name);
	if (info.major != maj || info.minor != min || strcmp(info.class_name, cls) ||
	    info.id != d.id)
		return fail_msg(msg, len, EINVAL,
				"INFO \"%s\" reported class %.16s, %u:%u, id %llu", name,
				info.class_name, info.major, info.minor,
				(unsigned long long)info.id);
	if (stat(node_path(path, sizeof(path), dir, name), &st))
		return fail_msg(msg, len, errno, "stat of the %s node", cls);
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(maj, min))
		return fail_msg(msg, len, EINVAL, "the %s node is mode %o, number %u:%u", cls,
				st.st_mode, major(st.st_rdev), minor(st.st_rdev));
	if ((st.st_mode & 07777) != 0600 || st.st_uid != 0 || st.st_gid != 0)
		return fail_msg(msg, len, EINVAL, "the %s node is mode %o, owner %d:%d", cls,
				st.st_mode & 07777, st.st_uid, st.st_gid);
	return 0;
}

/* Two mount points for the container: devnsfs, and devpts or FUSE. */
FIXTURE(ss) {
	char *dir;
	char *dir2;
};

FIXTURE_SETUP(ss)
{
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->dir2 = make_mountpoint();
	ASSERT_NE(NULL, self->dir2);
}

FIXTURE_TEARDOWN(ss)
{
	rmdir(self->dir);
	rmdir(self->dir2);
	free(self->dir);
	free(self->dir2);
}

struct ss_args {
	const char *dir;
	const char *dir2;
	bool own_netns;
};

static int add_all_in_container(void *arg, char *msg, size_t len)
{
	struct ss_args *a = arg;
	int ctl, ret;

	ctl = mount_instance(a->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount in the container");
	ret = add_and_check(ctl, a->dir, "tty", "tty", TTYAUX_MAJOR, 0, msg, len);
	if (!ret)
		ret = add_and_check(ctl, a->dir, "tun", "tun", MISC_MAJOR, TUN_MINOR, msg, len);
	if (!ret)
		ret = add_and_check(ctl, a->dir, "fuse", "fuse", MISC_MAJOR, FUSE_MINOR, msg, len);
	close(ctl);
	return ret;
}

/* A container's root adds tty, tun and fuse, with their host numbers. */
TEST_F(ss, a_container_adds_tty_tun_and_fuse_with_their_host_numbers)
{
	struct ss_args a = { .dir = self->dir };
	struct userns_child c;
	char msg[256] = "";

	ASSERT_EQ(0, userns_child_start(&c, add_all_in_container, &a));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
}

static int add_all_as_test_uid(void *arg, char *msg, size_t len)
{
	struct ss_args *a = arg;
	char path[256];
	int ctl, ret;

	if (setgroups(0, NULL) || setresgid(TEST_GID, TEST_GID, TEST_GID) ||
	    setresuid(TEST_UID, TEST_UID, TEST_UID))
		return fail_msg(msg, len, errno, "becoming uid %d", TEST_UID);
	ctl = open(node_path(path, sizeof(path), a->dir, DEVNSFS_CONTROL_NAME),
		   O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "open of the control node");
	ret = ctl_add(ctl, "tty", "tty", NULL);
	if (!ret)
		ret = ctl_add(ctl, "tun", "tun", NULL);
	if (!ret)
		ret = ctl_add(ctl, "fuse", "fuse", NULL);
	close(ctl);
	if (ret)
		return fail_msg(msg, len, -ret, "ADD as uid %d", TEST_UID);
	return 0;
}

/*
 * Self-service means anyone who may ADD: also a host user without any
 * capability, on a host root's instance whose control node it may write.
 */
TEST_F(ss, a_host_user_who_may_write_the_control_node_adds_them)
{
	struct ss_args a = { .dir = self->dir };
	char msg[256] = "";
	int ctl;

	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ctl = mount_instance(self->dir, "ctlmode=0666");
	ASSERT_GE(ctl, 0);
	EXPECT_EQ(0, fork_run(add_all_as_test_uid, &a, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	close(ctl);
	umount2(self->dir, MNT_DETACH);
}

/* Writes the reason of a failure to fd; returns 1, an exit status. */
static int report_fail(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(fd, fmt, ap);
	va_end(ap);
	return 1;
}

/*
 * The session leader the tty case forks in the container: first without a
 * controlling terminal (opening the tty node is ENXIO, as /dev/tty), then
 * with the pty slave as one; it writes through the tty node, waits for the
 * container to REMOVE the node, writes again through its open file, and
 * cannot open the node any more. Returns its exit status; the reason of a
 * failure goes to report.
 */
static int tty_session(const char *node, int master, int go, int report)
{
	struct termios tio;
	struct stat st;
	int slave, fd;
	char c;

	if (setsid() < 0)
		return report_fail(report, "setsid: %s", strerror(errno));
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd >= 0 || errno != ENXIO)
		return report_fail(report,
				   "without a controlling terminal, open of the tty node: %s",
				   fd >= 0 ? "a file, not ENXIO" : strerror(errno));
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd >= 0 || errno != ENXIO)
		return report_fail(report, "without a controlling terminal, /dev/tty: %s",
				   fd >= 0 ? "a file" : strerror(errno));
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return report_fail(report, "TIOCGPTPEER: %s", strerror(errno));
	if (ioctl(slave, TIOCSCTTY, 0))
		return report_fail(report, "TIOCSCTTY: %s", strerror(errno));
	if (tcgetattr(slave, &tio))
		return report_fail(report, "tcgetattr: %s", strerror(errno));
	cfmakeraw(&tio);
	if (tcsetattr(slave, TCSANOW, &tio))
		return report_fail(report, "tcsetattr: %s", strerror(errno));

	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return report_fail(report, "open of the tty node with a controlling terminal: %s",
				   strerror(errno));
	if (fstat(fd, &st) || st.st_rdev != makedev(TTYAUX_MAJOR, 0))
		return report_fail(report, "fstat of the tty file: number %u:%u",
				   major(st.st_rdev), minor(st.st_rdev));
	if (write(fd, "devnsfs-tty", 11) != 11)
		return report_fail(report, "write through the tty node: %s", strerror(errno));
	if (read(go, &c, 1) != 1)
		return report_fail(report, "the container gave up");
	/* A tty file is the driver's own: REMOVE does not revoke it. */
	if (write(fd, "after-remove", 12) != 12)
		return report_fail(report, "write to the tty file after REMOVE: %s",
				   strerror(errno));
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return report_fail(report, "open of the removed tty node: %s",
				   fd >= 0 ? "a file, not ENOENT" : strerror(errno));
	return 0;
}

/*
 * Reads master until want has arrived, for up to 10 s, and 2 s at most
 * once the peer's report pipe closed (it has exited); 0 or -errno.
 */
static int read_until(int master, int peer, const char *want, char *got, size_t size)
{
	long long end = now_ms() + 10000;
	size_t used = 0;

	got[0] = '\0';
	while (!strstr(got, want)) {
		struct pollfd p[2] = {
			{ .fd = master, .events = POLLIN },
			{ .fd = peer, .events = POLLIN },
		};
		ssize_t n;

		if (now_ms() > end)
			return -ETIMEDOUT;
		if (poll(p, peer >= 0 ? 2 : 1, 100) < 0)
			return -errno;
		if (p[0].revents & POLLIN) {
			n = read(master, got + used, size - 1 - used);
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			used += n;
			got[used] = '\0';
		} else if (peer >= 0 && p[1].revents) {
			/* What it wrote may still be on its way. */
			peer = -1;
			if (end > now_ms() + 2000)
				end = now_ms() + 2000;
		}
	}
	return 0;
}

static int tty_in_container(void *arg, char *msg, size_t len)
{
	struct ss_args *a = arg;
	char node[256], ptmx[256], got[128], why[200] = "";
	int ctl, master, unlock = 0, go[2], report[2], status, ret, err;
	ssize_t n;
	pid_t pid;

	ctl = mount_instance(a->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount in the container");
	ret = add_and_check(ctl, a->dir, "tty", "tty", TTYAUX_MAJOR, 0, msg, len);
	if (ret)
		return ret;
	node_path(node, sizeof(node), a->dir, "tty");
	if (mount("devpts", a->dir2, "devpts", 0, "newinstance,ptmxmode=0666,mode=0620"))
		return fail_msg(msg, len, errno, "mount of a devpts instance");
	master = open(node_path(ptmx, sizeof(ptmx), a->dir2, "ptmx"),
		      O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return fail_msg(msg, len, errno, "open of ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock))
		return fail_msg(msg, len, errno, "unlocking the pty");
	if (pipe2(go, O_CLOEXEC) || pipe2(report, O_CLOEXEC))
		return fail_msg(msg, len, errno, "pipe");
	pid = fork();
	if (pid < 0)
		return fail_msg(msg, len, errno, "fork");
	if (pid == 0) {
		close(go[1]);
		close(report[0]);
		_exit(tty_session(node, master, go[0], report[1]));
	}
	close(go[0]);
	close(report[1]);

	err = -read_until(master, report[0], "devnsfs-tty", got, sizeof(got));
	if (err) {
		snprintf(why, sizeof(why),
			 "the master read \"%s\" (%s), not what the session wrote",
			 got, strerror(err));
	} else {
		err = -ctl_remove(ctl, "tty");
		if (err)
			snprintf(why, sizeof(why), "REMOVE \"tty\": %s", strerror(err));
		else if (write(go[1], "r", 1) != 1)
			snprintf(why, sizeof(why), "pipe: %s", strerror(errno));
		else
			err = -read_until(master, report[0], "after-remove", got, sizeof(got));
		if (err && !why[0])
			snprintf(why, sizeof(why),
				 "after REMOVE the master read \"%s\" (%s), not what the session wrote",
				 got, strerror(err));
	}
	close(go[1]);
	waitpid(pid, &status, 0);
	n = read(report[0], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	close(report[0]);
	close(master);
	close(ctl);
	if (got[0])
		return fail_msg(msg, len, EINVAL, "session: %s", got);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fail_msg(msg, len, ECHILD, "session: wait status %#x", status);
	if (why[0])
		return fail_msg(msg, len, err ? err : EIO, "%s", why);
	return 0;
}

/*
 * A container process with a pty of the container's own devpts instance
 * as its controlling terminal opens its "tty" node and writes; the master
 * reads exactly that (the slave is raw). Without a controlling terminal
 * the node opens ENXIO, as /dev/tty does.
 */
TEST_F_TIMEOUT(ss, tty_node_is_the_openers_controlling_terminal, 120)
{
	struct ss_args a = { .dir = self->dir, .dir2 = self->dir2 };
	struct userns_child c;
	char msg[256] = "";

	ASSERT_EQ(0, userns_child_start(&c, tty_in_container, &a));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
}

/* Runs ip link show name; 0 if it succeeded and printed the name, or -errno. */
static int ip_link_show(const char *name, char *out, size_t size)
{
	int pipefd[2], status;
	ssize_t n, used = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execl(IP_TOOL, "ip", "link", "show", name, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (used < (ssize_t)size - 1 &&
	       (n = read(pipefd[0], out + used, size - 1 - used)) > 0)
		used += n;
	out[used] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -ECHILD;
	return strstr(out, name) ? 0 : -ENOENT;
}

/* Opens the tun node name and attaches interface ifname to it; fd or -errno. */
static int open_tun(const char *dir, const char *name, const char *ifname)
{
	struct ifreq ifr;
	char path[256];
	int fd, err;

	fd = open(node_path(path, sizeof(path), dir, name), O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/* 0 if a call on a revoked file returned ret = -1 with ENODEV. */
static int was_enodev(long ret, const char *call, char *msg, size_t len)
{
	if (ret == -1 && errno == ENODEV)
		return 0;
	if (ret == -1)
		return fail_msg(msg, len, errno, "%s on the revoked tun file: not ENODEV", call);
	return fail_msg(msg, len, EINVAL, "%s on the revoked tun file returned %ld", call, ret);
}

static int tun_in_container(void *arg, char *msg, size_t len)
{
	struct ss_args *a = arg;
	char out[512], buf[64];
	struct pollfd pfd;
	struct ifreq ifr;
	long long end;
	int ctl, fd, fd2, ret;

	if (unshare(CLONE_NEWNET))
		return fail_msg(msg, len, errno, "unshare(CLONE_NEWNET)");
	ctl = mount_instance(a->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount in the container");
	ret = add_and_check(ctl, a->dir, "tun", "tun", MISC_MAJOR, TUN_MINOR, msg, len);
	if (ret)
		return ret;
	fd = open_tun(a->dir, "tun", "devns0");
	if (fd < 0)
		return fail_msg(msg, len, -fd, "open of the tun node and TUNSETIFF devns0");
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr))
		return fail_msg(msg, len, errno, "TUNGETIFF");
	if (strcmp(ifr.ifr_name, "devns0") ||
	    (ifr.ifr_flags & (IFF_TUN | IFF_NO_PI)) != (IFF_TUN | IFF_NO_PI))
		return fail_msg(msg, len, EINVAL, "TUNGETIFF: %s, flags %#x", ifr.ifr_name,
				ifr.ifr_flags);
	if (!if_nametoindex("devns0"))
		return fail_msg(msg, len, errno, "if_nametoindex(devns0) in the container");
	if (!access(IP_TOOL, X_OK)) {
		ret = ip_link_show("devns0", out, sizeof(out));
		if (ret)
			return fail_msg(msg, len, -ret, "ip link show devns0: %.100s", out);
	}

	/* A second one stays open, for the host to look for. */
	ret = ctl_add(ctl, "tun2", "tun", NULL);
	if (ret)
		return fail_msg(msg, len, -ret, "ADD \"tun2\"");
	fd2 = open_tun(a->dir, "tun2", "devns1");
	if (fd2 < 0)
		return fail_msg(msg, len, -fd2, "open of tun2 and TUNSETIFF devns1");

	/* tun files are proxied: REMOVE revokes them. */
	ret = ctl_remove(ctl, "tun");
	if (ret)
		return fail_msg(msg, len, -ret, "REMOVE \"tun\"");
	ret = was_enodev(ioctl(fd, TUNGETIFF, &ifr), "TUNGETIFF", msg, len);
	if (!ret)
		ret = was_enodev(ioctl(fd, TUNSETIFF, &ifr), "TUNSETIFF", msg, len);
	if (!ret)
		ret = was_enodev(read(fd, buf, sizeof(buf)), "read", msg, len);
	if (!ret)
		ret = was_enodev(write(fd, buf, sizeof(buf)), "write", msg, len);
	if (ret)
		return ret;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	if (poll(&pfd, 1, 0) != 1 || pfd.revents != (POLLERR | POLLHUP))
		return fail_msg(msg, len, EINVAL, "poll of the revoked file: revents %#x",
				pfd.revents);
	if (close(fd))
		return fail_msg(msg, len, errno, "close of the revoked file");
	/* The interface goes with its last file, as any non-persistent tun. */
	end = now_ms() + 2000;
	while (if_nametoindex("devns0") && now_ms() < end)
		usleep(10000);
	if (if_nametoindex("devns0"))
		return fail_msg(msg, len, EEXIST,
				"devns0 is still there after its file was closed");
	close(ctl);
	return 0;
}

/* Whether /proc/pid/net/dev lists ifname. */
static bool netdev_listed(pid_t pid, const char *ifname)
{
	char path[64], line[256], want[32];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/dev", pid);
	snprintf(want, sizeof(want), "%s:", ifname);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, want))
			found = true;
	fclose(f);
	return found;
}

/*
 * The container's root, in a network namespace of its own, opens its
 * "tun" node and makes interface devns0 with TUNSETIFF: it is in the
 * container's netns (if_nametoindex, ip link show) and not in the host's.
 * After REMOVE every call on the file is ENODEV (poll POLLERR | POLLHUP),
 * and the interface goes with the file.
 */
TEST_F_TIMEOUT(ss, tun_node_makes_an_interface_in_the_openers_netns, 120)
{
	struct ss_args a = { .dir = self->dir };
	struct userns_child c;
	char msg[256] = "";

	ASSERT_EQ(0, userns_child_start(&c, tun_in_container, &a));
	ASSERT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	/* devns1 is still open in the container. */
	EXPECT_TRUE(netdev_listed(c.pid, "devns1")) {
		TH_LOG("/proc/%d/net/dev does not list devns1", c.pid);
	}
	EXPECT_EQ(0, if_nametoindex("devns1")) {
		TH_LOG("the container's interface is in the host's netns");
	}
	EXPECT_EQ(0, if_nametoindex("devns0"));
	EXPECT_EQ(0, userns_child_finish(&c));
}

/* The minimal FUSE filesystem: a root directory holding "hello". */
#define FUSE_HELLO_ID 2
static const char hello_data[] = "world\n";

static void fill_attr(struct fuse_attr *attr, uint64_t ino)
{
	memset(attr, 0, sizeof(*attr));
	attr->ino = ino;
	if (ino == FUSE_ROOT_ID) {
		attr->mode = S_IFDIR | 0755;
		attr->nlink = 2;
	} else {
		attr->mode = S_IFREG | 0444;
		attr->nlink = 1;
		attr->size = strlen(hello_data);
		attr->blocks = 1;
	}
	attr->blksize = 4096;
}

/* Replies to request unique: error (negative errno) or data; 0 or -errno. */
static int fuse_reply(int fd, uint64_t unique, int error, const void *data, size_t size)
{
	struct fuse_out_header out = {
		.len = sizeof(out) + (error ? 0 : size), .error = error, .unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &out, .iov_len = sizeof(out) },
		{ .iov_base = (void *)data, .iov_len = size },
	};

	if (writev(fd, iov, error || !size ? 1 : 2) == (ssize_t)out.len)
		return 0;
	/* A request interrupted or aborted meanwhile: nobody waits for it. */
	return errno == ENOENT ? 0 : -errno;
}

/* READDIR: ".", ".." and "hello" from offset on, as fits in size. */
static size_t fill_dir(char *out, size_t size, __u64 offset)
{
	static const struct {
		const char *name;
		__u64 ino;
		__u32 type;
	} ents[] = {
		{ ".", FUSE_ROOT_ID, DT_DIR },
		{ "..", FUSE_ROOT_ID, DT_DIR },
		{ "hello", FUSE_HELLO_ID, DT_REG },
	};
	size_t used = 0, i;

	for (i = offset; i < ARRAY_SIZE(ents); i++) {
		struct fuse_dirent *de = (struct fuse_dirent *)(out + used);
		size_t namelen = strlen(ents[i].name);
		size_t entsize = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);

		if (used + entsize > size)
			break;
		memset(de, 0, entsize);
		de->ino = ents[i].ino;
		de->off = i + 1;
		de->namelen = namelen;
		de->type = ents[i].type;
		memcpy(de->name, ents[i].name, namelen);
		used += entsize;
	}
	return used;
}

/*
 * Serves the FUSE connection on fd until it ends (ENODEV once unmounted).
 * Returns an exit status: 0 served from FUSE_INIT to the end; 1 a read
 * failed; 2 a short request; 3 the end came before FUSE_INIT; 4 a reply
 * failed.
 */
static int fuse_serve(int fd)
{
	static char buf[1 << 18];
	char dir[1024];
	bool inited = false;

	for (;;) {
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		void *arg = buf + sizeof(*in);
		ssize_t n = read(fd, buf, sizeof(buf));
		int ret = 0;

		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
			continue;
		if (n < 0 && (errno == ENODEV || errno == ECONNABORTED))
			return inited ? 0 : 3;
		if (n < 0)
			return 1;
		if ((size_t)n < sizeof(*in))
			return 2;
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *init = arg;
			struct fuse_init_out o = {
				.major = FUSE_KERNEL_VERSION,
				.minor = FUSE_KERNEL_MINOR_VERSION,
				.max_readahead = init->max_readahead,
				.max_background = 16,
				.congestion_threshold = 12,
				.max_write = 65536,
				.time_gran = 1,
			};

			inited = true;
			ret = fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { 0 };

			if (in->nodeid != FUSE_ROOT_ID && in->nodeid != FUSE_HELLO_ID) {
				ret = fuse_reply(fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			fill_attr(&o.attr, in->nodeid);
			ret = fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = { 0 };

			if (in->nodeid != FUSE_ROOT_ID || strcmp(arg, "hello")) {
				ret = fuse_reply(fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			o.nodeid = FUSE_HELLO_ID;
			o.generation = 1;
			fill_attr(&o.attr, FUSE_HELLO_ID);
			ret = fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			/* Direct I/O: every read of "hello" asks this server. */
			struct fuse_open_out o = {
				.fh = in->nodeid,
				.open_flags = in->opcode == FUSE_OPEN ? FOPEN_DIRECT_IO : 0,
			};

			ret = fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ: {
			struct fuse_read_in *r = arg;
			size_t size = strlen(hello_data);
			size_t off = r->offset < size ? r->offset : size;
			size_t count = size - off < r->size ? size - off : r->size;

			ret = fuse_reply(fd, in->unique, 0, hello_data + off, count);
			break;
		}
		case FUSE_READDIR: {
			struct fuse_read_in *r = arg;
			size_t size = r->size < sizeof(dir) ? r->size : sizeof(dir);

			ret = fuse_reply(fd, in->unique, 0, dir, fill_dir(dir, size, r->offset));
			break;
		}
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
		case FUSE_FLUSH:
			ret = fuse_reply(fd, in->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			/* No reply. */
			break;
		default:
			/* Nothing this test does needs another operation. */
			ret = fuse_reply(fd, in->unique, -EOPNOTSUPP, NULL, 0);
			break;
		}
		if (ret)
			return 4;
	}
}

/* Reads dir/hello; 0 if it holds hello_data, else an errno. */
static int read_hello(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char path[256], buf[64];
	ssize_t n;
	int fd;

	fd = open(node_path(path, sizeof(path), dir, "hello"), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_msg(msg, len, errno, "open of hello on the FUSE mount");
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return fail_msg(msg, len, errno, "read of hello");
	buf[n] = '\0';
	close(fd);
	if (strcmp(buf, hello_data))
		return fail_msg(msg, len, EILSEQ, "hello holds \"%s\"", buf);
	return 0;
}

/* Whether the FUSE mount on dir lists "hello". */
static bool lists_hello(const char *dir)
{
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while ((de = readdir(d)))
		found |= !strcmp(de->d_name, "hello") && de->d_type == DT_REG;
	closedir(d);
	return found;
}

/* Waits up to 10 s for pid to exit; its wait status, or -1 (then killed). */
static int wait_bounded(pid_t pid)
{
	long long end = now_ms() + 10000;
	int status;

	while (now_ms() < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* What the container does with its FUSE mount; 0, or an errno with why set. */
static int use_fuse_mount(const char *mnt, int ctl, char *why, size_t size)
{
	char msg[256] = "";
	struct stat st;
	int ret;

	if (stat(mnt, &st))
		return fail_msg(why, size, errno, "stat of the FUSE mount");
	if (!S_ISDIR(st.st_mode) || st.st_ino != FUSE_ROOT_ID)
		return fail_msg(why, size, EINVAL, "the FUSE root is mode %o, inode %llu",
				st.st_mode, (unsigned long long)st.st_ino);
	if (!lists_hello(mnt))
		return fail_msg(why, size, ENOENT, "readdir of the FUSE mount: no file hello");
	ret = fork_run(read_hello, (void *)mnt, msg, sizeof(msg));
	if (ret)
		return fail_msg(why, size, ret > 0 ? ret : EIO, "a reader: %s", msg);
	/* fuse files are the driver's own: REMOVE leaves the mount served. */
	ret = ctl_remove(ctl, "fuse");
	if (ret)
		return fail_msg(why, size, -ret, "REMOVE \"fuse\"");
	ret = read_hello((void *)mnt, msg, sizeof(msg));
	if (ret)
		return fail_msg(why, size, ret, "after REMOVE: %s", msg);
	return 0;
}

static int fuse_in_container(void *arg, char *msg, size_t len)
{
	struct ss_args *a = arg;
	char path[256], opts[128], why[256] = "";
	int ctl, fd, ret, err, status;
	pid_t server;

	ctl = mount_instance(a->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount in the container");
	ret = add_and_check(ctl, a->dir, "fuse", "fuse", MISC_MAJOR, FUSE_MINOR, msg, len);
	if (ret)
		return ret;
	fd = open(node_path(path, sizeof(path), a->dir, "fuse"), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail_msg(msg, len, errno, "open of the fuse node");
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("fuse", a->dir2, "fuse", 0, opts))
		return fail_msg(msg, len, errno, "mount -t fuse -o %s", opts);
	server = fork();
	if (server < 0)
		return fail_msg(msg, len, errno, "fork");
	if (server == 0)
		_exit(fuse_serve(fd));
	/* The server holds the only copy: if it dies, the connection ends. */
	close(fd);

	err = use_fuse_mount(a->dir2, ctl, why, sizeof(why));
	if (umount(a->dir2)) {
		if (!err)
			err = fail_msg(why, sizeof(why), errno, "umount of the FUSE mount");
		umount2(a->dir2, MNT_DETACH);
	}
	status = wait_bounded(server);
	close(ctl);
	if (err) {
		snprintf(msg, len, "%s", why);
		return err;
	}
	if (status == -1)
		return fail_msg(msg, len, ETIMEDOUT, "the FUSE server did not end after umount");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fail_msg(msg, len, EIO, "the FUSE server ended with wait status %#x",
				status);
	return 0;
}

/*
 * The container's root opens its "fuse" node and mounts a FUSE filesystem
 * with it, served by a server in the container; stat(2) of the mount,
 * readdir, and a read of "hello" by another process work, also after
 * REMOVE of the node; umount ends the server.
 */
TEST_F_TIMEOUT(ss, fuse_node_serves_a_fuse_mount, 120)
{
	struct ss_args a = { .dir = self->dir, .dir2 = self->dir2 };
	struct userns_child c;
	char msg[256] = "";

	ASSERT_EQ(0, userns_child_start(&c, fuse_in_container, &a));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
}

/* "kvm": the module parameter kvm_class decides. Reloads the module. */
FIXTURE(kvm) {
	char *dir;
};

FIXTURE_SETUP(kvm)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
}

FIXTURE_TEARDOWN(kvm)
{
	int ret;

	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
	/* The programs after this one run with the defaults. */
	ret = reset_module();
	ASSERT_EQ(0, ret) {
		TH_LOG("reloading devnsfs with its defaults: %s", strerror(-ret));
	}
}

/* The value of kvm_class, or -1 if there is no such parameter. */
static int kvm_class(void)
{
	FILE *f = fopen(KVM_CLASS_PARAM, "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

struct kvm_args {
	const char *dir;
	int kvm_ret;	/* out: ADD "kvm" */
	int tun_ret;	/* out: ADD "tun" */
};

static int add_kvm_in_container(void *arg, char *msg, size_t len)
{
	struct kvm_args *k = arg;
	int ctl;

	ctl = mount_instance(k->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount in the container");
	k->kvm_ret = ctl_add(ctl, "kvm", "kvm", NULL);
	k->tun_ret = ctl_add(ctl, "tun", "tun", NULL);
	snprintf(msg, len, "%d %d", k->kvm_ret, k->tun_ret);
	close(ctl);
	return 0;
}

/* ADD "kvm" and "tun" in a container: what each gave, into k. */
static int container_adds_kvm(struct kvm_args *k, char *msg, size_t len)
{
	struct userns_child c;
	int ret;

	if (userns_child_start(&c, add_kvm_in_container, k))
		return -1;
	ret = userns_child_result(&c, msg, len);
	userns_child_finish(&c);
	if (ret)
		return ret;
	if (sscanf(msg, "%d %d", &k->kvm_ret, &k->tun_ret) != 2)
		return -1;
	return 0;
}

/* ADD "kvm" by host root on an instance of its own; 0 or -errno. */
static int host_adds_kvm(const char *dir)
{
	int ctl, ret;

	ctl = mount_instance(dir, NULL);
	if (ctl < 0)
		return -errno;
	ret = ctl_add(ctl, "kvm", "kvm", NULL);
	close(ctl);
	umount2(dir, MNT_DETACH);
	return ret;
}

static void expect_errno(struct __test_metadata *_metadata, int want, int got, const char *what)
{
	EXPECT_EQ(-want, got) {
		TH_LOG("%s: %s, expected %s", what, got ? strerror(-got) : "success",
		       want ? strerror(want) : "success");
	}
}

/* With kvm_class=0, the default, ADD "kvm" is EPERM for everyone. */
TEST_F_TIMEOUT(kvm, kvm_is_eperm_with_kvm_class_0, 60)
{
	struct kvm_args k = { .dir = self->dir };
	char msg[256] = "";
	int ret;

	ret = reset_module();
	ASSERT_EQ(0, ret) {
		TH_LOG("loading devnsfs with its defaults: %s", strerror(-ret));
	}
	EXPECT_EQ(0, kvm_class()) {
		TH_LOG("%s reads %d (-1: no such parameter)", KVM_CLASS_PARAM, kvm_class());
	}
	ASSERT_EQ(0, container_adds_kvm(&k, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	expect_errno(_metadata, EPERM, k.kvm_ret, "ADD \"kvm\" in a container");
	expect_errno(_metadata, 0, k.tun_ret, "ADD \"tun\" in the same container");
	expect_errno(_metadata, EPERM, host_adds_kvm(self->dir), "ADD \"kvm\" by host root");
}

/*
 * With kvm_class=1 anyone who may ADD may add "kvm", and on a kernel
 * without KVM that is ENXIO: devnsfs never loads a driver for a
 * container.
 */
TEST_F_TIMEOUT(kvm, kvm_is_enxio_with_kvm_class_1_and_no_kvm, 60)
{
	struct kvm_args k = { .dir = self->dir };
	char msg[256] = "";
	int ret;

	if (!access("/dev/kvm", F_OK) || !access("/sys/module/kvm", F_OK))
		SKIP(return, "this kernel has KVM");
	ret = reload_module_wait("kvm_class=1");
	ASSERT_EQ(0, ret) {
		TH_LOG("loading devnsfs with kvm_class=1: %s", strerror(-ret));
	}
	EXPECT_EQ(1, kvm_class()) {
		TH_LOG("%s reads %d (-1: no such parameter)", KVM_CLASS_PARAM, kvm_class());
	}
	ASSERT_EQ(0, container_adds_kvm(&k, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	expect_errno(_metadata, ENXIO, k.kvm_ret, "ADD \"kvm\" in a container");
	expect_errno(_metadata, 0, k.tun_ret, "ADD \"tun\" in the same container");
	expect_errno(_metadata, ENXIO, host_adds_kvm(self->dir), "ADD \"kvm\" by host root");
}

/*
 * A host that restricts /dev/net/tun or /dev/fuse turns the classes off:
 * with tun_class=0 and fuse_class=0, ADD of each is EPERM for everyone,
 * while the other self-service classes still add.
 */
static int add_tun_fuse_in_container(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	int ctl, tun, fuse, tty;

	ctl = mount_instance(dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount in the container");
	tun = ctl_add(ctl, "tun", "tun", NULL);
	fuse = ctl_add(ctl, "fuse", "fuse", NULL);
	tty = ctl_add(ctl, "tty", "tty", NULL);
	snprintf(msg, len, "%d %d %d", tun, fuse, tty);
	close(ctl);
	return 0;
}

TEST_F_TIMEOUT(kvm, tun_and_fuse_are_eperm_when_the_host_turns_them_off, 60)
{
	struct userns_child c;
	char msg[256] = "";
	int ret, tun = 1, fuse = 1, tty = 1;

	ret = reload_module_wait("tun_class=0 fuse_class=0");
	ASSERT_EQ(0, ret) {
		TH_LOG("loading devnsfs with tun_class=0 fuse_class=0: %s", strerror(-ret));
	}
	ASSERT_EQ(0, userns_child_start(&c, add_tun_fuse_in_container, self->dir));
	ret = userns_child_result(&c, msg, sizeof(msg));
	userns_child_finish(&c);
	ASSERT_EQ(0, ret) TH_LOG("container: %s", msg);
	ASSERT_EQ(3, sscanf(msg, "%d %d %d", &tun, &fuse, &tty)) TH_LOG("container: %s", msg);
	expect_errno(_metadata, EPERM, tun, "ADD \"tun\" with tun_class=0");
	expect_errno(_metadata, EPERM, fuse, "ADD \"fuse\" with fuse_class=0");
	expect_errno(_metadata, 0, tty, "ADD \"tty\" meanwhile");
}

TEST_HARNESS_MAIN
