// SPDX-License-Identifier: GPL-2.0
/*
 * Race stress: for soak_count(5, 60) seconds, threads in several devnsfs
 * instances at once (three of the host's, two of unprivileged containers)
 * add (also with the argument's page evicted under them), remove, unlink
 * and describe devices, open, read, write, poll and ioctl their nodes
 * (rtc nodes with update and periodic interrupts armed and readers
 * blocked; files shared between threads as dup()s), remount, umount
 * (lazily and not) with files open, bind-mount over nodes, and create and
 * destroy network namespaces while uevents flow into them.
 *
 * What it proves: every thread ends; every failure is one the races
 * explain (ENOENT, EEXIST, ENODEV, EBUSY, ENOSPC, EDQUOT...), never one a
 * valid call must not get (EFAULT, EINVAL, EIO...); results are right
 * (INFO reports the class the name was added with, zero reads zeroes,
 * armed clocks tick); afterwards every instance unmounts, no devnsfs file
 * is left open, and the module unloads. The runner's rmmod, kmemleak and
 * splat checks (KASAN, lockdep, ODEBUG, DEBUG_LIST, hung tasks) judge the
 * kernel's side.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtc.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

/* Small limits, so that ENOSPC and EDQUOT are part of the races. */
#define RACE_PARAMS "max_devices=16 rtc_armed=2"
#define MAX_DEVICES 16

#define HOST_SLOTS 3
#define USERNS_SLOTS 2
#define NAMES_PER_CLASS 3
#define HELD_FILES 3
/* Time a joined thread may take past the deadline (an rtc read, a netns). */
#define JOIN_GRACE_S 60

static const char * const classes[] = { "null", "zero", "full", "random", "rtc" };
#define NCLASSES ARRAY_SIZE(classes)
#ifndef PAGE_SIZE
#define PAGE_SIZE 4096
#endif
#define RTC (NCLASSES - 1)

enum race_op {
	OP_ADD, OP_REMOVE, OP_INFO, OP_UNLINK, OP_CTL_OPEN, OP_OPEN, OP_READ,
	OP_WRITE, OP_LSEEK, OP_MEM_IOCTL, OP_RTC_IOCTL, OP_RTC_ARM, OP_RTC_WAIT,
	OP_POLL, OP_CLOSE, OP_MOUNT, OP_UMOUNT, OP_LAZY_UMOUNT, OP_REMOUNT,
	OP_BIND, OP_BIND_UMOUNT, OP_NETNS, OP_UEVENT, OP_READDIR, OP_ADD_EVICTED, OP_EVICT, OPS
};

static const char * const op_names[OPS] = {
	"add", "remove", "info", "unlink", "ctl_open", "open", "read",
	"write", "lseek", "mem_ioctl", "rtc_ioctl", "rtc_arm", "rtc_wait",
	"poll", "close", "mount", "umount", "lazy_umount", "remount",
	"bind", "bind_umount", "netns", "uevent", "readdir", "add_evicted", "evict",
};

/*
 * The errnos races explain, per operation; anything else is a bug. The
 * instance, its nodes and its devices come and go under every call, so
 * ENOENT (no such name or path), ENODEV (revoked), EBUSY (mount point,
 * rtc already open, umount with files open), ENOSPC (max=), EDQUOT
 * (rtc_armed) and EINVAL only where the path is no mount (umount,
 * remount) are all fine.
 */
static const int expected_errnos[OPS][6] = {
	[OP_ADD] = { EEXIST, ENOSPC, EDQUOT },
	[OP_REMOVE] = { ENOENT, EBUSY },
	[OP_INFO] = { ENOENT },
	[OP_UNLINK] = { ENOENT, EBUSY },
	[OP_CTL_OPEN] = { ENOENT },
	[OP_OPEN] = { ENOENT, EBUSY, ENXIO, ENODEV },
	[OP_READ] = { ENODEV, EAGAIN },
	[OP_WRITE] = { ENODEV, ENOSPC },
	[OP_LSEEK] = { ENODEV },
	[OP_MEM_IOCTL] = { ENOTTY, ENODEV },
	[OP_RTC_IOCTL] = { ENODEV },
	[OP_RTC_ARM] = { ENODEV, EDQUOT },
	[OP_RTC_WAIT] = { ENODEV },
	[OP_UMOUNT] = { EBUSY, EINVAL },
	[OP_LAZY_UMOUNT] = { EINVAL },
	[OP_REMOUNT] = { EINVAL },
	[OP_BIND] = { ENOENT },
	[OP_BIND_UMOUNT] = { EINVAL, ENOENT },
	[OP_UEVENT] = { EAGAIN, ENOBUFS },
	/* ADD gives up when its result's page is gone on every attempt. */
	[OP_ADD_EVICTED] = { EEXIST, ENOSPC, EDQUOT, EFAULT },
};

