// SPDX-License-Identifier: GPL-2.0
/*
 * Input fuzzing with deterministic seeds, judged by a model.
 *
 * The control ABI: soak_count(20000, 1000000) ioctls of random and mutated
 * struct devnsfs_device (names valid, valid-looking and not; classes real,
 * near and random; reserved fields and flags set; bits flipped), of every
 * command number around DEVNSFS_IOC_* (wrong directions, sizes, types),
 * through unaligned, read-only, straddling, unmapped, NULL and kernel
 * pointers, on control files open for writing and not. The mount options:
 * soak_count(500, 20000) mount(2) data strings, fsopen()/fsconfig()
 * sessions with every FSCONFIG_SET_* type, and remounts (mount(2) and
 * fspick()), built from the real keys with random and mutated values and
 * from garbage keys.
 *
 * What it proves: every input gets exactly the outcome a model of the
 * documented ABI predicts (the errno, or success with the right result:
 * class, never-reused number, increasing id; the mount's owner, modes,
 * max= and its line in mountinfo); rejected inputs change nothing; and
 * every 1000 inputs the model equals the instance, both by INFO of every
 * name it knows and by a listing of the directory. A failure prints the
 * seed: DEVNSFS_FUZZ_SEED=<seed> reproduces it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

#define NERRNO 140
#define BATCH 1000
#define POOL 48
#define INSTANCE_MAX 32

/* splitmix64: one stream per test, from the seed. */
struct rng {
	uint64_t s;
};

static uint64_t next64(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? next64(r) % n : 0;
}

static uint64_t fuzz_seed(void)
{
	const char *env = getenv("DEVNSFS_FUZZ_SEED");
	struct timespec ts;

	if (env)
		return strtoull(env, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000003ULL ^ ts.tv_nsec ^ getpid();
}

/* Outcomes per input kind: how many, and each errno's share. */
struct tally {
	const char *kind;
	long inputs;
	long errs[NERRNO];
};

static void tally(struct tally *t, int err)
{
	t->inputs++;
	t->errs[err > 0 && err < NERRNO ? err : 0]++;
}

static void print_tallies(struct __test_metadata *_metadata, struct tally *t, int n)
{
	char line[1024];
	size_t len;
	int i, e;

	for (i = 0; i < n; i++) {
		if (!t[i].inputs)
			continue;
		len = snprintf(line, sizeof(line), "%-18s %8ld inputs:", t[i].kind, t[i].inputs);
		for (e = 0; e < NERRNO && len < sizeof(line); e++)
			if (t[i].errs[e])
				len += snprintf(line + len, sizeof(line) - len, " %s=%ld",
						e ? strerrorname_np(e) ?: "?" : "ok", t[i].errs[e]);
		TH_LOG("%s", line);
	}
}

/* The errnos an input may get; 0 is success. */
struct verdict {
	int ok[8];
	int n;
};

static void allow(struct verdict *v, int err)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (v->ok[i] == err)
			return;
	if (v->n < (int)ARRAY_SIZE(v->ok))
		v->ok[v->n++] = err;
}

static bool allowed(const struct verdict *v, int err)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (v->ok[i] == err)
			return true;
	return false;
}

static void verdict_str(const struct verdict *v, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < v->n && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? "|" : "",
			      v->ok[i] ? strerrorname_np(v->ok[i]) ?: "?" : "0");
}

/* ---- The control ABI ---- */

static const char * const classes[] = {
	"null", "zero", "full", "random", "rtc", "host", "tty", "tun", "fuse", "kvm",
};

/*
 * The pass-through classes' host numbers (major << 20 | minor); "host"
 * takes the ADD's own. Numbers of these repeat; devnsfs's own never do.
 */
static bool passthrough_number(const char *cls, const struct devnsfs_device *in,
			       uint32_t *major, uint32_t *minor)
{
	static const struct { const char *cls; uint32_t major, minor; } fixed[] = {
		{ "tty", 5, 0 }, { "tun", 10, 200 }, { "fuse", 10, 229 }, { "kvm", 10, 232 },
	};
	unsigned int i;

	if (!strcmp(cls, "host")) {
		*major = in->major;
		*minor = in->minor;
		return true;
	}
	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		if (!strcmp(cls, fixed[i].cls)) {
			*major = fixed[i].major;
			*minor = fixed[i].minor;
			return true;
		}
	}
	return false;
}
static const char name_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

struct entry {
	char name[DEVNSFS_NAME_MAX];
	unsigned int cls;
	uint32_t major, minor;
	uint64_t id;
};

/* What the instance holds, as the fuzzer believes. */
struct model {
	struct entry e[INSTANCE_MAX + 64];
	int n;
	unsigned int max;
	uint64_t last_id;
	/* Every device number ever handed out: open addressing, +1 so 0 is empty. */
	uint64_t *seen;
	size_t seen_cap;
};

static int model_find(const struct model *m, const char *name)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->e[i].name, name))
			return i;
	return -1;
}

/* Records a device number; false if it was handed out before. */
static bool seen_once(struct model *m, uint32_t major, uint32_t minor)
{
	uint64_t key = ((uint64_t)major << 32 | minor) + 1;
	size_t i = (key * 0x9E3779B97F4A7C15ULL) & (m->seen_cap - 1);

	while (m->seen[i]) {
		if (m->seen[i] == key)
			return false;
		i = (i + 1) & (m->seen_cap - 1);
	}
	m->seen[i] = key;
	return true;
}

/*
 * The kernel's rule for names (include/uapi/linux/devnsfs.h): a relative
 * path of components separated by single '/', each of name_chars and not
 * "." or "..", the first not the control node's name.
 */
static bool name_valid(const char *field)
{
	size_t len = strnlen(field, DEVNSFS_NAME_MAX), i, start = 0, n;

	if (len == DEVNSFS_NAME_MAX)
		return false;
	for (i = 0; i <= len; i++) {
		if (i < len && field[i] != '/') {
			if (!strchr(name_chars, field[i]))
				return false;
			continue;
		}
		n = i - start;
		if (n == 0 || (n == 1 && field[start] == '.') ||
		    (n == 2 && !strncmp(field + start, "..", 2)))
			return false;
		if (start == 0 && n == strlen(DEVNSFS_CONTROL_NAME) &&
		    !strncmp(field, DEVNSFS_CONTROL_NAME, n))
			return false;
		start = i + 1;
	}
	return true;
}

/*
 * How a valid name stands to the devices of the model: 0 if free, EEXIST
 * if it names a device or a directory (one on a device's path), ENOTDIR if
 * a device is where a directory on its own path should be. Directories
 * exist exactly while a device is below them: the fuzzer mounts nothing on
 * them, so REMOVE always prunes.
 */
static int model_conflict(const struct model *m, const char *name)
{
	size_t len = strlen(name), elen;
	int i;

	for (i = 0; i < m->n; i++) {
		elen = strlen(m->e[i].name);
		if (!strcmp(m->e[i].name, name) ||
		    (elen > len && !strncmp(m->e[i].name, name, len) && m->e[i].name[len] == '/'))
			return EEXIST;
		if (elen < len && !strncmp(m->e[i].name, name, elen) && name[elen] == '/')
			return ENOTDIR;
	}
	return 0;
}

