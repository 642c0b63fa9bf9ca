// SPDX-License-Identifier: GPL-2.0
/*
 * fsnotify (issue 13): every change devnsfs makes itself (ADD's node and
 * new directories, REMOVE's node and pruned directories) generates the
 * events the VFS generates for the same change by a syscall: IN_CREATE
 * (with IN_ISDIR for a directory) and IN_DELETE in the parent, IN_DELETE_SELF
 * for a watched directory that goes, and the parent's mtime and ctime
 * move. The owner's own syscalls (mkdir, symlink, rename, chmod, unlink)
 * get the VFS's events as on any filesystem. Watches are inotify's;
 * fanotify's FAN_CREATE is tried when the kernel has fanotify.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

#define WATCH (IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_ATTRIB | IN_MOVED_FROM | \
	       IN_MOVED_TO | IN_MOVE_SELF | IN_MODIFY)

struct ev {
	int wd;
	uint32_t mask, cookie;
	char name[64];
};

/*
 * Reads the events queued on ifd, waiting until none has come for
 * quiet_ms; returns how many, at most max.
 */
static int drain(int ifd, struct ev *evs, int max, int quiet_ms)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd pfd = { .fd = ifd, .events = POLLIN };
	const struct inotify_event *e;
	int n = 0;
	ssize_t len;
	char *p;

	while (poll(&pfd, 1, quiet_ms) == 1) {
		len = read(ifd, buf, sizeof(buf));
		if (len <= 0)
			break;
		for (p = buf; p < buf + len; p += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)p;
			if (n == max)
				continue;
			evs[n].wd = e->wd;
			evs[n].mask = e->mask;
			evs[n].cookie = e->cookie;
			snprintf(evs[n].name, sizeof(evs[n].name), "%s", e->len ? e->name : "");
			n++;
		}
	}
	return n;
}

static const struct {
	uint32_t bit;
	const char *name;
} bits[] = {
	{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
	{ IN_ATTRIB, "ATTRIB" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
	{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_MODIFY, "MODIFY" }, { IN_IGNORED, "IGNORED" },
	{ IN_ISDIR, "ISDIR" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" }, { IN_UNMOUNT, "UNMOUNT" },
};

/* The events of watch wd as "MASK:name MASK ..." (wd < 0: all, "wd/MASK:name"). */
static const char *show(const struct ev *evs, int n, int wd, char *buf, size_t len)
{
	size_t used = 0;
	uint32_t rest;
	unsigned int b;
	bool first;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (wd >= 0 && evs[i].wd != wd)
			continue;
		if (wd < 0)
			used += snprintf(buf + used, len - used, "%d/", evs[i].wd);
		rest = evs[i].mask;
		first = true;
		for (b = 0; b < ARRAY_SIZE(bits) && used < len; b++) {
			if (!(rest & bits[b].bit))
				continue;
			rest &= ~bits[b].bit;
			used += snprintf(buf + used, len - used, "%s%s", first ? "" : "|",
					 bits[b].name);
			first = false;
		}
		if (rest && used < len)
			used += snprintf(buf + used, len - used, "%s%#x", first ? "" : "|", rest);
		if (used < len)
			used += snprintf(buf + used, len - used, "%s%s ", evs[i].name[0] ? ":" : "",
					 evs[i].name);
		if (used >= len)
			break;
	}
	return buf;
}

FIXTURE(inst) {
	char *dir;
	int ctl, ifd;
	char path[PATH_MAX];
	struct ev evs[64];
	char shown[1024];
};

FIXTURE_SETUP(inst)
{
	self->ctl = -1;
	self->ifd = -1;
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_LE(0, self->ctl) TH_LOG("mount: %s", strerror(errno));
	self->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LE(0, self->ifd) TH_LOG("inotify_init1: %s", strerror(errno));
}

FIXTURE_TEARDOWN(inst)
{
	if (self->ifd >= 0)
		close(self->ifd);
	if (self->ctl >= 0)
		close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
}

#define P(name) node_path(self->path, sizeof(self->path), self->dir, name)

/* A watch on name ("" for the root). */
#define WATCH_ON(name) ({							\
	int wd_ = inotify_add_watch(self->ifd, P(name), WATCH);			\
	ASSERT_LE(0, wd_) TH_LOG("watch %s: %s", self->path, strerror(errno));	\
	wd_;									\
})

