// SPDX-License-Identifier: GPL-2.0
/*
 * Predictable majors (issue 13): with the module parameter major=N (default
 * 0, dynamic) devnsfs reserves N, N+1, ... (up to max_majors) instead of
 * free ones the kernel picks, so that a device cgroup can allow
 * "c N:* rwm" ahead of time; loading fails with EBUSY when N is taken.
 * Reloads the module; the defaults come back after every case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

#define MAJOR_PARAM "/sys/module/devnsfs/parameters/major"

/*
 * Whether character major m is in /proc/devices under another name than
 * devnsfs's (1), under devnsfs (2), or not at all (0); -1 if unreadable.
 */
static int chr_major(unsigned int m)
{
	FILE *f = fopen("/proc/devices", "re");
	char line[128], name[64];
	bool chr = false;
	unsigned int n;
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Character devices:", 18)) {
			chr = true;
			continue;
		}
		if (!strncmp(line, "Block devices:", 14))
			break;
		if (chr && sscanf(line, "%u %63s", &n, name) == 2 && n == m)
			found = strcmp(name, "devnsfs") ? 1 : 2;
	}
	fclose(f);
	return found;
}

/*
 * A major N such that N .. N+count-1 belong to nobody but devnsfs (whose
 * majors the reload frees): the local/experimental ones first. 0 if none.
 */
static unsigned int free_majors(unsigned int count)
{
	static const unsigned int from[] = { 240, 60, 234, 400 }, to[] = { 254, 63, 254, 511 };
	unsigned int r, m, i;

	for (r = 0; r < ARRAY_SIZE(from); r++) {
		for (m = from[r]; m + count - 1 <= to[r]; m++) {
			for (i = 0; i < count; i++)
				if (chr_major(m + i) == 1)
					break;
			if (i == count)
				return m;
		}
	}
	return 0;
}

/* The value of the major parameter, or -1 if there is no such parameter. */
static long major_param(void)
{
	FILE *f = fopen(MAJOR_PARAM, "re");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

FIXTURE(maj) {
	char dir[64];
};

FIXTURE_SETUP(maj)
{
	char *dir = make_mountpoint();

	ASSERT_NE(NULL, dir);
	snprintf(self->dir, sizeof(self->dir), "%s", dir);
	free(dir);
	signal(SIGPIPE, SIG_IGN);
}

/* In the parent, so that it runs however the test ended. */
FIXTURE_TEARDOWN_PARENT(maj)
{
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	EXPECT_EQ(0, reset_module()) TH_LOG("could not reload devnsfs with its defaults");
}

TEST_F_TIMEOUT(maj, major_defaults_to_0_and_a_dynamic_major, 60)
{
	char path[PATH_MAX];
	struct stat st;
	int ctl, ret;

	ret = reset_module();
	ASSERT_EQ(0, ret) TH_LOG("reload with the defaults: %s", strerror(-ret));
	EXPECT_EQ(0, major_param()) TH_LOG("%s reads %ld (-1: no such parameter)", MAJOR_PARAM,
					   major_param());
	ctl = mount_instance(self->dir, NULL);
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, stat(node_path(path, sizeof(path), self->dir, DEVNSFS_CONTROL_NAME), &st));
	EXPECT_EQ(2, chr_major(major(st.st_rdev)));
	close(ctl);
}

struct in_ct {
	const char *dir;
	unsigned int major;
};

