// SPDX-License-Identifier: GPL-2.0
/*
 * The "host" class (issue 12): a node of an instance that passes through
 * to a host character device, here the mem devices null (1:3), zero
 * (1:5), full (1:7) and kmsg (1:11), whose twins the guest has on
 * devtmpfs at /dev. Runs as root in the initial user namespace and checks
 * the issue 12 contract:
 *
 *  - ADD and INFO report class "host" and the host number, the node
 *    carries it, data flows as through the host's own node, and the
 *    uevent names the host number;
 *  - a number without a driver adds, and opens ENXIO as a host node does;
 *  - only CAP_MKNOD in the initial user namespace may ADD "host", on any
 *    instance (also a container's); a container opens a node the host
 *    gives it when the node's mode allows;
 *  - the device cgroup of the opener and of the adder applies, with the
 *    host number;
 *  - REMOVE and unlink(2) revoke every file opened through the node
 *    (ENODEV, POLLERR | POLLHUP, blocked pollers woken), also while calls
 *    race with them, and nothing else: the host's own files keep working;
 *  - an open pass-through file keeps devnsfs loaded.
 *
 * Every case runs in a private mount namespace of its own, so what a
 * failing case leaves mounted goes away with its process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "utils.h"
#include "instance_fixture.h"

/* The host's mem devices (drivers/char/mem.c). */
#define MEM_MAJOR 1
#define NULL_MINOR 3
#define ZERO_MINOR 5
#define FULL_MINOR 7
#define KMSG_MINOR 11
/* A major for local and experimental use (devices.txt): no driver. */
#define NO_DRIVER_MAJOR 60

#define POLL_REVOKED (POLLERR | POLLHUP)
#define EPOLL_REVOKED (EPOLLERR | EPOLLHUP)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ADD of a "host" device passing through to major:minor; 0 or -errno. */
static int add_host(int ctl, const char *name, unsigned int maj, unsigned int min,
		    struct devnsfs_device *out)
{
	struct devnsfs_device d;

	dev_init(&d, name, "host");
	d.major = maj;
	d.minor = min;
	if (ioctl(ctl, DEVNSFS_IOC_ADD, &d))
		return -errno;
	if (out)
		*out = d;
	return 0;
}

/* Enters a private mount namespace, so that the case's mounts die with it. */
static int private_mounts(void)
{
	if (unshare(CLONE_NEWNS))
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

/* An instance mounted by host root. */
INSTANCE_FIXTURE(pt)

/* add_host(), and the case ends here if it fails. */
static void assert_add_host(struct __test_metadata *_metadata, int ctl, const char *name,
			    unsigned int maj, unsigned int min, struct devnsfs_device *out)
{
	int ret = add_host(ctl, name, maj, min, out);

	ASSERT_EQ(0, ret) {
		TH_LOG("ADD \"%s\" of class host, %u:%u: %s", name, maj, min, strerror(-ret));
	}
}

TEST_F(pt, add_and_info_report_class_host_and_the_host_number)
{
	struct devnsfs_device d, info, other;
	struct stat st;

	assert_add_host(_metadata, self->ctl, "zero", MEM_MAJOR, ZERO_MINOR, &d);
	EXPECT_STREQ("host", d.class_name);
	EXPECT_EQ(MEM_MAJOR, d.major);
	EXPECT_EQ(ZERO_MINOR, d.minor);
	EXPECT_NE(0, d.id);

	dev_init(&info, "zero", NULL);
	ASSERT_EQ(0, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &info));
	EXPECT_STREQ("host", info.class_name);
	EXPECT_EQ(MEM_MAJOR, info.major);
	EXPECT_EQ(ZERO_MINOR, info.minor);
	EXPECT_EQ(d.id, info.id);

	/* The node carries the host number; owner and mode as for any class. */
	ASSERT_EQ(0, stat(P("zero"), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(makedev(MEM_MAJOR, ZERO_MINOR), st.st_rdev) {
		TH_LOG("st_rdev %u:%u", major(st.st_rdev), minor(st.st_rdev));
	}
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);

	/* Every other class ignores major and minor on input. */
	dev_init(&other, "null", "null");
	other.major = MEM_MAJOR;
	other.minor = NULL_MINOR;
	ASSERT_EQ(0, ctl_call(self->ctl, DEVNSFS_IOC_ADD, &other));
	EXPECT_FALSE(other.major == MEM_MAJOR && other.minor == NULL_MINOR) {
		TH_LOG("a \"null\" device got the number asked for, 1:3");
	}
	EXPECT_GT(other.id, d.id);
}

/* The result of one call: its return value and errno. */
struct outcome {
	long ret;
	int err;
};

#define OUTCOME(call) ({ long __r = (long)(call); (struct outcome){ __r, __r < 0 ? errno : 0 }; })

/* a, through the node, is what b, on the host's node, is. */
static void expect_same(struct __test_metadata *_metadata, struct outcome a, struct outcome b,
			const char *what)
{
	EXPECT_EQ(b.ret, a.ret) {
		TH_LOG("%s: %ld (%s) through the node, %ld (%s) on the host's",
		       what, a.ret, strerror(a.err), b.ret, strerror(b.err));
	}
	EXPECT_EQ(b.err, a.err) {
		TH_LOG("%s: %s through the node, %s on the host's", what,
		       strerror(a.err), strerror(b.err));
	}
}

/* One page mapped from fd, written and read back; 0 or -errno. */
static int map_and_touch(int fd, int flags)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p;
	int ret = 0;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (p[0] || p[page - 1])
		ret = -EILSEQ;
	p[0] = 'x';
	if (p[0] != 'x')
		ret = -EILSEQ;
	munmap(p, page);
	return ret;
}

static const struct {
	const char *name;
	unsigned int minor;
	const char *twin;
} mem_devs[] = {
	{ "null", NULL_MINOR, "/dev/null" },
	{ "zero", ZERO_MINOR, "/dev/zero" },
	{ "full", FULL_MINOR, "/dev/full" },
};

/*
 * Every file operation through a pass-through node does what it does on
 * the host's node of the same number.
 */
