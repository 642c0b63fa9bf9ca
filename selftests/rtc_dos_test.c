// SPDX-License-Identifier: GPL-2.0
/*
 * A container cannot use its rtc devices to load the host with timer
 * interrupts (issue 11, section 1):
 *  - rates above 64 Hz (RTC_IRQP_SET, and RTC_PIE_ON at such a rate) need
 *    CAP_SYS_RESOURCE in the initial user namespace, as drivers/rtc/dev.c
 *    asks of capable(): root of an unprivileged container gets EACCES,
 *    host root may set 1024 Hz on any rtc node it can open;
 *  - at most rtc_armed (default 16) rtc devices per user namespace with
 *    its descendants, and rtc_armed_user (default 64) per host user, have
 *    update or periodic interrupts on at once: one more RTC_UIE_ON /
 *    RTC_PIE_ON is EDQUOT and
 *    changes nothing; turning them off, closing the file or removing the
 *    device gives the slot back; the alarm is not counted; instances of
 *    the initial user namespace are not limited.
 * The cases that need no module parameter run with the defaults, so that
 * they fail on a module without the limits for that reason alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

/* The default of the rtc_armed module parameter. */
#define RTC_ARMED 16
/* Devices a test creates at most: the limit and a few more. */
#define MAX_RTCS (RTC_ARMED + 4)

/* ioctl() as 0 or -errno. */
static int rtc_call(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int rtc_set_rate(int fd, unsigned long hz)
{
	return ioctl(fd, RTC_IRQP_SET, hz) ? -errno : 0;
}

/* The rate RTC_IRQP_READ reports, or -errno. */
static long rtc_rate(int fd)
{
	unsigned long hz;

	return ioctl(fd, RTC_IRQP_READ, &hz) ? -errno : (long)hz;
}

/* What a container does in a test: its instance and rtc devices. */
struct box {
	const char *dir;	/* where to mount the instance */
	int ctl;
	int fd[MAX_RTCS];	/* open files of rtc0.., -1 if closed */
	int n;			/* devices added */
	int arm;		/* sibling_arm(): how many to arm */
	int refuse_next;	/* sibling_arm(): the next one must be EDQUOT */
};

/* Mounts an instance on b->dir and adds n rtc devices, each opened. */
static int box_setup(struct box *b, int n, char *msg, size_t len)
{
	char name[16], path[256];
	int i, err;

	b->ctl = mount_instance(b->dir, NULL);
	if (b->ctl < 0)
		return fail_msg(msg, len, errno, "mount %s", b->dir);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "rtc%d", i);
		err = ctl_add(b->ctl, name, "rtc", NULL);
		if (err)
			return fail_msg(msg, len, -err, "add %s", name);
		b->fd[i] = open(node_path(path, sizeof(path), b->dir, name), O_RDONLY);
		if (b->fd[i] < 0)
			return fail_msg(msg, len, errno, "open %s", name);
	}
	b->n = n;
	return 0;
}

/* Reopens rtc<i> of the box, as after a close. */
static int box_reopen(struct box *b, int i)
{
	char name[16], path[256];

	snprintf(name, sizeof(name), "rtc%d", i);
	b->fd[i] = open(node_path(path, sizeof(path), b->dir, name), O_RDONLY);
	return b->fd[i] < 0 ? -errno : 0;
}

/* Turns on the update interrupt of rtc0..rtc<n-1>; 0 or the first error. */
static int arm_uie(struct box *b, int from, int to, char *msg, size_t len,
		   const char *who)
{
	int i, err;

	for (i = from; i < to; i++) {
		err = rtc_call(b->fd[i], RTC_UIE_ON, NULL);
		if (err)
			return fail_msg(msg, len, -err,
					"%s: RTC_UIE_ON of rtc%d (%d armed before it, limit %d)",
					who, i, i, RTC_ARMED);
	}
	return 0;
}

/*
 * Expects err to be EDQUOT; otherwise writes why into msg and returns an
 * error. The message names what the call was and how many were armed.
 */