static int container_adds(void *arg, char *msg, size_t len)
{
	struct in_ct *c = arg;
	struct devnsfs_device d;
	int ctl, err;

	ctl = mount_instance(c->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount in the container");
	err = ctl_add(ctl, "n", "null", &d);
	if (err)
		return fail_msg(msg, len, -err, "ADD in the container");
	if (d.major != c->major)
		return fail_msg(msg, len, EBADMSG, "the container's device is %u:%u, want major %u",
				d.major, d.minor, c->major);
	close(ctl);
	return 0;
}

TEST_F_TIMEOUT(maj, major_n_reserves_n, 60)
{
	unsigned int n = free_majors(8);
	struct devnsfs_device d;
	struct userns_child c;
	struct in_ct arg;
	char params[64], path[PATH_MAX], m[256];
	struct stat st;
	int ctl, ret;

	if (!n)
		SKIP(return, "no 8 consecutive free character majors");
	snprintf(params, sizeof(params), "major=%u", n);
	ret = reload_module_wait(params);
	ASSERT_EQ(0, ret) TH_LOG("reload with %s: %s", params, strerror(-ret));
	EXPECT_EQ(n, major_param()) TH_LOG("%s reads %ld", MAJOR_PARAM, major_param());
	EXPECT_EQ(2, chr_major(n)) TH_LOG("/proc/devices has no \"%u devnsfs\"", n);
	ctl = mount_instance(self->dir, NULL);
	ASSERT_LE(0, ctl);
	/* The control node is N:0, every device N:something. */
	ASSERT_EQ(0, stat(node_path(path, sizeof(path), self->dir, DEVNSFS_CONTROL_NAME), &st));
	EXPECT_EQ(makedev(n, 0), st.st_rdev) TH_LOG("control node is %u:%u", major(st.st_rdev),
						    minor(st.st_rdev));
	ASSERT_EQ(0, ctl_add(ctl, "null", "null", &d));
	EXPECT_EQ(n, d.major);
	ASSERT_EQ(0, stat(node_path(path, sizeof(path), self->dir, "null"), &st));
	EXPECT_EQ(makedev(d.major, d.minor), st.st_rdev);
	/* A pass-through device keeps the host's number. */
	ASSERT_EQ(0, ctl_add(ctl, "tty", "tty", &d));
	EXPECT_EQ(5, d.major);
	close(ctl);
	/* A container's devices too. */
	arg = (struct in_ct){ self->dir, n };
	ASSERT_EQ(0, userns_child_start(&c, container_adds, &arg));
	EXPECT_EQ(0, userns_child_result(&c, m, sizeof(m))) TH_LOG("in the container: %s", m);
	EXPECT_EQ(0, userns_child_finish(&c));
}

TEST_F_TIMEOUT(maj, majors_after_n_are_n_plus_1_and_on, 60)
{
	unsigned int n = free_majors(2), want;
	struct devnsfs_device d;
	char params[96], name[16];
	int ctl, ret, i;

	if (!n)
		SKIP(return, "no 2 consecutive free character majors");
	/* Four numbers per major: ids 1-3 in N (0 is the control node), 4-7 in N+1. */
	snprintf(params, sizeof(params), "major=%u max_majors=2 minors_per_major=4", n);
	ret = reload_module_wait(params);
	ASSERT_EQ(0, ret) TH_LOG("reload with %s: %s", params, strerror(-ret));
	ctl = mount_instance(self->dir, NULL);
	ASSERT_LE(0, ctl);
	for (i = 1; i <= 7; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ASSERT_EQ(0, ctl_add(ctl, name, "null", &d)) TH_LOG("ADD %s", name);
		want = i < 4 ? n : n + 1;
		EXPECT_EQ(want, d.major) TH_LOG("%s is %u:%u (id %llu)", name, d.major, d.minor,
						(unsigned long long)d.id);
	}
	EXPECT_EQ(2, chr_major(n));
	EXPECT_EQ(2, chr_major(n + 1)) TH_LOG("/proc/devices has no \"%u devnsfs\"", n + 1);
	EXPECT_EQ(-ENOSPC, ctl_add(ctl, "n8", "null", NULL));
	close(ctl);
}

TEST_F_TIMEOUT(maj, an_occupied_major_fails_the_load_with_ebusy, 60)
{
	int ret;

	/* 1 is mem's (/dev/null, /dev/zero, ...). */
	ASSERT_EQ(1, chr_major(1));
	ret = reload_module_wait("major=1");
	EXPECT_EQ(-EBUSY, ret) TH_LOG("load with major=1: %s", ret ? strerror(-ret) : "loaded");
	EXPECT_EQ(1, chr_major(1));
}

TEST_HARNESS_MAIN