TEST_F(pt, data_flows_as_through_the_host_node)
{
	static char ours_buf[4096], twin_buf[4096];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mem_devs); i++) {
		const char *name = mem_devs[i].name;
		struct pollfd pa, pb;
		struct termios tio;
		struct outcome a, b;
		int ours, twin;

		assert_add_host(_metadata, self->ctl, name, MEM_MAJOR, mem_devs[i].minor, NULL);
		ours = open(P(name), O_RDWR | O_CLOEXEC);
		ASSERT_GE(ours, 0) {
			TH_LOG("open of the pass-through node of %s: %s", mem_devs[i].twin,
			       strerror(errno));
		}
		twin = open(mem_devs[i].twin, O_RDWR | O_CLOEXEC);
		ASSERT_GE(twin, 0);
		TH_LOG("%s", mem_devs[i].twin);

		memset(ours_buf, 0x55, sizeof(ours_buf));
		memset(twin_buf, 0x55, sizeof(twin_buf));
		a = OUTCOME(read(ours, ours_buf, sizeof(ours_buf)));
		b = OUTCOME(read(twin, twin_buf, sizeof(twin_buf)));
		expect_same(_metadata, a, b, "read");
		EXPECT_EQ(0, memcmp(ours_buf, twin_buf, sizeof(ours_buf)));

		a = OUTCOME(write(ours, ours_buf, sizeof(ours_buf)));
		b = OUTCOME(write(twin, twin_buf, sizeof(twin_buf)));
		expect_same(_metadata, a, b, "write");

		a = OUTCOME(lseek(ours, 123, SEEK_SET));
		b = OUTCOME(lseek(twin, 123, SEEK_SET));
		expect_same(_metadata, a, b, "lseek");

		/* An ioctl the VFS leaves to the driver. */
		a = OUTCOME(ioctl(ours, TCGETS, &tio));
		b = OUTCOME(ioctl(twin, TCGETS, &tio));
		expect_same(_metadata, a, b, "ioctl(TCGETS)");

		pa = (struct pollfd){ .fd = ours, .events = POLLIN | POLLOUT };
		pb = (struct pollfd){ .fd = twin, .events = POLLIN | POLLOUT };
		EXPECT_EQ(poll(&pb, 1, 0), poll(&pa, 1, 0));
		EXPECT_EQ(pb.revents, pa.revents);

		a = OUTCOME(map_and_touch(ours, MAP_PRIVATE));
		b = OUTCOME(map_and_touch(twin, MAP_PRIVATE));
		expect_same(_metadata, a, b, "private mmap");
		a = OUTCOME(map_and_touch(ours, MAP_SHARED));
		b = OUTCOME(map_and_touch(twin, MAP_SHARED));
		expect_same(_metadata, a, b, "shared mmap");

		close(ours);
		close(twin);
	}

	/* The contract's examples, spelled out. */
	{
		char buf[64];
		int fd;

		fd = open(P("null"), O_WRONLY | O_CLOEXEC);
		ASSERT_GE(fd, 0);
		EXPECT_EQ(sizeof(buf), write(fd, buf, sizeof(buf)));
		close(fd);
		fd = open(P("zero"), O_RDONLY | O_CLOEXEC);
		ASSERT_GE(fd, 0);
		memset(buf, 0x55, sizeof(buf));
		EXPECT_EQ(sizeof(buf), read(fd, buf, sizeof(buf)));
		EXPECT_EQ(0, buf[0]);
		EXPECT_EQ(0, buf[sizeof(buf) - 1]);
		close(fd);
		fd = open(P("full"), O_WRONLY | O_CLOEXEC);
		ASSERT_GE(fd, 0);
		EXPECT_EQ(-1, write(fd, buf, sizeof(buf)));
		EXPECT_EQ(ENOSPC, errno);
		close(fd);
	}
}

/*
 * ADD does not probe the driver: a number without one adds, and opening
 * its node is ENXIO, as opening a host node of that number is (here a
 * node made with mknod(2) on tmpfs). One of them is a devnsfs number
 * (another device of this instance): no cdev answers it, so a "host"
 * device of it must not reach that device. The contract does not say
 * whether ADD may refuse such a number; it may (EINVAL or EPERM), but if
 * it adds, the node must open nothing.
 */
TEST_F(pt, a_number_without_a_driver_adds_and_opens_enxio)
{
	char twin_dir[] = "/tmp/devnsfs-twin.XXXXXX", twin[64];
	struct devnsfs_device mine;
	struct {
		const char *name;
		unsigned int maj, min;
		bool devnsfs;
	} nums[] = {
		{ "mem0", MEM_MAJOR, 0, false },
		{ "major60", NO_DRIVER_MAJOR, 0, false },
		{ "devnsfs", 0, 0, true },
	};
	unsigned int i;
	int fd, ret;

	ASSERT_EQ(0, ctl_add(self->ctl, "mine", "zero", &mine));
	nums[2].maj = mine.major;
	nums[2].min = mine.minor;
	ASSERT_NE(NULL, mkdtemp(twin_dir));

	for (i = 0; i < ARRAY_SIZE(nums); i++) {
		unsigned int maj = nums[i].maj, min = nums[i].min;

		snprintf(twin, sizeof(twin), "%s/%s", twin_dir, nums[i].name);
		ASSERT_EQ(0, mknod(twin, S_IFCHR | 0600, makedev(maj, min)));
		fd = open(twin, O_RDWR | O_CLOEXEC);
		EXPECT_EQ(-1, fd) {
			TH_LOG("a host node of %u:%u opened", maj, min);
		}
		EXPECT_EQ(ENXIO, errno);
		unlink(twin);

		ret = add_host(self->ctl, nums[i].name, maj, min, NULL);
		if (nums[i].devnsfs && (ret == -EINVAL || ret == -EPERM)) {
			TH_LOG("ADD \"host\" of the devnsfs number %u:%u is refused: %s",
			       maj, min, strerror(-ret));
			continue;
		}
		EXPECT_EQ(0, ret) {
			TH_LOG("ADD \"host\" %u:%u: %s", maj, min, strerror(-ret));
		}
		if (ret)
			continue;
		fd = open(P(nums[i].name), O_RDWR | O_CLOEXEC);
		EXPECT_EQ(-1, fd) {
			TH_LOG("the pass-through node of %u:%u opened", maj, min);
		}
		EXPECT_EQ(ENXIO, errno) {
			TH_LOG("open of the pass-through node of %u:%u: %s", maj, min,
			       strerror(errno));
		}
		if (fd >= 0)
			close(fd);
	}
	rmdir(twin_dir);
}

/* A NETLINK_KOBJECT_UEVENT listener on group 1 in the current netns. */
static int uevent_listener(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	struct timeval tv = { .tv_sec = 5 };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		close(fd);
		return -1;
	}
	return fd;
}

