// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the devnsfs selftests. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "utils.h"

int fail_msg(char *msg, size_t len, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	n = strlen(msg);
	snprintf(msg + n, len - n, ": %s", strerror(err));
	return err ? err : EINVAL;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int write_maps(pid_t pid, const char *uid_map, const char *gid_map)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	if (write_file(path, uid_map))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
	if (write_file(path, "deny"))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	return write_file(path, gid_map);
}

static int map_ids(pid_t pid, unsigned int inside)
{
	char uid_map[64], gid_map[64];

	snprintf(uid_map, sizeof(uid_map), "%u %d 1", inside, TEST_UID);
	snprintf(gid_map, sizeof(gid_map), "%u %d 1", inside, TEST_GID);
	return write_maps(pid, uid_map, gid_map);
}

/*
 * The end of every userns child: runs fn, reports its verdict, and stays
 * alive, with its mounts, until the parent is done looking.
 */
static void run_and_report(int rd, int wr, userns_fn fn, void *arg)
{
	char msg[256] = "";
	char c;
	int err;

	err = fn(arg, msg, sizeof(msg));
	dprintf(wr, "%d %s\n", err, msg);
	if (read(rd, &c, 1) != 1)
		_exit(4);
	_exit(0);
}

static void child(int rd, int wr, unsigned int inside, userns_fn fn, void *arg)
{
	char c;

	if (setgroups(0, NULL) || setresgid(TEST_GID, TEST_GID, TEST_GID) ||
	    setresuid(TEST_UID, TEST_UID, TEST_UID) ||
	    unshare(CLONE_NEWUSER | CLONE_NEWNS))
		_exit(1);
	if (write(wr, "u", 1) != 1 || read(rd, &c, 1) != 1 || c != 'm')
		_exit(2);
	if (setresgid(inside, inside, inside) || setresuid(inside, inside, inside))
		_exit(3);
	run_and_report(rd, wr, fn, arg);
}

int userns_child_start(struct userns_child *c, userns_fn fn, void *arg)
{
	return userns_child_start_as(c, 0, fn, arg);
}

/* Starts a userns child whose maps are uid_map/gid_map, or else inside's. */
static int start_child(struct userns_child *c, unsigned int inside, const char *uid_map,
		       const char *gid_map, userns_fn fn, void *arg)
{
	int down[2], up[2];
	char ch;

	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		close(down[1]);
		close(up[0]);
		child(down[0], up[1], inside, fn, arg);
	}
	close(down[0]);
	close(up[1]);
	c->to_child = down[1];
	c->from_child = up[0];
	if (read(c->from_child, &ch, 1) != 1 || ch != 'u' ||
	    (uid_map ? write_maps(c->pid, uid_map, gid_map) : map_ids(c->pid, inside)) ||
	    write(c->to_child, "m", 1) != 1)
		return -1;
	return 0;
}

int userns_child_start_as(struct userns_child *c, unsigned int inside, userns_fn fn, void *arg)
{
	return start_child(c, inside, NULL, NULL, fn, arg);
}

int userns_child_start_maps(struct userns_child *c, const char *uid_map, const char *gid_map,
			    userns_fn fn, void *arg)
{
	return start_child(c, 0, uid_map, gid_map, fn, arg);
}

int userns_child_result(struct userns_child *c, char *msg, size_t len)
{
	char buf[300];
	ssize_t n, total = 0;
	int err;

	while (total < (ssize_t)sizeof(buf) - 1) {
		n = read(c->from_child, buf + total, 1);
		if (n != 1 || buf[total] == '\n')
			break;
		total++;
	}
	buf[total] = '\0';
	if (sscanf(buf, "%d", &err) != 1) {
		snprintf(msg, len, "the child died before reporting");
		return -1;
	}
	snprintf(msg, len, "%s", strchr(buf, ' ') ? strchr(buf, ' ') + 1 : "");
	return err;
}

