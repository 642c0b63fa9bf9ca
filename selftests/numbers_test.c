// SPDX-License-Identifier: GPL-2.0
/*
 * Device numbers and ids: ids only increase, numbers are never handed out
 * twice (within a major and across the boundaries of several), a used-up
 * major is followed by a new one up to max_majors, and a host user's
 * containers share one budget. Reloads the module with small parameters,
 * so it runs with no other instance alive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

/*
 * Add/remove cycles at the default parameters: a few thousand under make
 * check (each costs about 10 ms in a KASAN guest under TCG), 100 000 under
 * make stress.
 */
#define CYCLES_QUICK 2000
#define CYCLES_FULL 100000

FIXTURE(num) {
	char *dir;
	int ctl;
};

FIXTURE_SETUP(num)
{
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->ctl = -1;
}

FIXTURE_TEARDOWN(num)
{
	int ret;

	if (self->ctl >= 0)
		close(self->ctl);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
	/*
	 * Back to the default parameters: the programs after this one would
	 * otherwise run with a test's small limits, so a failed reload fails
	 * this case, where its cause is.
	 */
	ret = reload_module("");
	ASSERT_EQ(0, ret) {
		TH_LOG("reloading devnsfs with its defaults: %s", strerror(-ret));
	}
}

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* Sorts numbers and counts those equal to their predecessor. */
static unsigned int duplicates(unsigned long long *devs, unsigned int n)
{
	unsigned int i, dups = 0;

	qsort(devs, n, sizeof(*devs), cmp_u64);
	for (i = 1; i < n; i++)
		dups += devs[i] == devs[i - 1];
	return dups;
}

TEST_F_TIMEOUT(num, ids_increase_and_numbers_are_never_reused, 3000)
{
	unsigned int i, cycles = soak_count(CYCLES_QUICK, CYCLES_FULL);
	unsigned long long *devs = calloc(cycles, sizeof(*devs));
	struct devnsfs_device d;
	unsigned long long last_id = 0;

	ASSERT_NE(NULL, devs);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0);
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, ctl_add(self->ctl, "cycle", "null", &d)) {
			TH_LOG("cycle %u", i);
		}
		ASSERT_GT(d.id, last_id);
		last_id = d.id;
		devs[i] = makedev(d.major, d.minor);
		ASSERT_EQ(0, ctl_remove(self->ctl, "cycle"));
	}
	EXPECT_EQ(0, duplicates(devs, cycles));
	free(devs);
}

/* How many times /proc/devices lists devnsfs. */
static int reserved_majors(void)
{
	FILE *f = fopen("/proc/devices", "re");
	char line[128];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, " devnsfs\n") != NULL;
	fclose(f);
	return n;
}

/* The major of the control node of the instance on dir, 0 if none. */
static unsigned int control_major(const char *dir)
{
	char path[256];
	struct stat st;

	if (stat(node_path(path, sizeof(path), dir, DEVNSFS_CONTROL_NAME), &st))
		return 0;
	return major(st.st_rdev);
}

/*
 * Add/remove cycles through several small majors: each major's block of
 * ids keeps one major, a new major comes at each boundary, no number comes
 * twice, and after the last major ADD fails instead of wrapping around.
 */
#define WRAP_MAJORS 6

TEST_F_TIMEOUT(num, cycles_across_major_boundaries_never_repeat_a_number, 1800)
{
	unsigned int minors = soak_count(64, 1024), total = minors * WRAP_MAJORS;
	unsigned long long *devs = calloc(total, sizeof(*devs));
	unsigned int majors[WRAP_MAJORS] = { 0 };
	struct devnsfs_device d;
	char params[64];
	unsigned int id, n = 0;

	ASSERT_NE(NULL, devs);
	snprintf(params, sizeof(params), "minors_per_major=%u max_majors=%d", minors, WRAP_MAJORS);
	ASSERT_EQ(0, reload_module(params));
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0);
	/* Id 0, minor 0 of the first major, is the control node's. */
	for (id = 1; id < total; id++) {
		unsigned int block = id / minors;

		ASSERT_EQ(0, ctl_add(self->ctl, "cycle", "null", &d)) {
			TH_LOG("id %u", id);
		}
		ASSERT_EQ(id, d.id);
		ASSERT_EQ(id % minors, d.minor);
		/* The first device of a block records its major. */
		if (!majors[block])
			majors[block] = d.major;
		ASSERT_EQ(majors[block], d.major) {
			TH_LOG("id %u in the block of major %u", id, majors[block]);
		}
		/* Reserved lazily: a block's major comes with its first id. */
		ASSERT_EQ(block + 1, reserved_majors()) {
			TH_LOG("id %u", id);
		}
		devs[n++] = makedev(d.major, d.minor);
		ASSERT_EQ(0, ctl_remove(self->ctl, "cycle"));
	}
	EXPECT_EQ(WRAP_MAJORS, reserved_majors());
	EXPECT_EQ(control_major(self->dir), majors[0]);
	/* Every block had a major of its own: no number came twice. */
	EXPECT_EQ(0, duplicates(devs, n));
	EXPECT_EQ(-ENOSPC, ctl_add(self->ctl, "cycle", "null", NULL));
	free(devs);
}

