// SPDX-License-Identifier: GPL-2.0
/*
 * devnsfs against its peers, side by side in one guest run (make bench).
 *
 *   bench JSON_PATH
 *
 * Every case runs BENCH_REPS times (default 5; 3 for the costly ones) for
 * devnsfs and for its peer, interleaved, and reports the median and the
 * spread ((max - min) / median) of each, and the ratio of the medians,
 * devnsfs / peer: below 1 devnsfs is cheaper. Runs as root in the guest
 * with devnsfs loaded (max_devices >= 100000), binderfs and loop built in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/android/binderfs.h>
#include <linux/devnsfs.h>
#include <linux/loop.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPS 15
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int reps = 5;
static FILE *json;
static int first_row = 1;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (%s)\n", strerror(errno));
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct stats {
	double median, min, max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct stats summarize(double *v, int n)
{
	struct stats s;

	qsort(v, n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

static double spread(struct stats s)
{
	return s.median > 0 ? (s.max - s.min) / s.median * 100 : 0;
}

/* One table row and one JSON object: a devnsfs figure against a peer's. */
static void row(const char *id, const char *what, const char *unit, struct stats d,
		const char *peer, struct stats p)
{
	double ratio = p.median > 0 ? d.median / p.median : 0;

	printf("%-34s %10.2f %-7s ±%3.0f%%  %-34s %10.2f ±%3.0f%%  %7.3g\n", what, d.median,
	       unit, spread(d), peer, p.median, spread(p), ratio);
	fflush(stdout);
	fprintf(json,
		"%s\n    {\"case\": \"%s\", \"what\": \"%s\", \"unit\": \"%s\", \"reps\": %d,\n"
		"     \"devnsfs\": {\"median\": %.4f, \"min\": %.4f, \"max\": %.4f},\n"
		"     \"peer\": \"%s\", \"peer_result\": {\"median\": %.4f, \"min\": %.4f, \"max\": %.4f},\n"
		"     \"ratio\": %.4f}",
		first_row ? "" : ",", id, what, unit, reps, d.median, d.min, d.max, peer, p.median,
		p.min, p.max, ratio);
	first_row = 0;
	fflush(json);
}

/* Mount points and helpers. */

static char *scratch_dir(const char *tag)
{
	char *dir;

	if (asprintf(&dir, "/tmp/bench-%s.XXXXXX", tag) < 0 || !mkdtemp(dir))
		die("mkdtemp");
	return dir;
}

static int open_at(const char *dir, const char *name, int flags)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, flags | O_CLOEXEC);
}

static int mount_devnsfs(const char *dir, const char *opts)
{
	int ctl;

	if (mount("none", dir, "devnsfs", 0, opts))
		die("mount devnsfs");
	ctl = open_at(dir, DEVNSFS_CONTROL_NAME, O_RDWR);
	if (ctl < 0)
		die("open devns-control");
	return ctl;
}

static int devnsfs_call(int ctl, unsigned long cmd, const char *name, const char *class_name)
{
	struct devnsfs_device d;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	if (class_name)
		snprintf(d.class_name, sizeof(d.class_name), "%s", class_name);
	return ioctl(ctl, cmd, &d);
}

static int mount_binderfs(const char *dir)
{
	int ctl;

	if (mount("binder", dir, "binder", 0, NULL))
		die("mount binderfs");
	ctl = open_at(dir, "binder-control", O_RDWR);
	if (ctl < 0)
		die("open binder-control");
	return ctl;
}

static void binder_add(int ctl, const char *name)
{
	struct binderfs_device d;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	if (ioctl(ctl, BINDER_CTL_ADD, &d))
		die("BINDER_CTL_ADD %s", name);
}

static void unmount(const char *dir)
{
	if (umount2(dir, MNT_DETACH))
		die("umount %s", dir);
}

/*
 * Bytes of slab objects in use: active objects times object size, summed
 * over /proc/slabinfo. Unlike meminfo's Slab (whole pages), this sees the
 * growth of 100 devices that fit in slabs already there.
 */
