// SPDX-License-Identifier: GPL-2.0
/*
 * The rtc class: a private clock per device behind the RTC ABI of
 * drivers/rtc/dev.c, its alarm, update and periodic interrupts, its
 * permissions, and its death with interrupts armed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/rtc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

#define NSEC 1000000000LL
/* What read() returns for one interrupt of a kind: (1 << 8) | RTC_IRQF | kind. */
#define ONE(kind) ((1UL << 8) | RTC_IRQF | (kind))

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static time_t rtc_seconds(const struct rtc_time *rt)
{
	struct tm tm = {
		.tm_sec = rt->tm_sec, .tm_min = rt->tm_min, .tm_hour = rt->tm_hour,
		.tm_mday = rt->tm_mday, .tm_mon = rt->tm_mon, .tm_year = rt->tm_year,
	};

	return timegm(&tm);
}

static struct rtc_time rtc_tm(time_t t)
{
	struct rtc_time rt;
	struct tm tm;

	gmtime_r(&t, &tm);
	rt = (struct rtc_time){
		.tm_sec = tm.tm_sec, .tm_min = tm.tm_min, .tm_hour = tm.tm_hour,
		.tm_mday = tm.tm_mday, .tm_mon = tm.tm_mon, .tm_year = tm.tm_year,
		.tm_wday = tm.tm_wday, .tm_yday = tm.tm_yday, .tm_isdst = 0,
	};
	return rt;
}

/* A UTC date and time as struct rtc_time. */
static struct rtc_time date(int year, int mon, int mday, int hour, int min, int sec)
{
	struct rtc_time rt = {
		.tm_sec = sec, .tm_min = min, .tm_hour = hour,
		.tm_mday = mday, .tm_mon = mon - 1, .tm_year = year - 1900,
	};

	return rt;
}

/* ioctl() as 0 or -errno. */
static int rtc_call(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static time_t read_seconds(int fd)
{
	struct rtc_time rt;

	if (ioctl(fd, RTC_RD_TIME, &rt))
		return -1;
	return rtc_seconds(&rt);
}

/* Waits up to ms for fd to turn readable; returns poll()'s revents. */
static int wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) < 0)
		return -1;
	return p.revents;
}

FIXTURE(rtc) {
	char *dir;
	char path[256];
	int ctl;
	int fd;
};

FIXTURE_SETUP(rtc)
{
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0);
	ASSERT_EQ(0, ctl_add(self->ctl, "rtc0", "rtc", NULL));
	self->fd = open(node_path(self->path, sizeof(self->path), self->dir, "rtc0"), O_RDONLY);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(rtc)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->ctl >= 0)
		close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
}

TEST_F(rtc, reads_the_host_time)
{
	struct rtc_time rt, want;
	time_t before = time(NULL), t;

	ASSERT_EQ(0, rtc_call(self->fd, RTC_RD_TIME, &rt));
	t = rtc_seconds(&rt);
	EXPECT_LE(before, t);
	EXPECT_GE(time(NULL), t);
	want = rtc_tm(t);
	EXPECT_EQ(want.tm_wday, rt.tm_wday);
	EXPECT_EQ(want.tm_yday, rt.tm_yday);
	EXPECT_EQ(0, rt.tm_isdst);
}

TEST_F(rtc, setting_one_clock_changes_nothing_else)
{
	struct rtc_time set = date(2031, 1, 2, 3, 4, 5);
	time_t target = rtc_seconds(&set), before = time(NULL), t;
	int other;

	ASSERT_EQ(0, ctl_add(self->ctl, "rtc1", "rtc", NULL));
	other = open(node_path(self->path, sizeof(self->path), self->dir, "rtc1"), O_RDONLY);
	ASSERT_GE(other, 0);

	ASSERT_EQ(0, rtc_call(self->fd, RTC_SET_TIME, &set));
	t = read_seconds(self->fd);
	EXPECT_LE(target, t);
	EXPECT_GE(target + 2, t);
	/* The other device and the host clock still agree. */
	t = read_seconds(other);
	EXPECT_LE(before, t);
	EXPECT_GE(time(NULL), t);
	EXPECT_GE(before + 5, time(NULL));
	close(other);
}