#define NERRNO 140

/* Shared with the container processes: MAP_SHARED, atomics only. */
struct stats {
	atomic_long calls[OPS];
	atomic_long errs[OPS][NERRNO];
	/* Calls that succeeded with a wrong result. */
	atomic_long wrong[OPS];
	/* Devices added, and devnsfs uevents the all-along listener heard. */
	atomic_long added, heard;
	atomic_int started, ended;
};

#define SHARED_FILES 4

struct slot {
	char dir[64];
	char bind_src[64];
	bool userns;
	/*
	 * Open files the io threads pass around (as dup()s), so that several
	 * threads use one file at once: the only way to reach one rtc device
	 * from several threads, since an rtc has one open file at a time.
	 */
	pthread_mutex_t lock;
	struct {
		int fd;
		unsigned int cls;
	} shared[SHARED_FILES];
	/*
	 * A shared memory page the pager keeps evicting: ADD reads its
	 * argument from it and must write the result back without faulting
	 * under the instance's locks, so it drops the device and starts over.
	 */
	char *evict;
	int evict_fd;
	/*
	 * The all-along uevent listener's socket, bound before any thread
	 * starts: a listener thread the scheduler starts late hears it all.
	 */
	int listener;
};

struct worker {
	struct slot *slot;
	struct stats *st;
	uint64_t rng;
	long long deadline;
	pthread_t thread;
	bool joined;
	/* This thread's part of the slot's evicted page. */
	unsigned int lane;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool expired(struct worker *w)
{
	return now_ns() >= w->deadline;
}

/* xorshift64*: each thread its own deterministic stream. */
static uint32_t rnd(struct worker *w, uint32_t n)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (uint32_t)((w->rng * 2685821657736338717ULL) >> 32) % n;
}

static bool is_expected(enum race_op op, int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(expected_errnos[op]) && expected_errnos[op][i]; i++)
		if (expected_errnos[op][i] == err)
			return true;
	return false;
}

/* Records a call's outcome: ret < 0 means failed with errno. */
static int count(struct worker *w, enum race_op op, long ret)
{
	int err = ret < 0 ? errno : 0;

	atomic_fetch_add(&w->st->calls[op], 1);
	if (err)
		atomic_fetch_add(&w->st->errs[op][err < NERRNO ? err : 0], 1);
	return err;
}

static void wrong(struct worker *w, enum race_op op)
{
	atomic_fetch_add(&w->st->wrong[op], 1);
}

static void pick_name(struct worker *w, char *name, size_t len, unsigned int *cls)
{
	*cls = rnd(w, NCLASSES);
	/* The name says the class: whoever opens it knows what it is. */
	snprintf(name, len, "%s%u", classes[*cls], rnd(w, NAMES_PER_CLASS));
}

/*
 * A name the directory lists (getdents racing with ADD and REMOVE), or
 * else one from the pool; false if the listing had none.
 */
static bool pick_listed(struct worker *w, char *name, size_t len, unsigned int *cls)
{
	DIR *d = opendir(w->slot->dir);
	struct dirent *e;
	unsigned int seen = 0, i;

	count(w, OP_READDIR, d ? 0 : -1);
	if (!d)
		return false;
	while ((e = readdir(d))) {
		for (i = 0; i < NCLASSES; i++)
			if (!strncmp(e->d_name, classes[i], strlen(classes[i])) &&
			    strlen(e->d_name) == strlen(classes[i]) + 1)
				break;
		/* Reservoir sampling: each listed device equally likely. */
		if (i < NCLASSES && !rnd(w, ++seen)) {
			snprintf(name, len, "%s", e->d_name);
			*cls = i;
		}
	}
	closedir(d);
	return seen;
}

static int open_ctl(struct worker *w)
{
	char path[128];
	int fd;

	fd = open(node_path(path, sizeof(path), w->slot->dir, DEVNSFS_CONTROL_NAME),
		  O_RDWR | O_CLOEXEC);
	count(w, OP_CTL_OPEN, fd);
	return fd;
}

/*
 * ADD, REMOVE, INFO and unlink of names from a small pool, through a
 * control file that it keeps for a while: across umounts and remounts,
 * so that it often acts on a detached instance.
 */