static long long slab_bytes(void)
{
	long long total = 0, active, size;
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		die("/proc/slabinfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %lld %*d %lld", &active, &size) == 2)
			total += active * size;
	fclose(f);
	return total;
}

/* Lets deferred frees (RCU, workqueues) of the previous step land. */
static void settle(void)
{
	sync();
	usleep(1000000);
}

/* Runs a (devnsfs, peer) pair of measurements reps times, interleaved. */
typedef double (*measure_fn)(void *arg);

static void pair(int n, measure_fn d, void *darg, measure_fn p, void *parg, struct stats *ds,
		 struct stats *ps)
{
	double dv[MAX_REPS], pv[MAX_REPS];
	int i;

	for (i = 0; i < n; i++) {
		dv[i] = d(darg);
		pv[i] = p(parg);
	}
	*ds = summarize(dv, n);
	*ps = summarize(pv, n);
}

/* Case 1: device add + remove cycles. */

#define CYCLES 10000

static double devnsfs_add_remove(void *arg)
{
	const char *dir = arg;
	int ctl = mount_devnsfs(dir, NULL), i;
	double t = now();

	for (i = 0; i < CYCLES; i++)
		if (devnsfs_call(ctl, DEVNSFS_IOC_ADD, "d", "null") ||
		    devnsfs_call(ctl, DEVNSFS_IOC_REMOVE, "d", NULL))
			die("devnsfs add/remove");
	t = now() - t;
	close(ctl);
	unmount(dir);
	return t / CYCLES * 1e6;
}

static double binderfs_add_unlink(void *arg)
{
	const char *dir = arg;
	int ctl = mount_binderfs(dir), i;
	char path[512];
	double t = now();

	snprintf(path, sizeof(path), "%s/b", dir);
	for (i = 0; i < CYCLES; i++) {
		binder_add(ctl, "b");
		if (unlink(path))
			die("unlink binder");
	}
	t = now() - t;
	close(ctl);
	unmount(dir);
	return t / CYCLES * 1e6;
}

/*
 * Loop devices cost tens of milliseconds a cycle under TCG (del_gendisk()
 * waits for RCU grace periods), so they run fewer cycles: per-cycle figures
 * compare all the same.
 */
#define LOOP_CYCLES 300

static double loop_cycles(int cycles)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC), i;
	double t;

	if (ctl < 0)
		die("/dev/loop-control");
	t = now();
	for (i = 0; i < cycles; i++)
		if (ioctl(ctl, LOOP_CTL_ADD, 200) != 200 || ioctl(ctl, LOOP_CTL_REMOVE, 200))
			die("loop add/remove");
	t = now() - t;
	close(ctl);
	return t / cycles * 1e6;
}

static double loop_add_remove(void *arg)
{
	(void)arg;
	return loop_cycles(LOOP_CYCLES);
}

static double tmpfs_mknod_unlink(void *arg)
{
	const char *dir = arg;
	char path[512];
	double t;
	int i;

	if (mount("tmpfs", dir, "tmpfs", 0, NULL))
		die("mount tmpfs");
	snprintf(path, sizeof(path), "%s/null", dir);
	t = now();
	for (i = 0; i < CYCLES; i++)
		if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) || unlink(path))
			die("mknod/unlink");
	t = now() - t;
	unmount(dir);
	return t / CYCLES * 1e6;
}

static void case_add_remove(void)
{
	char *a = scratch_dir("a"), *b = scratch_dir("b");
	struct stats d, p;

	pair(reps, devnsfs_add_remove, a, binderfs_add_unlink, b, &d, &p);
	row("add_remove", "1 add+remove cycle", "us", d, "binderfs BINDER_CTL_ADD+unlink", p);
	pair(reps, devnsfs_add_remove, a, loop_add_remove, NULL, &d, &p);
	row("add_remove", "1 add+remove cycle", "us", d, "loop LOOP_CTL_ADD+REMOVE", p);
	pair(reps, devnsfs_add_remove, a, tmpfs_mknod_unlink, b, &d, &p);
	row("add_remove", "1 add+remove cycle", "us", d, "tmpfs mknod+unlink (root)", p);
}

