// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile tenants (issue 11): what a container, or someone handed one of
 * its file descriptors, must not be able to do to devnsfs, and what a
 * caller must be able to count on while others race with it. Each case
 * pins down one rule of issue 11's contract (numbered as its sections):
 *
 *  4. an ADD whose result cannot be copied back is undone by identity:
 *     it never removes a device another caller added under the same name;
 *  5. uid= and gid= must be mapped in the user namespace the instance will
 *     belong to, whoever calls fsconfig() (the tmpfs rule);
 *  6. REMOVE of a node something is mounted on is EBUSY, as unlink(2);
 *  7. a write to a random node behaves like one to /dev/urandom: a fault
 *     or a signal part-way returns the bytes written so far;
 *  8. REMOVE returns only after the calls in flight on the device's files
 *     have returned;
 * 10. ADD creates its node without checking anybody's permission on the
 *     instance's root, and a failed ADD spends no id.
 *
 * Every case runs in a private mount namespace of its own (or mounts
 * nothing in the caller's), so what a failing case leaves mounted goes
 * away with its process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"
#include "instance_fixture.h"

/* How long the copy-back race runs when the defect does not show. */
#define RACE_SECONDS 4
/*
 * One read(2) or write(2) this long takes seconds in the TCG guest with
 * its KASAN kernel, far longer than the delays below.
 */
#define LONG_IO (256UL << 20)
/* The buffer of LONG_IO is this much memory mapped again and again. */
#define ALIAS_CHUNK (1UL << 20)
/* A host user the container's user namespace does not map. */
#define STRANGER_UID 2000
#define STRANGER_GID 2000

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * A LONG_IO buffer for one long read or write without LONG_IO of memory:
 * ALIAS_CHUNK of a memfd mapped over and over. NULL on failure.
 */
static char *alias_buffer(void)
{
	char *buf;
	size_t off;
	int fd;

	fd = memfd_create("hostile_test", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, ALIAS_CHUNK))
		return NULL;
	buf = mmap(NULL, LONG_IO, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	for (off = 0; buf != MAP_FAILED && off < LONG_IO; off += ALIAS_CHUNK) {
		if (mmap(buf + off, ALIAS_CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fd, 0) == MAP_FAILED) {
			munmap(buf, LONG_IO);
			buf = MAP_FAILED;
		}
	}
	close(fd);
	return buf == MAP_FAILED ? NULL : buf;
}

/* An instance mounted by host root, in the test's own mount namespace. */
INSTANCE_FIXTURE(host)

/* Section 4: the deterministic part. */
TEST_F(host, readonly_add_argument_is_efault_and_keeps_nothing)
{
	long page = sysconf(_SC_PAGESIZE);
	struct devnsfs_device *ro, d, info;
	struct stat st;

	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	dev_init(ro, "ro", "zero");
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));

	/* Readable, not writable: ADD cannot report, so nothing stays. */
	EXPECT_EQ(-1, ioctl(self->ctl, DEVNSFS_IOC_ADD, ro));
	EXPECT_EQ(EFAULT, errno);
	dev_init(&info, "ro", NULL);
	EXPECT_EQ(-ENOENT, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &info));
	EXPECT_EQ(-1, stat(P("ro"), &st));
	EXPECT_EQ(ENOENT, errno);

	/*
	 * With the name taken, the same call fails (EEXIST, or EFAULT if the
	 * argument is probed first) and the device that has it survives.
	 */
	ASSERT_EQ(0, ctl_add(self->ctl, "ro", "null", &d));
	EXPECT_EQ(-1, ioctl(self->ctl, DEVNSFS_IOC_ADD, ro));
	EXPECT_TRUE(errno == EEXIST || errno == EFAULT) {
		TH_LOG("ADD of a taken name with a read-only argument: %s", strerror(errno));
	}
	dev_init(&info, "ro", NULL);
	EXPECT_EQ(0, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &info));
	EXPECT_EQ(d.id, info.id);
	munmap(ro, page);
}

struct readonly_adder {
	int ctl;
	const struct devnsfs_device *arg;
	atomic_int stop;
	long efault, eexist, other;
	int other_err;
};