static int class_index(const char *field)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(classes); i++)
		if (!strcmp(field, classes[i]))
			return i;
	return -1;
}

enum ptr_kind {
	PTR_RW, PTR_EDGE, PTR_RO, PTR_STRADDLE, PTR_UNMAPPED, PTR_NULL, PTR_KERNEL, PTRS
};

static const char * const ptr_names[PTRS] = {
	"ptr_rw_unaligned", "ptr_page_end", "ptr_readonly", "ptr_straddling",
	"ptr_unmapped", "ptr_null", "ptr_kernel",
};

static bool ptr_readable(enum ptr_kind p)
{
	return p <= PTR_RO;
}

static bool ptr_writable(enum ptr_kind p)
{
	return p <= PTR_EDGE;
}

/* Where arguments live: a read-write page, a read-only one, a hole. */
struct arena {
	char *rw;		/* two pages */
	char *ro;		/* one page, read-only but while filled */
	char *edge;		/* one page, the next unmapped */
	long page;
};

/* A page followed by a hole: mmap() two, munmap() the second. */
static int arena_edge(struct arena *a)
{
	a->edge = mmap(NULL, 2 * a->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (a->edge == MAP_FAILED)
		return -1;
	return munmap(a->edge + a->page, a->page);
}

/* msync() fails with ENOMEM exactly on memory that is not mapped. */
static bool is_hole(struct arena *a)
{
	return msync(a->edge + a->page, a->page, MS_ASYNC) && errno == ENOMEM;
}

static int arena_init(struct arena *a)
{
	a->page = sysconf(_SC_PAGESIZE);
	a->rw = mmap(NULL, 2 * a->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a->ro = mmap(NULL, a->page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->rw == MAP_FAILED || a->ro == MAP_FAILED)
		return -1;
	return arena_edge(a);
}

/* Puts d where kind says and returns the ioctl's argument. */
static void *place(struct arena *a, struct rng *r, enum ptr_kind kind,
		   const struct devnsfs_device *d)
{
	static void * const kernel[] = {
		(void *)0xffffffff81000000UL, (void *)0xffff888000000000UL,
		(void *)0xfffffffffffff000UL, (void *)-1UL,
	};
	size_t sz = sizeof(*d);
	int tries;
	char *p;

	/* Some later mmap() may have filled the hole: make a new one. */
	for (tries = 0; !is_hole(a); tries++)
		if (tries == 8 || arena_edge(a))
			return NULL;
	switch (kind) {
	case PTR_RW:
		p = a->rw + below(r, 2 * a->page - sz + 1);
		memcpy(p, d, sz);
		return p;
	case PTR_EDGE:
		p = a->edge + a->page - sz;
		memcpy(p, d, sz);
		return p;
	case PTR_RO:
		p = a->ro + below(r, a->page - sz + 1);
		mprotect(a->ro, a->page, PROT_READ | PROT_WRITE);
		memcpy(p, d, sz);
		mprotect(a->ro, a->page, PROT_READ);
		return p;
	case PTR_STRADDLE:
		/* 1 to sz-1 bytes readable, the rest in the hole. */
		p = a->edge + a->page - 1 - below(r, sz - 1);
		memcpy(p, d, a->edge + a->page - p);
		return p;
	case PTR_UNMAPPED:
		return a->edge + a->page + below(r, a->page - sz);
	case PTR_NULL:
		return NULL;
	default:
		return kernel[below(r, ARRAY_SIZE(kernel))];
	}
}

/* Fills a field with bytes that are never NUL. */
static void fill_nonzero(struct rng *r, char *p, size_t len)
{
	while (len--)
		*p++ = 1 + below(r, 255);
}

static void random_valid_name(struct rng *r, char *field, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		field[i] = name_chars[below(r, sizeof(name_chars) - 1)];
	field[len] = '\0';
	/* "." and ".." are the two valid-charset names that are not valid. */
	if (!strcmp(field, ".") || !strcmp(field, ".."))
		field[0] = 'x';
}

static void gen_name(struct rng *r, const struct model *m, char *field)
{
	static const char * const special[] = { ".", "..", DEVNSFS_CONTROL_NAME, "" };
	static const char bad_chars[] = "/ \t\n\\*?:@\x7f\x80\xff!";
	unsigned int k = below(r, 100);
	size_t len;

	memset(field, 0, DEVNSFS_NAME_MAX);
	if (k < 30 || (k < 60 && !m->n)) {
		snprintf(field, DEVNSFS_NAME_MAX, "d%u", below(r, POOL));
	} else if (k < 40) {
		/* Paths over the same few names: directories in the way of devices and back. */
		if (below(r, 2))
			snprintf(field, DEVNSFS_NAME_MAX, "d%u/d%u", below(r, 8), below(r, 8));
		else
			snprintf(field, DEVNSFS_NAME_MAX, "d%u/d%u/d%u", below(r, 8), below(r, 4),
				 below(r, 4));
	} else if (k < 60) {
		memcpy(field, m->e[below(r, m->n)].name, DEVNSFS_NAME_MAX);
	} else if (k < 72) {
		random_valid_name(r, field, 1 + below(r, DEVNSFS_NAME_MAX - 1));
	} else if (k < 76) {
		random_valid_name(r, field, DEVNSFS_NAME_MAX - 1);
	} else if (k < 80) {
		snprintf(field, DEVNSFS_NAME_MAX, "%s", special[below(r, ARRAY_SIZE(special))]);
	} else if (k < 86) {
		/* No terminating NUL in the field. */
		random_valid_name(r, field, DEVNSFS_NAME_MAX - 1);
		field[DEVNSFS_NAME_MAX - 1] = 'z';
	} else if (k < 93) {
		len = 1 + below(r, DEVNSFS_NAME_MAX - 2);
		random_valid_name(r, field, len);
		field[below(r, len)] = bad_chars[below(r, sizeof(bad_chars) - 1)];
	} else {
		fill_nonzero(r, field, below(r, DEVNSFS_NAME_MAX + 1));
		field[DEVNSFS_NAME_MAX - 1] = below(r, 2) ? '\0' : field[DEVNSFS_NAME_MAX - 1];
	}
	/* Bytes after the NUL are not part of the name. */
	len = strnlen(field, DEVNSFS_NAME_MAX);
	if (len < DEVNSFS_NAME_MAX - 1 && !below(r, 3))
		fill_nonzero(r, field + len + 1, DEVNSFS_NAME_MAX - len - 1);
}

static void gen_class(struct rng *r, char *field)
{
	static const char * const near[] = {
		"Null", "NULL", "nul", "nulll", "zero0", "ful", "urandom", "rand",
		"random\n", "rtc0", " rtc", "rtc ", "mem", "tty", "null\x80",
	};
	unsigned int k = below(r, 100);
	size_t len;

	memset(field, 0, DEVNSFS_CLASS_MAX);
	if (k < 70)
		snprintf(field, DEVNSFS_CLASS_MAX, "%s", classes[below(r, ARRAY_SIZE(classes))]);
	else if (k < 80)
		snprintf(field, DEVNSFS_CLASS_MAX, "%s", near[below(r, ARRAY_SIZE(near))]);
	else if (k < 86)
		fill_nonzero(r, field, DEVNSFS_CLASS_MAX);
	else if (k < 90)
		field[0] = '\0';
	else
		fill_nonzero(r, field, 1 + below(r, DEVNSFS_CLASS_MAX - 1));
	len = strnlen(field, DEVNSFS_CLASS_MAX);
	if (len < DEVNSFS_CLASS_MAX - 1 && !below(r, 3))
		fill_nonzero(r, field + len + 1, DEVNSFS_CLASS_MAX - len - 1);
}

static void gen_device(struct rng *r, const struct model *m, struct devnsfs_device *d)
{
	unsigned int flips, i;

	memset(d, 0, sizeof(*d));
	gen_name(r, m, d->name);
	gen_class(r, d->class_name);
	if (!below(r, 20))
		d->flags = 1U << below(r, 32);
	if (!below(r, 30))
		d->__reserved0 = next64(r) | 1;
	if (!below(r, 30))
		d->__reserved[below(r, 4)] = 1ULL << below(r, 64);
	/* Ignored on input: garbage must not matter. */
	if (below(r, 2)) {
		d->major = next64(r);
		d->minor = next64(r);
		d->id = next64(r);
	}
	if (!below(r, 20))
		for (flips = 1 + below(r, 4), i = 0; i < flips; i++)
			((unsigned char *)d)[below(r, sizeof(*d))] ^= 1 << below(r, 8);
}

/* A command number near DEVNSFS_IOC_*: wrong direction, size, type, nr. */
static unsigned long gen_cmd(struct rng *r)
{
	static const unsigned long valid[] = {
		DEVNSFS_IOC_ADD, DEVNSFS_IOC_REMOVE, DEVNSFS_IOC_INFO,
	};
	unsigned int k = below(r, 100), dir, type, nr, size;
	unsigned int sz = sizeof(struct devnsfs_device);

	if (k < 40)
		return valid[0];
	if (k < 62)
		return valid[1];
	if (k < 85)
		return valid[2];
	if (k < 92)
		return valid[below(r, 3)] ^ (1UL << below(r, 32));
	dir = below(r, 4);
	type = below(r, 4) ? DEVNSFS_IOC_MAGIC : DEVNSFS_IOC_MAGIC - 2 + below(r, 5);
	nr = below(r, 4) ? below(r, 8) : below(r, 256);
	switch (below(r, 4)) {
	case 0:
		size = sz;
		break;
	case 1:
		size = sz + below(r, 17) - 8;
		break;
	case 2:
		size = 0;
		break;
	default:
		size = below(r, 1 << 14);
	}
	return _IOC(dir, type, nr, size);
}

/* What the ABI says an input gets, from the model. */
static void predict(const struct model *m, unsigned long cmd, const struct devnsfs_device *d,
		    enum ptr_kind p, bool writable_fd, struct verdict *v)
{
	bool add = cmd == DEVNSFS_IOC_ADD, remove = cmd == DEVNSFS_IOC_REMOVE;
	int i, found;

	v->n = 0;
	if (!add && !remove && cmd != DEVNSFS_IOC_INFO) {
		allow(v, ENOTTY);
		return;
	}
	if (!ptr_readable(p)) {
		allow(v, EFAULT);
		return;
	}
	/* Several faults at once: any of them may be reported first. */
	if (d->flags || d->__reserved0)
		allow(v, EINVAL);
	for (i = 0; i < 4; i++)
		if (d->__reserved[i])
			allow(v, EINVAL);
	if (!name_valid(d->name))
		allow(v, EINVAL);
	if ((add || remove) && !writable_fd)
		allow(v, EBADF);
	if (add && !memchr(d->class_name, '\0', DEVNSFS_CLASS_MAX))
		allow(v, EINVAL);
	else if (add && class_index(d->class_name) < 0)
		allow(v, EOPNOTSUPP);
	if (v->n)
		return;

	found = model_find(m, d->name);
	if (add) {
		i = model_conflict(m, d->name);
		if (i)
			allow(v, i);
		if (m->n >= (int)m->max)
			allow(v, ENOSPC);
		if (v->n)
			return;
		/* The pass-through classes' own refusals (kvm_class is 0 here). */
		if (!strcmp(d->class_name, "kvm")) {
			allow(v, EPERM);
			return;
		}
		if (!strcmp(d->class_name, "host") &&
		    (!d->major || d->major > 4095 || d->minor > 0xfffff)) {
			allow(v, EINVAL);
			return;
		}
		/* Undone when the result cannot be copied back. */
		allow(v, ptr_writable(p) ? 0 : EFAULT);
		/* Out of memory or numbers: allowed, and counted. */
		allow(v, ENOMEM);
		return;
	}
	if (found < 0)
		allow(v, ENOENT);
	else
		allow(v, remove || ptr_writable(p) ? 0 : EFAULT);
}

FIXTURE(ctl) {
	char *dir;
	int ctl, ctl_ro;
	struct arena arena;
	struct model *m;
};

FIXTURE_SETUP(ctl)
{
	char opts[32], path[256];

	self->dir = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	self->m = calloc(1, sizeof(*self->m));
	ASSERT_NE(NULL, self->m);
	self->m->max = INSTANCE_MAX;
	snprintf(opts, sizeof(opts), "max=%u", INSTANCE_MAX);
	self->ctl = mount_instance(self->dir, opts);
	ASSERT_GE(self->ctl, 0);
	self->ctl_ro = open(node_path(path, sizeof(path), self->dir, DEVNSFS_CONTROL_NAME),
			    O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->ctl_ro, 0);
	ASSERT_EQ(0, arena_init(&self->arena));
}

FIXTURE_TEARDOWN(ctl)
{
	close(self->ctl);
	close(self->ctl_ro);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
	free(self->dir);
	if (self->m)
		free(self->m->seen);
	free(self->m);
}

static void dump(struct __test_metadata *_metadata, const void *p, size_t len)
{
	const unsigned char *b = p;
	char line[128];
	size_t i, n;

	for (i = 0; i < len; i += 32) {
		for (n = 0; n < 32 && i + n < len; n++)
			snprintf(line + 2 * n, sizeof(line) - 2 * n, "%02x", b[i + n]);
		TH_LOG("  %04zx: %s", i, line);
	}
}

/*
 * Walks directory rel (relative to the instance's root dir, "" for the
 * root): every node must be a device of the model at its path, every
 * directory hold something. Returns the devices found, or -1.
 */
static int check_tree(struct __test_metadata *_metadata, const char *dir, const char *rel,
		      const struct model *m, int *bad)
{
	char path[512], sub[320];
	int i, n, found = 0, entries = 0;
	struct dirent *e;
	struct stat st;
	DIR *dh;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	dh = opendir(path);
	if (!dh)
		return -1;
	while ((e = readdir(dh))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		entries++;
		if (!*rel && !strcmp(e->d_name, DEVNSFS_CONTROL_NAME))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, sub);
		if (lstat(path, &st)) {
			TH_LOG("readdir lists %s, lstat fails", sub);
			(*bad)++;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			n = check_tree(_metadata, dir, sub, m, bad);
			if (n < 0) {
				closedir(dh);
				return -1;
			}
			found += n;
			continue;
		}
		found++;
		i = model_find(m, sub);
		if (i < 0) {
			TH_LOG("readdir lists %s, which the model lacks", sub);
			(*bad)++;
			continue;
		}
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(m->e[i].major, m->e[i].minor)) {
			TH_LOG("%s: not the character device %u:%u", path, m->e[i].major,
			       m->e[i].minor);
			(*bad)++;
		}
	}
	closedir(dh);
	if (*rel && !entries) {
		TH_LOG("directory %s is empty, not pruned", rel);
		(*bad)++;
	}
	return found;
}