static int want_edquot(int err, char *msg, size_t len, const char *what)
{
	if (err == -EDQUOT)
		return 0;
	return fail_msg(msg, len, EIO, "%s: want EDQUOT (-%d), got %d%s", what, EDQUOT, err,
			err ? "" : " (the interrupt is on: nothing limits a container's armed rtcs)");
}

/* Waits up to ms for fd to turn readable; returns poll()'s revents. */
static int wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) < 0)
		return -1;
	return p.revents;
}

/*
 * Runs fn as root of a new unprivileged container (uid 1000 outside) on a
 * new mount point, and reports its verdict.
 */
static void in_container(struct __test_metadata *_metadata, userns_fn fn)
{
	struct box b = { .dir = make_mountpoint() };
	struct userns_child c;
	char msg[256];

	ASSERT_NE(NULL, b.dir);
	ASSERT_EQ(0, userns_child_start(&c, fn, &b));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(b.dir);
	free((char *)b.dir);
}

static int rate_in_container(void *arg, char *msg, size_t len)
{
	struct box *b = arg;
	long hz;
	int err;

	err = box_setup(b, 1, msg, len);
	if (err)
		return err;
	/* Root of the container has CAP_SYS_RESOURCE, but only in it. */
	err = rtc_set_rate(b->fd[0], 128);
	if (err != -EACCES)
		return fail_msg(msg, len, EIO,
				"RTC_IRQP_SET 128 Hz as root of an unprivileged container: want EACCES (-%d), got %d",
				EACCES, err);
	hz = rtc_rate(b->fd[0]);
	if (hz != 1)
		return fail_msg(msg, len, EIO, "the refused RTC_IRQP_SET changed the rate to %ld",
				hz);
	err = rtc_set_rate(b->fd[0], 65);
	if (err != -EACCES)
		return fail_msg(msg, len, EIO, "RTC_IRQP_SET 65 Hz: want EACCES, got %d", err);
	err = rtc_set_rate(b->fd[0], 64);
	if (err)
		return fail_msg(msg, len, -err, "RTC_IRQP_SET 64 Hz needs nothing");
	hz = rtc_rate(b->fd[0]);
	if (hz != 64)
		return fail_msg(msg, len, EIO, "RTC_IRQP_READ after setting 64 Hz: %ld", hz);
	err = rtc_call(b->fd[0], RTC_PIE_ON, NULL);
	if (err)
		return fail_msg(msg, len, -err, "RTC_PIE_ON at 64 Hz needs nothing");
	return rtc_call(b->fd[0], RTC_PIE_OFF, NULL);
}

TEST(container_root_gets_eacces_for_rates_above_64_hz)
{
	in_container(_metadata, rate_in_container);
}

/* In the container, through a second task: PIE_ON at the host's 1024 Hz. */
static int pie_on_at_1024(void *arg, char *msg, size_t len)
{
	const char *path = arg;
	int fd = open(path, O_RDONLY), err;
	long hz;

	if (fd < 0)
		return fail_msg(msg, len, errno, "open %s in the container", path);
	hz = rtc_rate(fd);
	if (hz != 1024)
		return fail_msg(msg, len, EIO, "the container reads %ld Hz, not host root's 1024", hz);
	err = rtc_call(fd, RTC_PIE_ON, NULL);
	if (err != -EACCES) {
		rtc_call(fd, RTC_PIE_OFF, NULL);
		return fail_msg(msg, len, EIO,
				"RTC_PIE_ON at 1024 Hz as root of an unprivileged container: want EACCES (-%d), got %d",
				EACCES, err);
	}
	/* Refused: no interrupt is on. */
	if (wait_readable(fd, 200) != 0)
		return fail_msg(msg, len, EIO, "a periodic interrupt after the refused RTC_PIE_ON");
	close(fd);
	return 0;
}

static int add_one_rtc(void *arg, char *msg, size_t len)
{
	struct box *b = arg;
	int err = box_setup(b, 1, msg, len);

	if (!err)
		close(b->fd[0]);
	return err;
}