int userns_child_finish(struct userns_child *c)
{
	int status = -1;

	if (write(c->to_child, "x", 1) != 1)
		kill(c->pid, SIGKILL);
	close(c->to_child);
	close(c->from_child);
	waitpid(c->pid, &status, 0);
	return status;
}

char *make_mountpoint(void)
{
	char *dir = strdup("/tmp/devnsfs-test.XXXXXX");

	if (!dir || !mkdtemp(dir) || chmod(dir, 0755)) {
		free(dir);
		return NULL;
	}
	return dir;
}

void dev_init(struct devnsfs_device *d, const char *name, const char *class_name)
{
	memset(d, 0, sizeof(*d));
	if (name)
		snprintf(d->name, sizeof(d->name), "%s", name);
	if (class_name)
		snprintf(d->class_name, sizeof(d->class_name), "%s", class_name);
}

int ctl_call(int ctl, unsigned long cmd, struct devnsfs_device *d)
{
	return ioctl(ctl, cmd, d) ? -errno : 0;
}

int ctl_add(int ctl, const char *name, const char *class_name, struct devnsfs_device *out)
{
	struct devnsfs_device d;

	dev_init(&d, name, class_name);
	if (ioctl(ctl, DEVNSFS_IOC_ADD, &d))
		return -errno;
	if (out)
		*out = d;
	return 0;
}

int ctl_remove(int ctl, const char *name)
{
	struct devnsfs_device d;

	dev_init(&d, name, NULL);
	return ioctl(ctl, DEVNSFS_IOC_REMOVE, &d) ? -errno : 0;
}

const char *node_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

int mount_instance(const char *dir, const char *options)
{
	char path[256];

	if (mount("none", dir, "devnsfs", 0, options))
		return -1;
	return open(node_path(path, sizeof(path), dir, DEVNSFS_CONTROL_NAME), O_RDWR | O_CLOEXEC);
}

int write_text(const char *path, const char *text)
{
	return write_file(path, text);
}

/* Loads $DEVNSFS_KO with params; 0 or -errno. */
static int insert_module(const char *params)
{
	const char *ko = getenv("DEVNSFS_KO");
	int fd, ret;

	fd = open(ko ? ko : "", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return ret ? -errno : 0;
}

int reload_module(const char *params)
{
	if (syscall(SYS_delete_module, "devnsfs", O_NONBLOCK))
		return -errno;
	return insert_module(params);
}

int module_refcount(void)
{
	FILE *f = fopen("/sys/module/devnsfs/refcnt", "re");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

int super_options(const char *dir, char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024], point[512], opts[512];
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - devnsfs ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", point) != 1)
			continue;
		if (strcmp(point, dir) || sscanf(sep, " - devnsfs %*s %511s", opts) != 1)
			continue;
		snprintf(buf, len, "%s", opts);
		found = 0;
	}
	fclose(f);
	return found;
}

unsigned long soak_count(unsigned long quick, unsigned long full)
{
	const char *stress = getenv("DEVNSFS_STRESS");

	return stress && !strcmp(stress, "1") ? full : quick;
}