/* Compares the model with INFO of every name it knows and with readdir. */
static int check_model(struct __test_metadata *_metadata, const char *dir, int ctl,
		       const struct model *m)
{
	struct devnsfs_device d;
	char name[DEVNSFS_NAME_MAX];
	int i, listed, bad = 0, ret;

	for (i = 0; i < m->n; i++) {
		const struct entry *x = &m->e[i];

		dev_init(&d, x->name, NULL);
		ret = ctl_call(ctl, DEVNSFS_IOC_INFO, &d);
		if (ret || strcmp(d.class_name, classes[x->cls]) || d.major != x->major ||
		    d.minor != x->minor || d.id != x->id) {
			TH_LOG("model: %s %s %u:%u id %llu; INFO: %d %s %u:%u id %llu", x->name,
			       classes[x->cls], x->major, x->minor, (unsigned long long)x->id,
			       ret, d.class_name, d.major, d.minor, (unsigned long long)d.id);
			bad++;
		}
	}
	for (i = 0; i < POOL; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		if (model_find(m, name) >= 0)
			continue;
		dev_init(&d, name, NULL);
		ret = ctl_call(ctl, DEVNSFS_IOC_INFO, &d);
		if (ret != -ENOENT) {
			TH_LOG("%s is not in the model; INFO: %d", name, ret);
			bad++;
		}
	}
	listed = check_tree(_metadata, dir, "", m, &bad);
	if (listed < 0)
		return -1;
	if (listed != m->n) {
		TH_LOG("the tree holds %d devices, the model has %d", listed, m->n);
		bad++;
	}
	return bad;
}

