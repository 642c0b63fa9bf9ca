// SPDX-License-Identifier: GPL-2.0
/*
 * The mem classes behave as their twins on devtmpfs: null, zero, full and
 * random against /dev/null, /dev/zero, /dev/full and /dev/urandom.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

FIXTURE(cls) {
	char *dir;
	int ctl;
};

FIXTURE_VARIANT(cls) {
	const char *class_name;
	const char *twin;
};

FIXTURE_VARIANT_ADD(cls, null) { .class_name = "null", .twin = "/dev/null" };
FIXTURE_VARIANT_ADD(cls, zero) { .class_name = "zero", .twin = "/dev/zero" };
FIXTURE_VARIANT_ADD(cls, full) { .class_name = "full", .twin = "/dev/full" };
FIXTURE_VARIANT_ADD(cls, random) { .class_name = "random", .twin = "/dev/urandom" };

FIXTURE_SETUP(cls)
{
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0);
	ASSERT_EQ(0, ctl_add(self->ctl, "dev", variant->class_name, NULL));
}

FIXTURE_TEARDOWN(cls)
{
	close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
}

struct outcome {
	ssize_t ret;
	int err;
};

static struct outcome do_read(int fd, char *buf, size_t len)
{
	struct outcome o = { read(fd, buf, len), 0 };

	o.err = o.ret < 0 ? errno : 0;
	return o;
}

static struct outcome do_write(int fd, const char *buf, size_t len)
{
	struct outcome o = { write(fd, buf, len), 0 };

	o.err = o.ret < 0 ? errno : 0;
	return o;
}

static struct outcome do_seek(int fd, off_t off, int whence)
{
	struct outcome o = { lseek(fd, off, whence), 0 };

	o.err = o.ret < 0 ? errno : 0;
	return o;
}

#define EXPECT_SAME(a, b, what) do {					\
	EXPECT_EQ((a).ret, (b).ret) { TH_LOG("%s", what); }		\
	EXPECT_EQ((a).err, (b).err) { TH_LOG("%s", what); }		\
} while (0)

TEST_F(cls, read_write_and_seek_match_the_twin)
{
	static const size_t sizes[] = { 0, 1, 100, 4096, 65536, 1 << 20 };
	char path[256], *ours_buf, *twin_buf;
	int ours, twin, whence;
	unsigned int i;

	ours_buf = malloc(1 << 20);
	twin_buf = malloc(1 << 20);
	ASSERT_NE(NULL, ours_buf);
	ASSERT_NE(NULL, twin_buf);
	ours = open(node_path(path, sizeof(path), self->dir, "dev"), O_RDWR | O_CLOEXEC);
	ASSERT_GE(ours, 0);
	twin = open(variant->twin, O_RDWR | O_CLOEXEC);
	ASSERT_GE(twin, 0);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct outcome a, b;

		memset(ours_buf, 0x55, sizes[i]);
		memset(twin_buf, 0x55, sizes[i]);
		a = do_read(ours, ours_buf, sizes[i]);
		b = do_read(twin, twin_buf, sizes[i]);
		EXPECT_SAME(a, b, "read");
		if (strcmp(variant->class_name, "random")) {
			EXPECT_EQ(0, memcmp(ours_buf, twin_buf, sizes[i]));
		} else if (sizes[i] >= 16) {
			/* Random bytes: the tail was overwritten, not left 0x55. */
			memset(twin_buf, 0x55, 16);
			EXPECT_NE(0, memcmp(ours_buf + sizes[i] - 16, twin_buf, 16));
		}

		a = do_write(ours, ours_buf, sizes[i]);
		b = do_write(twin, twin_buf, sizes[i]);
		EXPECT_SAME(a, b, "write");
	}
	for (whence = SEEK_SET; whence <= SEEK_END; whence++) {
		struct outcome a = do_seek(ours, 123, whence);
		struct outcome b = do_seek(twin, 123, whence);

		EXPECT_SAME(a, b, "lseek");
	}
	close(ours);
	close(twin);
	free(ours_buf);
	free(twin_buf);
}

TEST_F(cls, nonblocking_reads_never_block)
{
	char path[256], buf[64];
	int fd;

	fd = open(node_path(path, sizeof(path), self->dir, "dev"), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(strcmp(variant->class_name, "null") ? (ssize_t)sizeof(buf) : 0,
		  read(fd, buf, sizeof(buf)));
	close(fd);
}

TEST_HARNESS_MAIN
