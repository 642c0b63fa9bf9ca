// SPDX-License-Identifier: GPL-2.0
/*
 * A tenant that stalls the instance's directory locks cannot put off a
 * revocation, nor trap the remover (second review of issue 12): a reader
 * of the instance's root hands getdents64() a buffer mapped from a file on
 * a FUSE mount whose server never answers a read, so it sleeps in the page
 * fault holding the root's lock. REMOVE of a pass-through device must
 * still revoke it at once (its open file gets ENODEV), and the remover,
 * left waiting for the root, must die of SIGKILL. Once the FUSE
 * connection goes, a second REMOVE finishes the removal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

#define FILE_ID 2
#define FILE_SIZE 8192

static void fill_attr(struct fuse_attr *attr, uint64_t ino)
{
	memset(attr, 0, sizeof(*attr));
	attr->ino = ino;
	attr->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
	attr->nlink = ino == FUSE_ROOT_ID ? 2 : 1;
	attr->size = ino == FUSE_ROOT_ID ? 0 : FILE_SIZE;
	attr->blksize = 4096;
}

static void reply(int fd, uint64_t unique, int error, const void *data, size_t size)
{
	struct fuse_out_header out = {
		.len = sizeof(out) + (error ? 0 : size), .error = error, .unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &out, .iov_len = sizeof(out) },
		{ .iov_base = (void *)data, .iov_len = size },
	};

	if (writev(fd, iov, error || !size ? 1 : 2) < 0 && errno != ENOENT)
		_exit(4);
}

/* A FUSE server with one file whose reads are never answered. */
static void serve_stalling(int fd)
{
	static char buf[1 << 18];

	for (;;) {
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		void *arg = buf + sizeof(*in);
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*in))
			_exit(0);
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_out o = {
				.major = FUSE_KERNEL_VERSION,
				.minor = FUSE_KERNEL_MINOR_VERSION,
				.max_readahead = ((struct fuse_init_in *)arg)->max_readahead,
				.max_background = 16,
				.congestion_threshold = 12,
				.max_write = 4096,
				.time_gran = 1,
			};

			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { 0 };

			fill_attr(&o.attr, in->nodeid);
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = { .nodeid = FILE_ID, .generation = 1 };

			fill_attr(&o.attr, FILE_ID);
			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out o = { .fh = 1 };

			reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			/* The stall: reads are never answered. */
			break;
		default:
			reply(fd, in->unique, 0, NULL, 0);
			break;
		}
	}
}

/* The state letter of /proc/PID/stat. */
static char task_state(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return '?';
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] ? p[2] : '?';
}

/* waitpid() with a deadline in seconds; 0 once reaped, -1 on timeout. */
static int reap_within(pid_t pid, int seconds)
{
	int i;

	for (i = 0; i < seconds * 10; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		usleep(100000);
	}
	return -1;
}

FIXTURE(stall) {
	char *dir, *fusedir;
	int ctl, fuse;
	pid_t server;
};

FIXTURE_SETUP(stall)
{
	self->server = -1;
	self->fuse = -1;
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	self->dir = make_mountpoint();
	self->fusedir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	ASSERT_NE(NULL, self->fusedir);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_LE(0, self->ctl);
}

FIXTURE_TEARDOWN(stall)
{
	if (self->server > 0) {
		kill(self->server, SIGKILL);
		waitpid(self->server, NULL, 0);
	}
	if (self->fuse >= 0)
		close(self->fuse);
	umount2(self->fusedir, MNT_DETACH);
	close(self->ctl);
	umount2(self->dir, MNT_DETACH);
}

TEST_F_TIMEOUT(stall, remove_revokes_at_once_and_dies_of_sigkill_behind_a_stalled_reader, 120)
{
	struct devnsfs_device d;
	char opts[128], path[256], byte;
	pid_t reader, remover;
	int file, dev, dirfd;
	void *buf;

	dev_init(&d, "z", "host");
	d.major = 1;
	d.minor = 5;
	ASSERT_EQ(0, ioctl(self->ctl, DEVNSFS_IOC_ADD, &d)) TH_LOG("ADD host 1:5: %m");
	dev = open(node_path(path, sizeof(path), self->dir, "z"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ASSERT_EQ(1, read(dev, &byte, 1));

	self->fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fuse) TH_LOG("/dev/fuse: %m");
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", self->fuse);
	ASSERT_EQ(0, mount("fuse", self->fusedir, "fuse", 0, opts)) TH_LOG("mount fuse: %m");
	/* After the mount: /dev/fuse reads EPERM until it has a connection. */
	self->server = fork();
	ASSERT_LE(0, self->server);
	if (!self->server)
		serve_stalling(self->fuse);
	file = open(node_path(path, sizeof(path), self->fusedir, "file"), O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, file) TH_LOG("open the FUSE file: %m");
	buf = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, file, 0);
	ASSERT_NE(MAP_FAILED, buf);

	/* The reader faults on the buffer holding the root's lock, for ever. */
	reader = fork();
	ASSERT_LE(0, reader);
	if (!reader) {
		dirfd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		syscall(SYS_getdents64, dirfd, buf, 4096);
		_exit(0);
	}
	sleep(1);
	ASSERT_NE(NULL, strchr("SD", task_state(reader))) {
		TH_LOG("the reader is not stuck in the fault (state %c)", task_state(reader));
	}

	remover = fork();
	ASSERT_LE(0, remover);
	if (!remover) {
		dev_init(&d, "z", NULL);
		_exit(ioctl(self->ctl, DEVNSFS_IOC_REMOVE, &d) ? errno : 0);
	}
	sleep(1);
	/* Revoked before the remover waits for the root. */
	errno = 0;
	EXPECT_EQ(-1, read(dev, &byte, 1));
	EXPECT_EQ(ENODEV, errno) TH_LOG("the device was not revoked: %m");
	/* And the remover, still waiting, dies of SIGKILL. */
	EXPECT_EQ(0, kill(remover, SIGKILL));
	EXPECT_EQ(0, reap_within(remover, 10)) {
		TH_LOG("the remover did not die (state %c)", task_state(remover));
	}

	/* The connection goes: the reader's fault fails and it leaves. */
	kill(self->server, SIGKILL);
	waitpid(self->server, NULL, 0);
	self->server = -1;
	ASSERT_EQ(0, umount2(self->fusedir, MNT_FORCE | MNT_DETACH)) TH_LOG("umount: %m");
	close(self->fuse);
	self->fuse = -1;
	EXPECT_EQ(0, reap_within(reader, 30)) TH_LOG("the reader is still stuck");
	/* A second REMOVE finishes the first. */
	dev_init(&d, "z", NULL);
	EXPECT_EQ(0, ioctl(self->ctl, DEVNSFS_IOC_REMOVE, &d)) TH_LOG("second REMOVE: %m");
	EXPECT_EQ(-1, access(node_path(path, sizeof(path), self->dir, "z"), F_OK));
	munmap(buf, FILE_SIZE);
	close(file);
	close(dev);
}

TEST_HARNESS_MAIN