TEST_F(rtc, dates_round_trip_with_weekday_and_yearday)
{
	static const int dates[][6] = {
		{ 1970, 1, 1, 0, 0, 0 },     { 1999, 12, 31, 23, 59, 59 },
		{ 2000, 2, 29, 12, 0, 0 },   { 2024, 2, 29, 6, 30, 0 },
		{ 2038, 1, 19, 3, 14, 8 },   { 2100, 2, 28, 23, 59, 59 },
		{ 2100, 3, 1, 0, 0, 0 },     { 2199, 12, 31, 23, 59, 50 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dates); i++) {
		const int *d = dates[i];
		struct rtc_time set = date(d[0], d[1], d[2], d[3], d[4], d[5]), rt, want;
		time_t t;

		ASSERT_EQ(0, rtc_call(self->fd, RTC_SET_TIME, &set));
		ASSERT_EQ(0, rtc_call(self->fd, RTC_RD_TIME, &rt));
		t = rtc_seconds(&rt);
		EXPECT_LE(rtc_seconds(&set), t) TH_LOG("date %d", i);
		EXPECT_GE(rtc_seconds(&set) + 2, t) TH_LOG("date %d", i);
		want = rtc_tm(t);
		EXPECT_EQ(0, memcmp(&want, &rt, sizeof(rt))) TH_LOG("date %d", i);
	}
}

TEST_F(rtc, bad_dates_are_einval_and_change_nothing)
{
	struct rtc_time bad[] = {
		date(2030, 13, 1, 0, 0, 0),  date(2030, 0, 1, 0, 0, 0),
		date(2030, 1, 0, 0, 0, 0),   date(2023, 2, 29, 0, 0, 0),
		date(2100, 2, 29, 0, 0, 0),  date(2030, 4, 31, 0, 0, 0),
		date(2030, 1, 1, 24, 0, 0),  date(2030, 1, 1, 0, 60, 0),
		date(2030, 1, 1, 0, 0, 60),  date(1969, 12, 31, 23, 59, 59),
		date(2030, 1, 1, -1, 0, 0),
	};
	struct rtc_time late = date(2200, 1, 1, 0, 0, 0);
	struct rtc_wkalrm wk = { .enabled = 1 };
	time_t before = time(NULL), t;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, rtc_call(self->fd, RTC_SET_TIME, &bad[i])) TH_LOG("date %d", i);
		wk.time = bad[i];
		EXPECT_EQ(-EINVAL, rtc_call(self->fd, RTC_WKALM_SET, &wk)) TH_LOG("date %d", i);
	}
	/* Past 2199 the clock cannot go. */
	EXPECT_EQ(-ERANGE, rtc_call(self->fd, RTC_SET_TIME, &late));
	wk.time = late;
	EXPECT_EQ(-ERANGE, rtc_call(self->fd, RTC_WKALM_SET, &wk));
	/* A time of day past 23:59:59 is no time of day. */
	wk.time = date(2030, 1, 1, 25, 0, 0);
	EXPECT_EQ(-EINVAL, rtc_call(self->fd, RTC_ALM_SET, &wk.time));
	EXPECT_EQ(-EFAULT, rtc_call(self->fd, RTC_SET_TIME, NULL));

	t = read_seconds(self->fd);
	EXPECT_LE(before, t);
	EXPECT_GE(time(NULL), t);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_RD, &wk));
	EXPECT_EQ(0, wk.enabled);
	EXPECT_EQ(0, rtc_seconds(&wk.time));
}