static void *ctl_worker(void *data)
{
	struct worker *w = data;
	struct devnsfs_device d, *arg;
	char name[32], path[128];
	unsigned int cls;
	int ctl = -1;

	atomic_fetch_add(&w->st->started, 1);
	while (!expired(w)) {
		if (ctl < 0 || !rnd(w, 64)) {
			if (ctl >= 0)
				count(w, OP_CLOSE, close(ctl));
			ctl = open_ctl(w);
			if (ctl < 0) {
				usleep(1000);
				continue;
			}
		}
		pick_name(w, name, sizeof(name), &cls);
		switch (rnd(w, 8)) {
		case 0:
			arg = (struct devnsfs_device *)(w->slot->evict + w->lane * 256);
			dev_init(arg, name, classes[cls]);
			if (!count(w, OP_ADD_EVICTED, ioctl(ctl, DEVNSFS_IOC_ADD, arg))) {
				if (strcmp(arg->class_name, classes[cls]) || !arg->id)
					wrong(w, OP_ADD_EVICTED);
				atomic_fetch_add(&w->st->added, 1);
			}
			break;
		case 1: case 2:
			dev_init(&d, name, classes[cls]);
			if (!count(w, OP_ADD, ioctl(ctl, DEVNSFS_IOC_ADD, &d))) {
				if (strcmp(d.class_name, classes[cls]) || !d.id)
					wrong(w, OP_ADD);
				atomic_fetch_add(&w->st->added, 1);
			}
			break;
		case 3: case 4:
			dev_init(&d, name, NULL);
			count(w, OP_REMOVE, ioctl(ctl, DEVNSFS_IOC_REMOVE, &d));
			break;
		case 5: case 6:
			dev_init(&d, name, NULL);
			if (!count(w, OP_INFO, ioctl(ctl, DEVNSFS_IOC_INFO, &d)) &&
			    strcmp(d.class_name, classes[cls]))
				wrong(w, OP_INFO);
			break;
		default:
			count(w, OP_UNLINK, unlink(node_path(path, sizeof(path), w->slot->dir, name)));
		}
	}
	if (ctl >= 0)
		count(w, OP_CLOSE, close(ctl));
	atomic_fetch_add(&w->st->ended, 1);
	return NULL;
}

struct held {
	int fd;
	unsigned int cls;
	/*
	 * Interrupts this file armed: only then may a reader block, and only
	 * on a file no other thread has (it could disarm them).
	 */
	bool uie, pie, nonblock, shared;
};

static void drop(struct worker *w, struct held *h)
{
	if (h->fd >= 0)
		count(w, OP_CLOSE, close(h->fd));
	h->fd = -1;
}

static void mem_op(struct worker *w, struct held *h)
{
	static const char junk[256] = "devnsfs race";
	char buf[512];
	struct rtc_time tm;
	struct pollfd p = { .fd = h->fd, .events = POLLIN | POLLOUT };
	ssize_t n;
	size_t i;

	switch (rnd(w, 5)) {
	case 0:
		n = read(h->fd, buf, 1 + rnd(w, sizeof(buf)));
		if (count(w, OP_READ, n))
			break;
		/* null reads nothing, zero and full read zeroes. */
		if (h->cls == 0 && n)
			wrong(w, OP_READ);
		for (i = 0; (h->cls == 1 || h->cls == 2) && i < (size_t)n; i++)
			if (buf[i]) {
				wrong(w, OP_READ);
				break;
			}
		break;
	case 1:
		n = write(h->fd, junk, 1 + rnd(w, sizeof(junk)));
		/* full refuses every write; the others take it whole. */
		if (!count(w, OP_WRITE, n) && h->cls == 2)
			wrong(w, OP_WRITE);
		break;
	case 2:
		count(w, OP_LSEEK, lseek(h->fd, rnd(w, 4096), SEEK_SET));
		break;
	case 3:
		if (!count(w, OP_MEM_IOCTL, ioctl(h->fd, RTC_RD_TIME, &tm)))
			wrong(w, OP_MEM_IOCTL);
		break;
	default:
		count(w, OP_POLL, poll(&p, 1, 0));
		if (p.revents & POLLNVAL)
			wrong(w, OP_POLL);
	}
}

/* One interrupt, waited for as an rtc reader does. */
static void rtc_wait(struct worker *w, struct held *h)
{
	struct pollfd p = { .fd = h->fd, .events = POLLIN };
	unsigned long data;
	int ret;

	if (h->nonblock) {
		/* Armed at 1 Hz or more: 5 s without an interrupt is a bug. */
		ret = poll(&p, 1, 5000);
		count(w, OP_POLL, ret);
		if (!ret)
			wrong(w, OP_RTC_WAIT);
		if (ret <= 0)
			return;
	}
	/* Blocking: removal of the device must wake it. */
	count(w, OP_RTC_WAIT, read(h->fd, &data, sizeof(data)));
}