#define EVENT_MAX 2048

/*
 * The next devnsfs event for devpath (the kernel's own events of the
 * initial netns are skipped), NUL bytes shown as '|'; its length, or -1.
 */
static ssize_t next_devnsfs_event(int fd, const char *devpath, char *buf)
{
	ssize_t n;
	int i;

	for (;;) {
		n = recv(fd, buf, EVENT_MAX - 1, 0);
		if (n < 0)
			return -1;
		if (!memmem(buf, n, "SUBSYSTEM=devnsfs", 18) ||
		    !memmem(buf, n, devpath, strlen(devpath)))
			continue;
		for (i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = '|';
		buf[n] = '\0';
		return n;
	}
}

/* The contract: the uevent's MAJOR and MINOR are the host number. */
TEST_F(pt, uevents_carry_the_host_number_and_class)
{
	char got[EVENT_MAX], want[EVENT_MAX], devpath[128];
	struct devnsfs_device d;
	struct stat inst;
	int sock, seq;

	ASSERT_EQ(0, stat(self->dir, &inst));
	sock = uevent_listener();
	ASSERT_GE(sock, 0);
	snprintf(devpath, sizeof(devpath), "/devices/virtual/devnsfs/%u:%u/kmsg",
		 major(inst.st_dev), minor(inst.st_dev));
	assert_add_host(_metadata, self->ctl, "kmsg", MEM_MAJOR, KMSG_MINOR, &d);
	ASSERT_EQ(0, ctl_remove(self->ctl, "kmsg"));

	for (seq = 1; seq <= 2; seq++) {
		const char *action = seq == 1 ? "add" : "remove";

		snprintf(want, sizeof(want),
			 "%s@%s|ACTION=%s|DEVPATH=%s|SUBSYSTEM=devnsfs|DEVNAME=kmsg|MAJOR=1|MINOR=11|DEVMODE=0600|DEVNS_CLASS=host|DEVNS_ID=%llu|SEQNUM=%d|",
			 action, devpath, action, devpath, (unsigned long long)d.id, seq);
		ASSERT_LT(0, next_devnsfs_event(sock, devpath, got)) {
			TH_LOG("no %s event in 5 s: %s", action, strerror(errno));
		}
		EXPECT_STREQ(want, got);
	}
	close(sock);
}

/* What a container tries with the ADD of a "host" device. */
struct container_add {
	const char *dir;
	int sock;	/* a host instance's control fd arrives here, if >= 0 */
	int host_ret;	/* out: ADD "host" 1:5 */
	int null_ret;	/* out: ADD "null", on the same control node */
};

static int add_host_and_null(int ctl, struct container_add *a)
{
	a->host_ret = add_host(ctl, "host", MEM_MAJOR, ZERO_MINOR, NULL);
	a->null_ret = ctl_add(ctl, "null", "null", NULL);
	return 0;
}

/* In the container: ADD on its own instance. */
static int add_in_own_instance(void *arg, char *msg, size_t len)
{
	struct container_add *a = arg;
	int ctl;

	ctl = mount_instance(a->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount in the container");
	add_host_and_null(ctl, a);
	snprintf(msg, len, "%d %d", a->host_ret, a->null_ret);
	close(ctl);
	return 0;
}

/* In the container: ADD on a host instance's control fd passed to it. */
static int add_through_passed_ctl(void *arg, char *msg, size_t len)
{
	struct container_add *a = arg;
	int ctl;

	ctl = scm_recv_fd(a->sock);
	if (ctl < 0)
		return fail_msg(msg, len, -ctl, "receiving the control fd");
	add_host_and_null(ctl, a);
	snprintf(msg, len, "%d %d", a->host_ret, a->null_ret);
	close(ctl);
	return 0;
}

/* A host user without capabilities: ADD on a control node it may write. */
static int add_as_test_uid(void *arg, char *msg, size_t len)
{
	struct container_add *a = arg;
	char path[256];
	int ctl;

	if (setgroups(0, NULL) || setresgid(TEST_GID, TEST_GID, TEST_GID) ||
	    setresuid(TEST_UID, TEST_UID, TEST_UID))
		return fail_msg(msg, len, errno, "becoming uid %d", TEST_UID);
	ctl = open(node_path(path, sizeof(path), a->dir, DEVNSFS_CONTROL_NAME),
		   O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "open of the control node");
	add_host_and_null(ctl, a);
	snprintf(msg, len, "%d %d", a->host_ret, a->null_ret);
	close(ctl);
	return 0;
}

static void parse_rets(const char *msg, struct container_add *a)
{
	if (sscanf(msg, "%d %d", &a->host_ret, &a->null_ret) != 2) {
		a->host_ret = -EPROTO;
		a->null_ret = -EPROTO;
	}
}

/* ADD "host" was EPERM, while ADD "null" on the same control node worked. */
static void expect_host_eperm_null_ok(struct __test_metadata *_metadata,
				      const struct container_add *a, const char *who)
{
	EXPECT_EQ(-EPERM, a->host_ret) {
		TH_LOG("%s: ADD \"host\" 1:5 gave %s", who,
		       a->host_ret ? strerror(-a->host_ret) : "success");
	}
	EXPECT_EQ(0, a->null_ret) {
		TH_LOG("%s: ADD \"null\" on the same control node: %s", who,
		       strerror(-a->null_ret));
	}
}

/*
 * Only CAP_MKNOD in the initial user namespace may ADD "host": not a
 * container's root on its own instance, not a container holding the
 * control fd of a host root's instance, not a host user who may write a
 * control node. Each may ADD "null" where it tried, so EPERM is about the
 * class.
 */
TEST_F(pt, only_cap_mknod_in_the_initial_namespace_adds_host)
{
	struct container_add a = { .dir = self->dir, .sock = -1 };
	char *own = make_mountpoint(), *open_dir = make_mountpoint();
	struct userns_child c;
	char msg[256] = "";
	int sv[2], ctl;

	ASSERT_NE(NULL, own);
	ASSERT_NE(NULL, open_dir);

	/* A container's root, on its own instance. */
	a.dir = own;
	ASSERT_EQ(0, userns_child_start(&c, add_in_own_instance, &a));
	ASSERT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	parse_rets(msg, &a);
	EXPECT_EQ(0, userns_child_finish(&c));
	expect_host_eperm_null_ok(_metadata, &a, "container on its own instance");

	/* A container's root with host root's control fd. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	a.sock = sv[1];
	ASSERT_EQ(0, userns_child_start(&c, add_through_passed_ctl, &a));
	ASSERT_EQ(0, scm_send_fd(sv[0], self->ctl));
	ASSERT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	parse_rets(msg, &a);
	EXPECT_EQ(0, userns_child_finish(&c));
	expect_host_eperm_null_ok(_metadata, &a, "container with a host instance's control fd");
	close(sv[0]);
	close(sv[1]);

	/* A host user without capabilities, control node mode 0666. */
	ctl = mount_instance(open_dir, "ctlmode=0666");
	ASSERT_GE(ctl, 0);
	a.dir = open_dir;
	ASSERT_EQ(0, fork_run(add_as_test_uid, &a, msg, sizeof(msg))) {
		TH_LOG("uid %d: %s", TEST_UID, msg);
	}
	parse_rets(msg, &a);
	expect_host_eperm_null_ok(_metadata, &a, "host uid 1000");
	close(ctl);

	umount2(open_dir, MNT_DETACH);
	rmdir(open_dir);
	rmdir(own);
	free(open_dir);
	free(own);
}

struct container_open {
	const char *open_path;	/* mode 0666 */
	const char *closed_path;	/* mode 0600, root's */
};

static int open_given_nodes(void *arg, char *msg, size_t len)
{
	struct container_open *o = arg;
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(o->open_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail_msg(msg, len, errno, "open of the mode 0666 node");
	memset(buf, 0x55, sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	if (n != sizeof(buf))
		return fail_msg(msg, len, n < 0 ? errno : EIO, "read of the node: %zd", n);
	if (buf[0] || buf[sizeof(buf) - 1])
		return fail_msg(msg, len, EILSEQ, "the node of 1:5 read non-zero bytes");
	if (write(fd, buf, sizeof(buf)) != sizeof(buf))
		return fail_msg(msg, len, errno, "write to the node");
	close(fd);
	fd = open(o->closed_path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fail_msg(msg, len, EPERM, "the container opened root's mode 0600 node");
	if (errno != EACCES)
		return fail_msg(msg, len, errno, "open of the mode 0600 node: not EACCES");
	return 0;
}

/*
 * A container opens a "host" node an initial-namespace instance gives it
 * when the node's mode lets it, and only then.
 */
TEST_F(pt, a_container_opens_a_host_node_when_its_mode_allows)
{
	char *open_dir = make_mountpoint(), open_path[256], msg[256] = "";
	struct container_open o = { .open_path = open_path, .closed_path = P("zero") };
	struct userns_child c;
	int ctl;

	ASSERT_NE(NULL, open_dir);
	ctl = mount_instance(open_dir, "mode=0666");
	ASSERT_GE(ctl, 0);
	assert_add_host(_metadata, ctl, "zero", MEM_MAJOR, ZERO_MINOR, NULL);
	assert_add_host(_metadata, self->ctl, "zero", MEM_MAJOR, ZERO_MINOR, NULL);
	node_path(open_path, sizeof(open_path), open_dir, "zero");

	ASSERT_EQ(0, userns_child_start(&c, open_given_nodes, &o));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
	close(ctl);
	umount2(open_dir, MNT_DETACH);
	rmdir(open_dir);
	free(open_dir);
}

struct populated {
	const char *dir;
	int sock;
};

/*
 * In the container: mount an instance, hand its control fd to host root,
 * and once host root says it is done, use the "host" node it added.
 */
static int open_what_the_host_added(void *arg, char *msg, size_t len)
{
	struct populated *p = arg;
	char path[256], buf[64], c;
	struct stat st;
	int ctl, fd, err;

	ctl = mount_instance(p->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount in the container");
	err = scm_send_fd(p->sock, ctl);
	close(ctl);
	if (err)
		return fail_msg(msg, len, -err, "sending the control fd");
	if (read(p->sock, &c, 1) != 1)
		return fail_msg(msg, len, EPIPE, "host root gave up");
	node_path(path, sizeof(path), p->dir, "zero");
	if (stat(path, &st))
		return fail_msg(msg, len, errno, "stat of the node host root added");
	if (st.st_rdev != makedev(MEM_MAJOR, ZERO_MINOR) || st.st_uid != 0 || st.st_gid != 0)
		return fail_msg(msg, len, EINVAL, "the node is %u:%u, owner %d:%d in the container",
				major(st.st_rdev), minor(st.st_rdev), st.st_uid, st.st_gid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail_msg(msg, len, errno, "open of the node host root added");
	memset(buf, 0x55, sizeof(buf));
	if (read(fd, buf, sizeof(buf)) != sizeof(buf) || buf[0] || buf[sizeof(buf) - 1])
		return fail_msg(msg, len, EIO, "read of the node host root added");
	close(fd);
	return 0;
}

/*
 * What a container runtime does: host root adds a "host" device to the
 * container's own instance, through the control fd the container hands
 * it (the adder, not the instance, needs CAP_MKNOD in the initial
 * namespace). The node is the container root's, as every node of the
 * instance, and the container uses it.
 */
TEST_F(pt, host_root_adds_a_host_device_to_a_containers_instance)
{
	char *dir = make_mountpoint(), msg[256] = "";
	struct devnsfs_device d;
	struct populated p;
	struct userns_child c;
	int sv[2], ctl, ret, cret;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	p = (struct populated){ .dir = dir, .sock = sv[1] };
	ASSERT_EQ(0, userns_child_start(&c, open_what_the_host_added, &p));
	ctl = scm_recv_fd(sv[0]);
	ASSERT_GE(ctl, 0) {
		TH_LOG("receiving the container's control fd: %s", strerror(-ctl));
	}
	ret = add_host(ctl, "zero", MEM_MAJOR, ZERO_MINOR, &d);
	EXPECT_EQ(0, ret) {
		TH_LOG("host root's ADD \"host\" 1:5 to the container's instance: %s",
		       strerror(-ret));
	}
	ASSERT_EQ(1, write(sv[0], "d", 1));
	/* Its verdict is read either way, so that its report finds a reader. */
	cret = userns_child_result(&c, msg, sizeof(msg));
	if (ret == 0) {
		EXPECT_EQ(0, cret) {
			TH_LOG("container: %s", msg);
		}
	}
	EXPECT_EQ(0, userns_child_finish(&c));
	close(ctl);
	close(sv[0]);
	close(sv[1]);
	rmdir(dir);
	free(dir);
}

/*
 * A cgroup-v1 "devices" hierarchy with a child group that denies 1:5,
 * besides the instance of FIXTURE(pt).
 */
/*
 * A host tty passed through is the tty driver's own file, so the tty
 * layer hangs it up with the host's: a vhangup(2) of the host's terminal
 * leaves the file reading EOF, not the next session's input (the legacy
 * BSD pty pair /dev/ptyp0 and /dev/ttyp0, 2:0 and 3:0).
 */
TEST_F(pt, a_host_tty_is_hung_up_with_the_hosts_files)
{
	int master, node, host, again;
	char buf[64];
	ssize_t n;

	master = open("/dev/ptyp0", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		SKIP(return, "no legacy pty /dev/ptyp0 (CONFIG_LEGACY_PTYS): %s",
		     strerror(errno));
	assert_add_host(_metadata, self->ctl, "ttyp0", 3, 0, NULL);
	node = open(P("ttyp0"), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, node) TH_LOG("open the node of 3:0: %s", strerror(errno));
	host = open("/dev/ttyp0", O_RDWR | O_NOCTTY | O_CLOEXEC);
	ASSERT_LE(0, host) TH_LOG("open /dev/ttyp0: %s", strerror(errno));

	ASSERT_EQ(0, ioctl(host, TIOCVHANGUP)) TH_LOG("TIOCVHANGUP: %s", strerror(errno));
	/* The next session on the same terminal types a password. */
	again = open("/dev/ttyp0", O_RDWR | O_NOCTTY | O_CLOEXEC);
	ASSERT_LE(0, again) TH_LOG("reopen /dev/ttyp0: %s", strerror(errno));
	ASSERT_EQ(7, write(master, "secret\n", 7));
	usleep(100000);

	n = read(node, buf, sizeof(buf));
	EXPECT_EQ(0, n) {
		TH_LOG("the hung-up file read %zd (%s): it escaped the hangup", n,
		       n < 0 ? strerror(errno) : "the next session's input");
	}
	EXPECT_EQ(-1, write(node, "x", 1));
	EXPECT_EQ(EIO, errno);
	close(again);
	close(host);
	close(node);
	close(master);
}

FIXTURE(devcg) {
	char *dir;
	int ctl;
	char path[256];
	char cg_root[64];
	char group[128];
	bool mounted;
};

FIXTURE_SETUP(devcg)
{
	char file[192];

	self->ctl = -1;
	ASSERT_EQ(0, private_mounts());
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0);

	snprintf(self->cg_root, sizeof(self->cg_root), "/tmp/devnsfs-devcg.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->cg_root));
	ASSERT_EQ(0, mount("none", self->cg_root, "cgroup", 0, "devices")) {
		TH_LOG("mount -t cgroup -o devices: %s (CONFIG_CGROUP_DEVICE?)", strerror(errno));
	}
	self->mounted = true;
	snprintf(self->group, sizeof(self->group), "%s/devnsfs-%d", self->cg_root, getpid());
	ASSERT_EQ(0, mkdir(self->group, 0755));
	snprintf(file, sizeof(file), "%s/devices.deny", self->group);
	ASSERT_EQ(0, write_text(file, "c 1:5 rwm")) {
		TH_LOG("writing \"c 1:5 rwm\" to %s: %s", file, strerror(errno));
	}
}

FIXTURE_TEARDOWN(devcg)
{
	int tries;

	if (self->ctl >= 0)
		close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
	if (self->group[0]) {
		/* The reaped child leaves the group a moment later. */
		for (tries = 0; tries < 50 && rmdir(self->group) && errno == EBUSY; tries++)
			usleep(20000);
	}
	if (self->mounted)
		umount2(self->cg_root, 0);
	rmdir(self->cg_root);
}

/* What a process of the denying group gets. */
struct in_group {
	const char *group;
	const char *dir;
	int ctl;
	int twin_zero, twin_null;	/* open of /dev/zero, /dev/null */
	int node_zero, node_null;	/* open of the pass-through nodes */
	int add_zero, add_null;		/* ADD "host" 1:5, 1:3 */
};

static int open_ret(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int try_in_group(void *arg, char *msg, size_t len)
{
	struct in_group *g = arg;
	char path[256], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", g->group);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_text(path, pid))
		return fail_msg(msg, len, errno, "joining %s", g->group);
	g->twin_zero = open_ret("/dev/zero");
	g->twin_null = open_ret("/dev/null");
	g->node_zero = open_ret(node_path(path, sizeof(path), g->dir, "zero"));
	g->node_null = open_ret(node_path(path, sizeof(path), g->dir, "null"));
	g->add_zero = add_host(g->ctl, "zero2", MEM_MAJOR, ZERO_MINOR, NULL);
	g->add_null = add_host(g->ctl, "null2", MEM_MAJOR, NULL_MINOR, NULL);
	snprintf(msg, len, "%d %d %d %d %d %d", g->twin_zero, g->twin_null, g->node_zero,
		 g->node_null, g->add_zero, g->add_null);
	return 0;
}

static void expect_ret(struct __test_metadata *_metadata, int want, int got, const char *what)
{
	EXPECT_EQ(want, got) {
		TH_LOG("%s: %s, expected %s", what, got ? strerror(-got) : "success",
		       want ? strerror(-want) : "success");
	}
}

/*
 * The opener's device cgroup decides with the host number: a group that
 * denies "c 1:5 rwm" cannot open the pass-through node of 1:5 (EPERM, as
 * /dev/zero), but opens that of 1:3; and the adder's: it cannot ADD a
 * "host" device of 1:5 (mknod is denied), but can one of 1:3.
 */
TEST_F(devcg, the_device_cgroup_applies_with_the_host_number)
{
	struct in_group g = { .group = self->group, .dir = self->dir, .ctl = self->ctl };
	char msg[256] = "";

	assert_add_host(_metadata, self->ctl, "zero", MEM_MAJOR, ZERO_MINOR, NULL);
	assert_add_host(_metadata, self->ctl, "null", MEM_MAJOR, NULL_MINOR, NULL);
	ASSERT_EQ(0, fork_run(try_in_group, &g, msg, sizeof(msg))) {
		TH_LOG("in the group: %s", msg);
	}
	ASSERT_EQ(6, sscanf(msg, "%d %d %d %d %d %d", &g.twin_zero, &g.twin_null, &g.node_zero,
			    &g.node_null, &g.add_zero, &g.add_null));
	/* The group works as intended, on the host's own nodes. */
	ASSERT_EQ(-EPERM, g.twin_zero);
	ASSERT_EQ(0, g.twin_null);

	expect_ret(_metadata, -EPERM, g.node_zero, "open of the pass-through node of 1:5");
	expect_ret(_metadata, 0, g.node_null, "open of the pass-through node of 1:3");
	expect_ret(_metadata, -EPERM, g.add_zero, "ADD \"host\" 1:5");
	expect_ret(_metadata, 0, g.add_null, "ADD \"host\" 1:3");
}

/* Revocation: by DEVNSFS_IOC_REMOVE or by unlink(2) of the node. */
FIXTURE(rev) {
	char *dir;
	int ctl;
	char path[256];
};

FIXTURE_VARIANT(rev) {
	bool by_unlink;
};

FIXTURE_VARIANT_ADD(rev, remove) { .by_unlink = false };
FIXTURE_VARIANT_ADD(rev, unlink) { .by_unlink = true };

FIXTURE_SETUP(rev)
{
	self->ctl = -1;
	ASSERT_EQ(0, private_mounts());
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0);
}

FIXTURE_TEARDOWN(rev)
{
	if (self->ctl >= 0)
		close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
}

/* Removes the device of node name the variant's way; 0 or -errno. */
static int remove_dev(struct _test_data_rev *self, const struct _fixture_variant_rev *variant,
		      const char *name)
{
	if (variant->by_unlink)
		return unlink(P(name)) ? -errno : 0;
	return ctl_remove(self->ctl, name);
}

/* A call on a revoked file failed with ENODEV. */
static void expect_enodev(struct __test_metadata *_metadata, struct outcome o, const char *what)
{
	EXPECT_EQ(-1, o.ret) {
		TH_LOG("%s on the revoked file returned %ld", what, o.ret);
	}
	EXPECT_EQ(ENODEV, o.err) {
		TH_LOG("%s on the revoked file: %s", what, strerror(o.err));
	}
}

TEST_F(rev, revoked_file_gets_enodev_and_the_hosts_own_keeps_working)
{
	long page = sysconf(_SC_PAGESIZE);
	struct pollfd pfd;
	struct termios tio;
	char buf[64];
	int fd, twin, ret;
	void *p;

	assert_add_host(_metadata, self->ctl, "zero", MEM_MAJOR, ZERO_MINOR, NULL);
	fd = open(P("zero"), O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0) {
		TH_LOG("open of the pass-through node: %s", strerror(errno));
	}
	twin = open("/dev/zero", O_RDWR | O_CLOEXEC);
	ASSERT_GE(twin, 0);
	ASSERT_EQ(sizeof(buf), read(fd, buf, sizeof(buf)));
	/* TCGETS reaches the driver (ENOTTY), so that ENODEV below is the proxy's. */
	EXPECT_EQ(-1, ioctl(fd, TCGETS, &tio));
	EXPECT_EQ(ENOTTY, errno);

	ret = remove_dev(self, variant, "zero");
	ASSERT_EQ(0, ret) {
		TH_LOG("%s: %s", variant->by_unlink ? "unlink" : "REMOVE", strerror(-ret));
	}
	expect_enodev(_metadata, OUTCOME(read(fd, buf, sizeof(buf))), "read");
	expect_enodev(_metadata, OUTCOME(write(fd, buf, sizeof(buf))), "write");
	expect_enodev(_metadata, OUTCOME(ioctl(fd, TCGETS, &tio)), "ioctl(TCGETS)");
	expect_enodev(_metadata, OUTCOME(lseek(fd, 0, SEEK_SET)), "lseek");
	p = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, p) {
		TH_LOG("mmap of the revoked file succeeded");
	}
	EXPECT_EQ(ENODEV, errno) {
		TH_LOG("mmap of the revoked file: %s", strerror(errno));
	}
	if (p != MAP_FAILED)
		munmap(p, page);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLL_REVOKED, pfd.revents) {
		TH_LOG("poll of the revoked file: revents %#x", pfd.revents);
	}
	EXPECT_EQ(0, close(fd));

	/* The host's own file of 1:5, and a new one, are untouched. */
	memset(buf, 0x55, sizeof(buf));
	EXPECT_EQ(sizeof(buf), read(twin, buf, sizeof(buf)));
	EXPECT_EQ(0, buf[0]);
	EXPECT_EQ(0, buf[sizeof(buf) - 1]);
	EXPECT_EQ(sizeof(buf), write(twin, buf, sizeof(buf)));
	close(twin);
	twin = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	EXPECT_GE(twin, 0);
	EXPECT_EQ(sizeof(buf), read(twin, buf, sizeof(buf)));
	close(twin);
}

/* How long a racer looks for the revocation before it gives up. */
#define RACE_DEADLINE_NS (20 * 1000000000LL)
/* How long a blocked poller waits: far past WAKE_BOUND_NS. */
#define WAIT_MS 15000
/* How soon after the removal returned a blocked poller must be awake. */
#define WAKE_BOUND_NS (5 * 1000000000LL)

enum race_op {
	RACE_READ,		/* read(2), in a loop */
	RACE_WRITE,		/* write(2) */
	RACE_IOCTL,		/* ioctl(TCGETS): ENOTTY from the mem driver */
	RACE_POLL,		/* poll(2) with timeout 0 */
	RACE_POLL_WAIT,		/* poll(2), blocked until something happens */
	RACE_EPOLL_WAIT,	/* epoll_wait(2) on an epoll set with the file */
	RACE_POLL_EPOLL,	/* poll(2) on the fd of such an epoll set */
};

static const char *const race_op_name[] = {
	"read", "write", "ioctl", "poll", "blocking poll", "epoll_wait", "poll of an epoll fd",
};

struct racer {
	enum race_op op;
	int fd;
	int ok_err[2];		/* errnos the driver may give before the removal */
	const atomic_int *removed;	/* set once the removal returned */
	atomic_int waiting;	/* a blocking poller is (about to be) asleep */
	atomic_int done;
	long calls;
	bool revoked;		/* saw ENODEV or POLLERR | POLLHUP */
	long long t_revoked;
	char bad[200];		/* the first thing it saw that breaks the contract */
	pthread_t thread;
};

/* A result of a call that is not the revocation. */
static void judge(struct racer *r, bool after, long ret, int err)
{
	if (ret < 0 && err == ENODEV) {
		r->revoked = true;
		r->t_revoked = now_ns();
	} else if (after) {
		snprintf(r->bad, sizeof(r->bad),
			 "%s started after the removal returned gave %ld (%s)",
			 race_op_name[r->op], ret, ret < 0 ? strerror(err) : "no error");
	} else if (ret < 0 && err != r->ok_err[0] && err != r->ok_err[1]) {
		snprintf(r->bad, sizeof(r->bad), "%s: %s", race_op_name[r->op], strerror(err));
	}
}

/* A poll result: revoked, or (before the removal) anything but an error. */
static void judge_revents(struct racer *r, bool after, int n, int err, unsigned int revents,
			  unsigned int revoked)
{
	if (n < 0) {
		snprintf(r->bad, sizeof(r->bad), "%s: %s", race_op_name[r->op], strerror(err));
	} else if (n == 0 && r->op != RACE_POLL) {
		snprintf(r->bad, sizeof(r->bad), "%s was not woken within %d ms",
			 race_op_name[r->op], WAIT_MS);
	} else if (n > 0 && revents == revoked) {
		r->revoked = true;
		r->t_revoked = now_ns();
	} else if (after) {
		snprintf(r->bad, sizeof(r->bad),
			 "%s started after the removal returned reported %#x, not %#x",
			 race_op_name[r->op], revents, revoked);
	}
}

/*
 * Whether a kmsg poller was woken, before the removal, by a new kernel
 * message: then it skips to the end of the log and waits again.
 */
static bool woken_by_a_message(struct racer *r, bool after, int n, unsigned int events,
			       unsigned int revoked, unsigned int in)
{
	if (after || n != 1 || events == revoked || !(events & in))
		return false;
	lseek(r->fd, 0, SEEK_END);
	return true;
}

static void *race(void *arg)
{
	struct racer *r = arg;
	long long deadline = now_ns() + RACE_DEADLINE_NS;
	struct epoll_event ev = { .events = EPOLLIN };
	struct termios tio;
	char buf[8192];
	int ep = -1, n, err;

	if (r->op == RACE_EPOLL_WAIT || r->op == RACE_POLL_EPOLL) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev)) {
			snprintf(r->bad, sizeof(r->bad), "epoll set-up: %s", strerror(errno));
			goto out;
		}
	}
	memset(buf, 0, sizeof(buf));
	while (!r->revoked && !r->bad[0]) {
		bool after = atomic_load(r->removed);
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN | POLLOUT };
		long ret;

		if (now_ns() > deadline) {
			snprintf(r->bad, sizeof(r->bad), "%s saw no revocation in %lld s",
				 race_op_name[r->op], RACE_DEADLINE_NS / 1000000000LL);
			break;
		}
		r->calls++;
		switch (r->op) {
		case RACE_READ:
			ret = read(r->fd, buf, sizeof(buf));
			judge(r, after, ret, errno);
			break;
		case RACE_WRITE:
			ret = write(r->fd, buf, sizeof(buf));
			judge(r, after, ret, errno);
			break;
		case RACE_IOCTL:
			ret = ioctl(r->fd, TCGETS, &tio);
			judge(r, after, ret, errno);
			break;
		case RACE_POLL:
			n = poll(&pfd, 1, 0);
			judge_revents(r, after, n, errno, pfd.revents, POLL_REVOKED);
			break;
		case RACE_POLL_WAIT:
			pfd.events = POLLIN;
			atomic_store(&r->waiting, 1);
			n = poll(&pfd, 1, WAIT_MS);
			err = errno;
			atomic_store(&r->waiting, 0);
			if (woken_by_a_message(r, after, n, pfd.revents, POLL_REVOKED, POLLIN))
				break;
			judge_revents(r, after, n, err, pfd.revents, POLL_REVOKED);
			break;
		case RACE_EPOLL_WAIT:
			ev.events = 0;
			atomic_store(&r->waiting, 1);
			n = epoll_wait(ep, &ev, 1, WAIT_MS);
			err = errno;
			atomic_store(&r->waiting, 0);
			if (woken_by_a_message(r, after, n, ev.events, EPOLL_REVOKED, EPOLLIN))
				break;
			judge_revents(r, after, n, err, ev.events, EPOLL_REVOKED);
			break;
		case RACE_POLL_EPOLL:
			pfd = (struct pollfd){ .fd = ep, .events = POLLIN };
			atomic_store(&r->waiting, 1);
			n = poll(&pfd, 1, WAIT_MS);
			err = errno;
			atomic_store(&r->waiting, 0);
			if (n <= 0) {
				judge_revents(r, after, n, err, 0, EPOLL_REVOKED);
				break;
			}
			/* The epoll set is ready: what does it hold? */
			ev.events = 0;
			n = epoll_wait(ep, &ev, 1, 0);
			err = errno;
			if (woken_by_a_message(r, after, n, ev.events, EPOLL_REVOKED, EPOLLIN))
				break;
			if (n == 0 && !after)
				break;
			judge_revents(r, after, n, err, ev.events, EPOLL_REVOKED);
			break;
		}
	}
out:
	if (ep >= 0)
		close(ep);
	atomic_store(&r->done, 1);
	return NULL;
}

/*
 * Threads call read, write, ioctl and poll in loops on a file of a zero
 * node, and on a file of a kmsg node (nothing new to read, so pollers
 * block) one thread reads without blocking, one is blocked in poll(2),
 * one in epoll_wait(2) and one in poll(2) of an epoll fd, while the main
 * thread removes both devices. Every call that starts after a removal
 * returned must fail with ENODEV (a poll report exactly POLLERR |
 * POLLHUP), and the blocked pollers must be woken by the removal (a kernel
 * message may wake them earlier; they go back to sleep). The debug
 * kernel's KASAN and lockdep judge the rest (the runner greps dmesg).
 */
TEST_F_TIMEOUT(rev, calls_and_pollers_racing_the_removal_all_see_it, 300)
{
	static const struct {
		const char *node;
		enum race_op op;
		int ok_err[2];
	} plan[] = {
		{ "zero", RACE_READ }, { "zero", RACE_READ }, { "zero", RACE_WRITE },
		{ "zero", RACE_IOCTL, { ENOTTY } }, { "zero", RACE_POLL },
		{ "kmsg", RACE_READ, { EAGAIN, EPIPE } }, { "kmsg", RACE_IOCTL, { ENOTTY } },
		{ "kmsg", RACE_POLL_WAIT }, { "kmsg", RACE_EPOLL_WAIT },
		{ "kmsg", RACE_POLL_EPOLL },
	};
	unsigned int rounds = soak_count(4, 100), round, i;
	struct racer *r = calloc(ARRAY_SIZE(plan), sizeof(*r));
	atomic_int zero_removed, kmsg_removed;

	ASSERT_NE(NULL, r);
	for (round = 0; round < rounds; round++) {
		long long t_kmsg_removed, deadline;
		int zfd, kfd, ret;

		assert_add_host(_metadata, self->ctl, "zero", MEM_MAJOR, ZERO_MINOR, NULL);
		assert_add_host(_metadata, self->ctl, "kmsg", MEM_MAJOR, KMSG_MINOR, NULL);
		zfd = open(P("zero"), O_RDWR | O_CLOEXEC);
		ASSERT_GE(zfd, 0);
		kfd = open(P("kmsg"), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		ASSERT_GE(kfd, 0) {
			TH_LOG("open of the pass-through node of /dev/kmsg: %s", strerror(errno));
		}
		ASSERT_EQ(0, lseek(kfd, 0, SEEK_END));
		atomic_store(&zero_removed, 0);
		atomic_store(&kmsg_removed, 0);

		memset(r, 0, ARRAY_SIZE(plan) * sizeof(*r));
		for (i = 0; i < ARRAY_SIZE(plan); i++) {
			bool kmsg = !strcmp(plan[i].node, "kmsg");

			r[i].op = plan[i].op;
			r[i].fd = kmsg ? kfd : zfd;
			r[i].removed = kmsg ? &kmsg_removed : &zero_removed;
			r[i].ok_err[0] = plan[i].ok_err[0] ? plan[i].ok_err[0] : -1;
			r[i].ok_err[1] = plan[i].ok_err[1] ? plan[i].ok_err[1] : -1;
			ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, race, &r[i]));
		}
		/* Let the blocking pollers go to sleep, and the loops get going. */
		deadline = now_ns() + 5000000000LL;
		for (i = 0; i < ARRAY_SIZE(plan); i++)
			while (plan[i].op >= RACE_POLL_WAIT && !atomic_load(&r[i].waiting) &&
			       !atomic_load(&r[i].done) && now_ns() < deadline)
				usleep(1000);
		usleep(50000 + round % 7 * 10000);

		ret = remove_dev(self, variant, "zero");
		atomic_store(&zero_removed, 1);
		ASSERT_EQ(0, ret);
		ret = remove_dev(self, variant, "kmsg");
		t_kmsg_removed = now_ns();
		atomic_store(&kmsg_removed, 1);
		ASSERT_EQ(0, ret);

		for (i = 0; i < ARRAY_SIZE(plan); i++) {
			ASSERT_EQ(0, pthread_join(r[i].thread, NULL));
			EXPECT_STREQ("", r[i].bad) {
				TH_LOG("round %u, %s thread on %s", round, race_op_name[r[i].op],
				       plan[i].node);
			}
			EXPECT_TRUE(r[i].revoked) {
				TH_LOG("round %u, %s thread on %s never saw the revocation",
				       round, race_op_name[r[i].op], plan[i].node);
			}
			if (plan[i].op >= RACE_POLL_WAIT && r[i].revoked) {
				EXPECT_LT(r[i].t_revoked - t_kmsg_removed, WAKE_BOUND_NS) {
					TH_LOG("round %u: the %s woke %.1f s after the removal",
					       round, race_op_name[r[i].op],
					       (r[i].t_revoked - t_kmsg_removed) / 1e9);
				}
			}
		}
		EXPECT_EQ(0, close(zfd));
		EXPECT_EQ(0, close(kfd));
		if (_metadata->exit_code)
			break;
	}
	TH_LOG("%u rounds; calls in the last: read %ld, write %ld, ioctl %ld, poll %ld",
	       round, r[0].calls, r[2].calls, r[3].calls, r[4].calls);
	free(r);
}

/*
 * An open pass-through file, of a lazily unmounted instance, keeps devnsfs
 * loaded: delete_module(2) fails while it is open (EBUSY or EAGAIN), also
 * once the device is removed (the file's operations are still devnsfs's),
 * and works after the last close. The module is reloaded afterwards.
 */
FIXTURE(mod) {
	char *dir;
	int ctl;
	char path[256];
};

FIXTURE_VARIANT(mod) {
	bool removed;
};

FIXTURE_VARIANT_ADD(mod, open) { .removed = false };
FIXTURE_VARIANT_ADD(mod, removed) { .removed = true };

FIXTURE_SETUP(mod)
{
	self->ctl = -1;
	ASSERT_EQ(0, private_mounts());
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0);
}

