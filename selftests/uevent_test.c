// SPDX-License-Identifier: GPL-2.0
/*
 * Uevents of devnsfs devices reach exactly the network namespaces owned by
 * the instance's user namespace: byte for byte, with credentials 0/0 as
 * the container sees them, and nothing anywhere else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "utils.h"

#define EVENT_MAX 2048

struct event {
	char bytes[EVENT_MAX];
	ssize_t len;
	struct ucred cred;
	int have_cred;
	__u32 sender;
};

/* A NETLINK_KOBJECT_UEVENT listener on group 1 in the current netns. */
static int uevent_listener(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd, one = 1, size = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Receives one message within timeout_ms; 0, or -1 with errno. */
static int next_event(int fd, struct event *ev, int timeout_ms)
{
	char control[CMSG_SPACE(sizeof(struct ucred))];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_nl from;
	struct iovec iov = { ev->bytes, sizeof(ev->bytes) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;

	if (poll(&pfd, 1, timeout_ms) != 1) {
		errno = EAGAIN;
		return -1;
	}
	ev->len = recvmsg(fd, &msg, 0);
	if (ev->len < 0)
		return -1;
	ev->sender = from.nl_pid;
	ev->have_cred = 0;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_CREDENTIALS) {
			memcpy(&ev->cred, CMSG_DATA(cmsg), sizeof(ev->cred));
			ev->have_cred = 1;
		}
	}
	return 0;
}

/* devnsfs events among whatever else arrives within timeout_ms. */
static int count_devnsfs_events(int fd, int timeout_ms)
{
	struct event ev;
	int n = 0;

	while (next_event(fd, &ev, timeout_ms) == 0)
		n += memmem(ev.bytes, ev.len, "SUBSYSTEM=devnsfs", 18) != NULL;
	return n;
}

/* The exact bytes devnsfs sends, NUL-separated strings. */
static size_t expected_event(char *buf, const char *action, const struct stat *inst,
			     const char *name, const struct devnsfs_device *d,
			     unsigned int mode, unsigned int seqnum)
{
	char devpath[256];
	size_t n = 0;

	snprintf(devpath, sizeof(devpath), "/devices/virtual/devnsfs/%u:%u/%s",
		 major(inst->st_dev), minor(inst->st_dev), name);
#define ADD(...) (n += 1 + snprintf(buf + n, EVENT_MAX - n, __VA_ARGS__))
	ADD("%s@%s", action, devpath);
	ADD("ACTION=%s", action);
	ADD("DEVPATH=%s", devpath);
	ADD("SUBSYSTEM=devnsfs");
	ADD("DEVNAME=%s", name);
	ADD("MAJOR=%u", d->major);
	ADD("MINOR=%u", d->minor);
	ADD("DEVMODE=0%o", mode);
	ADD("DEVNS_CLASS=%s", d->class_name);
	ADD("DEVNS_ID=%llu", (unsigned long long)d->id);
	ADD("SEQNUM=%u", seqnum);
#undef ADD
	return n;
}

static int check_event(int fd, const char *want, size_t want_len, char *msg, size_t len)
{
	struct event ev;

	if (next_event(fd, &ev, 5000))
		return fail_msg(msg, len, errno, "no event");
	if ((size_t)ev.len != want_len || memcmp(ev.bytes, want, want_len)) {
		int i;

		for (i = 0; i < ev.len; i++)
			if (!ev.bytes[i])
				ev.bytes[i] = '|';
		ev.bytes[ev.len < EVENT_MAX ? ev.len : EVENT_MAX - 1] = '\0';
		return fail_msg(msg, len, EBADMSG, "got %zd bytes: %s", ev.len, ev.bytes);
	}
	if (!ev.have_cred || ev.cred.uid != 0 || ev.cred.gid != 0 || ev.cred.pid != 0)
		return fail_msg(msg, len, EPERM, "credentials %d %d:%d (have %d)",
				ev.cred.pid, ev.cred.uid, ev.cred.gid, ev.have_cred);
	if (ev.sender != 0)
		return fail_msg(msg, len, EPERM, "sender portid %u", ev.sender);
	return 0;
}

/*
 * A listener in a netns of a user namespace nested in the current one: its
 * exit status is the number of devnsfs events it heard after *go fires.
 */