static void rtc_op(struct worker *w, struct held *h)
{
	struct rtc_time tm;
	struct pollfd p = { .fd = h->fd, .events = POLLIN };
	unsigned long data;
	int err;

	switch (rnd(w, 8)) {
	case 0:
		count(w, OP_RTC_IOCTL, ioctl(h->fd, RTC_RD_TIME, &tm));
		break;
	case 1:
		tm = (struct rtc_time){ .tm_year = 130 + rnd(w, 50), .tm_mon = rnd(w, 12),
			.tm_mday = 1 + rnd(w, 28), .tm_hour = rnd(w, 24) };
		count(w, OP_RTC_IOCTL, ioctl(h->fd, RTC_SET_TIME, &tm));
		break;
	case 2:
		err = count(w, OP_RTC_ARM, ioctl(h->fd, RTC_UIE_ON, 0));
		h->uie |= !err;
		break;
	case 3:
		/* At most 64 Hz: no CAP_SYS_RESOURCE in a container. */
		if (count(w, OP_RTC_IOCTL, ioctl(h->fd, RTC_IRQP_SET, 2UL << rnd(w, 5))))
			break;
		err = count(w, OP_RTC_ARM, ioctl(h->fd, RTC_PIE_ON, 0));
		h->pie |= !err;
		break;
	case 4:
		if (rnd(w, 2)) {
			if (!count(w, OP_RTC_IOCTL, ioctl(h->fd, RTC_UIE_OFF, 0)))
				h->uie = false;
		} else if (!count(w, OP_RTC_IOCTL, ioctl(h->fd, RTC_PIE_OFF, 0))) {
			h->pie = false;
		}
		break;
	case 5:
		count(w, OP_POLL, poll(&p, 1, 0));
		if (p.revents & POLLNVAL)
			wrong(w, OP_POLL);
		break;
	case 6:
		if (h->nonblock)
			count(w, OP_READ, read(h->fd, &data, sizeof(data)));
		break;
	default:
		if ((h->uie || h->pie) && !h->shared)
			rtc_wait(w, h);
	}
}

/* Takes a dup() of a file another thread opened; false if none. */
static bool take_shared(struct worker *w, struct held *h)
{
	unsigned int i = rnd(w, SHARED_FILES);
	int flags;

	pthread_mutex_lock(&w->slot->lock);
	if (w->slot->shared[i].fd >= 0) {
		h->fd = dup(w->slot->shared[i].fd);
		h->cls = w->slot->shared[i].cls;
	}
	pthread_mutex_unlock(&w->slot->lock);
	if (h->fd < 0)
		return false;
	flags = fcntl(h->fd, F_GETFL);
	h->nonblock = flags >= 0 && (flags & O_NONBLOCK);
	h->shared = true;
	return true;
}

/* Offers a dup() of h to the other threads, replacing an older one. */
static void share(struct worker *w, struct held *h)
{
	unsigned int i = rnd(w, SHARED_FILES);
	int fd = dup(h->fd), old;

	if (fd < 0)
		return;
	pthread_mutex_lock(&w->slot->lock);
	old = w->slot->shared[i].fd;
	w->slot->shared[i].fd = fd;
	w->slot->shared[i].cls = h->cls;
	pthread_mutex_unlock(&w->slot->lock);
	if (old >= 0)
		count(w, OP_CLOSE, close(old));
	h->shared = true;
}

/* Closes what the io threads left to share, once they have all ended. */
static void close_shared(struct slot *slot)
{
	unsigned int i;

	for (i = 0; i < SHARED_FILES; i++) {
		if (slot->shared[i].fd >= 0)
			close(slot->shared[i].fd);
		slot->shared[i].fd = -1;
	}
}

/* Opens, uses and closes nodes, holding a few files at a time. */
static void *io_worker(void *arg)
{
	struct worker *w = arg;
	struct held held[HELD_FILES];
	char name[32], path[128];
	struct statfs sf;
	unsigned int i;

	atomic_fetch_add(&w->st->started, 1);
	for (i = 0; i < HELD_FILES; i++)
		held[i].fd = -1;
	while (!expired(w)) {
		struct held *h = &held[rnd(w, HELD_FILES)];

		if (h->fd < 0 || !rnd(w, 12)) {
			drop(w, h);
			h->uie = false;
			h->pie = false;
			h->shared = false;
			if (!rnd(w, 5) && take_shared(w, h))
				continue;
			if (!rnd(w, 4) || !pick_listed(w, name, sizeof(name), &h->cls))
				pick_name(w, name, sizeof(name), &h->cls);
			h->nonblock = rnd(w, 2);
			h->fd = open(node_path(path, sizeof(path), w->slot->dir, name),
				     (h->cls == RTC ? O_RDONLY : O_RDWR) | O_CLOEXEC |
				     (h->nonblock ? O_NONBLOCK : 0));
			if (count(w, OP_OPEN, h->fd))
				usleep(200);
			/* The admin's bind mount over the node: not a device. */
			else if (fstatfs(h->fd, &sf) || sf.f_type != DEVNSFS_SUPER_MAGIC)
				drop(w, h);
			else if (!rnd(w, 4))
				share(w, h);
			continue;
		}
		if (h->cls == RTC)
			rtc_op(w, h);
		else
			mem_op(w, h);
	}
	for (i = 0; i < HELD_FILES; i++)
		drop(w, &held[i]);
	atomic_fetch_add(&w->st->ended, 1);
	return NULL;
}

