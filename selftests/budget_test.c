// SPDX-License-Identifier: GPL-2.0
/*
 * Budgets of never-reused device numbers (issue 11, section 2): an ADD in
 * an instance owned by a user namespace other than the initial one is
 * charged to that namespace, to each of its ancestors up to the first
 * level, and to the host user owning the first-level namespace; EDQUOT
 * when any of them is spent (ns_budget per namespace with its
 * descendants, for the namespace's life; user_budget per host user, until
 * reboot), nothing changing. Such an ADD is also ENOSPC when it would
 * leave fewer than `reserved` numbers of the whole range for the
 * instances of the initial user namespace, which are charged nothing and
 * may use the reserve.
 * Reloads the module with small parameters, so it runs with no other
 * instance alive, and reloads the defaults after every case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

/* What one container does: spend some numbers, then meet a refusal. */
struct spend {
	const char *dir;	/* where its instance is (mounted if not yet) */
	int ctl;		/* its control fd, -1 until mounted */
	const char *who;	/* for messages */
	int ok;			/* ADD + REMOVE cycles that must succeed */
	int want;		/* then the error of the next ADD: EDQUOT, ENOSPC */
	const char *why;	/* which budget or reserve refuses it */
};

/*
 * Spends s->ok numbers with ADD + REMOVE of one name, then expects the next
 * ADD to fail with s->want and to leave no device behind.
 */
static int spend_numbers(struct spend *s, char *msg, size_t len)
{
	struct devnsfs_device d;
	int i, err;

	if (s->ctl < 0) {
		s->ctl = mount_instance(s->dir, NULL);
		if (s->ctl < 0)
			return fail_msg(msg, len, errno, "%s: mount", s->who);
	}
	for (i = 0; i < s->ok; i++) {
		err = ctl_add(s->ctl, "d", "null", &d);
		if (err)
			return fail_msg(msg, len, -err, "%s: ADD %d of %d that must succeed",
					s->who, i + 1, s->ok);
		err = ctl_remove(s->ctl, "d");
		if (err)
			return fail_msg(msg, len, -err, "%s: REMOVE %d", s->who, i + 1);
	}
	if (!s->want)
		return 0;
	err = ctl_add(s->ctl, "d", "null", &d);
	if (err != -s->want)
		return fail_msg(msg, len, err ? -err : EIO,
				"%s: ADD after %d: want %s (%s), got %d%s", s->who, s->ok,
				s->want == EDQUOT ? "EDQUOT" : "ENOSPC", s->why, err,
				err ? "" : " (the device was added)");
	/* Refused: no device. */
	dev_init(&d, "d", NULL);
	err = ctl_call(s->ctl, DEVNSFS_IOC_INFO, &d);
	if (err != -ENOENT)
		return fail_msg(msg, len, EIO, "%s: INFO after the refused ADD: %d", s->who, err);
	return 0;
}

static int spend_fn(void *arg, char *msg, size_t len)
{
	return spend_numbers(arg, msg, len);
}

/* Runs s in a new container of uid 1000 and checks its verdict. */
static void in_container(struct __test_metadata *_metadata, struct spend *s)
{
	struct userns_child c;
	char msg[256];

	s->ctl = -1;
	ASSERT_EQ(0, userns_child_start(&c, spend_fn, s));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(0, userns_child_finish(&c));
}

FIXTURE(bud) {
	char dir[64];
	int ctl;
};