FIXTURE_TEARDOWN(mod)
{
	int ret;

	if (self->ctl >= 0)
		close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
	/* Loaded again, with its defaults, whatever happened above. */
	ret = reset_module();
	ASSERT_EQ(0, ret) {
		TH_LOG("loading devnsfs again: %s", strerror(-ret));
	}
}

TEST_F(mod, rmmod_fails_while_a_pass_through_file_is_open)
{
	char buf[16];
	int fd, ret;

	assert_add_host(_metadata, self->ctl, "zero", MEM_MAJOR, ZERO_MINOR, NULL);
	fd = open(P("zero"), O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	if (variant->removed)
		ASSERT_EQ(0, ctl_remove(self->ctl, "zero"));
	close(self->ctl);
	self->ctl = -1;
	ASSERT_EQ(0, umount2(self->dir, MNT_DETACH));

	ret = syscall(SYS_delete_module, "devnsfs", O_NONBLOCK);
	EXPECT_EQ(-1, ret) {
		TH_LOG("devnsfs unloaded with a pass-through file open");
	}
	EXPECT_TRUE(errno == EBUSY || errno == EAGAIN) {
		TH_LOG("delete_module: %s", strerror(errno));
	}
	/* The file still works, or still answers ENODEV. */
	ret = read(fd, buf, sizeof(buf));
	if (variant->removed) {
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(ENODEV, errno);
	} else {
		EXPECT_EQ(sizeof(buf), ret);
	}
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, module_refcount());
	ret = syscall(SYS_delete_module, "devnsfs", O_NONBLOCK);
	EXPECT_EQ(0, ret) {
		TH_LOG("delete_module after the last close: %s", strerror(errno));
	}
}

TEST_HARNESS_MAIN
