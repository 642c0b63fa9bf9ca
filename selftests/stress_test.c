// SPDX-License-Identifier: GPL-2.0
/*
 * The binderfs stress pattern: 1000 devices opened by 4 threads that keep
 * reading while the mount is lazily detached and every device is removed.
 * The debug kernel's KASAN, lockdep and kmemleak judge the outcome.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

#define DEVICES 1000
#define THREADS 4

struct worker {
	const char *dir;
	int first;
	int fds[DEVICES / THREADS];
	int opened;
	atomic_int *stop;
	pthread_barrier_t *ready;
	long reads, enodev, other;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char path[256], name[16], buf[64];
	int i;

	for (i = 0; i < DEVICES / THREADS; i++) {
		snprintf(name, sizeof(name), "d%d", w->first + i);
		w->fds[i] = open(node_path(path, sizeof(path), w->dir, name), O_RDWR | O_CLOEXEC);
		w->opened += w->fds[i] >= 0;
	}
	pthread_barrier_wait(w->ready);
	while (!atomic_load(w->stop)) {
		for (i = 0; i < DEVICES / THREADS; i++) {
			ssize_t n = read(w->fds[i], buf, sizeof(buf));

			if (n == sizeof(buf))
				w->reads++;
			else if (n < 0 && errno == ENODEV)
				w->enodev++;
			else
				w->other++;
		}
	}
	return NULL;
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

TEST_F_TIMEOUT(stress, detach_and_remove_under_concurrent_readers, 900)
{
	struct worker workers[THREADS];
	pthread_t threads[THREADS];
	pthread_barrier_t ready;
	atomic_int stop = 0;
	char name[16], buf[64];
	int ctl, i, j;

	ctl = mount_instance(self->dir, NULL);
	ASSERT_GE(ctl, 0);
	for (i = 0; i < DEVICES; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		ASSERT_EQ(0, ctl_add(ctl, name, "zero", NULL));
	}
	ASSERT_EQ(0, pthread_barrier_init(&ready, NULL, THREADS + 1));
	for (i = 0; i < THREADS; i++) {
		workers[i] = (struct worker){
			.dir = self->dir, .first = i * (DEVICES / THREADS),
			.stop = &stop, .ready = &ready,
		};
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, work, &workers[i]));
	}
	pthread_barrier_wait(&ready);

	/* Detach while the files are busy, then remove every device. */
	ASSERT_EQ(0, umount2(self->dir, MNT_DETACH));
	for (i = DEVICES - 1; i >= 0; i--) {
		snprintf(name, sizeof(name), "d%d", i);
		ASSERT_EQ(0, ctl_remove(ctl, name));
	}
	atomic_store(&stop, 1);
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_join(threads[i], NULL));

	for (i = 0; i < THREADS; i++) {
		EXPECT_EQ(DEVICES / THREADS, workers[i].opened);
		EXPECT_EQ(0, workers[i].other);
		for (j = 0; j < DEVICES / THREADS; j++) {
			EXPECT_EQ(-1, read(workers[i].fds[j], buf, sizeof(buf)));
			EXPECT_EQ(ENODEV, errno);
			EXPECT_EQ(0, close(workers[i].fds[j]));
		}
	}
	close(ctl);
	pthread_barrier_destroy(&ready);
}

TEST_HARNESS_MAIN