TEST_F(rtc, alm_set_alarm_fires_on_time)
{
	struct rtc_time set = date(2030, 6, 15, 10, 0, 0), alarm = date(0, 1, 1, 10, 0, 2);
	struct rtc_wkalrm wk;
	unsigned long data;
	long long start, elapsed;

	ASSERT_EQ(0, rtc_call(self->fd, RTC_SET_TIME, &set));
	start = now_ns();
	ASSERT_EQ(0, rtc_call(self->fd, RTC_ALM_SET, &alarm));
	/* RTC_ALM_SET takes today's date and does not arm. */
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_RD, &wk));
	EXPECT_EQ(0, wk.enabled);
	EXPECT_EQ(rtc_seconds(&set) + 2, rtc_seconds(&wk.time));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_ALM_READ, &alarm));
	EXPECT_EQ(rtc_seconds(&set) + 2, rtc_seconds(&alarm));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_AIE_ON, NULL));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_RD, &wk));
	EXPECT_EQ(1, wk.enabled);

	/*
	 * The clock restarted its second at the set: 10:00:02 is 2 s later
	 * (2, not 1, so that a slow guest arms it before it is due).
	 */
	EXPECT_EQ(POLLIN, wait_readable(self->fd, 5000));
	elapsed = now_ns() - start;
	EXPECT_LE(2 * NSEC - NSEC / 20, elapsed);
	EXPECT_GE(3 * NSEC, elapsed);
	ASSERT_EQ(sizeof(data), read(self->fd, &data, sizeof(data)));
	EXPECT_EQ(ONE(RTC_AF), data);
	/* It fired once and is off. */
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_RD, &wk));
	EXPECT_EQ(0, wk.enabled);
	EXPECT_EQ(0, wait_readable(self->fd, 0));

	/* An earlier time of day means tomorrow. */
	alarm = date(0, 1, 1, 9, 0, 0);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_ALM_SET, &alarm));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_RD, &wk));
	EXPECT_EQ(rtc_seconds(&set) + 23 * 3600, rtc_seconds(&wk.time));
	EXPECT_EQ(16, wk.time.tm_mday);
}

TEST_F(rtc, wkalm_set_alarm_fires_on_time_for_select)
{
	struct rtc_wkalrm wk = { .enabled = 1 };
	struct timeval tv = { .tv_sec = 5 };
	unsigned long data;
	long long woke;
	time_t target;
	fd_set rfds;

	/*
	 * Two seconds of the host's on: at least one second away, so that
	 * the alarm cannot fire before WKALM_RD below, however slow the guest.
	 */
	target = read_seconds(self->fd) + 2;
	wk.time = rtc_tm(target);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_SET, &wk));
	memset(&wk, 0, sizeof(wk));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_RD, &wk));
	EXPECT_EQ(1, wk.enabled);
	EXPECT_EQ(target, rtc_seconds(&wk.time));

	FD_ZERO(&rfds);
	FD_SET(self->fd, &rfds);
	ASSERT_EQ(1, select(self->fd + 1, &rfds, NULL, NULL, &tv));
	woke = now_ns();
	/* This clock is the host's: the alarm is at the host's second. */
	EXPECT_LE(target * NSEC - NSEC / 20, woke);
	EXPECT_GE(target * NSEC + NSEC, woke);
	ASSERT_EQ(sizeof(data), read(self->fd, &data, sizeof(data)));
	EXPECT_EQ(ONE(RTC_AF), data);

	/* An alarm already past fires at once; AIE_OFF disarms. */
	wk.enabled = 1;
	wk.time = rtc_tm(target - 60);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_SET, &wk));
	EXPECT_EQ(POLLIN, wait_readable(self->fd, 1000));
	ASSERT_EQ(sizeof(data), read(self->fd, &data, sizeof(data)));
	EXPECT_EQ(ONE(RTC_AF), data);
	/* At least a second away: AIE_OFF comes first, however slow. */
	wk.time = rtc_tm(read_seconds(self->fd) + 2);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_SET, &wk));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_AIE_OFF, NULL));
	/* Armed, it would have fired within two seconds. */
	EXPECT_EQ(0, wait_readable(self->fd, 2500));
}