/* Applies a successful call to the model; false if its result is wrong. */
static bool apply(struct __test_metadata *_metadata, struct model *m, unsigned long cmd,
		  const struct devnsfs_device *in, const struct devnsfs_device *out)
{
	char want[DEVNSFS_CLASS_MAX] = "";
	uint32_t major, minor;
	struct entry *x;
	int i = model_find(m, in->name);

	if (cmd == DEVNSFS_IOC_REMOVE) {
		m->e[i] = m->e[--m->n];
		return true;
	}
	/* ADD and INFO write back the name as given and the class. */
	if (memcmp(out->name, in->name, DEVNSFS_NAME_MAX)) {
		TH_LOG("the name field changed");
		return false;
	}
	if (cmd == DEVNSFS_IOC_INFO) {
		x = &m->e[i];
		snprintf(want, sizeof(want), "%s", classes[x->cls]);
		if (memcmp(out->class_name, want, DEVNSFS_CLASS_MAX) || out->major != x->major ||
		    out->minor != x->minor || out->id != x->id) {
			TH_LOG("INFO %s: %s %u:%u id %llu, added as %s %u:%u id %llu", x->name,
			       out->class_name, out->major, out->minor,
			       (unsigned long long)out->id, want, x->major, x->minor,
			       (unsigned long long)x->id);
			return false;
		}
		return true;
	}
	snprintf(want, sizeof(want), "%s", in->class_name);
	if (memcmp(out->class_name, want, DEVNSFS_CLASS_MAX)) {
		TH_LOG("ADD %s: class %.16s, asked for %s", in->name, out->class_name, want);
		return false;
	}
	if (passthrough_number(want, in, &major, &minor)) {
		if (out->major != major || out->minor != minor || out->id <= m->last_id) {
			TH_LOG("ADD %s %s: number %u:%u id %llu, want %u:%u after id %llu", in->name,
			       want, out->major, out->minor, (unsigned long long)out->id, major,
			       minor, (unsigned long long)m->last_id);
			return false;
		}
	} else if (out->id <= m->last_id || !seen_once(m, out->major, out->minor)) {
		TH_LOG("ADD %s: id %llu after %llu, number %u:%u", in->name,
		       (unsigned long long)out->id, (unsigned long long)m->last_id,
		       out->major, out->minor);
		return false;
	}
	m->last_id = out->id;
	x = &m->e[m->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", in->name);
	x->cls = class_index(in->class_name);
	x->major = out->major;
	x->minor = out->minor;
	x->id = out->id;
	return true;
}

enum ctl_kind { K_ADD, K_REMOVE, K_INFO, K_OTHER_CMD, K_UNLINK, K_REMOUNT_MAX, CTL_KINDS };

/* unlink(2) of a node: the other way to remove a device. */
static int fuzz_unlink(struct rng *r, const char *dir, struct model *m, struct verdict *v)
{
	char name[DEVNSFS_NAME_MAX], path[512];
	int i;

	if (m->n && below(r, 2))
		snprintf(name, sizeof(name), "%s", m->e[below(r, m->n)].name);
	else if (below(r, 8))
		snprintf(name, sizeof(name), "d%u", below(r, POOL));
	else
		snprintf(name, sizeof(name), "%s", DEVNSFS_CONTROL_NAME);
	v->n = 0;
	i = model_find(m, name);
	/* Only devices in the root go by unlink(2); a directory is EISDIR. */
	allow(v, !strcmp(name, DEVNSFS_CONTROL_NAME) || strchr(name, '/') ? EPERM :
		 i >= 0 ? 0 : model_conflict(m, name) ? EISDIR : ENOENT);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path))
		return errno;
	if (i >= 0)
		m->e[i] = m->e[--m->n];
	return 0;
}