/* Thread A: ADD "x" with a read-only argument, over and over. */
static void *add_readonly(void *arg)
{
	struct readonly_adder *a = arg;

	while (!atomic_load(&a->stop)) {
		if (ioctl(a->ctl, DEVNSFS_IOC_ADD, a->arg) == 0) {
			/* It cannot have reported success it could not write. */
			a->other++;
			a->other_err = 0;
		} else if (errno == EFAULT) {
			a->efault++;
		} else if (errno == EEXIST) {
			a->eexist++;
		} else {
			a->other++;
			a->other_err = errno;
		}
	}
	return NULL;
}

/*
 * Section 4: the race. A's failed ADD undoes itself; the undo must take
 * back A's device and nothing else. B (this thread) owns every device "x"
 * it adds until it removes it: after each of its ADDs, INFO "x" must give
 * B's id and B's REMOVE must find it. Today A's undo removes by name, so
 * a device B added between A's add and A's undo disappears.
 */
TEST_F_TIMEOUT(host, failed_copy_back_never_removes_another_callers_device, 120)
{
	long page = sysconf(_SC_PAGESIZE);
	struct readonly_adder a = { .ctl = self->ctl };
	long long start, end;
	long checks = 0, taken_over = 0;
	struct devnsfs_device mine = { 0 }, info = { 0 }, *ro;
	int add_ret = 0, info_ret = 0, remove_ret = 0;
	bool violated = false;
	pthread_t thread;

	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	dev_init(ro, "x", "null");
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	a.arg = ro;
	ASSERT_EQ(0, pthread_create(&thread, NULL, add_readonly, &a));

	start = now_ns();
	end = start + RACE_SECONDS * 1000000000LL;
	while (now_ns() < end) {
		add_ret = ctl_add(self->ctl, "x", "null", &mine);
		if (add_ret == -EEXIST) {
			/* A's device, between its add and its undo: take it. */
			taken_over += ctl_remove(self->ctl, "x") == 0;
			continue;
		}
		if (add_ret) {
			violated = true;
			break;
		}
		dev_init(&info, "x", NULL);
		info_ret = ctl_call(self->ctl, DEVNSFS_IOC_INFO, &info);
		remove_ret = ctl_remove(self->ctl, "x");
		if (info_ret || info.id != mine.id || remove_ret) {
			violated = true;
			break;
		}
		checks++;
	}
	atomic_store(&a.stop, 1);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	TH_LOG("%.2f s: B %ld checked ADDs, took over %ld of A's devices; A %ld EFAULT, %ld EEXIST",
	       (now_ns() - start) / 1e9, checks, taken_over, a.efault, a.eexist);

	EXPECT_FALSE(violated) {
		TH_LOG("B's ADD of \"x\": %s, id %llu; then INFO: %s, id %llu; REMOVE: %s",
		       strerror(-add_ret), (unsigned long long)mine.id, strerror(-info_ret),
		       (unsigned long long)(info_ret ? 0 : info.id), strerror(-remove_ret));
	}
	EXPECT_EQ(0, a.other) {
		TH_LOG("A's read-only ADD returned %s", a.other_err ? strerror(a.other_err) : "0");
	}
	/* Without failed ADDs from A there was no race to lose. */
	EXPECT_GT(a.efault, 0);
	munmap(ro, page);
}

