// SPDX-License-Identifier: GPL-2.0
/*
 * devnsctl, the command-line tool (tools/devnsctl), run for real: in an
 * unprivileged container its add, ls, info and rm with --json report what
 * the kernel's INFO reports, its errors name the errno and the documented
 * reason, its monitor prints the container's uevents, its mount shows the
 * kernel's own message for a bad option, and host root reaches a
 * container's /dev with --pid. make check builds the binary on the host;
 * its unit tests (argument parsing, output formats) run there too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "utils.h"

/* The binary make check built, found from the tree the guest runs. */
static const char *devnsctl_path(void)
{
	static char path[512];
	const char *top = getenv("DEVNSFS_TOP");

	snprintf(path, sizeof(path), "%s/tools/devnsctl/target/release/devnsctl",
		 top ? top : "..");
	return path;
}

struct proc {
	pid_t pid;
	int out, err;
};

/* Starts devnsctl with args (NULL-terminated), stdout and stderr piped. */
static int spawn(struct proc *p, const char *const *args)
{
	const char *argv[32] = { "devnsctl" };
	int out[2], err[2], i;

	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(devnsctl_path(), (char *const *)argv);
		dprintf(2, "exec %s: %s\n", devnsctl_path(), strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	p->out = out[0];
	p->err = err[0];
	return 0;
}

/* Reads fd to EOF (or timeout_ms of silence) into buf, NUL-terminated. */
static void slurp(int fd, char *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && poll(&pfd, 1, timeout_ms) == 1) {
		r = read(fd, buf + n, len - 1 - n);
		if (r <= 0)
			break;
		n += r;
	}
	buf[n] = '\0';
}

/* One line from fd (without waiting for more), NUL-terminated. */
static void read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	while (n + 1 < len && poll(&pfd, 1, timeout_ms) == 1 && read(fd, buf + n, 1) == 1)
		if (buf[n++] == '\n')
			break;
	buf[n] = '\0';
}