/* Case 2: open + close of a node. */

#define OPENS 100000

static double open_close(void *arg)
{
	const char *path = arg;
	double t = now();
	int i, fd;

	for (i = 0; i < OPENS; i++) {
		fd = open(path, O_RDWR);
		if (fd < 0)
			die("open %s", path);
		close(fd);
	}
	return (now() - t) / OPENS * 1e6;
}

/*
 * One device of class_name in a new instance, measured by fn against the
 * same fn on its devtmpfs twin.
 */
static void versus_twin(const char *class_name, measure_fn fn, const char *twin, const char *id,
			const char *what, const char *unit)
{
	char *dir = scratch_dir(class_name), path[512], peer[64];
	int ctl = mount_devnsfs(dir, NULL);
	struct stats d, p;

	if (devnsfs_call(ctl, DEVNSFS_IOC_ADD, class_name, class_name))
		die("add %s", class_name);
	snprintf(path, sizeof(path), "%s/%s", dir, class_name);
	snprintf(peer, sizeof(peer), "%s on devtmpfs", twin);
	pair(reps, fn, path, fn, (void *)twin, &d, &p);
	row(id, what, unit, d, peer, p);
	close(ctl);
	unmount(dir);
}

static void case_open_close(void)
{
	versus_twin("null", open_close, "/dev/null", "open_close", "2 open+close", "us");
}

/* Case 3: a container's /dev, set up and torn down. */

#define SETUPS 1000

static const char *const mem_devices[][2] = {
	{ "null", "null" }, { "zero", "zero" }, { "full", "full" },
	{ "random", "random" }, { "urandom", "random" },
};

static double devnsfs_dev_setup(void *arg)
{
	const char *dir = arg;
	double t = now();
	unsigned int i;
	int n, ctl;

	for (n = 0; n < SETUPS; n++) {
		ctl = mount_devnsfs(dir, "mode=0666");
		for (i = 0; i < ARRAY_SIZE(mem_devices); i++)
			if (devnsfs_call(ctl, DEVNSFS_IOC_ADD, mem_devices[i][0], mem_devices[i][1]))
				die("add %s", mem_devices[i][0]);
		close(ctl);
		unmount(dir);
	}
	return (now() - t) / SETUPS * 1e6;
}

/* mount -o std: the same /dev and more (tty, symlinks, pts, shm, mqueue). */
static double devnsfs_std_setup(void *arg)
{
	const char *dir = arg;
	double t = now();
	int n;

	for (n = 0; n < SETUPS; n++) {
		if (mount("none", dir, "devnsfs", 0, "std"))
			die("mount devnsfs -o std");
		unmount(dir);
	}
	return (now() - t) / SETUPS * 1e6;
}

/* What runc and crun do: tmpfs, bind mounts of host nodes, symlinks. */
static double runtime_dev_setup(void *arg)
{
	static const char *const binds[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },	   { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "pts/ptmx", "ptmx" },
	};
	const char *dir = arg;
	char src[512], dst[512];
	double t = now();
	unsigned int i;
	int n, fd;

	for (n = 0; n < SETUPS; n++) {
		if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"))
			die("mount tmpfs");
		for (i = 0; i < ARRAY_SIZE(binds); i++) {
			snprintf(src, sizeof(src), "/dev/%s", binds[i]);
			fd = open_at(dir, binds[i], O_CREAT | O_WRONLY);
			if (fd < 0)
				die("create %s", binds[i]);
			close(fd);
			snprintf(dst, sizeof(dst), "%s/%s", dir, binds[i]);
			if (mount(src, dst, NULL, MS_BIND, NULL))
				die("bind %s", src);
		}
		for (i = 0; i < ARRAY_SIZE(links); i++) {
			snprintf(dst, sizeof(dst), "%s/%s", dir, links[i][1]);
			if (symlink(links[i][0], dst))
				die("symlink %s", dst);
		}
		unmount(dir);
	}
	return (now() - t) / SETUPS * 1e6;
}