TEST(container_root_gets_eacces_for_pie_on_at_a_rate_host_root_set)
{
	struct box b = { .dir = make_mountpoint() };
	char msg[256], host_path[512], path[256];
	struct userns_child c;
	int fd;

	ASSERT_NE(NULL, b.dir);
	ASSERT_EQ(0, userns_child_start(&c, add_one_rtc, &b));
	ASSERT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) TH_LOG("%s", msg);
	/* Host root reaches the container's node through /proc/PID/root. */
	snprintf(host_path, sizeof(host_path), "/proc/%d/root%s/rtc0", c.pid, b.dir);
	fd = open(host_path, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", host_path, strerror(errno));
	EXPECT_EQ(0, rtc_set_rate(fd, 1024)) TH_LOG("host root may set 1024 Hz");
	EXPECT_EQ(1024, rtc_rate(fd));
	close(fd);
	node_path(path, sizeof(path), b.dir, "rtc0");
	EXPECT_EQ(0, userns_join_run(c.pid, pie_on_at_1024, path, msg, sizeof(msg)))
		TH_LOG("%s", msg);
	/* Host root may turn them on at that rate. */
	fd = open(host_path, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("reopen %s: %s", host_path, strerror(errno));
	EXPECT_EQ(0, rtc_call(fd, RTC_PIE_ON, NULL));
	EXPECT_EQ(0, rtc_call(fd, RTC_PIE_OFF, NULL));
	close(fd);
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(b.dir);
	free((char *)b.dir);
}

/*
 * The whole accounting of one container at the default limit: 16 devices
 * with interrupts on (rtc0 with both, counted once), the 17th refused and
 * unchanged, its alarm allowed, and every way of giving a slot back.
 */
static int armed_limit(void *arg, char *msg, size_t len)
{
	struct rtc_wkalrm wk = { .enabled = 1 };
	struct box *b = arg;
	int x = RTC_ARMED, i, err;

	err = box_setup(b, RTC_ARMED + 1, msg, len);
	if (err)
		return err;
	/* rtc0: update and periodic (1 Hz) interrupts, one slot. */
	err = rtc_call(b->fd[0], RTC_UIE_ON, NULL) ?: rtc_call(b->fd[0], RTC_PIE_ON, NULL);
	if (err)
		return fail_msg(msg, len, -err, "rtc0: UIE and PIE on");
	for (i = 1; i < RTC_ARMED; i++) {
		err = rtc_call(b->fd[i], i % 2 ? RTC_UIE_ON : RTC_PIE_ON, NULL);
		if (err)
			return fail_msg(msg, len, -err,
					"rtc%d: %s with %d armed (rtc0 has both on and must count once)",
					i, i % 2 ? "RTC_UIE_ON" : "RTC_PIE_ON", i);
	}
	/* The alarm is one-shot: not counted. */
	wk.time.tm_year = 2100 - 1900;
	wk.time.tm_mday = 1;
	err = rtc_call(b->fd[x], RTC_WKALM_SET, &wk);
	if (err)
		return fail_msg(msg, len, -err, "RTC_WKALM_SET (alarm on) of rtc%d with %d armed",
				x, RTC_ARMED);
	err = want_edquot(rtc_call(b->fd[x], RTC_UIE_ON, NULL), msg, len,
			  "RTC_UIE_ON of a 17th rtc device of a container (16 armed, rtc_armed=16)") ?:
	      want_edquot(rtc_call(b->fd[x], RTC_PIE_ON, NULL), msg, len,
			  "RTC_PIE_ON of a 17th rtc device of a container (16 armed, rtc_armed=16)");
	if (err)
		return err;
	/* A device already counted may turn its other interrupt on and off. */
	err = rtc_call(b->fd[1], RTC_PIE_ON, NULL) ?: rtc_call(b->fd[1], RTC_PIE_OFF, NULL);
	if (err)
		return fail_msg(msg, len, -err,
				"RTC_PIE_ON/OFF of rtc1 (UIE on) with 16 armed: a device counts once");
	/* Refused, so off: no update interrupt within a second and a half. */
	if (wait_readable(b->fd[x], 1500) != 0)
		return fail_msg(msg, len, EIO, "rtc%d interrupts after the refused UIE/PIE_ON", x);

	/* RTC_UIE_OFF gives the slot back; turning it on again takes it. */
	if (rtc_call(b->fd[1], RTC_UIE_OFF, NULL))
		return fail_msg(msg, len, errno, "rtc1: RTC_UIE_OFF");
	err = rtc_call(b->fd[x], RTC_UIE_ON, NULL);
	if (err)
		return fail_msg(msg, len, -err, "RTC_UIE_ON after RTC_UIE_OFF of another");
	if (rtc_call(b->fd[x], RTC_UIE_OFF, NULL) || rtc_call(b->fd[1], RTC_UIE_ON, NULL))
		return fail_msg(msg, len, errno, "rtc1: RTC_UIE_ON again");
	err = want_edquot(rtc_call(b->fd[x], RTC_UIE_ON, NULL), msg, len,
			  "RTC_UIE_ON with 16 armed again");
	if (err)
		return err;

	/* rtc0 with only UIE off still holds its slot (PIE is on). */
	if (rtc_call(b->fd[0], RTC_UIE_OFF, NULL))
		return fail_msg(msg, len, errno, "rtc0: RTC_UIE_OFF");
	err = want_edquot(rtc_call(b->fd[x], RTC_UIE_ON, NULL), msg, len,
			  "RTC_UIE_ON while rtc0 still has PIE on");
	if (err)
		return err;
	if (rtc_call(b->fd[0], RTC_PIE_OFF, NULL))
		return fail_msg(msg, len, errno, "rtc0: RTC_PIE_OFF");
	err = rtc_call(b->fd[x], RTC_PIE_ON, NULL);
	if (err)
		return fail_msg(msg, len, -err, "RTC_PIE_ON after rtc0's UIE and PIE went off");
	if (rtc_call(b->fd[x], RTC_PIE_OFF, NULL) || rtc_call(b->fd[0], RTC_UIE_ON, NULL))
		return fail_msg(msg, len, errno, "rtc0: RTC_UIE_ON again");

	/* Closing an armed file turns it off (rtc-dev's release). */
	close(b->fd[3]);
	err = rtc_call(b->fd[x], RTC_UIE_ON, NULL);
	if (err)
		return fail_msg(msg, len, -err, "RTC_UIE_ON after closing the armed rtc3");
	if (rtc_call(b->fd[x], RTC_UIE_OFF, NULL))
		return fail_msg(msg, len, errno, "RTC_UIE_OFF");
	err = box_reopen(b, 3) ?: rtc_call(b->fd[3], RTC_UIE_ON, NULL);
	if (err)
		return fail_msg(msg, len, -err, "rtc3: reopen and RTC_UIE_ON");
	err = want_edquot(rtc_call(b->fd[x], RTC_UIE_ON, NULL), msg, len,
			  "RTC_UIE_ON with 16 armed after the reopen");
	if (err)
		return err;

	/* Removing an armed device, still open, gives its slot back. */
	err = ctl_remove(b->ctl, "rtc5");
	if (err)
		return fail_msg(msg, len, -err, "remove the armed rtc5");
	err = rtc_call(b->fd[x], RTC_UIE_ON, NULL);
	if (err)
		return fail_msg(msg, len, -err, "RTC_UIE_ON after removing the armed rtc5");
	return 0;
}

TEST(the_17th_armed_rtc_of_a_container_is_edquot_until_a_slot_is_given_back)
{
	in_container(_metadata, armed_limit);
}

/*
 * Arms rtc0..rtc<arm - 1> and leaves them armed; if refuse_next, the next
 * one must be refused. rtc<arm> is left closed for arm_the_refused_one().
 */
static int sibling_arm(void *arg, char *msg, size_t len)
{
	struct box *b = arg;
	int n = b->arm, err;
	char what[128];

	err = box_setup(b, n + 1, msg, len) ?: arm_uie(b, 0, n, msg, len, "container");
	if (err)
		return err;
	if (!b->refuse_next) {
		close(b->fd[n]);
		return 0;
	}
	snprintf(what, sizeof(what),
		 "RTC_UIE_ON of rtc %d of a second container of uid 1000 (%d armed in it)",
		 n + 1, n);
	err = want_edquot(rtc_call(b->fd[n], RTC_UIE_ON, NULL), msg, len, what);
	close(b->fd[n]);
	return err;
}

/* In the second container, through another task: its rtc<arm>. */
static int arm_the_refused_one(void *arg, char *msg, size_t len)
{
	struct box *b = arg;
	int err = box_reopen(b, b->arm);

	if (err)
		return fail_msg(msg, len, -err, "reopen");
	err = rtc_call(b->fd[b->arm], RTC_UIE_ON, NULL);
	if (err)
		return fail_msg(msg, len, -err,
				"RTC_UIE_ON once the sibling container exited (6 armed)");
	return 0;
}

/*
 * Two sibling containers of one host user: a arms a_arm, b arms b_arm and
 * must be refused the next; if shared, b gets it once a exits.
 */
static void siblings(struct __test_metadata *_metadata, int a_arm, int b_arm, int shared)
{
	struct box a = { .dir = make_mountpoint(), .arm = a_arm };
	struct box b = { .dir = make_mountpoint(), .arm = b_arm, .refuse_next = 1 };
	struct userns_child ca, cb;
	char msg[256];

	ASSERT_NE(NULL, a.dir);
	ASSERT_NE(NULL, b.dir);
	ASSERT_EQ(0, userns_child_start(&ca, sibling_arm, &a));
	ASSERT_EQ(0, userns_child_result(&ca, msg, sizeof(msg))) TH_LOG("first: %s", msg);
	ASSERT_EQ(0, userns_child_start(&cb, sibling_arm, &b));
	EXPECT_EQ(0, userns_child_result(&cb, msg, sizeof(msg))) TH_LOG("second: %s", msg);
	/* The first container exits: its files close, its slots come back. */
	EXPECT_EQ(0, userns_child_finish(&ca));
	if (shared)
		EXPECT_EQ(0, userns_join_run(cb.pid, arm_the_refused_one, &b, msg, sizeof(msg)))
			TH_LOG("%s", msg);
	EXPECT_EQ(0, userns_child_finish(&cb));
	rmdir(a.dir);
	rmdir(b.dir);
	free((char *)a.dir);
	free((char *)b.dir);
}

/*
 * With the defaults each sibling has its own rtc_armed (16) within the
 * host user's rtc_armed_user (64): one container arming all of its own
 * leaves its sibling all of its own.
 */
TEST(sibling_containers_each_have_their_own_armed_limit)
{
	siblings(_metadata, RTC_ARMED, RTC_ARMED, 0);
}

/* The nested container's part: its own instance, 8 armed, the 9th refused. */
static int nested_arm(void *arg, char *msg, size_t len)
{
	struct box *b = arg;
	int err;

	err = box_setup(b, 9, msg, len) ?: arm_uie(b, 0, 8, msg, len, "nested container");
	if (err)
		return err;
	return want_edquot(rtc_call(b->fd[8], RTC_UIE_ON, NULL), msg, len,
			   "RTC_UIE_ON of the 9th rtc of a nested container (8 armed in it, 8 in its parent)");
}

static int parent_and_nested(void *arg, char *msg, size_t len)
{
	struct box *b = arg, *nested = b + 1;
	struct userns_child c;
	int err, status;

	/* A nested container that died must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	err = box_setup(b, 9, msg, len) ?: arm_uie(b, 0, 8, msg, len, "parent container");
	if (err)
		return err;
	if (userns_child_start_nested(&c, nested_arm, nested))
		return fail_msg(msg, len, errno, "start the nested container");
	err = userns_child_result(&c, msg, len);
	if (err)
		return err;
	err = want_edquot(rtc_call(b->fd[8], RTC_UIE_ON, NULL), msg, len,
			  "RTC_UIE_ON of the parent's 9th rtc (8 armed in it, 8 in its nested container)");
	if (err)
		return err;
	status = userns_child_finish(&c);
	if (status)
		return fail_msg(msg, len, EIO, "nested container: wait status %#x", status);
	/* The nested container's files are closed: its 8 slots are back. */
	err = rtc_call(b->fd[8], RTC_UIE_ON, NULL);
	if (err)
		return fail_msg(msg, len, -err, "parent's 9th RTC_UIE_ON once the nested one exited");
	return 0;
}

TEST(a_nested_namespace_arms_against_its_parent)
{
	struct box b[2] = { { .dir = make_mountpoint() }, { .dir = make_mountpoint() } };
	struct userns_child c;
	char msg[256];

	ASSERT_NE(NULL, b[0].dir);
	ASSERT_NE(NULL, b[1].dir);
	ASSERT_EQ(0, userns_child_start(&c, parent_and_nested, b));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(b[0].dir);
	rmdir(b[1].dir);
	free((char *)b[0].dir);
	free((char *)b[1].dir);
}

/* Cases that reload the module with parameters, restored afterwards. */
FIXTURE(reloaded) {
	char dir[64];
};

FIXTURE_SETUP(reloaded)
{
	char *dir = make_mountpoint();

	ASSERT_NE(NULL, dir);
	snprintf(self->dir, sizeof(self->dir), "%s", dir);
	free(dir);
}

/*
 * In the parent, so that it runs even when an ASSERT ended the test (the
 * harness then skips a teardown in the test's own process); self is shared.
 * The test's files closed with it.
 */
FIXTURE_TEARDOWN_PARENT(reloaded)
{
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	/* The next tests need the defaults: say so loudly if they are not back. */
	EXPECT_EQ(0, reset_module()) TH_LOG("could not reload devnsfs with its defaults");
}

static int armed_limit_of_one(void *arg, char *msg, size_t len)
{
	struct box *b = arg;
	int err;

	err = box_setup(b, 2, msg, len) ?: arm_uie(b, 0, 1, msg, len, "container");
	if (err)
		return err;
	return want_edquot(rtc_call(b->fd[1], RTC_PIE_ON, NULL), msg, len,
			   "RTC_PIE_ON of a container's 2nd rtc with rtc_armed=1");
}

/* With rtc_armed=1: the container gets one, the host's instance all. */
TEST_F(reloaded, instances_of_the_initial_namespace_are_not_limited)
{
	char msg[256], *dir = make_mountpoint();
	struct box host = { .dir = self->dir }, b = { .dir = dir };
	struct userns_child c;
	int i, armed;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, reload_module_wait("rtc_armed=1"));
	ASSERT_EQ(0, box_setup(&host, 3, msg, sizeof(msg))) TH_LOG("%s", msg);
	for (i = 0, armed = 0; i < 3; i++)
		armed += !rtc_call(host.fd[i], RTC_UIE_ON, NULL);
	EXPECT_EQ(3, armed) TH_LOG("host root armed %d of its 3 rtcs with rtc_armed=1", armed);
	/* ... and do not count for anyone's limit. */
	ASSERT_EQ(0, userns_child_start(&c, armed_limit_of_one, &b));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(dir);
	free(dir);
}

/*
 * With rtc_armed_user=16, sibling containers of one host user share 16:
 * 10 armed in one leave 6 to the other.
 */
TEST_F(reloaded, sibling_containers_of_one_host_user_share_rtc_armed_user)
{
	ASSERT_EQ(0, reload_module_wait("rtc_armed_user=16"));
	siblings(_metadata, 10, 6, 1);
}

TEST_HARNESS_MAIN