TEST_F_TIMEOUT(ctl, control_abi_matches_the_model, 3000)
{
	unsigned long total = soak_count(20000, 1000000), iter, cmd;
	struct tally kinds[CTL_KINDS] = {
		{ "add" }, { "remove" }, { "info" }, { "other_cmd" }, { "unlink" },
		{ "remount_max" },
	};
	struct tally ptrs[PTRS];
	struct devnsfs_device d, out;
	uint64_t seed = fuzz_seed();
	struct rng r = { seed };
	struct model *m = self->m;
	struct verdict v;
	enum ptr_kind p;
	char want[64], opts[32];
	bool wfd;
	void *arg;
	int err, k, i;

	TH_LOG("seed %llu (DEVNSFS_FUZZ_SEED), %lu inputs", (unsigned long long)seed, total);
	for (i = 0; i < PTRS; i++)
		ptrs[i] = (struct tally){ ptr_names[i] };
	for (m->seen_cap = 1024; m->seen_cap < 2 * total; m->seen_cap *= 2)
		;
	m->seen = calloc(m->seen_cap, sizeof(*m->seen));
	ASSERT_NE(NULL, m->seen);

	for (iter = 1; iter <= total; iter++) {
		k = below(&r, 1000);
		if (k < 15) {
			err = fuzz_unlink(&r, self->dir, m, &v);
			tally(&kinds[K_UNLINK], err);
			ASSERT_TRUE(allowed(&v, err)) {
				verdict_str(&v, want, sizeof(want));
				TH_LOG("seed %llu input %lu: unlink: %s, want %s",
				       (unsigned long long)seed, iter, strerror(err), want);
			}
			continue;
		}
		if (k < 17) {
			/* A new ceiling: lowering it keeps devices, refuses new. */
			m->max = below(&r, INSTANCE_MAX + 1);
			snprintf(opts, sizeof(opts), "max=%u", m->max);
			err = mount("none", self->dir, NULL, MS_REMOUNT, opts) ? errno : 0;
			tally(&kinds[K_REMOUNT_MAX], err);
			ASSERT_EQ(0, err);
			continue;
		}
		gen_device(&r, m, &d);
		cmd = gen_cmd(&r);
		p = below(&r, 100);
		p = p < 70 ? PTR_RW : p < 76 ? PTR_EDGE : p < 84 ? PTR_RO : p < 88 ? PTR_STRADDLE :
		    p < 92 ? PTR_UNMAPPED : p < 96 ? PTR_NULL : PTR_KERNEL;
		wfd = below(&r, 10);
		predict(m, cmd, &d, p, wfd, &v);
		arg = place(&self->arena, &r, p, &d);
		ASSERT_TRUE(arg || p == PTR_NULL) {
			TH_LOG("no unmapped page to point at");
		}
		err = ioctl(wfd ? self->ctl : self->ctl_ro, cmd, arg) ? errno : 0;

		k = cmd == DEVNSFS_IOC_ADD ? K_ADD : cmd == DEVNSFS_IOC_REMOVE ? K_REMOVE :
		    cmd == DEVNSFS_IOC_INFO ? K_INFO : K_OTHER_CMD;
		tally(&kinds[k], err);
		tally(&ptrs[p], err);
		ASSERT_TRUE(allowed(&v, err)) {
			verdict_str(&v, want, sizeof(want));
			TH_LOG("seed %llu input %lu: cmd %#lx %s fd %s: %s, want %s",
			       (unsigned long long)seed, iter, cmd, ptr_names[p],
			       wfd ? "rw" : "ro", err ? strerrorname_np(err) : "0", want);
			dump(_metadata, &d, sizeof(d));
		}
		if (!err) {
			memcpy(&out, arg, sizeof(out));
			ASSERT_TRUE(apply(_metadata, m, cmd, &d, &out)) {
				TH_LOG("seed %llu input %lu", (unsigned long long)seed, iter);
			}
		}
		if (iter % BATCH == 0 || iter == total) {
			err = check_model(_metadata, self->dir, self->ctl, m);
			ASSERT_EQ(0, err) {
				TH_LOG("seed %llu after input %lu", (unsigned long long)seed, iter);
			}
		}
	}
	print_tallies(_metadata, kinds, CTL_KINDS);
	print_tallies(_metadata, ptrs, PTRS);
	/* The mix reached every outcome the ABI has. */
	EXPECT_LT(0, kinds[K_ADD].errs[0]);
	EXPECT_LT(0, kinds[K_ADD].errs[EEXIST]);
	EXPECT_LT(0, kinds[K_ADD].errs[ENOTDIR]);
	EXPECT_LT(0, kinds[K_ADD].errs[ENOSPC]);
	EXPECT_LT(0, kinds[K_ADD].errs[EOPNOTSUPP]);
	EXPECT_LT(0, kinds[K_ADD].errs[EBADF]);
	EXPECT_LT(0, kinds[K_REMOVE].errs[0]);
	EXPECT_LT(0, kinds[K_REMOVE].errs[ENOENT]);
	EXPECT_LT(0, kinds[K_INFO].errs[EINVAL]);
	EXPECT_LT(0, kinds[K_OTHER_CMD].errs[ENOTTY]);
	EXPECT_LT(0, ptrs[PTR_RO].errs[EFAULT]);
	EXPECT_LT(0, ptrs[PTR_STRADDLE].errs[EFAULT]);
}

/* ---- Mount options ---- */

enum key { KEY_UID, KEY_GID, KEY_MODE, KEY_CTLMODE, KEY_MAX, KEYS };

static const char * const keys[KEYS] = { "uid", "gid", "mode", "ctlmode", "max" };
/* fsparam_uid/gid/u32 take any base (0x.., 0..); mode and ctlmode octal. */
static const unsigned int key_base[KEYS] = { 0, 0, 8, 8, 0 };

/*
 * Keys the VFS or an LSM takes before devnsfs sees them (sb flags,
 * "source", security labels): garbage keys avoid them.
 */
static const char * const vfs_keys[] = {
	"ro", "rw", "sync", "async", "dirsync", "lazytime", "nolazytime", "mand",
	"nomand", "posixacl", "silent", "source", "context", "fscontext",
	"defcontext", "rootcontext", "seclabel",
};

/* Options as devnsfs's parser leaves them. */
struct mopts {
	bool has[KEYS];
	uint32_t v[KEYS];
};

/* lib/kstrtox.c's kstrtouint(), as fs_param_is_u32() calls it. */
static bool kstrtou32(const char *s, unsigned int base, uint32_t *out)
{
	unsigned long long res = 0;
	unsigned int digits = 0, val;
	bool overflow = false;

	if (*s == '+')
		s++;
	if (base == 0) {
		if (s[0] == '0' && tolower(s[1]) == 'x' && isxdigit((unsigned char)s[2]))
			base = 16;
		else
			base = s[0] == '0' ? 8 : 10;
	}
	if (base == 16 && s[0] == '0' && tolower(s[1]) == 'x')
		s += 2;
	for (;; s++, digits++) {
		if (*s >= '0' && *s <= '9')
			val = *s - '0';
		else if (tolower(*s) >= 'a' && tolower(*s) <= 'f')
			val = tolower(*s) - 'a' + 10;
		else
			break;
		if (val >= base)
			break;
		if (res > (~0ULL - val) / base)
			overflow = true;
		res = res * base + val;
	}
	if (overflow || !digits)
		return false;
	if (*s == '\n')
		s++;
	if (*s || res > UINT32_MAX)
		return false;
	*out = res;
	return true;
}

static int key_index(const char *key)
{
	int i;

	for (i = 0; i < KEYS; i++)
		if (!strcmp(key, keys[i]))
			return i;
	return -1;
}

/* One parameter (value NULL: a flag): accepted or EINVAL, as fs_parse() decides. */
static bool parse_param(struct mopts *o, const char *key, const char *value,
		       unsigned int max_devices)
{
	int k = key_index(key);
	uint32_t v;

	if (k < 0 || !value || !kstrtou32(value, key_base[k], &v))
		return false;
	/* (uid_t)-1 is no uid; every other one is mapped in the host's namespace. */
	if ((k == KEY_UID || k == KEY_GID) && v == UINT32_MAX)
		return false;
	if ((k == KEY_MODE || k == KEY_CTLMODE) && v > 0777)
		return false;
	if (k == KEY_MAX && v > max_devices)
		return false;
	o->has[k] = true;
	o->v[k] = v;
	return true;
}