static int open_fs_context(void *arg, char *msg, size_t len)
{
	int sock = *(int *)arg;
	int fsfd, err;

	fsfd = fsopen("devnsfs", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return fail_msg(msg, len, errno, "fsopen in the container");
	err = scm_send_fd(sock, fsfd);
	close(fsfd);
	if (err)
		return fail_msg(msg, len, -err, "sending the fs context");
	return 0;
}

/*
 * Section 5. The container (uid TEST_UID as 0) opens an fs context, so
 * the instance will belong to its user namespace; host root sets the
 * options. fs_parser maps the numbers in the caller's namespace, where
 * 5000 is fine, but the instance's namespace has no 5000: the container
 * would see its nodes owned by the overflow uid, someone it cannot name.
 * As tmpfs does, such a uid or gid is EINVAL.
 */
TEST(uid_and_gid_must_be_mapped_in_the_instance_namespace)
{
	struct userns_child c;
	char msg[256] = "";
	struct stat st;
	int sv[2], fsfd, mfd;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, userns_child_start(&c, open_fs_context, &sv[1]));
	ASSERT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	fsfd = scm_recv_fd(sv[0]);
	ASSERT_GE(fsfd, 0) {
		TH_LOG("receiving the fs context: %s", strerror(-fsfd));
	}

	EXPECT_EQ(-1, fsconfig(fsfd, FSCONFIG_SET_STRING, "uid", "5000", 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fsconfig(fsfd, FSCONFIG_SET_STRING, "gid", "5000", 0));
	EXPECT_EQ(EINVAL, errno);
	/* TEST_UID and TEST_GID are the container's 0: mapped, accepted. */
	EXPECT_EQ(0, fsconfig(fsfd, FSCONFIG_SET_STRING, "uid", "1000", 0));
	EXPECT_EQ(0, fsconfig(fsfd, FSCONFIG_SET_STRING, "gid", "1000", 0));
	ASSERT_EQ(0, fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		TH_LOG("create: %s", strerror(errno));
	}
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	ASSERT_GE(mfd, 0) {
		TH_LOG("fsmount: %s", strerror(errno));
	}
	ASSERT_EQ(0, fstatat(mfd, DEVNSFS_CONTROL_NAME, &st, 0));
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(TEST_GID, st.st_gid);
	close(mfd);
	close(fsfd);
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(0, userns_child_finish(&c));
}

/*
 * Section 6. A node something is mounted on cannot go: the instance could
 * not be unmounted any more (the mount would hang on a dentry nobody can
 * reach), and unlink(2) of it is already EBUSY in the VFS.
 */
TEST_F(host, remove_of_a_mount_point_is_ebusy_until_it_is_unmounted)
{
	char cover[] = "/tmp/devnsfs-cover.XXXXXX";
	struct devnsfs_device d, info;
	struct stat st;
	int fd, tmp;

	tmp = mkstemp(cover);
	ASSERT_GE(tmp, 0);
	close(tmp);
	ASSERT_EQ(0, ctl_add(self->ctl, "n", "null", &d));
	fd = open(P("n"), O_WRONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mount(cover, P("n"), NULL, MS_BIND, NULL)) {
		TH_LOG("bind mount on the node: %s", strerror(errno));
	}
	ASSERT_EQ(0, stat(P("n"), &st));
	ASSERT_TRUE(S_ISREG(st.st_mode));

	EXPECT_EQ(-1, unlink(P("n")));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-EBUSY, ctl_remove(self->ctl, "n"));
	/* Nothing changed: the device is there and its files work. */
	dev_init(&info, "n", NULL);
	EXPECT_EQ(0, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &info));
	EXPECT_EQ(d.id, info.id);
	EXPECT_EQ(1, write(fd, "x", 1)) {
		TH_LOG("write to the node's open file: %s", strerror(errno));
	}

	/* Once uncovered it goes, and the instance unmounts. */
	EXPECT_EQ(0, umount2(P("n"), 0)) {
		TH_LOG("umount of the bind mount: %s", strerror(errno));
	}
	EXPECT_EQ(0, ctl_remove(self->ctl, "n"));
	close(fd);
	close(self->ctl);
	self->ctl = -1;
	EXPECT_EQ(0, umount2(self->dir, 0)) {
		TH_LOG("umount of the instance: %s", strerror(errno));
	}
	unlink(cover);
}

/*
 * Section 7: a write that faults part-way. The buffer's last page is
 * inaccessible (PROT_NONE rather than munmap, so that nothing else can be
 * mapped there in between); /dev/urandom returns the bytes before it,
 * and so must a random node.
 */