int scm_send_fd(int sock, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int scm_recv_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	if (n != 1)
		return -EPROTO;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* The grandchild of userns_child_start_nested(). */
static void nested_child(int rd, int wr, userns_fn fn, void *arg)
{

	/*
	 * Our own uid and gid, root of the namespace we are in, to root. We
	 * changed uid on the way here, which made us non-dumpable, and
	 * /proc/self of a non-dumpable task belongs to host root: dumpable
	 * again, so that we may write our own maps.
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) || unshare(CLONE_NEWUSER | CLONE_NEWNS) ||
	    write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", "0 0 1") ||
	    write_file("/proc/self/gid_map", "0 0 1"))
		_exit(1);
	run_and_report(rd, wr, fn, arg);
}

int userns_child_start_nested(struct userns_child *c, userns_fn fn, void *arg)
{
	int down[2], up[2];

	if (pipe2(down, O_CLOEXEC))
		return -1;
	if (pipe2(up, O_CLOEXEC)) {
		close(down[0]);
		close(down[1]);
		return -1;
	}
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		close(down[1]);
		close(up[0]);
		nested_child(down[0], up[1], fn, arg);
	}
	close(down[0]);
	close(up[1]);
	c->to_child = down[1];
	c->from_child = up[0];
	return 0;
}

/* Enters the user and mount namespaces of pid as their root; 0 or -1. */
static int join_namespaces(pid_t pid)
{
	char path[64];
	int user, mnt, ret;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	user = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	mnt = open(path, O_RDONLY | O_CLOEXEC);
	ret = user < 0 || mnt < 0 || setgroups(0, NULL) ||
	      setns(user, CLONE_NEWUSER) || setns(mnt, CLONE_NEWNS) || chdir("/") ||
	      setresgid(0, 0, 0) || setresuid(0, 0, 0) ? -1 : 0;
	if (user >= 0)
		close(user);
	if (mnt >= 0)
		close(mnt);
	return ret;
}

int userns_join_run(pid_t pid, userns_fn fn, void *arg, char *msg, size_t len)
{
	char buf[300] = "";
	int up[2], status, err;
	ssize_t n;
	pid_t child;

	if (pipe2(up, O_CLOEXEC))
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		char m[256] = "";

		close(up[0]);
		if (join_namespaces(pid)) {
			dprintf(up[1], "-1 cannot join the namespaces of %d: %s\n", pid,
				strerror(errno));
			_exit(1);
		}
		err = fn(arg, m, sizeof(m));
		dprintf(up[1], "%d %s\n", err, m);
		_exit(0);
	}
	close(up[1]);
	n = read(up[0], buf, sizeof(buf) - 1);
	close(up[0]);
	waitpid(child, &status, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0]) {
		snprintf(msg, len, "the joining process died before reporting");
		return -1;
	}
	err = strtol(buf, NULL, 10);
	snprintf(msg, len, "%s", strchr(buf, ' ') ? strchr(buf, ' ') + 1 : "");
	return err;
}

int reload_module_wait(const char *params)
{
	int tries;

	for (tries = 0; tries < 50; tries++) {
		if (!syscall(SYS_delete_module, "devnsfs", O_NONBLOCK) || errno == ENOENT)
			break;
		if (errno != EBUSY && errno != EAGAIN)
			return -errno;
		/* An instance whose last reference is being dropped. */
		usleep(100000);
	}
	if (tries == 50)
		return -EBUSY;
	return insert_module(params);
}

int reset_module(void)
{
	return reload_module_wait("");
}

int fork_run(userns_fn fn, void *arg, char *msg, size_t len)
{
	char buf[300] = "";
	int up[2], status, err;
	ssize_t n, total = 0;
	pid_t child;

	if (pipe2(up, O_CLOEXEC))
		return -1;
	child = fork();
	if (child < 0) {
		close(up[0]);
		close(up[1]);
		return -1;
	}
	if (child == 0) {
		char m[256] = "";

		close(up[0]);
		err = fn(arg, m, sizeof(m));
		dprintf(up[1], "%d %s\n", err, m);
		_exit(0);
	}
	close(up[1]);
	while (total < (ssize_t)sizeof(buf) - 1) {
		n = read(up[0], buf + total, sizeof(buf) - 1 - total);
		if (n <= 0)
			break;
		total += n;
	}
	close(up[0]);
	waitpid(child, &status, 0);
	buf[total] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0]) {
		snprintf(msg, len, "the child died before reporting (wait status %#x)", status);
		return -1;
	}
	err = strtol(buf, NULL, 10);
	snprintf(msg, len, "%s", strchr(buf, ' ') ? strchr(buf, ' ') + 1 : "");
	return err;
}

/* Entries of dir besides "." and "..", sorted, each followed by a space. */
int list_dir(const char *dir, char *buf, size_t len)
{
	struct dirent **names;
	int n, i;

	buf[0] = '\0';
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			strncat(buf, names[i]->d_name, len - strlen(buf) - 2);
			strcat(buf, " ");
		}
		free(names[i]);
	}
	free(names);
	return 0;
}