TEST_F(rtc, update_interrupts_come_each_second_on_the_second)
{
	unsigned long data, total = 0;
	long long prev = 0, woke;
	int i;

	/* Three ticks: two intervals to check. */
	ASSERT_EQ(0, rtc_call(self->fd, RTC_UIE_ON, NULL));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(sizeof(data), read(self->fd, &data, sizeof(data)));
		woke = now_ns();
		EXPECT_EQ(RTC_IRQF | RTC_UF, data & 0xff);
		EXPECT_LE(1, data >> 8);
		total += data >> 8;
		/* Device and host seconds coincide: the tick is at .0. */
		EXPECT_GT(NSEC * 3 / 10, woke % NSEC) TH_LOG("tick %d at +%lld ns", i, woke % NSEC);
		if (prev)
			EXPECT_EQ(data >> 8, woke / NSEC - prev / NSEC);
		prev = woke;
	}
	EXPECT_GE(5, total);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_UIE_OFF, NULL));
	/*
	 * Off means off: UIE_OFF cancels the timer synchronously, so once a
	 * tick already counted is read, nothing arrives in the next second.
	 */
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	read(self->fd, &data, sizeof(data));
	EXPECT_EQ(0, wait_readable(self->fd, 1200));
	EXPECT_EQ(-1, read(self->fd, &data, sizeof(data)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(rtc, nonblocking_read_with_nothing_pending_is_eagain)
{
	unsigned long data;

	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, read(self->fd, &data, sizeof(data)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, wait_readable(self->fd, 0));
}

TEST_F(rtc, read_sizes_as_rtc_dev)
{
	struct rtc_wkalrm wk = { .enabled = 1 };
	unsigned int word;
	char buf[16];

	EXPECT_EQ(-1, read(self->fd, buf, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->fd, buf, 7));
	EXPECT_EQ(EINVAL, errno);
	/* An int-sized read gets the word as an int. */
	wk.time = rtc_tm(time(NULL) - 10);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_SET, &wk));
	ASSERT_EQ(POLLIN, wait_readable(self->fd, 1000));
	ASSERT_EQ(sizeof(word), read(self->fd, &word, sizeof(word)));
	EXPECT_EQ(ONE(RTC_AF), word);
	/* Neither writable nor seekable. */
	EXPECT_EQ(-1, write(self->fd, buf, 8));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_F(rtc, one_opener_at_a_time)
{
	int fd = open(self->path, O_RDONLY);

	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
	close(self->fd);
	self->fd = open(self->path, O_RDWR);
	ASSERT_GE(self->fd, 0);
	EXPECT_EQ(-1, open(self->path, O_RDWR));
	EXPECT_EQ(EBUSY, errno);
	/* rtc-dev has no write method. */
	EXPECT_EQ(-1, write(self->fd, "x", 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(rtc, the_alarm_outlives_its_opener)
{
	struct rtc_wkalrm wk = { .enabled = 1 };

	wk.time = rtc_tm(time(NULL) + 3600);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_SET, &wk));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_UIE_ON, NULL));
	close(self->fd);
	self->fd = open(self->path, O_RDONLY | O_NONBLOCK);
	ASSERT_GE(self->fd, 0);
	memset(&wk, 0, sizeof(wk));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_RD, &wk));
	EXPECT_EQ(1, wk.enabled);
	/* The update interrupt stopped at the close: no tick in a second. */
	EXPECT_EQ(0, wait_readable(self->fd, 1200));
}