/* max= for a mount or remount: mostly room for some devices, at times none. */
static unsigned int pick_max(struct worker *w)
{
	return rnd(w, 4) ? 4 + rnd(w, MAX_DEVICES - 3) : rnd(w, MAX_DEVICES + 1);
}

static int mount_slot(struct worker *w)
{
	char opts[64];

	snprintf(opts, sizeof(opts), "mode=0%o,max=%u", 0600 + rnd(w, 0100), pick_max(w));
	return count(w, OP_MOUNT, mount("none", w->slot->dir, "devnsfs", 0, opts));
}

/*
 * The only thread that mounts and unmounts its slot's directory: lazy
 * and normal umounts with files open, remounts, bind mounts over nodes.
 */
static void *admin_worker(void *arg)
{
	struct worker *w = arg;
	char name[32], path[128], opts[64];
	char bound[128] = "";
	unsigned int cls;
	bool mounted = !mount_slot(w);

	atomic_fetch_add(&w->st->started, 1);
	while (!expired(w)) {
		usleep(1000 + rnd(w, 20000));
		if (!mounted) {
			mounted = !mount_slot(w);
			continue;
		}
		switch (rnd(w, 6)) {
		case 0: case 1:
			snprintf(opts, sizeof(opts), "mode=0%o,ctlmode=0%o,max=%u",
				 rnd(w, 01000), 0600 | rnd(w, 0100), pick_max(w));
			count(w, OP_REMOUNT, mount("none", w->slot->dir, NULL, MS_REMOUNT, opts));
			break;
		case 2:
			mounted = count(w, OP_LAZY_UMOUNT, umount2(w->slot->dir, MNT_DETACH));
			bound[0] = '\0';
			break;
		case 3:
			mounted = count(w, OP_UMOUNT, umount2(w->slot->dir, 0));
			if (!mounted)
				bound[0] = '\0';
			break;
		default:
			if (bound[0]) {
				count(w, OP_BIND_UMOUNT, umount2(bound, MNT_DETACH));
				bound[0] = '\0';
				break;
			}
			pick_name(w, name, sizeof(name), &cls);
			node_path(path, sizeof(path), w->slot->dir, name);
			if (!count(w, OP_BIND, mount(w->slot->bind_src, path, NULL, MS_BIND, NULL)))
				snprintf(bound, sizeof(bound), "%s", path);
		}
	}
	if (bound[0])
		count(w, OP_BIND_UMOUNT, umount2(bound, MNT_DETACH));
	atomic_fetch_add(&w->st->ended, 1);
	return NULL;
}

static int uevent_socket(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int size = 1 << 20;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads what is queued; devnsfs messages must be well formed. */
static long drain(struct worker *w, int fd)
{
	char buf[4096];
	long devnsfs = 0;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n < 0) {
			count(w, OP_UEVENT, n);
			if (errno != ENOBUFS)
				return devnsfs;
			continue;
		}
		count(w, OP_UEVENT, 0);
		buf[n] = '\0';
		if (!strstr(buf, "/devices/virtual/devnsfs/"))
			continue;
		devnsfs++;
		if (strncmp(buf, "add@/devices/virtual/devnsfs/", 29) &&
		    strncmp(buf, "remove@/devices/virtual/devnsfs/", 32))
			wrong(w, OP_UEVENT);
	}
}

/*
 * Network namespaces come and go while uevents are sent to them: the
 * thread unshares a new one again and again (dropping the last), with a
 * listener in each, and forks processes that make one and exit at once.
 */
static void *netns_worker(void *arg)
{
	struct worker *w = arg;
	int listener = -1;
	pid_t pid;

	atomic_fetch_add(&w->st->started, 1);
	while (!expired(w)) {
		if (rnd(w, 3)) {
			if (listener >= 0) {
				drain(w, listener);
				close(listener);
				listener = -1;
			}
			if (count(w, OP_NETNS, unshare(CLONE_NEWNET)))
				continue;
			listener = uevent_socket();
			if (listener < 0)
				wrong(w, OP_NETNS);
		} else {
			pid = fork();
			if (pid == 0)
				_exit(unshare(CLONE_NEWNET) ? 1 : 0);
			if (pid < 0 || waitpid(pid, NULL, 0) != pid)
				wrong(w, OP_NETNS);
		}
		usleep(rnd(w, 20000));
		if (listener >= 0)
			drain(w, listener);
	}
	if (listener >= 0) {
		drain(w, listener);
		close(listener);
	}
	atomic_fetch_add(&w->st->ended, 1);
	return NULL;
}

