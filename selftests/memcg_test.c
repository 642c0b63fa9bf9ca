// SPDX-License-Identifier: GPL-2.0
/*
 * What a container's ADDs allocate is charged to its memory cgroup (issue
 * 11, section 3): the device, its class state and its table node as well
 * as the inode and dentry of its node, so that a container in a cgroup v2
 * with a small memory.max cannot grow host memory without bound by adding
 * devices.
 *
 * Today only the node's inode and dentry are charged (their caches are
 * SLAB_ACCOUNT); the device, the class state and the table node come from
 * plain GFP_KERNEL. So the cases compare the cgroup's slab (memory.stat,
 * exact once flushed, where memory.current moves in per-CPU batches of 64
 * pages) with the sizes /proc/slabinfo gives for inode_cache and dentry,
 * with all the slab a device keeps, and between rtc and null devices,
 * which differ only in their class state. On today's module and the debug
 * kernel (KASAN, slub_debug=FZPU) a null device keeps 4320 bytes of slab
 * of which 1695 (inode 1256 + dentry 424 + objcg pointers) are charged,
 * an rtc device 5937 of which 1699; in an 8 MiB cgroup 4940 rtc ADDs
 * succeeded before the OOM killer.
 *
 * Mounts cgroup2 on a directory of its own, enables the memory controller
 * in the root's cgroup.subtree_control and runs each container in a child
 * cgroup of the root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

/* Devices per measurement: enough to drown per-CPU charge batching. */
#define N 1000
/*
 * What the fix must add at least, per device, to what today's module
 * charges: the Device (~150 bytes), its table node (~120 bytes) and, for
 * rtc, the class state (3 hrtimers, a mutex, a wait queue, under lockdep
 * and KASAN). Deliberately below those sizes.
 */
#define DEVICE_MIN 128
#define RTC_STATE_MIN 256
/* The small cgroup of the ADD loop, and the loop's bound. */
#define SMALL_MAX (8 << 20)
#define LOOP_MAX 20000

/* Bytes per object of a slab cache, from /proc/slabinfo (its objsize). */
static long slab_size(const char *cache)
{
	FILE *f = fopen("/proc/slabinfo", "re");
	char line[512], name[64];
	long active, total, size = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &total, &size) == 4 &&
		    !strcmp(name, cache)) {
			fclose(f);
			return size;
		}
	}
	fclose(f);
	return -1;
}

/* A number from a cgroup file (memory.current), or a key of one (events). */
static long long cg_read(const char *cg, const char *file, const char *key)
{
	char path[512], line[256], k[64];
	long long v = -1, x;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			v = strtoll(line, NULL, 10);
			break;
		}
		if (sscanf(line, "%63s %lld", k, &x) == 2 && !strcmp(k, key))
			v = x;
	}
	fclose(f);
	return v;
}

static int cg_write(const char *cg, const char *file, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return write_text(path, text);
}

/*
 * The debug kernel's own bookkeeping of every allocation (kmemleak's and
 * debugobjects' records): not the module's, and never charged to anyone.
 */
static int is_debug_cache(const char *name)
{
	return !strncmp(name, "kmemleak_", 9) || !strcmp(name, "debug_objects_cache");
}

/*
 * Bytes in all slab caches but the debug ones, from /proc/slabinfo:
 * active objects x size.
 */
static long long slab_total(void)
{
	FILE *f = fopen("/proc/slabinfo", "re");
	long long total = 0;
	long active, objs, size;
	char line[512], name[64];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &objs, &size) == 4 &&
		    !is_debug_cache(name))
			total += (long long)active * size;
	fclose(f);
	return total;
}

/* What the container does, and what it reports through shared memory. */
struct job {
	const char *dir;	/* its mount point */
	const char *cg;		/* its cgroup's directory */
	int go;			/* read end: the parent lets it go on */
	int ready;		/* write end: it waits for the parent */
	long long slab[3];	/* memory.stat slab: before, after null, after rtc */
	long long current[3];	/* memory.current at the same points */
	int added;		/* ADDs that succeeded (for the loop) */
	int err;		/* the ADD that ended the loop */
};

FIXTURE(memcg) {
	char root[64];		/* the cgroup2 mount */
	char cg[128];		/* our child cgroup */
	char dir[64];
	pid_t pid;		/* the container, once started */
	struct job *job;	/* shared with the container */
	int go[2], ready[2];
};