TEST_F(rtc, periodic_interrupts_at_the_set_frequency)
{
	unsigned long freq, data;

	ASSERT_EQ(0, rtc_call(self->fd, RTC_IRQP_READ, &freq));
	EXPECT_EQ(1, freq);
	EXPECT_EQ(-EINVAL, ioctl(self->fd, RTC_IRQP_SET, 0UL) ? -errno : 0);
	EXPECT_EQ(-EINVAL, ioctl(self->fd, RTC_IRQP_SET, 8193UL) ? -errno : 0);
	ASSERT_EQ(0, ioctl(self->fd, RTC_IRQP_SET, 16UL));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_IRQP_READ, &freq));
	EXPECT_EQ(16, freq);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_PIE_ON, NULL));
	ASSERT_EQ(sizeof(data), read(self->fd, &data, sizeof(data)));
	EXPECT_EQ(RTC_IRQF | RTC_PF, data & 0xff);
	usleep(500000);
	ASSERT_EQ(sizeof(data), read(self->fd, &data, sizeof(data)));
	EXPECT_EQ(RTC_IRQF | RTC_PF, data & 0xff);
	/* 16 Hz for half a second: about 8. */
	EXPECT_LE(4, data >> 8);
	EXPECT_GE(12, data >> 8);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_PIE_OFF, NULL));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	read(self->fd, &data, sizeof(data));
	EXPECT_EQ(0, wait_readable(self->fd, 300));
}

TEST_F(rtc, parameters_and_unknown_ioctls)
{
	struct rtc_param p = { .param = RTC_PARAM_FEATURES };
	unsigned long epoch;

	ASSERT_EQ(0, rtc_call(self->fd, RTC_PARAM_GET, &p));
	EXPECT_EQ((1ULL << RTC_FEATURE_ALARM) | (1ULL << RTC_FEATURE_UPDATE_INTERRUPT), p.uvalue);
	p.index = 1;
	EXPECT_EQ(-EINVAL, rtc_call(self->fd, RTC_PARAM_GET, &p));
	p = (struct rtc_param){ .param = RTC_PARAM_CORRECTION };
	EXPECT_EQ(-EOPNOTSUPP, rtc_call(self->fd, RTC_PARAM_GET, &p));
	EXPECT_EQ(-EOPNOTSUPP, rtc_call(self->fd, RTC_PARAM_SET, &p));
	p = (struct rtc_param){ .param = RTC_PARAM_BACKUP_SWITCH_MODE };
	EXPECT_EQ(-EINVAL, rtc_call(self->fd, RTC_PARAM_GET, &p));
	p = (struct rtc_param){ .param = RTC_PARAM_FEATURES };
	EXPECT_EQ(-EINVAL, rtc_call(self->fd, RTC_PARAM_SET, &p));
	EXPECT_EQ(-ENOTTY, rtc_call(self->fd, RTC_EPOCH_READ, &epoch));
	EXPECT_EQ(-ENOTTY, ioctl(self->fd, RTC_EPOCH_SET, 1900UL) ? -errno : 0);
	EXPECT_EQ(-ENOTTY, rtc_call(self->fd, RTC_VL_READ, &epoch));
	EXPECT_EQ(-ENOTTY, rtc_call(self->fd, RTC_WIE_ON, NULL));
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F(rtc, a_signal_interrupts_or_restarts_a_blocked_read)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval in300ms = { .it_value = { .tv_usec = 300000 } };
	struct rtc_time set = date(2030, 6, 15, 10, 0, 0);
	struct rtc_wkalrm wk = { .enabled = 1, .time = date(2030, 6, 15, 10, 0, 1) };
	unsigned long data;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &in300ms, NULL));
	EXPECT_EQ(-1, read(self->fd, &data, sizeof(data)));
	EXPECT_EQ(EINTR, errno);

	/*
	 * With SA_RESTART the read goes on (ERESTARTSYS) until the alarm,
	 * which the set puts exactly 1 s away: well after the signal.
	 */
	sa.sa_flags = SA_RESTART;
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_SET_TIME, &set));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_SET, &wk));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &in300ms, NULL));
	EXPECT_EQ(sizeof(data), read(self->fd, &data, sizeof(data)));
	EXPECT_EQ(ONE(RTC_AF), data);
	signal(SIGALRM, SIG_DFL);
}