/* Listens in the netns the test started in, all along. */
static void *listen_worker(void *arg)
{
	struct worker *w = arg;
	struct pollfd p = { .events = POLLIN };
	long heard = 0;

	atomic_fetch_add(&w->st->started, 1);
	p.fd = w->slot->listener;
	if (p.fd < 0)
		wrong(w, OP_UEVENT);
	while (p.fd >= 0 && !expired(w)) {
		poll(&p, 1, 100);
		heard += drain(w, p.fd);
	}
	if (p.fd >= 0) {
		heard += drain(w, p.fd);
		close(p.fd);
	}
	atomic_fetch_add(&w->st->heard, heard);
	atomic_fetch_add(&w->st->ended, 1);
	return NULL;
}

/*
 * Evicts the slot's page again and again, so that ADD finds it gone: the
 * test kernel has no madvise(), but mapping the memfd afresh over itself
 * (MAP_FIXED replaces the old mapping at once) leaves no page table entry.
 */
static void *pager_worker(void *arg)
{
	struct worker *w = arg;
	void *p;

	atomic_fetch_add(&w->st->started, 1);
	while (!expired(w)) {
		p = mmap(w->slot->evict, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 w->slot->evict_fd, 0);
		count(w, OP_EVICT, p == MAP_FAILED ? -1 : 0);
		/* Each remap stops every thread's faults: not too often. */
		usleep(500 + rnd(w, 2000));
	}
	atomic_fetch_add(&w->st->ended, 1);
	return NULL;
}

enum role { CTL, IO, ADMIN, NETNS, LISTEN, PAGER };

static void *(*const kinds[])(void *) = {
	[CTL] = ctl_worker, [IO] = io_worker, [ADMIN] = admin_worker,
	[NETNS] = netns_worker, [LISTEN] = listen_worker, [PAGER] = pager_worker,
};

/* Threads per instance: 2 control, 3 io, 1 admin, 1 pager. */
static const enum role per_slot[] = { CTL, CTL, IO, IO, IO, ADMIN, PAGER };

struct crew {
	struct worker w[HOST_SLOTS * ARRAY_SIZE(per_slot) + 4];
	int n;
};

static int crew_start(struct crew *c, struct slot *slot, struct stats *st, enum role kind,
		      uint64_t seed, long long deadline)
{
	struct worker *w = &c->w[c->n];

	*w = (struct worker){
		.slot = slot, .st = st, .deadline = deadline,
		.rng = seed * 0x9E3779B97F4A7C15ULL + c->n + 1,
		.lane = c->n % (PAGE_SIZE / 256),
	};
	if (pthread_create(&w->thread, NULL, kinds[kind], w))
		return -1;
	c->n++;
	return 0;
}

static int crew_start_slot(struct crew *c, struct slot *slot, struct stats *st,
			   uint64_t seed, long long deadline)
{
	unsigned int i;
	int fd;

	/* Made here, by the process that runs the crew: not inherited. */
	fd = memfd_create("devnsfs-race", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, PAGE_SIZE))
		return -1;
	slot->evict = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	slot->evict_fd = fd;
	if (slot->evict == MAP_FAILED)
		return -1;
	for (i = 0; i < ARRAY_SIZE(per_slot); i++)
		if (crew_start(c, slot, st, per_slot[i], seed, deadline))
			return -1;
	return 0;
}

/* Joins every thread; returns how many did not end in time. */
static int crew_join(struct crew *c, long long deadline)
{
	struct timespec until;
	int i, hung = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (deadline - now_ns()) / 1000000000LL + JOIN_GRACE_S;
	for (i = 0; i < c->n; i++) {
		c->w[i].joined = !pthread_timedjoin_np(c->w[i].thread, NULL, &until);
		hung += !c->w[i].joined;
	}
	return hung;
}

/* Mount points under dir (bind mounts over its nodes), from mountinfo. */
static int unmount_below(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024], point[512], prefix[128];
	int found = 0;

	if (!f)
		return -1;
	snprintf(prefix, sizeof(prefix), "%s/", dir);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %511s", point) == 1 &&
		    !strncmp(point, prefix, strlen(prefix))) {
			umount2(point, MNT_DETACH);
			found++;
		}
	fclose(f);
	return found;
}

static int devnsfs_mounts_at(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024], point[512];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " - devnsfs ") &&
		    sscanf(line, "%*s %*s %*s %*s %511s", point) == 1 && !strcmp(point, dir))
			found++;
	fclose(f);
	return found;
}

/*
 * Ends a slot: its bind mounts go, then every layer of devnsfs on dir
 * must unmount with a plain umount, now that no file is open. Returns 0
 * or an errno after writing what failed into msg.
 */
static int finish_slot(struct slot *slot, char *msg, size_t len)
{
	int layers = 0;

	unmount_below(slot->dir);
	while (devnsfs_mounts_at(slot->dir) > 0) {
		if (umount2(slot->dir, 0))
			return fail_msg(msg, len, errno, "umount %s after the race", slot->dir);
		if (++layers > 4)
			return fail_msg(msg, len, EBUSY, "%s: more than 4 layers", slot->dir);
	}
	return 0;
}