FIXTURE_SETUP(memcg)
{
	char *dir;

	self->pid = 0;
	self->cg[0] = '\0';
	self->dir[0] = '\0';
	snprintf(self->root, sizeof(self->root), "/tmp/devnsfs-cgroup.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	/* A second mount of cgroup2 is the same hierarchy; nothing to check. */
	ASSERT_EQ(0, mount("none", self->root, "cgroup2", 0, NULL))
		TH_LOG("mount cgroup2: %s (CONFIG_CGROUPS, CONFIG_MEMCG?)", strerror(errno));
	ASSERT_EQ(0, cg_write(self->root, "cgroup.subtree_control", "+memory"))
		TH_LOG("enable the memory controller: %s", strerror(errno));
	snprintf(self->cg, sizeof(self->cg), "%s/devnsfs-%d", self->root, getpid());
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	ASSERT_LE(0, cg_read(self->cg, "memory.current", NULL));
	dir = make_mountpoint();
	ASSERT_NE(NULL, dir);
	snprintf(self->dir, sizeof(self->dir), "%s", dir);
	free(dir);
	/* Touched here, so charged to our cgroup, not the container's. */
	self->job = mmap(NULL, sizeof(*self->job), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->job);
	memset(self->job, 0, sizeof(*self->job));
	ASSERT_EQ(0, pipe2(self->go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->ready, O_CLOEXEC));
	self->job->dir = self->dir;
	self->job->cg = self->cg;
	self->job->go = self->go[0];
	self->job->ready = self->ready[1];
	signal(SIGPIPE, SIG_IGN);
}

/*
 * In the parent, so that it runs even when an ASSERT ended the test (the
 * harness then skips a teardown in the test's own process); self is shared.
 */
FIXTURE_TEARDOWN_PARENT(memcg)
{
	int i;

	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (self->dir[0]) {
		umount2(self->dir, MNT_DETACH);
		rmdir(self->dir);
	}
	if (self->cg[0]) {
		/* Its last task may still be exiting. */
		for (i = 0; i < 50 && rmdir(self->cg) && errno == EBUSY; i++)
			usleep(100000);
		EXPECT_NE(0, access(self->cg, F_OK))
			TH_LOG("cannot remove %s: %s; cgroup.procs: %lld", self->cg,
			       strerror(errno), cg_read(self->cg, "cgroup.procs", NULL));
	}
	umount2(self->root, MNT_DETACH);
	rmdir(self->root);
	EXPECT_EQ(0, reset_module()) TH_LOG("could not reload devnsfs with its defaults");
}

/* Blocks until the parent lets us go on. */
static int wait_go(struct job *j, char *msg, size_t len)
{
	char c;

	if (read(j->go, &c, 1) != 1)
		return fail_msg(msg, len, EIO, "no go from the parent");
	return 0;
}

/*
 * Records the cgroup's slab and memory.current once its statistics are
 * flushed (every 2 s, by the kernel's periodic flush), lets the parent
 * take its own snapshot, and waits for it.
 */
static int checkpoint(struct job *j, int i, char *msg, size_t len)
{
	sleep(3);
	j->slab[i] = cg_read(j->cg, "memory.stat", "slab");
	j->current[i] = cg_read(j->cg, "memory.current", NULL);
	if (write(j->ready, "a", 1) != 1)
		return fail_msg(msg, len, errno, "tell the parent we reached point %d", i);
	return wait_go(j, msg, len);
}

/* Adds count devices of class named prefix0..; 0 or -errno. */
static int add_many(int ctl, const char *prefix, const char *class_name, int count)
{
	char name[32];
	int i, err;

	for (i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		err = ctl_add(ctl, name, class_name, NULL);
		if (err)
			return err;
	}
	return 0;
}

static int measure(void *arg, char *msg, size_t len)
{
	struct job *j = arg;
	int ctl, err;

	err = wait_go(j, msg, len);
	if (err)
		return err;
	ctl = mount_instance(j->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount");
	/* First ADDs of each class: whatever is allocated once. */
	err = add_many(ctl, "warm-null", "null", 10) ?: add_many(ctl, "warm-rtc", "rtc", 10);
	if (err)
		return fail_msg(msg, len, -err, "warm-up");
	err = checkpoint(j, 0, msg, len);
	if (err)
		return err;
	err = add_many(ctl, "null", "null", N);
	if (err)
		return fail_msg(msg, len, -err, "add null");
	err = checkpoint(j, 1, msg, len);
	if (err)
		return err;
	err = add_many(ctl, "rtc", "rtc", N);
	if (err)
		return fail_msg(msg, len, -err, "add rtc");
	return checkpoint(j, 2, msg, len);
}

/* Starts fn in a container, moves it into our cgroup, lets it go. */
static void run_job(struct __test_metadata *_metadata, struct job *job, int go,
		    userns_fn fn, struct userns_child *c, pid_t *pid)
{
	char text[16];

	ASSERT_EQ(0, userns_child_start(c, fn, job));
	*pid = c->pid;
	snprintf(text, sizeof(text), "%d", c->pid);
	ASSERT_EQ(0, cg_write(job->cg, "cgroup.procs", text))
		TH_LOG("move %s into %s: %s", text, job->cg, strerror(errno));
	ASSERT_EQ(1, write(go, "g", 1));
}

TEST_F_TIMEOUT(memcg, every_allocation_of_an_add_is_charged_to_the_container, 600)
{
	long inode = slab_size("inode_cache"), dentry = slab_size("dentry");
	long long host[3], charged[2], all[2];
	struct userns_child c;
	char msg[256], ch;
	int i;

	ASSERT_LT(0, inode) TH_LOG("no inode_cache in /proc/slabinfo");
	ASSERT_LT(0, dentry) TH_LOG("no dentry in /proc/slabinfo");
	run_job(_metadata, self->job, self->go[1], measure, &c, &self->pid);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, read(self->ready[0], &ch, 1)) TH_LOG("tell the parent we reached point %d", i);
		host[i] = slab_total();
		ASSERT_EQ(1, write(self->go[1], "g", 1));
	}
	ASSERT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(0, userns_child_finish(&c));
	self->pid = 0;
	for (i = 0; i < 2; i++) {
		charged[i] = (self->job->slab[i + 1] - self->job->slab[i]) / N;
		all[i] = (host[i + 1] - host[i]) / N;
	}
	TH_LOG("per device: null %lld bytes of slab charged of %lld allocated (memory.current +%lld), rtc %lld of %lld (+%lld); slab objects: inode %ld, dentry %ld bytes",
	       charged[0], all[0], (self->job->current[1] - self->job->current[0]) / N,
	       charged[1], all[1], (self->job->current[2] - self->job->current[1]) / N,
	       inode, dentry);
	/* The node's inode and dentry, and the device and its table node. */
	EXPECT_LE(inode + dentry + DEVICE_MIN, charged[0])
		TH_LOG("a null device charges %lld bytes: want at least inode %ld + dentry %ld + %d for the device and its table node",
		       charged[0], inode, dentry, DEVICE_MIN);
	/* An rtc device differs from a null one by its class state only. */
	EXPECT_LE(RTC_STATE_MIN, charged[1] - charged[0])
		TH_LOG("an rtc device charges %lld bytes more than a null one: want at least %d for its state",
		       charged[1] - charged[0], RTC_STATE_MIN);
	/* What stays allocated per device is charged (4/5: slabinfo noise). */
	for (i = 0; i < 2; i++) {
		EXPECT_LE(all[i] * 4 / 5, charged[i])
			TH_LOG("%s: %lld of the %lld slab bytes a device keeps are charged",
			       i ? "rtc" : "null", charged[i], all[i]);
	}
}