struct blocked {
	int fd;
	ssize_t ret;
	int err;
	short revents;
};

static void *blocked_read(void *arg)
{
	struct blocked *b = arg;
	unsigned long data;

	b->ret = read(b->fd, &data, sizeof(data));
	b->err = errno;
	return NULL;
}

static void *blocked_poll(void *arg)
{
	struct blocked *b = arg;
	struct pollfd p = { .fd = b->fd, .events = POLLIN };

	b->ret = poll(&p, 1, 10000);
	b->revents = p.revents;
	return NULL;
}

TEST_F(rtc, removal_wakes_blocked_callers_with_enodev)
{
	struct blocked r = { .fd = self->fd }, p = { .fd = self->fd };
	struct rtc_time set = date(2030, 6, 15, 10, 0, 0), rt;
	struct rtc_wkalrm wk = { .enabled = 1, .time = date(2030, 6, 15, 10, 0, 1) };
	pthread_t reader, poller;
	long long start;

	/* The alarm 1 s after the set: still armed at the removal. */
	ASSERT_EQ(0, rtc_call(self->fd, RTC_SET_TIME, &set));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_SET, &wk));
	ASSERT_EQ(0, ioctl(self->fd, RTC_IRQP_SET, 64UL));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_PIE_ON, NULL));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_PIE_OFF, NULL));
	ASSERT_EQ(0, pthread_create(&reader, NULL, blocked_read, &r));
	ASSERT_EQ(0, pthread_create(&poller, NULL, blocked_poll, &p));
	usleep(300000);
	start = now_ns();
	ASSERT_EQ(0, ctl_remove(self->ctl, "rtc0"));
	pthread_join(reader, NULL);
	pthread_join(poller, NULL);
	EXPECT_GT(NSEC, now_ns() - start);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(ENODEV, r.err);
	EXPECT_EQ(1, p.ret);
	EXPECT_EQ(POLLERR | POLLHUP, p.revents);
	EXPECT_EQ(-ENODEV, rtc_call(self->fd, RTC_RD_TIME, &rt));
	EXPECT_EQ(-ENODEV, rtc_call(self->fd, RTC_AIE_ON, NULL));
	EXPECT_EQ(POLLERR | POLLHUP, wait_readable(self->fd, 0));
	/*
	 * Whether the removal stopped the alarm cannot be seen from here: a
	 * revoked file answers ENODEV and POLLERR | POLLHUP before asking
	 * the class, so waiting for the alarm would prove nothing. The
	 * teardown's close frees the device, which must cancel whatever is
	 * still armed: the_device_goes_with_every_interrupt_armed.
	 */
}