/* Exit status of p (after its pipes are read), or -1. */
static int reap(struct proc *p)
{
	int status;

	close(p->out);
	close(p->err);
	if (waitpid(p->pid, &status, 0) != p->pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct result {
	int status;
	char out[8192];
	char err[4096];
};

static int run(struct result *r, const char *const *args)
{
	struct proc p;

	r->out[0] = r->err[0] = '\0';
	if (spawn(&p, args))
		return r->status = -1;
	slurp(p.out, r->out, sizeof(r->out), 20000);
	slurp(p.err, r->err, sizeof(r->err), 20000);
	return r->status = reap(&p);
}

#define DEVNSCTL(r, ...) run(r, (const char *const[]){ __VA_ARGS__, NULL })

/* The JSON object devnsctl prints for a device, from the kernel's INFO. */
static int device_json(int ctl, const char *name, const char *kind, char *buf, size_t len)
{
	struct devnsfs_device d;

	dev_init(&d, name, NULL);
	if (ctl_call(ctl, DEVNSFS_IOC_INFO, &d))
		return -1;
	snprintf(buf, len,
		 "{\"name\":\"%s\",\"class\":\"%s\",\"major\":%u,\"minor\":%u,\"id\":%llu,\"kind\":\"%s\"}",
		 name, d.class_name, d.major, d.minor, (unsigned long long)d.id, kind);
	return 0;
}

/* Whether hay holds want; NULL wants nothing. */
static int holds(const char *hay, const char *want)
{
	return !want || strstr(hay, want);
}

/* Expects status and, when want is not NULL, that much of stream. */
#define CHECK(r, st, stream, want, what)                                                  \
	do {                                                                              \
		if ((r)->status != (st) || !holds((r)->stream, (want)))                   \
			return fail_msg(msg, len, EINVAL, "%s: status %d, stdout %.80s, "  \
					"stderr %.80s", what, (r)->status, (r)->out,      \
					(r)->err);                                         \
	} while (0)

/* In the container: add, ls, info and rm, as JSON and text. */
static int container_queries(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char ctl_path[256], want[2048], null_json[256], card_json[256], tun_json[256];
	struct result *r = calloc(1, sizeof(*r));
	struct stat st, ctl_st;
	int ctl, ctl2;

	if (!r)
		return fail_msg(msg, len, ENOMEM, "calloc");
	ctl = mount_instance(dir, "mode=0666");
	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount");
	node_path(ctl_path, sizeof(ctl_path), dir, DEVNSFS_CONTROL_NAME);
	if (stat(ctl_path, &ctl_st))
		return fail_msg(msg, len, errno, "stat control");

	DEVNSCTL(r, "--control", ctl_path, "add", "null", "null", "--json");
	if (device_json(ctl, "null", "native", null_json, sizeof(null_json)))
		return fail_msg(msg, len, errno, "INFO null after add: %s", r->err);
	snprintf(want, sizeof(want), "%s\n", null_json);
	if (r->status || strcmp(r->out, want))
		return fail_msg(msg, len, EINVAL, "add --json: status %d, printed %s, want %s",
				r->status, r->out, want);
	DEVNSCTL(r, "--control", ctl_path, "--json", "add", "dri/card0", "zero");
	CHECK(r, 0, out, "\"name\":\"dri/card0\",\"class\":\"zero\"", "add dri/card0");
	if (device_json(ctl, "dri/card0", "native", card_json, sizeof(card_json)))
		return fail_msg(msg, len, errno, "INFO dri/card0");
	DEVNSCTL(r, "--control", ctl_path, "add", "net/tun", "tun", "--json");
	CHECK(r, 0, out, "\"major\":10,\"minor\":200", "add net/tun");
	if (device_json(ctl, "net/tun", "pass-through", tun_json, sizeof(tun_json)))
		return fail_msg(msg, len, errno, "INFO net/tun");

	/* Every entry, sorted, parents first, each device as INFO has it. */
	snprintf(want, sizeof(want),
		 "[{\"name\":\"devns-control\",\"kind\":\"control\",\"major\":%u,\"minor\":%u},"
		 "{\"name\":\"dri\",\"kind\":\"directory\"},%s,"
		 "{\"name\":\"net\",\"kind\":\"directory\"},%s,%s]\n",
		 major(ctl_st.st_rdev), minor(ctl_st.st_rdev), card_json, tun_json, null_json);
	DEVNSCTL(r, "--control", ctl_path, "ls", "--json");
	if (r->status || strcmp(r->out, want))
		return fail_msg(msg, len, EINVAL, "ls --json: status %d, printed %s want %s",
				r->status, r->out, want);
	DEVNSCTL(r, "--control", ctl_path, "ls");
	CHECK(r, 0, out, "NAME ", "ls");
	CHECK(r, 0, out, "\nnet/tun        pass-through  tun    10:200", "ls net/tun");

	if (stat(node_path(want, sizeof(want), dir, "null"), &st))
		return fail_msg(msg, len, errno, "stat null");
	DEVNSCTL(r, "--control", ctl_path, "info", "null");
	snprintf(want, sizeof(want), "null: class=null dev=%u:%u id=", major(st.st_rdev),
		 minor(st.st_rdev));
	CHECK(r, 0, out, want, "info null");
	CHECK(r, 0, out, " kind=native\n", "info null");

	DEVNSCTL(r, "--control", ctl_path, "rm", "dri/card0");
	CHECK(r, 0, out, NULL, "rm dri/card0");
	if (r->out[0])
		return fail_msg(msg, len, EINVAL, "rm printed %s", r->out);
	if (!stat(node_path(want, sizeof(want), dir, "dri"), &st) || errno != ENOENT)
		return fail_msg(msg, len, errno, "dri was not pruned");

	/* Failures: exit status 1, the errno and the Documentation's reason. */
	DEVNSCTL(r, "--control", ctl_path, "info", "dri/card0");
	CHECK(r, 1, err, "devnsctl: info dri/card0: ENOENT: the instance has no device called that",
	      "info of a removed device");
	DEVNSCTL(r, "--control", ctl_path, "add", "null", "zero");
	CHECK(r, 1, err, "add null: EEXIST: the instance already has a node", "add twice");
	DEVNSCTL(r, "--control", ctl_path, "add", "null/x", "zero");
	CHECK(r, 1, err, "ENOTDIR: a device's node is where the path needs a directory",
	      "add under a device");
	DEVNSCTL(r, "--control", ctl_path, "add", "gpu", "host", "--host", "1:3");
	CHECK(r, 1, err, "EPERM: class host needs CAP_MKNOD in the initial user namespace",
	      "add host in a container");
	DEVNSCTL(r, "--control", ctl_path, "add", "a/../b", "zero");
	CHECK(r, 1, err, "EINVAL: bad name", "add a bad name");
	/* Usage errors: exit status 2, and the instance untouched. */
	DEVNSCTL(r, "--control", ctl_path, "add", "gpu", "host");
	CHECK(r, 2, err, "needs --host MAJOR:MINOR", "host without --host");
	DEVNSCTL(r, "--control", ctl_path, "frobnicate");
	CHECK(r, 2, err, NULL, "an unknown command");
	if (!stat(node_path(want, sizeof(want), dir, "gpu"), &st))
		return fail_msg(msg, len, EEXIST, "gpu exists");
	/* Not a control node. */
	DEVNSCTL(r, "--control", dir, "ls");
	CHECK(r, 1, err, "not a control node", "ls of a directory as the control node");
	/*
	 * The control node bind-mounted alone: its ioctls work, but ls
	 * refuses to list the directory it is in, which is not the instance.
	 */
	snprintf(want, sizeof(want), "%s.ctl", dir);
	ctl2 = open(want, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (ctl2 < 0 || mount(ctl_path, want, NULL, MS_BIND, NULL))
		return fail_msg(msg, len, errno, "bind-mount the control node on %s", want);
	close(ctl2);
	DEVNSCTL(r, "--control", want, "info", "null");
	CHECK(r, 0, out, "null: class=null", "info through a bind-mounted control node");
	DEVNSCTL(r, "--control", want, "ls");
	CHECK(r, 1, err, "not the root of the control node's instance", "ls through a bind mount");
	umount2(want, MNT_DETACH);
	unlink(want);

	close(ctl);
	free(r);
	return 0;
}

TEST(container_add_ls_info_rm)
{
	struct userns_child c;
	char *dir = make_mountpoint(), msg[256];

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, userns_child_start(&c, container_queries, dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(dir);
	free(dir);
}

/* One line of monitor --json after its "usec" field, for name's event. */
static void event_json(char *buf, size_t len, const char *action, const struct devnsfs_device *d,
		       const struct stat *inst, unsigned int seq)
{
	snprintf(buf, len,
		 ",\"action\":\"%s\",\"name\":\"%s\",\"class\":\"%s\",\"major\":%u,\"minor\":%u,"
		 "\"id\":%llu,\"instance\":\"%u:%u\",\"seqnum\":%u,\"properties\":{\"ACTION\":\"%s\",",
		 action, d->name, d->class_name, d->major, d->minor, (unsigned long long)d->id,
		 major(inst->st_dev), minor(inst->st_dev), seq, action);
}

/* In the container's own netns: monitor sees its add and remove. */
static int container_monitor(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char out[4096], err[512], want[512], *second;
	struct devnsfs_device d;
	struct stat inst;
	struct proc p;
	int ctl, ret, status;

	if (unshare(CLONE_NEWNET))
		return fail_msg(msg, len, errno, "unshare(CLONE_NEWNET)");
	ctl = mount_instance(dir, NULL);
	if (ctl < 0 || stat(dir, &inst))
		return fail_msg(msg, len, errno, "mount");
	if (spawn(&p, (const char *const[]){ "monitor", "--json", "-n", "2", NULL }))
		return fail_msg(msg, len, errno, "spawn");
	/* Its socket is bound once it says so. */
	read_line(p.err, err, sizeof(err), 20000);
	if (!strstr(err, "listening")) {
		kill(p.pid, SIGKILL);
		return fail_msg(msg, len, EINVAL, "monitor said %s", err);
	}
	ret = ctl_add(ctl, "null", "null", &d);
	if (!ret)
		ret = ctl_remove(ctl, "null");
	if (ret) {
		kill(p.pid, SIGKILL);
		return fail_msg(msg, len, -ret, "add and remove");
	}
	slurp(p.out, out, sizeof(out), 20000);
	status = reap(&p);
	if (status)
		return fail_msg(msg, len, EINVAL, "monitor exited with %d: %s", status, out);
	second = strchr(out, '\n');
	if (strncmp(out, "{\"usec\":", 8) || !second || strncmp(second + 1, "{\"usec\":", 8))
		return fail_msg(msg, len, EINVAL, "not two JSON lines: %s", out);
	*second++ = '\0';
	event_json(want, sizeof(want), "add", &d, &inst, 1);
	if (!strstr(out, want))
		return fail_msg(msg, len, EINVAL, "first event %s, want %s", out, want);
	event_json(want, sizeof(want), "remove", &d, &inst, 2);
	if (!strstr(second, want) || !strstr(second, "\"SUBSYSTEM\":\"devnsfs\""))
		return fail_msg(msg, len, EINVAL, "second event %s, want %s", second, want);
	close(ctl);
	return 0;
}

TEST(container_monitor_prints_its_uevents)
{
	struct userns_child c;
	char *dir = make_mountpoint(), msg[256];

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, userns_child_start(&c, container_monitor, dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(dir);
	free(dir);
}

/* In the container: mount through the new mount API, errors explained. */
static int container_mount(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	struct result *r = calloc(1, sizeof(*r));
	char opts[256], ctl_path[256];

	if (!r)
		return fail_msg(msg, len, ENOMEM, "calloc");
	DEVNSCTL(r, "mount", "-o", "mode=0640,bogus", dir);
	CHECK(r, 1, err, "devnsctl: kernel: error: devnsfs: ", "mount -o bogus");
	CHECK(r, 1, err, "Unknown parameter 'bogus'", "mount -o bogus");
	CHECK(r, 1, err, "devnsctl: fsconfig bogus: EINVAL", "mount -o bogus");
	if (!super_options(dir, opts, sizeof(opts)))
		return fail_msg(msg, len, EEXIST, "a failed mount left %s", opts);

	DEVNSCTL(r, "mount", "-o", "mode=0640,max=3", "-o", "nosuid", dir);
	CHECK(r, 0, err, NULL, "mount");
	if (super_options(dir, opts, sizeof(opts)) || !strstr(opts, "mode=0640") ||
	    !strstr(opts, "max=3"))
		return fail_msg(msg, len, EINVAL, "mounted with %s", opts);
	node_path(ctl_path, sizeof(ctl_path), dir, DEVNSFS_CONTROL_NAME);
	DEVNSCTL(r, "--control", ctl_path, "add", "z", "zero");
	CHECK(r, 0, out, "z: class=zero dev=", "add in the new instance");
	free(r);
	return 0;
}

TEST(container_mount_shows_the_kernels_message)
{
	struct userns_child c;
	char *dir = make_mountpoint(), msg[256];

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, userns_child_start(&c, container_mount, dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(dir);
	free(dir);
}

/* In the container: ls of a whole /dev (-o std) and what runtimes add. */
static int container_std(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	const char *const want[] = {
		"[{\"name\":\"console\",\"kind\":\"file\"}",
		"{\"name\":\"devns-control\",\"kind\":\"control\",",
		"{\"name\":\"fd\",\"kind\":\"symlink\",\"target\":\"/proc/self/fd\"}",
		"{\"name\":\"mqueue\",\"kind\":\"directory\"}",
		"{\"name\":\"ptmx\",\"kind\":\"symlink\",\"target\":\"pts/ptmx\"}",
		"{\"name\":\"pts\",\"kind\":\"directory\"}",
		"{\"name\":\"shm\",\"kind\":\"mountpoint\"}",
		"{\"name\":\"stderr\",\"kind\":\"symlink\",\"target\":\"/proc/self/fd/2\"}",
	};
	struct result *r = calloc(1, sizeof(*r));
	char ctl_path[256], path[256], json[256];
	const char *at;
	size_t i;
	int ctl, fd;

	if (!r)
		return fail_msg(msg, len, ENOMEM, "calloc");
	DEVNSCTL(r, "mount", "-o", "std", dir);
	CHECK(r, 0, err, NULL, "mount -o std");
	node_path(ctl_path, sizeof(ctl_path), dir, DEVNSFS_CONTROL_NAME);
	ctl = open(ctl_path, O_RDONLY | O_CLOEXEC);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "open control");
	/* What a runtime adds: a console to bind-mount onto, a tmpfs on shm. */
	fd = open(node_path(path, sizeof(path), dir, "console"), O_CREAT | O_WRONLY | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return fail_msg(msg, len, errno, "create console");
	close(fd);
	if (mount("shm", node_path(path, sizeof(path), dir, "shm"), "tmpfs", 0, NULL))
		return fail_msg(msg, len, errno, "mount tmpfs on shm");
	if (mkdir(node_path(path, sizeof(path), dir, "shm/inside"), 0755))
		return fail_msg(msg, len, errno, "mkdir in shm");

	DEVNSCTL(r, "--control", ctl_path, "ls", "--json");
	CHECK(r, 0, out, NULL, "ls --json");
	/* In order, and nothing of the tmpfs on shm. */
	for (at = r->out, i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		at = strstr(at, want[i]);
		if (!at)
			return fail_msg(msg, len, EINVAL, "ls --json lacks %s (in order)", want[i]);
	}
	if (strstr(r->out, "inside"))
		return fail_msg(msg, len, EINVAL, "ls went into the tmpfs on shm");
	if (device_json(ctl, "tty", "pass-through", json, sizeof(json)) || !strstr(r->out, json))
		return fail_msg(msg, len, EINVAL, "ls --json lacks %s", json);
	if (device_json(ctl, "urandom", "native", json, sizeof(json)) || !strstr(r->out, json))
		return fail_msg(msg, len, EINVAL, "ls --json lacks %s", json);
	DEVNSCTL(r, "--control", ctl_path, "ls");
	CHECK(r, 0, out, "\nfd -> /proc/self/fd  ", "ls of symlinks");
	umount2(node_path(path, sizeof(path), dir, "shm"), MNT_DETACH);
	close(ctl);
	free(r);
	return 0;
}

TEST(container_ls_of_a_whole_dev)
{
	struct userns_child c;
	char *dir = make_mountpoint(), msg[256];

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, userns_child_start(&c, container_std, dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(dir);
	free(dir);
}

/* In the container: its /dev is devnsfs, with a null of its own. */
static int container_dev(void *arg, char *msg, size_t len)
{
	int ctl = mount_instance("/dev", "mode=0666");

	if (ctl < 0)
		return fail_msg(msg, len, errno, "mount on /dev");
	if (ctl_add(ctl, "null", "null", NULL))
		return fail_msg(msg, len, errno, "add null");
	close(ctl);
	return 0;
}

TEST(host_root_reaches_a_containers_dev_with_pid)
{
	struct result *r = calloc(1, sizeof(*r));
	struct userns_child c;
	char msg[256], pid[16], path[256];
	struct stat st;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, userns_child_start(&c, container_dev, NULL));
	ASSERT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	snprintf(pid, sizeof(pid), "%d", c.pid);
	DEVNSCTL(r, "--pid", pid, "info", "null", "--json");
	EXPECT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "{\"name\":\"null\",\"class\":\"null\","));
	/* Host root hands the container a host device, owned by its root. */
	DEVNSCTL(r, "--pid", pid, "add", "hostnull", "host", "--host", "1:3", "--json");
	EXPECT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "\"major\":1,\"minor\":3,\"id\":"));
	EXPECT_NE(NULL, strstr(r->out, "\"kind\":\"pass-through\"}"));
	snprintf(path, sizeof(path), "/proc/%d/root/dev/hostnull", c.pid);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(makedev(1, 3), st.st_rdev);
	DEVNSCTL(r, "--pid", pid, "ls");
	EXPECT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "\nhostnull       pass-through  host   1:3 "))
		TH_LOG("%s", r->out);
	DEVNSCTL(r, "--pid", pid, "rm", "hostnull");
	EXPECT_EQ(0, r->status) TH_LOG("%s", r->err);
	EXPECT_EQ(-1, stat(path, &st));
	EXPECT_EQ(0, userns_child_finish(&c));
	free(r);
}

TEST_HARNESS_MAIN