TEST_F(num, a_used_up_major_is_followed_by_a_new_one_until_max_majors)
{
	struct devnsfs_device d;
	unsigned int majors[3] = { 0 };
	char name[16];
	int i;

	ASSERT_EQ(0, reload_module("minors_per_major=16 max_majors=3"));
	EXPECT_EQ(1, reserved_majors());
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0);
	/* Minor 0 of the first major is the control node's: 15 + 16 + 16. */
	for (i = 1; i <= 47; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		ASSERT_EQ(0, ctl_add(self->ctl, name, "null", &d)) {
			TH_LOG("device %d", i);
		}
		EXPECT_EQ(i, d.id);
		EXPECT_EQ(i % 16, d.minor);
		/* The first device of each block of 16 ids records its major. */
		if (!majors[i / 16])
			majors[i / 16] = d.major;
		EXPECT_EQ(majors[i / 16], d.major) {
			TH_LOG("device %d", i);
		}
	}
	/* The first block is that of the control node's major. */
	EXPECT_EQ(control_major(self->dir), majors[0]);
	EXPECT_NE(majors[0], majors[1]);
	EXPECT_NE(majors[1], majors[2]);
	EXPECT_NE(majors[0], majors[2]);
	EXPECT_EQ(3, reserved_majors());
	EXPECT_EQ(-ENOSPC, ctl_add(self->ctl, "more", "null", NULL));
	/* Freed numbers do not come back. */
	ASSERT_EQ(0, ctl_remove(self->ctl, "d1"));
	EXPECT_EQ(-ENOSPC, ctl_add(self->ctl, "d1", "null", NULL));
	close(self->ctl);
	self->ctl = -1;
	ASSERT_EQ(0, umount2(self->dir, 0));
	/* Unloading frees every range. */
	ASSERT_EQ(0, reload_module(""));
	EXPECT_EQ(1, reserved_majors());
}

/* In a container: spend the budget of 5 with add/remove, then hit EDQUOT. */
static int spend_budget(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char path[256];
	int ctl, i, ret;

	if (mount("none", dir, "devnsfs", 0, NULL))
		return fail_msg(msg, len, errno, "mount");
	ctl = open(node_path(path, sizeof(path), dir, DEVNSFS_CONTROL_NAME), O_RDWR);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "open control");
	for (i = 0; i < 5; i++) {
		ret = ctl_add(ctl, "d", "null", NULL);
		if (ret)
			return fail_msg(msg, len, -ret, "add %d", i);
		if (ctl_remove(ctl, "d"))
			return fail_msg(msg, len, errno, "remove %d", i);
	}
	ret = ctl_add(ctl, "d", "null", NULL);
	if (ret != -EDQUOT)
		return fail_msg(msg, len, ret ? -ret : EEXIST, "sixth add: want EDQUOT, got %d", ret);
	close(ctl);
	return 0;
}

static int budget_is_spent(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char path[256];
	int ctl, ret;

	if (mount("none", dir, "devnsfs", 0, NULL))
		return fail_msg(msg, len, errno, "mount");
	ctl = open(node_path(path, sizeof(path), dir, DEVNSFS_CONTROL_NAME), O_RDWR);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "open control");
	ret = ctl_add(ctl, "d", "null", NULL);
	if (ret != -EDQUOT)
		return fail_msg(msg, len, ret ? -ret : EEXIST, "want EDQUOT, got %d", ret);
	close(ctl);
	return 0;
}

TEST_F(num, containers_of_one_host_user_share_a_budget)
{
	struct userns_child c;
	char msg[256], name[16];
	int i;

	ASSERT_EQ(0, reload_module("user_budget=5"));
	ASSERT_EQ(0, userns_child_start(&c, spend_budget, self->dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("first container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
	/* Another container of the same host user: nothing left. */
	ASSERT_EQ(0, userns_child_start(&c, budget_is_spent, self->dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("second container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
	/* Root of the initial user namespace has no budget. */
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(self->ctl, 0);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		EXPECT_EQ(0, ctl_add(self->ctl, name, "null", NULL));
	}
}

TEST_HARNESS_MAIN