static void case_dev_setup(void)
{
	char *a = scratch_dir("deva"), *b = scratch_dir("devb");
	struct stats d, p;

	pair(reps, devnsfs_dev_setup, a, runtime_dev_setup, b, &d, &p);
	row("dev_setup", "3 /dev setup+teardown", "us", d, "tmpfs+6 binds+5 symlinks", p);
	pair(reps, devnsfs_std_setup, a, runtime_dev_setup, b, &d, &p);
	row("dev_setup_std", "3 /dev -o std setup+teardown", "us", d, "tmpfs+6 binds+5 symlinks", p);
}

/* Case 4: uevent cost per add with unrelated network namespaces alive. */

/*
 * A container (new user, mount and network namespace) adds and removes a
 * device CYCLES times; returns the time per add+remove in us.
 */
static double container_add_remove(void *arg)
{
	const char *dir = arg;
	int to_parent[2], go[2];
	double result = -1;
	char map[64], path[64];
	pid_t pid;
	int fd;

	if (pipe(to_parent) || pipe(go))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char c;

		if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) ||
		    write(to_parent[1], "u", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		result = devnsfs_add_remove((void *)dir);
		if (write(to_parent[1], &result, sizeof(result)) != sizeof(result))
			_exit(2);
		_exit(0);
	}
	if (read(to_parent[0], map, 1) != 1)
		die("child");
	snprintf(map, sizeof(map), "0 0 1");
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0)
		die("uid_map");
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0)
		die("gid_map");
	close(fd);
	if (write(go[1], "g", 1) != 1 || read(to_parent[0], &result, sizeof(result)) != sizeof(result))
		die("container");
	waitpid(pid, NULL, 0);
	close(to_parent[0]);
	close(to_parent[1]);
	close(go[0]);
	close(go[1]);
	return result;
}

static double loop_uevent_cycles(void *arg)
{
	(void)arg;
	return loop_cycles(LOOP_CYCLES);
}

static double container_uevent_cycles(void *arg)
{
	return container_add_remove(arg);
}

/* Keeps network namespaces alive by descriptor, each owned by init_user_ns. */
static int *grow_netns(int *fds, int have, int want)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	fds = realloc(fds, sizeof(*fds) * (want > 0 ? want : 1));
	if (!fds || self < 0)
		die("netns");
	for (; have < want; have++) {
		if (unshare(CLONE_NEWNET))
			die("unshare netns %d", have);
		fds[have] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (fds[have] < 0)
			die("open netns");
		if (setns(self, CLONE_NEWNET))
			die("setns");
	}
	close(self);
	return fds;
}

static void case_uevent_scaling(void)
{
	static const int counts[] = { 1, 100, 1000 };
	char *dir = scratch_dir("uevent");
	struct stats d[3], p[3], dr, pr;
	int *fds = NULL, have = 0, i, saved = reps;
	char what[64];

	reps = reps < 3 ? reps : 3;
	for (i = 0; i < 3; i++) {
		/* The host's own netns counts as one. */
		fds = grow_netns(fds, have, counts[i] - 1);
		have = counts[i] - 1;
		settle();
		pair(reps, container_uevent_cycles, dir, loop_uevent_cycles, NULL, &d[i], &p[i]);
		snprintf(what, sizeof(what), "4 add+remove, %d netns", counts[i]);
		row("uevent_netns", what, "us", d[i], "loop add+remove (kernel uevents)", p[i]);
	}
	dr = (struct stats){ d[2].median / d[0].median, d[2].min / d[0].max, d[2].max / d[0].min };
	pr = (struct stats){ p[2].median / p[0].median, p[2].min / p[0].max, p[2].max / p[0].min };
	row("uevent_netns", "4 cost ratio 1000 netns / 1", "x", dr, "loop: ratio 1000 netns / 1", pr);
	for (i = 0; i < have; i++)
		close(fds[i]);
	free(fds);
	reps = saved;
}

