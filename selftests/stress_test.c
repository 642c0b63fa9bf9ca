// SPDX-License-Identifier: GPL-2.0
/*
 * The binderfs stress pattern: devices opened by 4 threads that keep
 * reading while the mount is lazily detached and every device is removed.
 * Every read returns the device's bytes until its removal and ENODEV from
 * then on, never anything else; the debug kernel's KASAN, lockdep and
 * kmemleak judge the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

#define THREADS 4

struct worker {
	const char *dir;
	int first, count;
	int *fds;
	char *revoked;		/* per file: ENODEV seen */
	atomic_int passes;	/* full passes over its files */
	atomic_int *stop;
	pthread_barrier_t *ready;
	int opened;
	/* Reads that returned the bytes, ENODEV, or anything else. */
	long reads, enodev, other;
	/* A file that read again after an ENODEV: a revoked device came back. */
	long resurrected;
	/* Passes that saw live and revoked files side by side. */
	long mixed_passes;
	/* The pass after stop: every file must read ENODEV by then. */
	long last_pass_live;
};

/* Reads each file once; returns how many read the device's bytes. */
static int one_pass(struct worker *w)
{
	char buf[64];
	int i, live = 0, dead = 0;

	for (i = 0; i < w->count; i++) {
		ssize_t n = read(w->fds[i], buf, sizeof(buf));

		if (n == sizeof(buf)) {
			w->reads++;
			live++;
			w->resurrected += w->revoked[i];
		} else if (n < 0 && errno == ENODEV) {
			w->enodev++;
			dead++;
			w->revoked[i] = 1;
		} else {
			w->other++;
		}
	}
	w->mixed_passes += live && dead;
	atomic_fetch_add(&w->passes, 1);
	return live;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	char path[256], name[16];
	int i;

	for (i = 0; i < w->count; i++) {
		snprintf(name, sizeof(name), "d%d", w->first + i);
		w->fds[i] = open(node_path(path, sizeof(path), w->dir, name), O_RDWR | O_CLOEXEC);
		w->opened += w->fds[i] >= 0;
	}
	pthread_barrier_wait(w->ready);
	while (!atomic_load(w->stop))
		one_pass(w);
	/* Every removal happened before stop: nothing may read any more. */
	w->last_pass_live = one_pass(w);
	return NULL;
}

/* Waits until every worker has finished a pass that began after the call. */
static void wait_for_passes(struct worker *workers)
{
	int seen[THREADS], i;

	for (i = 0; i < THREADS; i++)
		seen[i] = atomic_load(&workers[i].passes);
	for (i = 0; i < THREADS; i++)
		while (atomic_load(&workers[i].passes) < seen[i] + 2)
			sched_yield();
}

/* The device removed i-th: the workers' ranges take turns. */
static void removal_name(char *name, size_t len, int i, int devices)
{
	snprintf(name, len, "d%d", (i % THREADS) * (devices / THREADS) + i / THREADS);
}

FIXTURE(stress) {
	char *dir;
};

FIXTURE_SETUP(stress)
{
	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
}

FIXTURE_TEARDOWN(stress)
{
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
}

/*
 * make check: 200 devices, each thread's files in mid-removal at least
 * once; make stress: 4000, near the instance's default ceiling of 4096.
 */
TEST_F_TIMEOUT(stress, detach_and_remove_under_concurrent_readers, 1800)
{
	int devices = soak_count(200, 4000), per_thread = devices / THREADS;
	struct rlimit files = { devices + 64, devices + 64 };
	struct worker workers[THREADS];
	pthread_t threads[THREADS];
	pthread_barrier_t ready;
	atomic_int stop = 0;
	char name[16], buf[64];
	int ctl, i, j;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &files));
	ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(ctl, 0);
	for (i = 0; i < devices; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		ASSERT_EQ(0, ctl_add(ctl, name, "zero", NULL));
	}
	ASSERT_EQ(0, pthread_barrier_init(&ready, NULL, THREADS + 1));
	for (i = 0; i < THREADS; i++) {
		workers[i] = (struct worker){
			.dir = self->dir, .first = i * per_thread, .count = per_thread,
			.fds = calloc(per_thread, sizeof(int)),
			.revoked = calloc(per_thread, 1),
			.stop = &stop, .ready = &ready,
		};
		ASSERT_NE(NULL, workers[i].fds);
		ASSERT_NE(NULL, workers[i].revoked);
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, work, &workers[i]));
	}
	pthread_barrier_wait(&ready);
	/* Every thread reads its live files at least once. */
	wait_for_passes(workers);

	/* Detach while the files are busy, then remove every device. */
	ASSERT_EQ(0, umount2(self->dir, MNT_DETACH));
	for (i = 0; i < devices; i++) {
		/*
		 * Halfway, each thread has half its files removed: let every
		 * one read them all, so that each sees live and revoked files
		 * in one pass whatever the scheduler did.
		 */
		if (i == devices / 2)
			wait_for_passes(workers);
		removal_name(name, sizeof(name), i, devices);
		ASSERT_EQ(0, ctl_remove(ctl, name)) {
			TH_LOG("%s", name);
		}
	}
	atomic_store(&stop, 1);
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_join(threads[i], NULL));

	for (i = 0; i < THREADS; i++) {
		struct worker *w = &workers[i];

		EXPECT_EQ(per_thread, w->opened);
		EXPECT_EQ(0, w->other) TH_LOG("thread %d", i);
		EXPECT_EQ(0, w->resurrected) TH_LOG("thread %d", i);
		/* Each file read live in the first pass and ENODEV in the last. */
		EXPECT_LE(per_thread, w->reads) TH_LOG("thread %d", i);
		EXPECT_LE(per_thread, w->enodev) TH_LOG("thread %d", i);
		EXPECT_LE(1, w->mixed_passes) TH_LOG("thread %d", i);
		EXPECT_EQ(0, w->last_pass_live) TH_LOG("thread %d", i);
		for (j = 0; j < per_thread; j++) {
			EXPECT_EQ(-1, read(w->fds[j], buf, sizeof(buf)));
			EXPECT_EQ(ENODEV, errno);
			EXPECT_EQ(0, close(w->fds[j]));
		}
		free(w->fds);
		free(w->revoked);
	}
	close(ctl);
	pthread_barrier_destroy(&ready);
}

TEST_HARNESS_MAIN