/* The events since the last call, of watch wd, are expected. */
#define EVENTS(wd, expected) do {						\
	int n_ = drain(self->ifd, self->evs, ARRAY_SIZE(self->evs), 200);	\
	EXPECT_STREQ(expected, show(self->evs, n_, wd, self->shown,		\
				    sizeof(self->shown))) {			\
		TH_LOG("all events: %s", show(self->evs, n_, -1, self->shown,	\
					       sizeof(self->shown)));		\
	}									\
} while (0)

/* The same, but the events were already drained into self->evs (n of them). */
#define EVENTS_OF(n, wd, expected) do {						\
	EXPECT_STREQ(expected, show(self->evs, (n), wd, self->shown,		\
				    sizeof(self->shown))) {			\
		TH_LOG("all events: %s", show(self->evs, (n), -1, self->shown,	\
					       sizeof(self->shown)));		\
	}									\
} while (0)

#define DRAIN() drain(self->ifd, self->evs, ARRAY_SIZE(self->evs), 200)

TEST_F(inst, add_and_remove_give_in_create_and_in_delete)
{
	int root = WATCH_ON("");

	ASSERT_EQ(0, ctl_add(self->ctl, "null0", "null", NULL));
	EVENTS(root, "CREATE:null0 ");
	ASSERT_EQ(0, ctl_remove(self->ctl, "null0"));
	EVENTS(root, "DELETE:null0 ");
	/* unlink(2) of a device in the root: the VFS's own events. */
	ASSERT_EQ(0, ctl_add(self->ctl, "z", "zero", NULL));
	EVENTS(root, "CREATE:z ");
	ASSERT_EQ(0, unlink(P("z")));
	EVENTS(root, "DELETE:z ");
	/* Nothing for what failed. */
	ASSERT_EQ(0, ctl_add(self->ctl, "y", "null", NULL));
	EVENTS(root, "CREATE:y ");
	EXPECT_EQ(-EEXIST, ctl_add(self->ctl, "y", "zero", NULL));
	EXPECT_EQ(-ENOENT, ctl_remove(self->ctl, "nosuch"));
	EVENTS(root, "");
}

TEST_F(inst, add_of_a_path_gives_in_create_in_each_directory)
{
	int root = WATCH_ON(""), a, n;

	ASSERT_EQ(0, ctl_add(self->ctl, "a/b", "null", NULL));
	EVENTS(root, "CREATE|ISDIR:a ");
	a = WATCH_ON("a");
	ASSERT_EQ(0, ctl_add(self->ctl, "a/c", "null", NULL));
	EVENTS(a, "CREATE:c ");
	ASSERT_EQ(0, ctl_add(self->ctl, "a/d/e/f", "null", NULL));
	n = DRAIN();
	EVENTS_OF(n, a, "CREATE|ISDIR:d ");
	EVENTS_OF(n, root, "");
	ASSERT_EQ(0, ctl_add(self->ctl, "x/y/z", "zero", NULL));
	n = DRAIN();
	EVENTS_OF(n, root, "CREATE|ISDIR:x ");
	EVENTS_OF(n, a, "");
}

TEST_F(inst, remove_gives_in_delete_and_pruned_directories_in_delete_isdir)
{
	int root, a, n;

	ASSERT_EQ(0, ctl_add(self->ctl, "a/b", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "a/c", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "p/q/r", "null", NULL));
	root = WATCH_ON("");
	a = WATCH_ON("a");
	ASSERT_EQ(0, ctl_remove(self->ctl, "a/c"));
	n = DRAIN();
	EVENTS_OF(n, a, "DELETE:c ");
	EVENTS_OF(n, root, "");
	/* a empties and goes. */
	ASSERT_EQ(0, ctl_remove(self->ctl, "a/b"));
	n = DRAIN();
	EVENTS_OF(n, root, "DELETE|ISDIR:a ");
	/* p/q and p go: the root hears of p only. */
	ASSERT_EQ(0, ctl_remove(self->ctl, "p/q/r"));
	EVENTS(root, "DELETE|ISDIR:p ");
}