/* ADDs rtc devices until one fails or LOOP_MAX, counting in shared memory. */
static int add_loop(void *arg, char *msg, size_t len)
{
	struct job *j = arg;
	char name[32];
	int ctl, err, i;

	err = wait_go(j, msg, len);
	if (err)
		return err;
	ctl = mount_instance(j->dir, NULL);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount");
	for (i = 0; i < LOOP_MAX; i++) {
		snprintf(name, sizeof(name), "rtc%d", i);
		err = ctl_add(ctl, name, "rtc", NULL);
		if (err)
			break;
		/* Seen by the parent even if the OOM killer ends us. */
		__atomic_store_n(&j->added, i + 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&j->err, -err, __ATOMIC_RELAXED);
	return 0;
}

TEST_F_TIMEOUT(memcg, an_add_loop_in_a_small_cgroup_ends_in_enomem_or_the_oom_killer, 900)
{
	long inode = slab_size("inode_cache"), dentry = slab_size("dentry");
	long long peak, before, bound;
	struct userns_child c;
	char msg[256], max[32];
	int ret, status, killed;

	ASSERT_LT(0, inode);
	ASSERT_LT(0, dentry);
	/* Room for the loop: max_devices (per instance) is not what stops it. */
	ASSERT_EQ(0, reload_module_wait("max_devices=20000"));
	snprintf(max, sizeof(max), "%d", SMALL_MAX);
	ASSERT_EQ(0, cg_write(self->cg, "memory.max", max));
	before = cg_read(self->cg, "memory.current", NULL);
	run_job(_metadata, self->job, self->go[1], add_loop, &c, &self->pid);
	ret = userns_child_result(&c, msg, sizeof(msg));
	status = userns_child_finish(&c);
	self->pid = 0;
	killed = cg_read(self->cg, "memory.events", "oom_kill");
	peak = cg_read(self->cg, "memory.peak", NULL);
	TH_LOG("%d ADDs succeeded, then %s; oom_kill %d, wait status %#x; memory.current before %lld, memory.peak %lld",
	       self->job->added, ret ? "the container died" : strerror(self->job->err),
	       killed, status, before, peak);
	if (ret == 0) {
		/* The loop ended by itself: the ADD that ended it was ENOMEM. */
		EXPECT_EQ(ENOMEM, self->job->err)
			TH_LOG("%d rtc devices added in an %d MiB cgroup without ENOMEM",
			       self->job->added, SMALL_MAX >> 20);
	} else {
		/* Killed by the cgroup's OOM killer. */
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) TH_LOG("%s", msg);
		EXPECT_LE(1, killed);
	}
	/*
	 * With everything charged, no more devices fit in memory.max than
	 * at inode + dentry + DEVICE_MIN + RTC_STATE_MIN bytes each.
	 */
	bound = SMALL_MAX / (inode + dentry + DEVICE_MIN + RTC_STATE_MIN);
	EXPECT_GE(bound, self->job->added)
		TH_LOG("%d rtc devices fit in %d MiB: at most %lld may if each charges inode %ld + dentry %ld + %d + %d bytes",
		       self->job->added, SMALL_MAX >> 20, bound, inode, dentry,
		       DEVICE_MIN, RTC_STATE_MIN);
}

TEST_HARNESS_MAIN