static pid_t nested_listener_start(int *go)
{
	int ready[2], start[2], fd, n;
	pid_t pid;
	char c;

	if (pipe(ready) || pipe(start))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(start[1]);
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			_exit(100);
		fd = uevent_listener();
		if (fd < 0 || write(ready[1], "r", 1) != 1 || read(start[0], &c, 1) != 1)
			_exit(101);
		n = count_devnsfs_events(fd, 200);
		_exit(n);
	}
	close(ready[1]);
	close(start[0]);
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		return -1;
	close(ready[0]);
	*go = start[1];
	return pid;
}

static int nested_listener_finish(pid_t pid, int go)
{
	int status;

	if (write(go, "g", 1) != 1 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	close(go);
	return WEXITSTATUS(status);
}

/* In the container, with its own netns: add and remove, listen to both. */
static int container_events(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char path[256], want[EVENT_MAX];
	struct devnsfs_device d;
	struct stat inst;
	int listener, ctl, ret, nested_go;
	pid_t nested;
	size_t n;

	if (unshare(CLONE_NEWNET))
		return fail_msg(msg, len, errno, "unshare(CLONE_NEWNET)");
	listener = uevent_listener();
	if (listener < 0)
		return fail_msg(msg, len, errno, "listener");
	nested = nested_listener_start(&nested_go);
	if (nested < 0)
		return fail_msg(msg, len, errno, "nested user namespace listener");
	if (mount("none", dir, "devnsfs", 0, "mode=0640"))
		return fail_msg(msg, len, errno, "mount");
	if (stat(dir, &inst))
		return fail_msg(msg, len, errno, "stat");
	ctl = open(node_path(path, sizeof(path), dir, DEVNSFS_CONTROL_NAME), O_RDWR);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "open control");
	ret = ctl_add(ctl, "ev0", "random", &d);
	if (ret)
		return fail_msg(msg, len, -ret, "add");
	ret = ctl_remove(ctl, "ev0");
	if (ret)
		return fail_msg(msg, len, -ret, "remove");
	n = expected_event(want, "add", &inst, "ev0", &d, 0640, 1);
	ret = check_event(listener, want, n, msg, len);
	if (ret)
		return ret;
	n = expected_event(want, "remove", &inst, "ev0", &d, 0640, 2);
	ret = check_event(listener, want, n, msg, len);
	if (ret)
		return ret;
	if (count_devnsfs_events(listener, 200))
		return fail_msg(msg, len, EEXIST, "more events than add and remove");
	ret = nested_listener_finish(nested, nested_go);
	if (ret)
		return fail_msg(msg, len, EEXIST, "a descendant user namespace's netns heard %d", ret);
	close(ctl);
	close(listener);
	return 0;
}

struct sibling {
	int ready[2], go[2];
};

/* A sibling container with its own netns: it must hear nothing. */
static int sibling_listens(void *arg, char *msg, size_t len)
{
	struct sibling *s = arg;
	char c = 0;
	int listener, n;

	if (unshare(CLONE_NEWNET))
		return fail_msg(msg, len, errno, "unshare(CLONE_NEWNET)");
	listener = uevent_listener();
	if (listener < 0)
		return fail_msg(msg, len, errno, "listener");
	if (write(s->ready[1], "r", 1) != 1 || read(s->go[0], &c, 1) != 1)
		return fail_msg(msg, len, EPIPE, "sync");
	n = count_devnsfs_events(listener, 200);
	if (n)
		return fail_msg(msg, len, EEXIST, "sibling received %d devnsfs events", n);
	return 0;
}