/* Case 5: add cost and slab memory per live device at scale. */

struct scale {
	const char *dir;
	int count;
	double bytes;	/* out: slab bytes per device */
};

/* Adds device i of a fill through the control node ctl. */
typedef void (*add_fn)(int ctl, int i);

static void devnsfs_add_nth(int ctl, int i)
{
	char name[32];

	snprintf(name, sizeof(name), "d%d", i);
	if (devnsfs_call(ctl, DEVNSFS_IOC_ADD, name, "null"))
		die("add %s", name);
}

static void binderfs_add_nth(int ctl, int i)
{
	char name[32];

	snprintf(name, sizeof(name), "b%d", i);
	binder_add(ctl, name);
}

/* Mounts a new instance on dir for count devices; returns its control fd. */
typedef int (*mount_fn)(const char *dir, int count);

static int devnsfs_mount_for(const char *dir, int count)
{
	char opts[32];

	snprintf(opts, sizeof(opts), "max=%d", count);
	return mount_devnsfs(dir, opts);
}

static int binderfs_mount_for(const char *dir, int count)
{
	(void)count;
	return mount_binderfs(dir);
}

/*
 * Fills instances with s->count devices each; returns the time per add in
 * us and leaves the slab growth per device in s->bytes. Slab accounting
 * sees whole per-CPU slabs, so below FILL_MIN devices the fill spreads
 * over FILL_MIN / s->count instances, all mounted before measuring.
 */
#define FILL_MIN 10000

static double fill(struct scale *s, mount_fn mount_for, add_fn add)
{
	int k = s->count < FILL_MIN ? FILL_MIN / s->count : 1, ctls[FILL_MIN / 100], i, j;
	char dirs[FILL_MIN / 100][512];
	long long before;
	double t;

	for (j = 0; j < k; j++) {
		snprintf(dirs[j], sizeof(dirs[j]), "%s/%d", s->dir, j);
		if (mkdir(dirs[j], 0755) && errno != EEXIST)
			die("mkdir %s", dirs[j]);
		ctls[j] = mount_for(dirs[j], s->count);
	}
	settle();
	before = slab_bytes();
	t = now();
	for (j = 0; j < k; j++)
		for (i = 0; i < s->count; i++)
			add(ctls[j], i);
	t = now() - t;
	settle();
	s->bytes = (double)(slab_bytes() - before) / ((double)k * s->count);
	for (j = 0; j < k; j++) {
		close(ctls[j]);
		unmount(dirs[j]);
	}
	return t / ((double)k * s->count) * 1e6;
}

static double devnsfs_fill(void *arg)
{
	return fill(arg, devnsfs_mount_for, devnsfs_add_nth);
}

static double binderfs_fill(void *arg)
{
	return fill(arg, binderfs_mount_for, binderfs_add_nth);
}

static void case_scale(void)
{
	static const int counts[] = { 100, 10000, 100000 };
	char *a = scratch_dir("scalea"), *b = scratch_dir("scaleb");
	double dv[MAX_REPS], pv[MAX_REPS], dm[MAX_REPS], pm[MAX_REPS];
	int saved = reps, i, r;
	char what[64];

	reps = reps < 3 ? reps : 3;
	for (i = 0; i < 3; i++) {
		struct scale d = { a, counts[i] }, p = { b, counts[i] };

		for (r = 0; r < reps; r++) {
			dv[r] = devnsfs_fill(&d);
			dm[r] = d.bytes;
			pv[r] = binderfs_fill(&p);
			pm[r] = p.bytes;
		}
		snprintf(what, sizeof(what), "5 add at %d live", counts[i]);
		row("scale", what, "us", summarize(dv, reps), "binderfs BINDER_CTL_ADD",
		    summarize(pv, reps));
		snprintf(what, sizeof(what), "5 slab per device, %d live", counts[i]);
		row("scale", what, "bytes", summarize(dm, reps), "binderfs device",
		    summarize(pm, reps));
	}
	reps = saved;
}