TEST_F(rtc, the_device_goes_with_every_interrupt_armed)
{
	struct rtc_time set = date(2030, 6, 15, 10, 0, 0);
	struct rtc_wkalrm wk = { .enabled = 1, .time = date(2030, 6, 15, 10, 0, 1) };
	unsigned long data;
	long long start, left;
	int refs;

	/* Armed and left armed: the alarm 1 s after the set, update, periodic at 64 Hz. */
	ASSERT_EQ(0, rtc_call(self->fd, RTC_SET_TIME, &set));
	start = now_ns();
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_SET, &wk));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_UIE_ON, NULL));
	ASSERT_EQ(0, ioctl(self->fd, RTC_IRQP_SET, 64UL));
	ASSERT_EQ(0, rtc_call(self->fd, RTC_PIE_ON, NULL));
	/* Gone without REMOVE: the mount detached, the control node closed. */
	ASSERT_EQ(0, umount2(self->dir, MNT_DETACH));
	close(self->ctl);
	self->ctl = -1;
	/* Its last opener still has it running: ticks come, the alarm waits. */
	ASSERT_EQ(sizeof(data), read(self->fd, &data, sizeof(data)));
	EXPECT_EQ(RTC_IRQF | RTC_PF, data & (RTC_IRQF | RTC_PF));
	EXPECT_EQ(0, data & RTC_AF);
	ASSERT_EQ(0, rtc_call(self->fd, RTC_WKALM_RD, &wk));
	EXPECT_EQ(1, wk.enabled);
	/* The open file holds the module, and so does the instance. */
	refs = module_refcount();
	ASSERT_LE(2, refs);
	/* Else the alarm fired before the close and this test proves less. */
	ASSERT_GT(start + NSEC, now_ns()) TH_LOG("the alarm went off before the close");

	/*
	 * The last close stops the update and periodic interrupts, as
	 * rtc-dev's release does, and frees the instance with the device's
	 * alarm armed: both module references go.
	 */
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(refs - 2, module_refcount());
	/*
	 * Past the alarm and the next tick: a timer left in the freed memory
	 * would fire into it (a KASAN report), and freeing an armed one is an
	 * ODEBUG report; either fails the run at the runner's splat scan.
	 */
	left = start + NSEC + NSEC / 5 - now_ns();
	if (left > 0)
		usleep(left / 1000);
}

/* Drops every capability of the calling task. */
static int drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	return syscall(SYS_capset, &hdr, data);
}

static int container_owns_its_clock(void *arg, char *msg, size_t len)
{
	struct rtc_time set = date(2031, 1, 2, 3, 4, 5);
	struct rtc_param p = { .param = RTC_PARAM_CORRECTION };
	const char *dir = arg;
	char path[256];
	int ctl, fd, err;
	time_t t;

	ctl = mount_instance(dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount");
	if (ctl_add(ctl, "rtc0", "rtc", NULL))
		return fail_msg(msg, len, EIO, "add");
	fd = open(node_path(path, sizeof(path), dir, "rtc0"), O_RDONLY);
	if (fd < 0)
		return fail_msg(msg, len, errno, "open");
	/* Root of the container owns the instance: CAP_SYS_TIME there. */
	err = rtc_call(fd, RTC_SET_TIME, &set);
	if (err)
		return fail_msg(msg, len, -err, "set as container root");
	t = read_seconds(fd);
	if (t < rtc_seconds(&set) || t > rtc_seconds(&set) + 2)
		return fail_msg(msg, len, EIO, "read back %lld", (long long)t);
	if (drop_capabilities())
		return fail_msg(msg, len, errno, "capset");
	err = rtc_call(fd, RTC_SET_TIME, &set);
	if (err != -EACCES)
		return fail_msg(msg, len, EIO, "set without CAP_SYS_TIME: %d", err);
	err = rtc_call(fd, RTC_PARAM_SET, &p);
	if (err != -EACCES)
		return fail_msg(msg, len, EIO, "param set without CAP_SYS_TIME: %d", err);
	err = ioctl(fd, RTC_IRQP_SET, 128UL) ? -errno : 0;
	if (err != -EACCES)
		return fail_msg(msg, len, EIO, "128 Hz without CAP_SYS_RESOURCE: %d", err);
	err = ioctl(fd, RTC_IRQP_SET, 64UL) ? -errno : 0;
	if (err)
		return fail_msg(msg, len, -err, "64 Hz needs nothing");
	t = read_seconds(fd);
	if (t < rtc_seconds(&set) || t > rtc_seconds(&set) + 3)
		return fail_msg(msg, len, EIO, "the refused set changed the clock");
	close(fd);
	close(ctl);
	return 0;
}

/*
 * Runs fn as root of a new container, with a new mount point as its
 * argument, and checks that the host clock did not move meanwhile.
 */
static void in_container(struct __test_metadata *_metadata, userns_fn fn, int seconds)
{
	struct userns_child c;
	char *dir = make_mountpoint(), msg[256];
	time_t before = time(NULL);

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, userns_child_start(&c, fn, dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) TH_LOG("%s", msg);
	userns_child_finish(&c);
	EXPECT_LE(before, time(NULL));
	EXPECT_GE(before + seconds, time(NULL));
	rmdir(dir);
	free(dir);
}

TEST(a_container_sets_its_own_clock_and_needs_cap_sys_time)
{
	in_container(_metadata, container_owns_its_clock, 10);
}

static int set_a_host_clock(void *arg, char *msg, size_t len)
{
	struct rtc_time set = date(2031, 1, 2, 3, 4, 5), rt;
	int fd = open(arg, O_RDONLY), err;

	if (fd < 0)
		return fail_msg(msg, len, errno, "open");
	err = rtc_call(fd, RTC_SET_TIME, &set);
	if (err != -EACCES)
		return fail_msg(msg, len, EIO, "set: %d", err);
	err = rtc_call(fd, RTC_RD_TIME, &rt);
	if (err)
		return fail_msg(msg, len, -err, "read");
	close(fd);
	return 0;
}

TEST(container_root_cannot_set_a_clock_of_the_host)
{
	struct userns_child c;
	char *dir = make_mountpoint(), msg[256], path[256];
	time_t t;
	int ctl, fd;

	ASSERT_NE(NULL, dir);
	ctl = mount_instance(dir, "mode=0666");
	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, ctl_add(ctl, "rtc0", "rtc", NULL));
	node_path(path, sizeof(path), dir, "rtc0");
	ASSERT_EQ(0, userns_child_start(&c, set_a_host_clock, path));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) TH_LOG("%s", msg);
	userns_child_finish(&c);
	fd = open(path, O_RDONLY);
	ASSERT_GE(fd, 0);
	t = read_seconds(fd);
	EXPECT_GE(time(NULL), t);
	EXPECT_LE(time(NULL) - 2, t);
	close(fd);
	close(ctl);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	free(dir);
}