/* mount(2)'s data, split as vfs_parse_monolithic_sep() splits it. */
static bool parse_data(struct mopts *o, const char *data, unsigned int max_devices)
{
	char *copy = strdup(data), *rest = copy, *tok, *value;
	bool ok = true;

	while (ok && (tok = strsep(&rest, ","))) {
		if (!*tok)
			continue;
		value = strchr(tok, '=');
		if (value == tok)
			continue;
		if (value)
			*value++ = '\0';
		ok = parse_param(o, tok, value, max_devices);
	}
	free(copy);
	return ok;
}

/* Settings of an instance, and mountinfo's line for them. */
struct settings {
	bool explicit_uid, explicit_gid;
	uint32_t uid, gid, mode, ctlmode, max;
};

static struct settings settings_of(const struct mopts *o, unsigned int max_devices)
{
	return (struct settings){
		.explicit_uid = o->has[KEY_UID], .explicit_gid = o->has[KEY_GID],
		.uid = o->has[KEY_UID] ? o->v[KEY_UID] : 0,
		.gid = o->has[KEY_GID] ? o->v[KEY_GID] : 0,
		.mode = o->has[KEY_MODE] ? o->v[KEY_MODE] : 0600,
		.ctlmode = o->has[KEY_CTLMODE] ? o->v[KEY_CTLMODE] : 0600,
		.max = o->has[KEY_MAX] ? o->v[KEY_MAX] : max_devices,
	};
}

static void show_options(const struct settings *s, unsigned int max_devices, char *buf,
			 size_t len)
{
	size_t n = snprintf(buf, len, "rw");

	if (s->explicit_uid)
		n += snprintf(buf + n, len - n, ",uid=%u", s->uid);
	if (s->explicit_gid)
		n += snprintf(buf + n, len - n, ",gid=%u", s->gid);
	if (s->mode != 0600)
		n += snprintf(buf + n, len - n, ",mode=%04o", s->mode);
	if (s->ctlmode != 0600)
		n += snprintf(buf + n, len - n, ",ctlmode=%04o", s->ctlmode);
	if (s->max != max_devices)
		snprintf(buf + n, len - n, ",max=%u", s->max);
}


static void gen_garbage_key(struct rng *r, char *buf, size_t len)
{
	static const char * const near[] = {
		"Mode", "MODE", "modes", "mod", "ctl_mode", "ctlmod", "uid ", " uid",
		"nomax", "max2", "maxx", "gidd", "u", "id", "newinstance", "size",
		"nr_inodes", "ptmxmode", "mode\n",
	};
	size_t n, i;

	/* Not a key of the VFS, nor of devnsfs (nor "std": a flag the model leaves out). */
	do {
		if (below(r, 2)) {
			snprintf(buf, len, "%s", near[below(r, ARRAY_SIZE(near))]);
		} else {
			n = 1 + below(r, 12);
			for (i = 0; i < n && i < len - 1; i++)
				buf[i] = 'a' + below(r, 26);
			buf[i] = '\0';
		}
		for (i = 0; i < ARRAY_SIZE(vfs_keys); i++)
			if (!strcmp(buf, vfs_keys[i]))
				break;
	} while (i < ARRAY_SIZE(vfs_keys) || key_index(buf) >= 0 || !strcmp(buf, "std"));
}

/* A value for key k: often valid, in every base the parser takes, or not. */
static void gen_value(struct rng *r, int k, unsigned int max_devices, char *buf, size_t len)
{
	static const char * const odd[] = {
		"", "-1", "+", "0x", "08", "0x1g", " 1", "1 ", "1\n", "1\n\n", "4294967295",
		"4294967296", "99999999999999999999", "0777", "01000", "0o7", "1e3",
		"0X1F", "+0x10", "00000000000000000000000000000000000001", "\t", "=",
	};
	uint32_t v;
	size_t n, i;

	switch (below(r, 12)) {
	case 0 ... 5:
		/* In range for the key. */
		v = k == KEY_MAX ? below(r, max_devices + 1) :
		    k >= KEY_MODE ? below(r, 01000) : below(r, 70000);
		switch (below(r, 4)) {
		case 0:
			snprintf(buf, len, k >= KEY_MODE ? "%o" : "%u", v);
			break;
		case 1:
			snprintf(buf, len, k >= KEY_MODE ? "0%o" : "0x%x", v);
			break;
		case 2:
			snprintf(buf, len, "+%o", v);
			break;
		default:
			snprintf(buf, len, "0%o\n", v);
		}
		break;
	case 6:
		snprintf(buf, len, "%u", (uint32_t)next64(r) >> below(r, 32));
		break;
	case 7: case 8:
		snprintf(buf, len, "%s", odd[below(r, ARRAY_SIZE(odd))]);
		break;
	case 9: case 10:
		/* A valid value with one byte changed, dropped or added. */
		gen_value(r, k, max_devices, buf, len);
		n = strlen(buf);
		i = below(r, n + 1);
		switch (below(r, 3)) {
		case 0:
			if (n)
				buf[i < n ? i : n - 1] = 33 + below(r, 94);
			break;
		case 1:
			if (i < n)
				memmove(buf + i, buf + i + 1, n - i);
			break;
		default:
			if (n + 1 < len) {
				memmove(buf + i + 1, buf + i, n - i + 1);
				buf[i] = 33 + below(r, 94);
			}
		}
		break;
	default:
		n = below(r, 12);
		for (i = 0; i < n && i < len - 1; i++)
			buf[i] = 32 + below(r, 95);
		buf[i] = '\0';
	}
}

/* A key for fsconfig() or mount(2): mostly devnsfs's, at times garbage. */
static void gen_key(struct rng *r, char *buf, size_t len)
{
	if (below(r, 20))
		snprintf(buf, len, "%s", keys[below(r, KEYS)]);
	else
		gen_garbage_key(r, buf, len);
}

static void gen_data(struct rng *r, unsigned int max_devices, char *buf, size_t len)
{
	char key[32], value[64];
	unsigned int n = below(r, 6), i;
	size_t used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len - 100; i++) {
		gen_key(r, key, sizeof(key));
		if (!below(r, 15)) {
			/* A bare key (a flag), an empty item or "=value". */
			used += snprintf(buf + used, len - used, "%s%s", i ? "," : "",
					 below(r, 3) ? key : below(r, 2) ? "" : "=1");
			continue;
		}
		gen_value(r, key_index(key) < 0 ? KEY_MAX : key_index(key), max_devices, value,
			  sizeof(value));
		used += snprintf(buf + used, len - used, "%s%s=%s", i ? "," : "", key, value);
	}
}

