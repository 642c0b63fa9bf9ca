// SPDX-License-Identifier: GPL-2.0
/*
 * oci_ctl: the probe oci_test copies into a container's busybox rootfs,
 * linked statically since the rootfs holds no C library. Each subcommand
 * prints one word-or-few result on one line, an errno name when a call
 * fails, so that the test can compare a container whose /dev is devnsfs
 * with one whose /dev is the runtime's own tmpfs:
 *
 *   oci_ctl add NAME CLASS   DEVNSFS_IOC_ADD on /dev/devns-control
 *   oci_ctl rm NAME          DEVNSFS_IOC_REMOVE
 *   oci_ctl write PATH       open for writing and write one byte
 *   oci_ctl tty              open /dev/tty: "same" when it is the
 *                            terminal on stdin, else the errno
 *   oci_ctl console          /dev/console against stdin: same, other,
 *                            absent
 *   oci_ctl pty              open /dev/ptmx, unlock, open the pts it
 *                            names, pass a line from master to slave
 *   oci_ctl rtc PATH         read an rtc's time, then try to set it
 *                            (CAP_SYS_TIME in the container's user
 *                            namespace needed)
 *   oci_ctl fstype PATH      the filesystem PATH is on (statfs)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <termios.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/rtc.h>

#include <linux/devnsfs.h>

#define CONTROL "/dev/" DEVNSFS_CONTROL_NAME
#define MQUEUE_MAGIC 0x19800202 /* ipc/mqueue.c */

static int errname(const char *what)
{
	const char *name = strerrorname_np(errno);

	if (what)
		printf("%s: ", what);
	if (name)
		printf("%s\n", name);
	else
		printf("E%d\n", errno);
	return 1;
}

static int ctl(unsigned long cmd, const char *name, const char *cls)
{
	struct devnsfs_device d;
	int fd = open(CONTROL, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errname("open " CONTROL);
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	if (cls)
		snprintf(d.class_name, sizeof(d.class_name), "%s", cls);
	if (ioctl(fd, cmd, &d))
		return errname(cmd == DEVNSFS_IOC_ADD ? "ADD" : "REMOVE");
	if (cmd == DEVNSFS_IOC_ADD)
		printf("%s: class=%s dev=%u:%u\n", d.name, d.class_name, d.major, d.minor);
	else
		printf("removed\n");
	return 0;
}

static int do_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return errname("open");
	if (write(fd, "x", 1) != 1)
		return errname("write");
	printf("ok\n");
	return 0;
}

/*
 * Whether fd is the terminal on stdin: TIOCGDEV gives the tty's own
 * number, also for a file opened through /dev/tty (whose inode is 5:0).
 */
static int same_as_stdin(int fd)
{
	unsigned int a, b;

	return !ioctl(fd, TIOCGDEV, &a) && !ioctl(0, TIOCGDEV, &b) && a == b;
}

static int do_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	pid_t pgrp;

	if (fd < 0)
		return errname(NULL);
	/* /dev/tty's open gives the controlling terminal's own file. */
	if (ioctl(fd, TIOCGPGRP, &pgrp))
		return errname("TIOCGPGRP");
	printf("%s\n", same_as_stdin(fd) ? "same" : "other");
	return 0;
}

static int do_console(void)
{
	struct stat st;
	int fd;

	if (lstat("/dev/console", &st)) {
		printf("absent\n");
		return 0;
	}
	fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errname(NULL);
	printf("%s\n", same_as_stdin(fd) ? "same" : "other");
	return 0;
}

static int do_pty(void)
{
	char path[64], buf[16] = "";
	struct termios t;
	int master, slave, n, unlock = 0;
	unsigned int num;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return errname("open /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) || ioctl(master, TIOCGPTN, &num))
		return errname("unlock");
	snprintf(path, sizeof(path), "/dev/pts/%u", num);
	slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return errname("open /dev/pts/N");
	if (tcgetattr(slave, &t))
		return errname("tcgetattr");
	t.c_lflag &= ~ECHO;
	if (tcsetattr(slave, TCSANOW, &t))
		return errname("tcsetattr");
	if (write(master, "ping\n", 5) != 5)
		return errname("write to the master");
	n = read(slave, buf, sizeof(buf) - 1);
	if (n < 0)
		return errname("read from the slave");
	printf("%s\n", n == 5 && !memcmp(buf, "ping\n", 5) ? "ok" : "garbled");
	return 0;
}

static int do_rtc(const char *path)
{
	struct rtc_time set = { .tm_year = 131, .tm_mon = 0, .tm_mday = 2,
				.tm_hour = 3, .tm_min = 4, .tm_sec = 5 };
	struct rtc_time got;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errname("open");
	if (ioctl(fd, RTC_RD_TIME, &got))
		return errname("RTC_RD_TIME");
	printf("read ok, set ");
	if (ioctl(fd, RTC_SET_TIME, &set))
		return errname(NULL);
	if (ioctl(fd, RTC_RD_TIME, &got))
		return errname("RTC_RD_TIME");
	printf("%04d-%02d-%02d\n", got.tm_year + 1900, got.tm_mon + 1, got.tm_mday);
	return 0;
}

static int do_fstype(const char *path)
{
	struct statfs s;

	if (statfs(path, &s))
		return errname(NULL);
	switch (s.f_type) {
	case TMPFS_MAGIC:
		printf("tmpfs\n");
		break;
	case DEVPTS_SUPER_MAGIC:
		printf("devpts\n");
		break;
	case DEVNSFS_SUPER_MAGIC:
		printf("devnsfs\n");
		break;
	case MQUEUE_MAGIC:
		printf("mqueue\n");
		break;
	default:
		printf("0x%lx\n", (unsigned long)s.f_type);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "add") && argc == 4)
		return ctl(DEVNSFS_IOC_ADD, argv[2], argv[3]);
	if (!strcmp(cmd, "rm") && argc == 3)
		return ctl(DEVNSFS_IOC_REMOVE, argv[2], NULL);
	if (!strcmp(cmd, "write") && argc == 3)
		return do_write(argv[2]);
	if (!strcmp(cmd, "tty") && argc == 2)
		return do_tty();
	if (!strcmp(cmd, "console") && argc == 2)
		return do_console();
	if (!strcmp(cmd, "pty") && argc == 2)
		return do_pty();
	if (!strcmp(cmd, "rtc") && argc == 3)
		return do_rtc(argv[2]);
	if (!strcmp(cmd, "fstype") && argc == 3)
		return do_fstype(argv[2]);
	fprintf(stderr, "usage: oci_ctl add NAME CLASS | rm NAME | write PATH | tty | console |"
			" pty | rtc PATH | fstype PATH\n");
	return 2;
}