/* What rmdir(2) tells a watch on the directory itself. */
TEST_F(inst, a_watched_directory_that_is_pruned_gets_in_delete_self)
{
	int a, n;

	ASSERT_EQ(0, ctl_add(self->ctl, "a/b", "null", NULL));
	a = WATCH_ON("a");
	ASSERT_EQ(0, ctl_remove(self->ctl, "a/b"));
	n = DRAIN();
	EVENTS_OF(n, a, "DELETE:b DELETE_SELF IGNORED ");
}

TEST_F(inst, chmod_of_a_node_gives_in_attrib)
{
	int root, n;

	ASSERT_EQ(0, ctl_add(self->ctl, "n", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "d/m", "null", NULL));
	root = WATCH_ON("");
	ASSERT_EQ(0, chmod(P("n"), 0640));
	EVENTS(root, "ATTRIB:n ");
	ASSERT_EQ(0, chown(P("n"), 1, 1));
	EVENTS(root, "ATTRIB:n ");
	n = WATCH_ON("d");
	ASSERT_EQ(0, chmod(P("d/m"), 0604));
	EVENTS(n, "ATTRIB:m ");
}

TEST_F(inst, owner_mkdir_symlink_rename_unlink_give_the_vfs_events)
{
	int root = WATCH_ON(""), d, n, i;
	uint32_t from = 0, to = 0;
	char old[PATH_MAX];
	int fd;

	ASSERT_EQ(0, mkdir(P("d"), 0755)) TH_LOG("mkdir: %s", strerror(errno));
	EVENTS(root, "CREATE|ISDIR:d ");
	ASSERT_EQ(0, symlink("target", P("s"))) TH_LOG("symlink: %s", strerror(errno));
	EVENTS(root, "CREATE:s ");
	fd = open(P("f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd) TH_LOG("create: %s", strerror(errno));
	close(fd);
	EVENTS(root, "CREATE:f ");
	/* P() has one buffer: the old name goes into another. */
	ASSERT_EQ(0, rename(node_path(old, sizeof(old), self->dir, "s"), P("t")));
	n = DRAIN();
	EVENTS_OF(n, root, "MOVED_FROM:s MOVED_TO:t ");
	for (i = 0; i < n; i++) {
		if (self->evs[i].mask & IN_MOVED_FROM)
			from = self->evs[i].cookie;
		if (self->evs[i].mask & IN_MOVED_TO)
			to = self->evs[i].cookie;
	}
	EXPECT_NE(0, from);
	EXPECT_EQ(from, to);
	d = WATCH_ON("d");
	ASSERT_EQ(0, rename(node_path(old, sizeof(old), self->dir, "t"), P("d/t")));
	n = DRAIN();
	EVENTS_OF(n, root, "MOVED_FROM:t ");
	EVENTS_OF(n, d, "MOVED_TO:t ");
	ASSERT_EQ(0, unlink(P("d/t")));
	EVENTS(d, "DELETE:t ");
	ASSERT_EQ(0, unlink(P("f")));
	EVENTS(root, "DELETE:f ");
	ASSERT_EQ(0, rmdir(P("d")));
	n = DRAIN();
	EVENTS_OF(n, root, "DELETE|ISDIR:d ");
	EVENTS_OF(n, d, "DELETE_SELF IGNORED ");
}

/* ---- Timestamps ---- */

static bool later(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* Past the timestamp granularity (a jiffy of the coarse clock). */
static void tick(void)
{
	usleep(50000);
}

#define ADVANCED(path, before) do {						\
	struct stat now_;							\
	ASSERT_EQ(0, stat((path), &now_));					\
	EXPECT_TRUE(later(&now_.st_mtim, &(before).st_mtim)) {			\
		TH_LOG("%s: mtime %ld.%09ld, was %ld.%09ld", (path),		\
		       now_.st_mtim.tv_sec, now_.st_mtim.tv_nsec,		\
		       (before).st_mtim.tv_sec, (before).st_mtim.tv_nsec);	\
	}									\
	EXPECT_TRUE(later(&now_.st_ctim, &(before).st_ctim)) {			\
		TH_LOG("%s: ctime %ld.%09ld, was %ld.%09ld", (path),		\
		       now_.st_ctim.tv_sec, now_.st_ctim.tv_nsec,		\
		       (before).st_ctim.tv_sec, (before).st_ctim.tv_nsec);	\
	}									\
} while (0)

TEST_F(inst, add_and_remove_move_the_parents_mtime_and_ctime)
{
	struct stat before;
	char sub[PATH_MAX];

	ASSERT_EQ(0, stat(self->dir, &before));
	tick();
	ASSERT_EQ(0, ctl_add(self->ctl, "n", "null", NULL));
	ADVANCED(self->dir, before);

	ASSERT_EQ(0, stat(self->dir, &before));
	tick();
	ASSERT_EQ(0, ctl_remove(self->ctl, "n"));
	ADVANCED(self->dir, before);

	/* A new directory is a change of the root; an entry in it, of it. */
	ASSERT_EQ(0, stat(self->dir, &before));
	tick();
	ASSERT_EQ(0, ctl_add(self->ctl, "a/b", "null", NULL));
	ADVANCED(self->dir, before);
	node_path(sub, sizeof(sub), self->dir, "a");
	ASSERT_EQ(0, stat(sub, &before));
	tick();
	ASSERT_EQ(0, ctl_add(self->ctl, "a/c", "null", NULL));
	ADVANCED(sub, before);
	ASSERT_EQ(0, stat(sub, &before));
	tick();
	ASSERT_EQ(0, ctl_remove(self->ctl, "a/c"));
	ADVANCED(sub, before);
	/* Pruned: the root changes. */
	ASSERT_EQ(0, stat(self->dir, &before));
	tick();
	ASSERT_EQ(0, ctl_remove(self->ctl, "a/b"));
	ADVANCED(self->dir, before);

	/* unlink(2) of a device, as on any filesystem. */
	ASSERT_EQ(0, ctl_add(self->ctl, "u", "null", NULL));
	ASSERT_EQ(0, stat(self->dir, &before));
	tick();
	ASSERT_EQ(0, unlink(P("u")));
	ADVANCED(self->dir, before);
}

/* ---- fanotify ---- */

TEST_F(inst, fanotify_sees_add_as_fan_create)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	struct pollfd pfd;
	struct fanotify_event_metadata *md;
	struct fanotify_event_info_fid *fid;
	struct file_handle *fh;
	const char *name = NULL;
	bool created = false;
	ssize_t len;
	int fan;

	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_NONBLOCK | FAN_CLOEXEC,
			    O_RDONLY);
	if (fan < 0 && (errno == ENOSYS || errno == EINVAL))
		SKIP(return, "no fanotify with FAN_REPORT_DFID_NAME here (%s)", strerror(errno));
	ASSERT_LE(0, fan) TH_LOG("fanotify_init: %s", strerror(errno));
	if (fanotify_mark(fan, FAN_MARK_ADD, FAN_CREATE | FAN_DELETE | FAN_ONDIR, AT_FDCWD,
			  self->dir)) {
		/* Optional in the contract: a filesystem without fsid or file handles. */
		int err = errno;

		close(fan);
		SKIP(return, "fanotify_mark on devnsfs: %s", strerror(err));
	}
	ASSERT_EQ(0, ctl_add(self->ctl, "null0", "null", NULL));
	pfd = (struct pollfd){ .fd = fan, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 2000)) TH_LOG("no fanotify event for ADD");
	len = read(fan, buf, sizeof(buf));
	ASSERT_LT(0, len);
	for (md = (void *)buf; FAN_EVENT_OK(md, len); md = FAN_EVENT_NEXT(md, len)) {
		if (!(md->mask & FAN_CREATE))
			continue;
		created = true;
		fid = (void *)(md + 1);
		if ((char *)fid >= (char *)md + md->event_len ||
		    fid->hdr.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME)
			continue;
		fh = (struct file_handle *)fid->handle;
		name = (const char *)fh->f_handle + fh->handle_bytes;
	}
	EXPECT_TRUE(created);
	ASSERT_NE(NULL, name);
	EXPECT_STREQ("null0", name);
	close(fan);
}

TEST_HARNESS_MAIN