/* The probe device's node, made through ctl: owner and mode= or max=0. */
static int check_instance(struct __test_metadata *_metadata, int root, int ctl,
			  const struct settings *s)
{
	struct stat st;
	int err;

	if (fstat(ctl, &st) || (st.st_mode & 07777) != s->ctlmode || st.st_uid != s->uid ||
	    st.st_gid != s->gid) {
		TH_LOG("control node %o %u:%u, want %o %u:%u", st.st_mode & 07777, st.st_uid,
		       st.st_gid, s->ctlmode, s->uid, s->gid);
		return -1;
	}
	err = ctl_add(ctl, "probe", "null", NULL);
	if (s->max == 0) {
		if (err != -ENOSPC)
			TH_LOG("ADD with max=0: %d", err);
		return err == -ENOSPC ? 0 : -1;
	}
	if (err || fstatat(root, "probe", &st, AT_SYMLINK_NOFOLLOW) ||
	    (st.st_mode & 07777) != s->mode || st.st_uid != s->uid || st.st_gid != s->gid) {
		TH_LOG("probe: %d, node %o %u:%u, want %o %u:%u", err, st.st_mode & 07777,
		       st.st_uid, st.st_gid, s->mode, s->uid, s->gid);
		return -1;
	}
	return 0;
}