/* Runs a command; its first output line into out. Returns its exit status. */
static int run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");

	if (!p)
		return -1;
	out[0] = '\0';
	if (!fgets(out, len, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	while (fgetc(p) != EOF)
		;
	return pclose(p);
}

static int hwclock_in_container(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char cmd[512], out[256], path[256];
	int ctl, sec;

	ctl = mount_instance(dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount");
	if (ctl_add(ctl, "rtc0", "rtc", NULL))
		return fail_msg(msg, len, EIO, "add");
	node_path(path, sizeof(path), dir, "rtc0");
	snprintf(cmd, sizeof(cmd),
		 "/usr/sbin/hwclock --rtc=%s --utc --noadjfile --set --date='2031-01-02 03:04:05' 2>&1",
		 path);
	if (run(cmd, out, sizeof(out)))
		return fail_msg(msg, len, EIO, "hwclock --set: %s", out);
	snprintf(cmd, sizeof(cmd), "/usr/sbin/hwclock --rtc=%s --utc --noadjfile --show 2>&1",
		 path);
	if (run(cmd, out, sizeof(out)))
		return fail_msg(msg, len, EIO, "hwclock --show: %s", out);
	/* Each hwclock run waits for a clock tick, and TCG is slow: a minute. */
	if (sscanf(out, "2031-01-02 03:04:%d", &sec) != 1 || sec < 5)
		return fail_msg(msg, len, EIO, "hwclock --show printed '%s'", out);
	close(ctl);
	return 0;
}

TEST(hwclock_sets_and_shows_a_container_clock)
{
	ASSERT_EQ(0, access("/usr/sbin/hwclock", X_OK)) TH_LOG("util-linux hwclock is missing");
	in_container(_metadata, hwclock_in_container, 60);
}

TEST_HARNESS_MAIN