/* Open files of this process on a devnsfs instance. */
static int devnsfs_files(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	struct statfs sf;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) &&
		    !fstatfs(atoi(e->d_name), &sf) && sf.f_type == DEVNSFS_SUPER_MAGIC)
			n++;
	closedir(d);
	return n;
}

struct container {
	struct slot slot;
	struct stats *st;
	uint64_t seed;
	long long deadline;
};

/*
 * In a container (root in a new user namespace, TEST_UID outside): the
 * same crew over its own instance, and a netns worker and a listener in
 * network namespaces its user namespace owns, where its uevents go.
 */
static int container_race(void *arg, char *msg, size_t len)
{
	struct container *ct = arg;
	struct crew *c = calloc(1, sizeof(*c));
	int hung, files;

	if (!c)
		return fail_msg(msg, len, ENOMEM, "crew");
	if (unshare(CLONE_NEWNET))
		return fail_msg(msg, len, errno, "unshare(CLONE_NEWNET) in the container");
	ct->slot.listener = uevent_socket();
	if (crew_start_slot(c, &ct->slot, ct->st, ct->seed, ct->deadline) ||
	    crew_start(c, &ct->slot, ct->st, NETNS, ct->seed, ct->deadline) ||
	    crew_start(c, &ct->slot, ct->st, LISTEN, ct->seed, ct->deadline))
		return fail_msg(msg, len, errno, "pthread_create");
	hung = crew_join(c, ct->deadline);
	if (hung)
		return fail_msg(msg, len, ETIMEDOUT, "%d threads of %s never ended", hung,
				ct->slot.dir);
	close_shared(&ct->slot);
	files = devnsfs_files();
	if (files)
		return fail_msg(msg, len, EBUSY, "%d devnsfs files left open", files);
	return finish_slot(&ct->slot, msg, len);
}

static void print_stats(struct __test_metadata *_metadata, struct stats *st, const char *who)
{
	char line[1024];
	int op, e;
	size_t n;

	for (op = 0; op < OPS; op++) {
		n = snprintf(line, sizeof(line), "%s %-12s %8ld calls", who, op_names[op],
			     atomic_load(&st->calls[op]));
		for (e = 0; e < NERRNO; e++) {
			long k = atomic_load(&st->errs[op][e]);

			if (k && n < sizeof(line))
				n += snprintf(line + n, sizeof(line) - n, " %s%s=%ld",
					      is_expected(op, e) ? "" : "UNEXPECTED ",
					      strerrorname_np(e) ?: "?", k);
		}
		if (atomic_load(&st->wrong[op]) && n < sizeof(line))
			snprintf(line + n, sizeof(line) - n, " WRONG=%ld",
				 atomic_load(&st->wrong[op]));
		TH_LOG("%s", line);
	}
}

static long unexpected(struct stats *st, int op)
{
	long n = atomic_load(&st->wrong[op]);
	int e;

	for (e = 0; e < NERRNO; e++)
		if (!is_expected(op, e))
			n += atomic_load(&st->errs[op][e]);
	return n;
}

/* The module's reference count, once the last instance has gone. */
static int wait_refcnt_zero(void)
{
	char buf[32] = "";
	int i, fd;

	for (i = 0; i < 100; i++) {
		fd = open("/sys/module/devnsfs/refcnt", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = '\0';
		close(fd);
		if (atoi(buf) == 0)
			return 0;
		usleep(100000);
	}
	return atoi(buf);
}

FIXTURE(race) {
	struct slot slots[HOST_SLOTS + USERNS_SLOTS];
	struct stats *st;
	bool reloaded;
};

FIXTURE_SETUP(race)
{
	unsigned int i, j;
	char *dir;
	int fd;

	for (i = 0; i < ARRAY_SIZE(self->slots); i++) {
		dir = make_mountpoint();
		ASSERT_NE(NULL, dir);
		snprintf(self->slots[i].dir, sizeof(self->slots[i].dir), "%s", dir);
		free(dir);
		/* A file anyone may bind-mount over a node. */
		snprintf(self->slots[i].bind_src, sizeof(self->slots[i].bind_src),
			 "%s.bind", self->slots[i].dir);
		fd = open(self->slots[i].bind_src, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
		ASSERT_GE(fd, 0);
		/* Opened by mistake for a node, in a container too. */
		ASSERT_EQ(0, fchmod(fd, 0666));
		close(fd);
		self->slots[i].userns = i >= HOST_SLOTS;
		self->slots[i].listener = -1;
		pthread_mutex_init(&self->slots[i].lock, NULL);
		for (j = 0; j < SHARED_FILES; j++)
			self->slots[i].shared[j].fd = -1;
	}
	/* [0] the host's instances, [1] the containers'. */
	self->st = mmap(NULL, 2 * sizeof(*self->st), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->st);
	ASSERT_EQ(0, reload_module(RACE_PARAMS)) {
		TH_LOG("reload with %s: %s", RACE_PARAMS, strerror(errno));
	}
	self->reloaded = true;
}

FIXTURE_TEARDOWN(race)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(self->slots); i++) {
		unmount_below(self->slots[i].dir);
		while (!umount2(self->slots[i].dir, MNT_DETACH))
			;
		rmdir(self->slots[i].dir);
		unlink(self->slots[i].bind_src);
	}
	/* The other programs expect the defaults: a failure here is loud. */
	if (self->reloaded && reload_module(""))
		TH_LOG("FAILED to restore the module's defaults: %s", strerror(errno));
	munmap(self->st, 2 * sizeof(*self->st));
}