static unsigned int max_devices_param(void)
{
	char buf[32] = "";
	int fd = open("/sys/module/devnsfs/parameters/max_devices", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 4096;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = '\0';
	close(fd);
	return buf[0] ? atoi(buf) : 4096;
}

enum mount_kind {
	M_MOUNT, M_FSCONFIG_FLAG, M_FSCONFIG_STRING, M_FSCONFIG_BINARY, M_FSCONFIG_PATH,
	M_FSCONFIG_PATH_EMPTY, M_FSCONFIG_FD, M_FSCONFIG_BAD, M_FSCONFIG_AFTER_CREATE,
	M_REMOUNT, M_FSPICK, MOUNT_KINDS
};

/* One fsconfig() of a random type; returns the errno, predicted in v. */
static int fuzz_fsconfig(struct rng *r, int fsfd, struct mopts *o, unsigned int max_devices,
			 enum mount_kind *kind, struct verdict *v)
{
	char key[32], value[300], blob[64];
	int cmd, aux = 0, k;
	const char *val = NULL;
	const char *keyp = key;

	gen_key(r, key, sizeof(key));
	k = key_index(key);
	v->n = 0;
	switch (below(r, 12)) {
	case 0:
		*kind = M_FSCONFIG_FLAG;
		cmd = FSCONFIG_SET_FLAG;
		allow(v, EINVAL);
		break;
	case 1:
		*kind = M_FSCONFIG_BINARY;
		cmd = FSCONFIG_SET_BINARY;
		fill_nonzero(r, blob, sizeof(blob));
		val = blob;
		aux = 1 + below(r, sizeof(blob));
		allow(v, EINVAL);
		break;
	case 2:
		*kind = M_FSCONFIG_PATH;
		cmd = FSCONFIG_SET_PATH;
		val = "/tmp";
		aux = AT_FDCWD;
		allow(v, EINVAL);
		break;
	case 3:
		*kind = M_FSCONFIG_PATH_EMPTY;
		cmd = FSCONFIG_SET_PATH_EMPTY;
		val = "";
		aux = fsfd;
		allow(v, EINVAL);
		break;
	case 4:
		*kind = M_FSCONFIG_FD;
		cmd = FSCONFIG_SET_FD;
		aux = below(r, 2) ? fsfd : 100000;
		allow(v, aux == fsfd ? EINVAL : EBADF);
		break;
	case 5:
		/* Malformed calls: the syscall refuses them itself. */
		*kind = M_FSCONFIG_BAD;
		switch (below(r, 5)) {
		case 0:
			cmd = FSCONFIG_SET_STRING;
			keyp = NULL;
			val = "1";
			allow(v, EINVAL);
			break;
		case 1:
			cmd = FSCONFIG_SET_STRING;
			allow(v, EINVAL);
			break;
		case 2:
			cmd = FSCONFIG_SET_STRING;
			val = "1";
			aux = 1 + below(r, 100);
			allow(v, EINVAL);
			break;
		case 3:
			cmd = 9 + below(r, 1000);
			allow(v, EOPNOTSUPP);
			break;
		default:
			cmd = FSCONFIG_SET_STRING;
			/* Longer than the 256 bytes fsconfig() copies. */
			memset(value, '1', 299);
			value[299] = '\0';
			val = value;
			allow(v, EINVAL);
		}
		break;
	default:
		*kind = M_FSCONFIG_STRING;
		cmd = FSCONFIG_SET_STRING;
		gen_value(r, k < 0 ? KEY_MAX : k, max_devices, value, sizeof(value));
		val = value;
		allow(v, parse_param(o, key, value, max_devices) ? 0 : EINVAL);
	}
	return fsconfig(fsfd, cmd, keyp, val, aux) ? errno : 0;
}

/*
 * After a remount, refused or not: the model takes what a successful one
 * changed, and mountinfo and the control node's mode agree with it.
 */
static int remounted(struct __test_metadata *_metadata, const char *dir, struct settings *kept,
		     const struct mopts *o, int err, unsigned int max_devices)
{
	char want[512], got[512], path[256];
	struct stat st;

	if (!err) {
		kept->mode = o->has[KEY_MODE] ? o->v[KEY_MODE] : kept->mode;
		kept->ctlmode = o->has[KEY_CTLMODE] ? o->v[KEY_CTLMODE] : kept->ctlmode;
		kept->max = o->has[KEY_MAX] ? o->v[KEY_MAX] : kept->max;
	}
	show_options(kept, max_devices, want, sizeof(want));
	if (super_options(dir, got, sizeof(got)) || strcmp(want, got)) {
		TH_LOG("mountinfo: %s, model: %s", got, want);
		return -1;
	}
	if (stat(node_path(path, sizeof(path), dir, DEVNSFS_CONTROL_NAME), &st) ||
	    (st.st_mode & 07777) != kept->ctlmode) {
		TH_LOG("control node mode %o, model %o", st.st_mode & 07777, kept->ctlmode);
		return -1;
	}
	return 0;
}

FIXTURE(opts) {
	char *dir;		/* new mounts */
	char *keep;		/* the instance that is remounted */
	char path[256];
};

FIXTURE_SETUP(opts)
{
	self->dir = make_mountpoint();
	self->keep = make_mountpoint();
	ASSERT_NE(NULL, self->dir);
	ASSERT_NE(NULL, self->keep);
}

FIXTURE_TEARDOWN(opts)
{
	umount2(self->dir, MNT_DETACH);
	umount2(self->keep, MNT_DETACH);
	rmdir(self->dir);
	rmdir(self->keep);
	free(self->dir);
	free(self->keep);
}

#define FAIL_INPUT(fmt, ...) \
	TH_LOG("seed %llu input %lu: " fmt, (unsigned long long)seed, iter, ##__VA_ARGS__)

TEST_F_TIMEOUT(opts, mount_options_match_the_model, 3000)
{
	unsigned long total = soak_count(500, 20000), iter;
	unsigned int max_devices = max_devices_param();
	struct tally kinds[MOUNT_KINDS] = {
		{ "mount" }, { "fsconfig_flag" }, { "fsconfig_string" }, { "fsconfig_binary" },
		{ "fsconfig_path" }, { "fsconfig_path_empty" }, { "fsconfig_fd" },
		{ "fsconfig_malformed" }, { "fsconfig_after_create" }, { "remount" },
		{ "fspick_reconfigure" },
	};
	uint64_t seed = fuzz_seed() ^ 0x6d6f756e74ULL;
	struct rng r = { seed };
	struct settings kept, s;
	char data[1024], want[512], got[512], verdict[64];
	enum mount_kind kind;
	struct verdict v;
	struct mopts o;
	int err, ctl, fsfd, mfd, root, calls, i;

	TH_LOG("seed %llu (DEVNSFS_FUZZ_SEED ^ 0x6d6f756e74), %lu inputs, max_devices %u",
	       (unsigned long long)seed, total, max_devices);
	ASSERT_EQ(0, mount("none", self->keep, "devnsfs", 0, NULL));
	memset(&o, 0, sizeof(o));
	kept = settings_of(&o, max_devices);

	for (iter = 1; iter <= total; iter++) {
		memset(&o, 0, sizeof(o));
		switch (below(&r, 20)) {
		case 0 ... 7:
			/* mount(2) of a new instance with a data string. */
			gen_data(&r, max_devices, data, sizeof(data));
			err = mount("none", self->dir, "devnsfs", 0, data) ? errno : 0;
			tally(&kinds[M_MOUNT], err);
			ASSERT_EQ(parse_data(&o, data, max_devices) ? 0 : EINVAL, err) {
				FAIL_INPUT("mount -o '%s': %s", data, strerror(err));
			}
			if (err)
				break;
			s = settings_of(&o, max_devices);
			show_options(&s, max_devices, want, sizeof(want));
			ASSERT_EQ(0, super_options(self->dir, got, sizeof(got)));
			ASSERT_STREQ(want, got) {
				FAIL_INPUT("mount -o '%s'", data);
			}
			ctl = open(node_path(self->path, sizeof(self->path), self->dir,
					     DEVNSFS_CONTROL_NAME), O_RDWR | O_CLOEXEC);
			root = open(self->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
			ASSERT_GE(ctl, 0);
			ASSERT_GE(root, 0);
			err = check_instance(_metadata, root, ctl, &s);
			close(root);
			close(ctl);
			ASSERT_EQ(0, err) {
				FAIL_INPUT("mount -o '%s'", data);
			}
			ASSERT_EQ(0, umount2(self->dir, 0));
			break;
		case 8 ... 12:
			/* An fsopen() session: parameters of every type, then a mount. */
			fsfd = fsopen("devnsfs", FSOPEN_CLOEXEC);
			ASSERT_GE(fsfd, 0);
			for (calls = 1 + below(&r, 5), i = 0; i < calls; i++) {
				err = fuzz_fsconfig(&r, fsfd, &o, max_devices, &kind, &v);
				tally(&kinds[kind], err);
				ASSERT_TRUE(allowed(&v, err)) {
					verdict_str(&v, verdict, sizeof(verdict));
					FAIL_INPUT("fsconfig %s: %s, want %s", kinds[kind].kind,
						   strerror(err), verdict);
				}
			}
			/* Refused parameters are dropped: the session still creates. */
			ASSERT_EQ(0, fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
				FAIL_INPUT("create: %s", strerror(errno));
			}
			err = fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "0600", 0) ? errno : 0;
			tally(&kinds[M_FSCONFIG_AFTER_CREATE], err);
			EXPECT_EQ(EBUSY, err);
			mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
			ASSERT_GE(mfd, 0);
			/* A detached mount: its nodes through the mount's fd. */
			ctl = openat(mfd, DEVNSFS_CONTROL_NAME, O_RDWR | O_CLOEXEC);
			ASSERT_GE(ctl, 0);
			s = settings_of(&o, max_devices);
			err = check_instance(_metadata, mfd, ctl, &s);
			close(ctl);
			close(mfd);
			close(fsfd);
			ASSERT_EQ(0, err) {
				FAIL_INPUT("an fsopen() session");
			}
			break;
		case 13 ... 17:
			/* mount -o remount: mode, ctlmode, max change; uid, gid cannot. */
			gen_data(&r, max_devices, data, sizeof(data));
			err = mount("none", self->keep, NULL, MS_REMOUNT, data) ? errno : 0;
			tally(&kinds[M_REMOUNT], err);
			i = parse_data(&o, data, max_devices) ? 0 : EINVAL;
			if (!i && ((o.has[KEY_UID] && o.v[KEY_UID] != kept.uid) ||
				   (o.has[KEY_GID] && o.v[KEY_GID] != kept.gid)))
				i = EINVAL;
			ASSERT_EQ(i, err) {
				FAIL_INPUT("remount -o '%s': %s", data, strerror(err));
			}
			ASSERT_EQ(0, remounted(_metadata, self->keep, &kept, &o, err, max_devices)) {
				FAIL_INPUT("remount -o '%s'", data);
			}
			break;
		default:
			/* The same through fspick() and FSCONFIG_CMD_RECONFIGURE. */
			fsfd = fspick(AT_FDCWD, self->keep, FSPICK_CLOEXEC);
			ASSERT_GE(fsfd, 0);
			for (calls = 1 + below(&r, 4), i = 0; i < calls; i++) {
				err = fuzz_fsconfig(&r, fsfd, &o, max_devices, &kind, &v);
				tally(&kinds[kind], err);
				ASSERT_TRUE(allowed(&v, err)) {
					verdict_str(&v, verdict, sizeof(verdict));
					FAIL_INPUT("fspick fsconfig %s: %s, want %s",
						   kinds[kind].kind, strerror(err), verdict);
				}
			}
			err = fsconfig(fsfd, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) ? errno : 0;
			close(fsfd);
			tally(&kinds[M_FSPICK], err);
			i = (o.has[KEY_UID] && o.v[KEY_UID] != kept.uid) ||
			    (o.has[KEY_GID] && o.v[KEY_GID] != kept.gid) ? EINVAL : 0;
			ASSERT_EQ(i, err) {
				FAIL_INPUT("reconfigure: %s", strerror(err));
			}
			ASSERT_EQ(0, remounted(_metadata, self->keep, &kept, &o, err, max_devices)) {
				FAIL_INPUT("reconfigure");
			}
		}
	}
	print_tallies(_metadata, kinds, MOUNT_KINDS);
	EXPECT_LT(0, kinds[M_MOUNT].errs[0]);
	EXPECT_LT(0, kinds[M_MOUNT].errs[EINVAL]);
	EXPECT_LT(0, kinds[M_REMOUNT].errs[0]);
	EXPECT_LT(0, kinds[M_REMOUNT].errs[EINVAL]);
	EXPECT_LT(0, kinds[M_FSCONFIG_STRING].errs[0]);
	EXPECT_LT(0, kinds[M_FSCONFIG_STRING].errs[EINVAL]);
	ASSERT_EQ(0, umount2(self->keep, 0));
}

TEST_HARNESS_MAIN