FIXTURE_SETUP(bud)
{
	char *dir = make_mountpoint();

	ASSERT_NE(NULL, dir);
	snprintf(self->dir, sizeof(self->dir), "%s", dir);
	free(dir);
	self->ctl = -1;
	/* A container that died must not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
}

/*
 * In the parent, so that it runs even when an ASSERT ended the test (the
 * harness then skips a teardown in the test's own process); self is shared.
 */
FIXTURE_TEARDOWN_PARENT(bud)
{
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	/* The next tests need the defaults: say so loudly if they are not back. */
	EXPECT_EQ(0, reset_module()) TH_LOG("could not reload devnsfs with its defaults");
}

/* Host root adds a device in its own instance; returns the id or 0. */
static unsigned long long host_add(struct __test_metadata *_metadata, int ctl,
				   const char *name, int want)
{
	struct devnsfs_device d = { 0 };

	EXPECT_EQ(-want, ctl_add(ctl, name, "null", &d)) TH_LOG("host root ADD %s", name);
	return d.id;
}

/*
 * With the parameters that exist today only: max_majors=1 makes the whole
 * range 2^20 - 1 numbers, less than the default reserve of 2^20, so no
 * container may take any of them; host root may.
 */
TEST_F(bud, a_range_smaller_than_the_default_reserve_is_all_for_the_host)
{
	struct spend s = {
		.dir = self->dir, .who = "container", .ok = 0, .want = ENOSPC,
		.why = "max_majors=1 leaves 2^20 - 1 numbers, under the default reserved=2^20",
	};

	ASSERT_EQ(0, reload_module_wait("max_majors=1"));
	in_container(_metadata, &s);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_LE(0, self->ctl);
	/* The refused ADD took no id. */
	EXPECT_EQ(1, host_add(_metadata, self->ctl, "h1", 0));
	EXPECT_EQ(2, host_add(_metadata, self->ctl, "h2", 0));
}

TEST_F(bud, the_reserve_is_for_instances_of_the_initial_namespace)
{
	struct spend s = {
		.dir = self->dir, .who = "container", .ok = 10, .want = ENOSPC,
		.why = "15 numbers, 5 of them reserved",
	};
	char name[16];
	int i;

	/* 15 numbers (minor 0 is the control node's), 5 kept for the host. */
	ASSERT_EQ(0, reload_module_wait("max_majors=1 minors_per_major=16 reserved=5"));
	in_container(_metadata, &s);
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_LE(0, self->ctl);
	for (i = 11; i <= 15; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		EXPECT_EQ(i, host_add(_metadata, self->ctl, name, 0));
	}
	host_add(_metadata, self->ctl, "h16", ENOSPC);
}

TEST_F(bud, sibling_namespaces_have_their_own_ns_budget_within_the_user_budget)
{
	struct spend a = {
		.dir = self->dir, .who = "first container", .ok = 3, .want = EDQUOT,
		.why = "its ns_budget=3 is spent",
	};
	struct spend b = {
		.dir = self->dir, .who = "second container of the same host user", .ok = 2,
		.want = EDQUOT, .why = "user_budget=5 is spent, 3 by its sibling",
	};
	char name[16];
	int i;

	ASSERT_EQ(0, reload_module_wait("user_budget=5 ns_budget=3"));
	in_container(_metadata, &a);
	in_container(_metadata, &b);
	/* Host root is charged nothing; refused ADDs took no id. */
	self->ctl = mount_instance(self->dir, NULL);
	ASSERT_LE(0, self->ctl);
	for (i = 6; i <= 12; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		EXPECT_EQ(i, host_add(_metadata, self->ctl, name, 0));
	}
}

/* One namespace, two instances one after the other. */
static int remount(void *arg, char *msg, size_t len)
{
	struct spend *s = arg;
	int err;

	s->ok = 2;
	s->want = 0;
	err = spend_numbers(s, msg, len);
	if (err)
		return err;
	close(s->ctl);
	s->ctl = -1;
	if (umount2(s->dir, 0))
		return fail_msg(msg, len, errno, "umount");
	s->ok = 1;
	s->want = EDQUOT;
	s->who = "the same container's second instance";
	s->why = "ns_budget=3, 2 spent by its first instance";
	return spend_numbers(s, msg, len);
}

TEST_F(bud, a_new_instance_in_the_same_namespace_does_not_reset_its_budget)
{
	struct spend s = { .dir = self->dir, .ctl = -1, .who = "container" };
	struct userns_child c;
	char msg[256];

	ASSERT_EQ(0, reload_module_wait("ns_budget=3"));
	ASSERT_EQ(0, userns_child_start(&c, remount, &s));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(0, userns_child_finish(&c));
}

/* A first-level container with a nested one; their spending adds up. */
static int parent_and_nested(void *arg, char *msg, size_t len)
{
	struct spend *s = arg, *nested = s + 1;
	struct userns_child c;
	int err, status;

	signal(SIGPIPE, SIG_IGN);
	err = spend_numbers(s, msg, len);
	if (err)
		return err;
	if (userns_child_start_nested(&c, spend_fn, nested))
		return fail_msg(msg, len, errno, "start the nested container");
	err = userns_child_result(&c, msg, len);
	status = userns_child_finish(&c);
	if (err)
		return err;
	if (status)
		return fail_msg(msg, len, EIO, "nested container: wait status %#x", status);
	/* The parent's own instance: the nested one spent its budget. */
	s->ok = 0;
	s->want = EDQUOT;
	s->who = "parent container after its nested one";
	s->why = "ns_budget=3: 1 spent by it, 2 by its nested namespace";
	return spend_numbers(s, msg, len);
}

TEST_F(bud, a_nested_namespace_spends_its_parents_budget)
{
	char *nested_dir = make_mountpoint(), msg[256];
	struct spend s[2] = {
		{ .dir = self->dir, .ctl = -1, .who = "parent container", .ok = 1 },
		{ .dir = nested_dir, .ctl = -1, .who = "nested container", .ok = 2,
		  .want = EDQUOT, .why = "its parent's ns_budget=3: 1 spent there, 2 here" },
	};
	struct spend sibling = {
		.dir = self->dir, .who = "a sibling of the parent", .ok = 3, .want = EDQUOT,
		.why = "its own ns_budget=3",
	};
	struct userns_child c;

	ASSERT_NE(NULL, nested_dir);
	ASSERT_EQ(0, reload_module_wait("ns_budget=3 user_budget=100"));
	ASSERT_EQ(0, userns_child_start(&c, parent_and_nested, s));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(0, userns_child_finish(&c));
	in_container(_metadata, &sibling);
	rmdir(nested_dir);
	free(nested_dir);
}

TEST_HARNESS_MAIN