TEST_F(host, random_write_faulting_part_way_returns_the_bytes_before)
{
	const size_t mapped = 4 * sysconf(_SC_PAGESIZE);
	const size_t len = mapped + sysconf(_SC_PAGESIZE);
	ssize_t twin_ret, ours_ret;
	int ours, twin, twin_err;
	char *buf;

	ASSERT_EQ(0, ctl_add(self->ctl, "r", "random", NULL));
	ours = open(P("r"), O_WRONLY | O_CLOEXEC);
	ASSERT_GE(ours, 0);
	twin = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	ASSERT_GE(twin, 0);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 0xa5, mapped);
	ASSERT_EQ(0, mprotect(buf + mapped, len - mapped, PROT_NONE));

	twin_ret = write(twin, buf, len);
	twin_err = twin_ret < 0 ? errno : 0;
	/* The rule as this guest's /dev/urandom keeps it. */
	ASSERT_EQ(mapped, twin_ret) {
		TH_LOG("/dev/urandom: %s", strerror(twin_err));
	}
	ours_ret = write(ours, buf, len);
	EXPECT_EQ(twin_ret, ours_ret) {
		TH_LOG("random node: %s", ours_ret < 0 ? strerror(errno) : "short count");
	}

	/* Nothing readable at all: EFAULT from both. */
	EXPECT_EQ(-1, write(twin, buf + mapped, len - mapped));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, write(ours, buf + mapped, len - mapped));
	EXPECT_EQ(EFAULT, errno);
	munmap(buf, len);
	close(twin);
	close(ours);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * One LONG_IO write(2) to fd with a SIGALRM due after delay_ms (handler
 * without SA_RESTART). Returns the write's result; *ms is how long it took.
 */
static ssize_t write_with_alarm(int fd, const char *buf, long delay_ms, double *ms)
{
	struct itimerval it = {
		.it_value = { .tv_sec = delay_ms / 1000, .tv_usec = delay_ms % 1000 * 1000 },
	};
	struct itimerval off = { 0 };
	long long t0;
	ssize_t ret;
	int err;

	if (setitimer(ITIMER_REAL, &it, NULL))
		return -2;
	t0 = now_ns();
	ret = write(fd, buf, LONG_IO);
	err = errno;
	*ms = (now_ns() - t0) / 1e6;
	setitimer(ITIMER_REAL, &off, NULL);
	errno = err;
	return ret;
}

/*
 * Section 7: a signal ends a long write early with the partial count, as
 * /dev/urandom's write_pool_user() does; today the random node ignores
 * signals and writes all of LONG_IO. The alarm is due 30 ms after the
 * write starts: it is in the kernel by then, and LONG_IO takes much
 * longer even on a fast machine.
 */
TEST_F_TIMEOUT(host, random_write_ends_early_on_a_signal, 600)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	ssize_t twin_ret, ours_ret;
	double twin_ms, ours_ms;
	int ours, twin;
	char *buf;

	ASSERT_EQ(0, ctl_add(self->ctl, "r", "random", NULL));
	ours = open(P("r"), O_WRONLY | O_CLOEXEC);
	ASSERT_GE(ours, 0);
	twin = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	ASSERT_GE(twin, 0);
	buf = alias_buffer();
	ASSERT_NE(NULL, buf);
	memset(buf, 0x5a, ALIAS_CHUNK);
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));

	twin_ret = write_with_alarm(twin, buf, 30, &twin_ms);
	TH_LOG("/dev/urandom: %zd of %lu bytes in %.0f ms", twin_ret, LONG_IO, twin_ms);
	/* The rule as this guest's /dev/urandom keeps it. */
	ASSERT_GT(twin_ret, 0);
	ASSERT_LT(twin_ret, LONG_IO);

	ours_ret = write_with_alarm(ours, buf, 30, &ours_ms);
	TH_LOG("random node: %zd of %lu bytes in %.0f ms", ours_ret, LONG_IO, ours_ms);
	EXPECT_GT(ours_ret, 0) {
		TH_LOG("write: %s", strerror(errno));
	}
	EXPECT_LT(ours_ret, LONG_IO);
	signal(SIGALRM, SIG_DFL);
	munmap(buf, LONG_IO);
	close(twin);
	close(ours);
}

/* One LONG_IO read(2) or write(2) on another thread. */
struct long_call {
	int fd;
	bool write;
	char *buf;
	atomic_int started, done;
	long long t_start, t_end;
	ssize_t ret;
	int err;
};

static void *call_long(void *arg)
{
	struct long_call *c = arg;

	c->t_start = now_ns();
	atomic_store(&c->started, 1);
	if (c->write)
		c->ret = write(c->fd, c->buf, LONG_IO);
	else
		c->ret = read(c->fd, c->buf, LONG_IO);
	c->err = c->ret < 0 ? errno : 0;
	c->t_end = now_ns();
	atomic_store(&c->done, 1);
	return NULL;
}