TEST(only_the_owning_user_namespace_hears_its_devices)
{
	struct userns_child container, sib;
	struct sibling s;
	char *dir = make_mountpoint(), msg[512], c;
	int host, unrelated, own;

	ASSERT_NE(NULL, dir);
	/* A listener in a new netns of the initial user namespace, then one in init_net. */
	own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(own, 0);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	unrelated = uevent_listener();
	ASSERT_GE(unrelated, 0);
	ASSERT_EQ(0, setns(own, CLONE_NEWNET));
	host = uevent_listener();
	ASSERT_GE(host, 0);

	ASSERT_EQ(0, pipe2(s.ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(s.go, O_CLOEXEC));
	ASSERT_EQ(0, userns_child_start(&sib, sibling_listens, &s));
	ASSERT_EQ(1, read(s.ready[0], &c, 1));

	ASSERT_EQ(0, userns_child_start(&container, container_events, dir));
	EXPECT_EQ(0, userns_child_result(&container, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&container));

	ASSERT_EQ(1, write(s.go[1], "g", 1));
	EXPECT_EQ(0, userns_child_result(&sib, msg, sizeof(msg))) {
		TH_LOG("in the sibling: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&sib));
	EXPECT_EQ(0, count_devnsfs_events(host, 200));
	EXPECT_EQ(0, count_devnsfs_events(unrelated, 200));
	close(host);
	close(unrelated);
	close(own);
	rmdir(dir);
	free(dir);
}

TEST(host_instances_notify_the_initial_namespaces)
{
	char *dir = make_mountpoint();
	int host, ctl;

	ASSERT_NE(NULL, dir);
	host = uevent_listener();
	ASSERT_GE(host, 0);
	/* Host root's instance: init_net is owned by its user namespace. */
	ctl = mount_instance(dir, NULL);
	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, ctl_add(ctl, "h", "null", NULL));
	ASSERT_EQ(0, ctl_remove(ctl, "h"));
	EXPECT_EQ(2, count_devnsfs_events(host, 500));
	close(ctl);
	close(host);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	free(dir);
}

FIXTURE(churn) {
	char *dir;
	int ctl;
};

FIXTURE_SETUP(churn)
{
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0);
}

FIXTURE_TEARDOWN(churn)
{
	close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
}

/* The value of KEY= in an event, as a number; -1 if it has none. */
static long event_field(const struct event *ev, const char *key)
{
	size_t klen = strlen(key);
	ssize_t i = 0;

	while (i < ev->len) {
		const char *field = ev->bytes + i;
		size_t flen = strnlen(field, ev->len - i);

		if (flen > klen && !strncmp(field, key, klen) && field[klen] == '=')
			return strtol(field + klen + 1, NULL, 10);
		i += flen + 1;
	}
	return -1;
}

/*
 * The events of one add/remove cycle as the host's listener hears them:
 * an add then a remove, with the next two sequence numbers. Returns 0, or
 * an errno value with what came instead in msg.
 */
static int cycle_events(int fd, long *seqnum, char *msg, size_t len)
{
	static const char *const actions[] = { "ACTION=add", "ACTION=remove" };
	struct event ev;
	int i;

	for (i = 0; i < 2; i++) {
		do {
			if (next_event(fd, &ev, 5000))
				return fail_msg(msg, len, errno, "no %s", actions[i]);
		} while (!memmem(ev.bytes, ev.len, "SUBSYSTEM=devnsfs", 18));
		if (!memmem(ev.bytes, ev.len, actions[i], strlen(actions[i]) + 1))
			return fail_msg(msg, len, EBADMSG, "want %s", actions[i]);
		if (event_field(&ev, "SEQNUM") != ++*seqnum)
			return fail_msg(msg, len, EBADMSG, "SEQNUM=%ld, want %ld",
					event_field(&ev, "SEQNUM"), *seqnum);
	}
	return 0;
}

/*
 * Network namespaces of the host, each with a listener, appear and vanish
 * under the sender while devices come and go: every add and remove still
 * reaches the listener that stays, once and in order. make check churns
 * 10 namespaces, make stress 500; the devices cycle until the churn ends.
 */
TEST_F_TIMEOUT(churn, netns_come_and_go_while_devices_do, 1800)
{
	int i, status, listener, namespaces = soak_count(10, 500), cycles = 0;
	long seqnum = 0;
	char msg[256];
	pid_t churn, done = 0;

	listener = uevent_listener();
	ASSERT_GE(listener, 0);
	churn = fork();
	ASSERT_GE(churn, 0);
	if (churn == 0) {
		for (i = 0; i < namespaces; i++) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(unshare(CLONE_NEWNET) || uevent_listener() < 0);
			if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
				_exit(1);
		}
		_exit(0);
	}
	/* At least a few cycles, and on until the last namespace is gone. */
	do {
		ASSERT_EQ(0, ctl_add(self->ctl, "churn", "null", NULL));
		ASSERT_EQ(0, ctl_remove(self->ctl, "churn"));
		ASSERT_EQ(0, cycle_events(listener, &seqnum, msg, sizeof(msg))) {
			TH_LOG("cycle %d: %s", cycles, msg);
		}
		cycles++;
		if (!done)
			done = waitpid(churn, &status, WNOHANG);
		ASSERT_LE(0, done);
	} while (cycles < 20 || !done);
	EXPECT_EQ(0, status) TH_LOG("the namespace churn failed");
	EXPECT_EQ(0, count_devnsfs_events(listener, 200));
	close(listener);
}

TEST_HARNESS_MAIN