/* Case 6: read() throughput of zero. */

#define READ_TOTAL (1LL << 30)
#define READ_CHUNK (64 << 10)

static double read_gib(void *arg)
{
	static char buf[READ_CHUNK];
	int fd = open(arg, O_RDONLY);
	long long done = 0;
	double t;
	ssize_t n;

	if (fd < 0)
		die("open %s", (char *)arg);
	t = now();
	while (done < READ_TOTAL) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			die("read %s", (char *)arg);
		done += n;
	}
	t = now() - t;
	close(fd);
	return t * 1e3;
}

static void case_zero_throughput(void)
{
	versus_twin("zero", read_gib, "/dev/zero", "zero_read", "6 read 1 GiB in 64 KiB reads",
		    "ms");
}

/*
 * Case 7: the pass-through proxy's cost. A "host" node of a mem device
 * against the host's own node of the same device on devtmpfs.
 */

#define SMALL_READS 100000

static double small_reads(void *arg)
{
	char byte;
	int fd = open(arg, O_RDONLY), i;
	double t;

	if (fd < 0)
		die("open %s", (char *)arg);
	t = now();
	for (i = 0; i < SMALL_READS; i++)
		if (read(fd, &byte, 1) != 1)
			die("read %s", (char *)arg);
	t = now() - t;
	close(fd);
	return t / SMALL_READS * 1e6;
}

static void versus_host(int major, int minor, measure_fn fn, const char *twin, const char *id,
			const char *what, const char *unit)
{
	char *dir = scratch_dir("host"), path[512], peer[64];
	int ctl = mount_devnsfs(dir, NULL);
	struct devnsfs_device d;
	struct stats ds, ps;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "host");
	snprintf(d.class_name, sizeof(d.class_name), "host");
	d.major = major;
	d.minor = minor;
	if (ioctl(ctl, DEVNSFS_IOC_ADD, &d))
		die("add host %d:%d", major, minor);
	snprintf(path, sizeof(path), "%s/host", dir);
	snprintf(peer, sizeof(peer), "%s on devtmpfs", twin);
	pair(reps, fn, path, fn, (void *)twin, &ds, &ps);
	row(id, what, unit, ds, peer, ps);
	close(ctl);
	unmount(dir);
}

static void case_passthrough(void)
{
	versus_host(1, 3, open_close, "/dev/null", "proxy_open_close",
		    "7 open+close, host class 1:3", "us");
	versus_host(1, 5, small_reads, "/dev/zero", "proxy_read",
		    "7 1-byte read, host class 1:5", "us");
}

int main(int argc, char **argv)
{
	const char *env = getenv("BENCH_REPS");
	const char *only = getenv("BENCH_CASES");

	if (argc != 2) {
		fprintf(stderr, "usage: %s JSON_PATH\n", argv[0]);
		return 2;
	}
	if (env && *env)
		reps = atoi(env);
	if (only && !*only)
		only = NULL;
	if (reps < 1 || reps > MAX_REPS)
		reps = 5;
	json = fopen(argv[1], "w");
	if (!json)
		die("open %s", argv[1]);
	fprintf(json, "{\"reps\": %d, \"rows\": [", reps);
	printf("%-34s %10s %-7s %5s  %-34s %10s %5s  %7s\n", "case", "devnsfs", "unit", "spread",
	       "peer", "peer", "spread", "ratio");
#define RUN(n, fn) do { if (!only || strchr(only, n)) fn(); } while (0)
	RUN('1', case_add_remove);
	RUN('2', case_open_close);
	RUN('3', case_dev_setup);
	RUN('5', case_scale);
	RUN('6', case_zero_throughput);
	RUN('7', case_passthrough);
	/* Last: the network namespaces it leaves behind die slowly. */
	RUN('4', case_uevent_scaling);
	fprintf(json, "\n]}\n");
	fclose(json);
	return 0;
}