/*
 * How late a thread may see its own call return after the kernel has
 * finished it: the caller may be scheduled out on the way back to user
 * space while the REMOVE it woke runs first.
 */
#define RETURN_SLACK_NS (100 * 1000000LL)
/* What the main thread writes into a read's buffer once REMOVE returned. */
#define MARK 0xee

/*
 * Section 8: when REMOVE returns, no call on the device is still running,
 * so the caller may count on the device being gone, not just hidden: a
 * LONG_IO read of a zero node, or write to a random node, in flight ends
 * early, before the removal returns. unlink(2) revokes the same way but,
 * the VFS holding the directory locked, does not wait: a read in flight
 * ends at its next page, so at most the page it was zeroing when unlink
 * returned is zeroed after. Two observations: the
 * caller's timestamps, which scheduling can blur by RETURN_SLACK_NS, and,
 * for a read, an exact one: marks the main thread writes into every page
 * behind the buffer as soon as the removal has returned. A read still
 * running would zero them again (the buffer maps one chunk over and over,
 * so any further progress reaches every mark).
 */
static void remove_during_call(struct __test_metadata *_metadata,
			       struct _test_data_host *self, const char *class_name,
			       bool is_write, bool by_unlink)
{
	long page = sysconf(_SC_PAGESIZE);
	struct long_call c = { .write = is_write };
	long long t_remove, t_removed;
	long marks = 0, off;
	pthread_t thread;
	char small[64];
	int ret;

	ASSERT_EQ(0, ctl_add(self->ctl, "dev", class_name, NULL));
	c.fd = open(P("dev"), (is_write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	ASSERT_GE(c.fd, 0);
	c.buf = alias_buffer();
	ASSERT_NE(NULL, c.buf);
	memset(c.buf, 0x5a, ALIAS_CHUNK);
	ASSERT_EQ(0, pthread_create(&thread, NULL, call_long, &c));
	while (!atomic_load(&c.started))
		usleep(1000);
	/*
	 * Remove only once the call is inside the device (else today's module
	 * would pass with an early ENODEV), and early, so that even a fast
	 * machine is far from the end of LONG_IO: a read is in once it has
	 * zeroed the buffer's first byte; a write gets a fixed head start.
	 */
	if (is_write)
		usleep(100 * 1000);
	else
		while (__atomic_load_n(c.buf, __ATOMIC_RELAXED) && !atomic_load(&c.done))
			usleep(1000);
	t_remove = now_ns();
	if (by_unlink)
		ret = unlink(P("dev")) ? -errno : 0;
	else
		ret = ctl_remove(self->ctl, "dev");
	t_removed = now_ns();
	if (!is_write)
		for (off = 0; off < ALIAS_CHUNK; off += page)
			c.buf[off] = MARK;
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(0, ret);
	TH_LOG("%s from +0 to +%.0f ms returned %zd (%s); %s from +%.0f to +%.0f ms",
	       is_write ? "write" : "read", (c.t_end - c.t_start) / 1e6, c.ret, strerror(c.err),
	       by_unlink ? "unlink" : "REMOVE",
	       (t_remove - c.t_start) / 1e6, (t_removed - c.t_start) / 1e6);

	/* Else the call was too short to be in flight: the case proves nothing. */
	ASSERT_GT(c.t_end, t_remove);
	EXPECT_LE(c.t_end, t_removed + RETURN_SLACK_NS) {
		TH_LOG("the call returned %.0f ms after the removal did",
		       (c.t_end - t_removed) / 1e6);
	}
	if (!is_write) {
		for (off = 0; off < ALIAS_CHUNK; off += page)
			marks += (unsigned char)c.buf[off] == MARK;
		EXPECT_LE(ALIAS_CHUNK / page - (by_unlink ? 1 : 0), marks) {
			TH_LOG("the read zeroed %ld pages after the removal returned",
			       ALIAS_CHUNK / page - marks);
		}
	}
	/* It stopped at the removal: a partial count (or ENODEV). */
	EXPECT_TRUE((c.ret >= 0 && c.ret < LONG_IO) || (c.ret == -1 && c.err == ENODEV)) {
		TH_LOG("the call returned %zd of %lu", c.ret, LONG_IO);
	}
	ret = is_write ? write(c.fd, small, sizeof(small)) : read(c.fd, small, sizeof(small));
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(ENODEV, errno);
	munmap(c.buf, LONG_IO);
	close(c.fd);
}

TEST_F_TIMEOUT(host, remove_waits_for_a_read_in_flight, 300)
{
	remove_during_call(_metadata, self, "zero", false, false);
}

TEST_F_TIMEOUT(host, unlink_ends_a_read_in_flight_at_its_next_page, 300)
{
	remove_during_call(_metadata, self, "zero", false, true);
}

TEST_F_TIMEOUT(host, remove_waits_for_a_random_write_in_flight, 300)
{
	remove_during_call(_metadata, self, "random", true, false);
}

struct add_result {
	int ret;
	struct devnsfs_device d;
};

struct container_ctl {
	char *dir;
	int sock;
};

/* In the container: mount, add "a", close the root to others, pass ctl. */
static int mount_and_close_root(void *arg, char *msg, size_t len)
{
	struct container_ctl *cc = arg;
	struct stat st;
	int ctl, err;

	ctl = mount_instance(cc->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount");
	err = -ctl_add(ctl, "a", "null", NULL);
	if (err)
		return fail_msg(msg, len, err, "ADD a");
	if (chmod(cc->dir, 0700) || stat(cc->dir, &st))
		return fail_msg(msg, len, errno, "chmod 0700 of the instance's root");
	if ((st.st_mode & 07777) != 0700)
		return fail_msg(msg, len, EINVAL, "root mode %o after chmod", st.st_mode & 07777);
	err = scm_send_fd(cc->sock, ctl);
	close(ctl);
	if (err)
		return fail_msg(msg, len, -err, "sending the control fd");
	return 0;
}

/*
 * Section 10. The container closes its instance's root (0700) and hands
 * its control fd to a host user with no capability and no search
 * permission there. The fd is the authority: ADD must work (devnsfs
 * creates its own nodes, it is not a lookup on the caller's behalf), and
 * an ADD that cannot create its node must not spend an id.
 */
TEST(add_through_a_passed_control_fd_needs_no_search_permission)
{
	struct container_ctl cc = { .dir = make_mountpoint() };
	struct devnsfs_device first, last;
	struct userns_child c;
	struct add_result *r;
	char msg[256] = "";
	int sv[2], ctl, status;
	unsigned long long prev;
	pid_t pid;

	ASSERT_NE(NULL, cc.dir);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	cc.sock = sv[1];
	ASSERT_EQ(0, userns_child_start(&c, mount_and_close_root, &cc));
	ASSERT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("container: %s", msg);
	}
	ctl = scm_recv_fd(sv[0]);
	ASSERT_GE(ctl, 0) {
		TH_LOG("receiving the control fd: %s", strerror(-ctl));
	}
	dev_init(&first, "a", NULL);
	ASSERT_EQ(0, ctl_call(ctl, DEVNSFS_IOC_INFO, &first));

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	r->ret = -EPROTO;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Leaving uid 0 for good drops every capability. */
		if (setgroups(0, NULL) ||
		    setresgid(STRANGER_GID, STRANGER_GID, STRANGER_GID) ||
		    setresuid(STRANGER_UID, STRANGER_UID, STRANGER_UID))
			_exit(1);
		r->ret = ctl_add(ctl, "b", "null", &r->d);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	EXPECT_EQ(0, r->ret) {
		TH_LOG("ADD by uid %d: %s", STRANGER_UID, strerror(-r->ret));
	}
	if (r->ret == 0)
		EXPECT_EQ(first.id + 1, r->d.id);

	/* Host root can search the root: this ADD works today too. */
	prev = r->ret == 0 ? r->d.id : first.id;
	ASSERT_EQ(0, ctl_add(ctl, "c", "null", &last));
	EXPECT_EQ(prev + 1, last.id) {
		TH_LOG("ids %llu then %llu: a failed ADD spent %llu",
		       prev, (unsigned long long)last.id, (unsigned long long)last.id - prev - 1);
	}

	munmap(r, sizeof(*r));
	close(ctl);
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(cc.dir);
	free(cc.dir);
}

TEST_HARNESS_MAIN
