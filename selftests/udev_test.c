// SPDX-License-Identifier: GPL-2.0
/*
 * systemd-udevd in a container whose /dev is devnsfs (issue 13): the
 * container's root mounts `devnsfs -o std` on /dev in its own user, mount
 * and network namespaces, starts the host's systemd-udevd there with a rule
 * for devnsfs devices, and adds an rtc. udevd must receive the uevent,
 * find the node, make the rule's symlink and the /dev/char one (mkdir and
 * symlink by the owner) and run the rule's program; on removal the
 * symlinks go. Before issue 13, udevd aborted with "Failed to create device
 * symlink '/dev/char/M:m'" (an instance refused mkdir and symlink).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

#define UDEVD "/lib/systemd/systemd-udevd"
#define UDEVADM "/bin/udevadm"
#define RULE "SUBSYSTEM==\"devnsfs\", KERNEL==\"rtc0\", SYMLINK+=\"myclock\", " \
	"RUN+=\"/bin/sh -c 'echo $env{DEVNS_CLASS} > /run/udev-ran'\"\n"

/* Waits up to timeout_ms for test() to hold. */
static int wait_for(int (*test)(const char *), const char *path, int timeout_ms)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 50) {
		if (test(path))
			return 0;
		nanosleep(&step, NULL);
	}
	return test(path) ? 0 : -1;
}

/* Creates path holding text; 0 or -1. */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static int missing(const char *path)
{
	return !exists(path);
}

/* Starts udevd with its log in /run/udevd.log; its pid, or -1. */
static pid_t start_udevd(void)
{
	pid_t pid = fork();
	int log;

	if (pid)
		return pid;
	log = open("/run/udevd.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log >= 0) {
		dup2(log, 1);
		dup2(log, 2);
	}
	execl(UDEVD, UDEVD, "--debug", (char *)NULL);
	_exit(127);
}

/*
 * Waits until udevd answers on its control socket: its event loop runs,
 * so its uevent socket is bound (the control socket's file appears
 * earlier, and an event sent before the uevent socket is bound is lost).
 */
static int ping_udevd(void)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		execl(UDEVADM, UDEVADM, "control", "--ping", "--timeout=90", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The last lines of udevd's log, into msg after what. */
static int fail_with_log(char *msg, size_t len, int err, const char *what)
{
	char log[4096] = "";
	ssize_t n = 0;
	int fd = open("/run/udevd.log", O_RDONLY | O_CLOEXEC);
	off_t size;

	if (fd >= 0) {
		size = lseek(fd, 0, SEEK_END);
		lseek(fd, size > 300 ? size - 300 : 0, SEEK_SET);
		n = read(fd, log, sizeof(log) - 1);
		close(fd);
	}
	log[n > 0 ? n : 0] = '\0';
	return fail_msg(msg, len, err, "%s; udevd's log ends: %s", what, log);
}

static int udevd_in_a_container(void *arg, char *msg, size_t len)
{
	struct devnsfs_device d;
	char path[64], link[64] = "", ran[16] = "";
	int ctl, fd, ret = 0;
	pid_t udevd;
	ssize_t n;

	(void)arg;
	if (unshare(CLONE_NEWNET))
		return fail_msg(msg, len, errno, "unshare(CLONE_NEWNET)");
	if (mount("none", "/run", "tmpfs", 0, "mode=0755"))
		return fail_msg(msg, len, errno, "mount tmpfs on /run");
	if (mount("none", "/dev", "devnsfs", 0, "std"))
		return fail_msg(msg, len, errno, "mount devnsfs -o std on /dev");
	/*
	 * Only this test's rule: the distribution's hundreds take udevd (under
	 * KASAN, in TCG) most of a minute to parse, and act on nothing here.
	 */
	if (mount("none", "/usr/lib/udev/rules.d", "tmpfs", 0, NULL) ||
	    (!access("/etc/udev/rules.d", F_OK) &&
	     mount("none", "/etc/udev/rules.d", "tmpfs", 0, NULL)))
		return fail_msg(msg, len, errno, "hide the distribution's rules");
	/* Nor any module index: udevd loads it at start, slowly over 9p. */
	if (!access("/usr/lib/modules", F_OK) &&
	    mount("none", "/usr/lib/modules", "tmpfs", 0, NULL))
		return fail_msg(msg, len, errno, "hide the module index");
	if (mkdir("/run/udev", 0755) || mkdir("/run/udev/rules.d", 0755) ||
	    put("/run/udev/rules.d/99-devnsfs.rules", RULE))
		return fail_msg(msg, len, errno, "write the rule");
	udevd = start_udevd();
	if (udevd < 0)
		return fail_msg(msg, len, errno, "fork");
	if (wait_for(exists, "/run/udev/control", 60000)) {
		ret = fail_with_log(msg, len, ETIMEDOUT, "udevd made no control socket");
		goto out;
	}
	if (ping_udevd()) {
		ret = fail_with_log(msg, len, ETIMEDOUT, "udevd did not answer a ping");
		goto out;
	}
	ctl = open("/dev/" DEVNSFS_CONTROL_NAME, O_RDWR | O_CLOEXEC);
	if (ctl < 0 || ctl_add(ctl, "rtc0", "rtc", &d)) {
		ret = fail_msg(msg, len, errno, "ADD rtc0");
		goto out;
	}
	if (wait_for(exists, "/run/udev-ran", 60000) || wait_for(exists, "/dev/myclock", 5000)) {
		ret = fail_with_log(msg, len, ETIMEDOUT, "the rule did not run or link");
		goto out;
	}
	n = readlink("/dev/myclock", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	if (strcmp(link, "rtc0")) {
		ret = fail_msg(msg, len, EINVAL, "/dev/myclock -> '%s', not rtc0", link);
		goto out;
	}
	snprintf(path, sizeof(path), "/dev/char/%u:%u", d.major, d.minor);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	if (strcmp(link, "../rtc0")) {
		ret = fail_with_log(msg, len, ENOENT, "no /dev/char link to ../rtc0");
		goto out;
	}
	fd = open("/run/udev-ran", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, ran, sizeof(ran) - 1) : -1;
	ran[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	if (strcmp(ran, "rtc\n")) {
		ret = fail_msg(msg, len, EINVAL, "RUN saw DEVNS_CLASS '%s'", ran);
		goto out;
	}
	if (ctl_remove(ctl, "rtc0")) {
		ret = fail_msg(msg, len, errno, "REMOVE rtc0");
		goto out;
	}
	if (wait_for(missing, "/dev/myclock", 30000) || wait_for(missing, path, 5000))
		ret = fail_with_log(msg, len, EEXIST, "the symlinks stayed after REMOVE");
	close(ctl);
out:
	kill(udevd, SIGTERM);
	waitpid(udevd, NULL, 0);
	return ret;
}

FIXTURE(udev) {
};

FIXTURE_SETUP(udev)
{
}

FIXTURE_TEARDOWN(udev)
{
}

/* udevd starts slowly under TCG with KASAN. */
TEST_F_TIMEOUT(udev, udevd_makes_links_and_runs_rules_in_a_devnsfs_dev, 300)
{
	struct userns_child c;
	char msg[1024] = "";

	if (access(UDEVD, X_OK))
		SKIP(return, "no %s (Debian's udev package)", UDEVD);
	ASSERT_EQ(0, userns_child_start(&c, udevd_in_a_container, NULL));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
}

TEST_HARNESS_MAIN