TEST_F_TIMEOUT(race, everything_at_once, 1800)
{
	long long duration = soak_count(5, 60) * 1000000000LL, deadline;
	struct userns_child kids[USERNS_SLOTS];
	struct container cts[USERNS_SLOTS];
	const char *env = getenv("DEVNSFS_RACE_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	struct crew *c = calloc(1, sizeof(*c));
	struct pollfd p;
	char msg[256];
	unsigned int i;
	int op, hung, ret;

	ASSERT_NE(NULL, c);
	TH_LOG("seed %llu (DEVNSFS_RACE_SEED), %lld s", (unsigned long long)seed,
	       duration / 1000000000LL);
	deadline = now_ns() + duration;

	/* The containers fork first, while this process has one thread. */
	for (i = 0; i < USERNS_SLOTS; i++) {
		cts[i] = (struct container){
			.slot = self->slots[HOST_SLOTS + i], .st = &self->st[1],
			.seed = seed + 1000 * (i + 1), .deadline = deadline,
		};
		ASSERT_EQ(0, userns_child_start(&kids[i], container_race, &cts[i]));
	}
	self->slots[0].listener = uevent_socket();
	for (i = 0; i < HOST_SLOTS; i++)
		ASSERT_EQ(0, crew_start_slot(c, &self->slots[i], self->st, seed + i, deadline));
	ASSERT_EQ(0, crew_start(c, &self->slots[0], self->st, NETNS, seed, deadline));
	ASSERT_EQ(0, crew_start(c, &self->slots[0], self->st, NETNS, seed + 7, deadline));
	ASSERT_EQ(0, crew_start(c, &self->slots[0], self->st, LISTEN, seed, deadline));

	hung = crew_join(c, deadline);
	EXPECT_EQ(0, hung) {
		for (i = 0; i < (unsigned int)c->n; i++)
			if (!c->w[i].joined)
				TH_LOG("thread %u never ended", i);
	}
	for (i = 0; i < USERNS_SLOTS; i++) {
		/* The container's verdict comes after its threads' grace. */
		p = (struct pollfd){ .fd = kids[i].from_child, .events = POLLIN };
		EXPECT_EQ(1, poll(&p, 1, (JOIN_GRACE_S + 30) * 1000)) {
			TH_LOG("container %u never reported", i);
			kill(kids[i].pid, SIGKILL);
		}
		ret = userns_child_result(&kids[i], msg, sizeof(msg));
		EXPECT_EQ(0, ret) TH_LOG("container %u: %s", i, msg);
		EXPECT_EQ(0, userns_child_finish(&kids[i]));
	}
	print_stats(_metadata, &self->st[0], "host");
	print_stats(_metadata, &self->st[1], "userns");
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(atomic_load(&self->st[i].started), atomic_load(&self->st[i].ended));
		/* Something happened: devices came, and their owner heard. */
		EXPECT_LT(0, atomic_load(&self->st[i].added));
		EXPECT_LT(0, atomic_load(&self->st[i].heard));
		for (op = 0; op < OPS; op++) {
			long bad = unexpected(&self->st[i], op);

			EXPECT_EQ(0, bad) TH_LOG("%s", op_names[op]);
		}
	}
	if (hung)
		return;

	for (i = 0; i < HOST_SLOTS; i++)
		close_shared(&self->slots[i]);
	EXPECT_EQ(0, devnsfs_files());
	for (i = 0; i < HOST_SLOTS; i++) {
		EXPECT_EQ(0, finish_slot(&self->slots[i], msg, sizeof(msg)))
			TH_LOG("%s", msg);
		EXPECT_EQ(0, devnsfs_mounts_at(self->slots[i].dir));
	}
	/* Every instance and file gone: nothing holds the module. */
	EXPECT_EQ(0, wait_refcnt_zero());
	self->reloaded = false;
	ASSERT_EQ(0, reload_module("")) {
		TH_LOG("FAILED to unload and restore the module: %s", strerror(errno));
	}
	free(c);
}

TEST_HARNESS_MAIN
