// SPDX-License-Identifier: GPL-2.0
/*
 * Real OCI runtimes (issue 13): Debian's crun and runc run a rootless
 * container as TEST_UID, from a bundle that `crun spec --rootless` or
 * `runc spec --rootless` wrote, with a busybox rootfs and no cgroup
 * manager, once with the runtime's own /dev (a tmpfs it fills) and once
 * with /dev = devnsfs -o std, with terminal: false and with terminal: true
 * (the runtime under util-linux script, so that it has a terminal to
 * give). Inside, /probe.sh checks what a program expects of /dev: null,
 * zero, full, random, urandom, tty, console, the fd and stdio symlinks,
 * /dev/pts with /dev/ptmx, /dev/shm; each check must come out the same
 * under both /devs, and under devnsfs the nodes must be devnsfs's own and
 * the container must add, use and remove an rtc through
 * /dev/devns-control.
 *
 * The config.json is the runtime's own spec, edited by oci_config.py
 * (beside this program), which holds the /dev entries the Documentation
 * gives: devnsfs -o std at /dev, then a bind mount of /dev onto itself,
 * and with a terminal a /dev/console placeholder. The bind mount is what
 * makes both runtimes leave /dev alone; without it (the "plain" cases)
 * they bind the host's nodes over devnsfs's, and runc does not start at
 * all (see plain_devnsfs_dev_gets_the_runtimes_nodes_on_top).
 *
 * The runtimes, busybox (static) and script come from the host root the
 * guest runs on; a missing one makes the cases SKIP. The test mounts what
 * the runtimes need in a mount namespace of its own: cgroup2 on
 * /sys/fs/cgroup (runc and crun statfs it, even with no cgroup manager)
 * and a devpts instance on /dev/pts (for script's pty). What the test
 * kernel lacks, the spec loses: the ipc namespace (no CONFIG_IPC_NS) and
 * the /dev/mqueue mount (no CONFIG_POSIX_MQUEUE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <linux/magic.h>

#include "kselftest_harness.h"
#include "utils.h"

/* Seconds one runtime command may take (a debug kernel under TCG is slow). */
#define RUN_TIMEOUT 180
#define OUT_MAX 16384

static const char *const applets[] = {
	"sh", "cat", "echo", "head", "ls", "od", "readlink", "rm", "sort", "stat",
	"tr", "wc", "id", "uniq",
};

/*
 * What the container runs: one "key=value" line per check. Under the
 * runtime's tmpfs /dev there is no control node, so the rtc lines are
 * missing there.
 */
static const char probe_sh[] =
	"c=/bin/oci_ctl\n"
	"echo \"id=$(id -u):$(id -g)\"\n"
	"echo \"dev.fstype=$($c fstype /dev)\"\n"
	"b=\n"
	"for n in null zero full random urandom tty; do b=\"$b$n:$($c fstype /dev/$n) \"; done\n"
	"echo \"nodes.fstype=$b\"\n"
	"if echo hello >/dev/null; then echo null.write=ok; else echo null.write=fail; fi\n"
	"echo \"null.read=$(cat /dev/null | wc -c)\"\n"
	"echo \"zero.read=$(head -c 100000 /dev/zero | wc -c)\"\n"
	"echo \"zero.bytes=$(head -c 4096 /dev/zero | od -An -tx1 -v | tr -s ' ' '\\n' | sort -u | tr -d '\\n')\"\n"
	"echo \"full.write=$($c write /dev/full)\"\n"
	"echo \"full.read=$(head -c 64 /dev/full | wc -c)\"\n"
	"echo \"urandom.read=$(head -c 32 /dev/urandom | wc -c)\"\n"
	"echo \"random.read=$(head -c 32 /dev/random | wc -c)\"\n"
	"echo \"urandom.distinct=$(head -c 64 /dev/urandom | od -An -tx1 -v | tr -s ' ' '\\n' | sort -u | wc -l)\"\n"
	"echo \"tty=$($c tty)\"\n"
	"echo \"console=$($c console)\"\n"
	"echo \"fd.link=$(readlink /dev/fd)\"\n"
	"echo \"fd.list=$(ls /dev/fd/ | tr '\\n' ' ')\"\n"
	"for n in stdin stdout stderr; do echo \"$n.link=$(readlink /dev/$n)\"; done\n"
	"if echo stdout.write=ok >>/dev/stdout; then :; else echo stdout.write=fail; fi\n"
	"if echo stderr.write=ok >>/dev/stderr; then :; else echo stderr.write=fail; fi\n"
	"echo \"ptmx.link=$(readlink /dev/ptmx)\"\n"
	"echo \"pts.fstype=$($c fstype /dev/pts)\"\n"
	"echo \"pty=$($c pty)\"\n"
	"echo \"shm.fstype=$($c fstype /dev/shm)\"\n"
	"echo \"shm.mode=$(stat -c %a /dev/shm)\"\n"
	"echo \"pts.mode=$(stat -c %a /dev/pts)\"\n"
	"echo \"shm.write=$(echo data >/dev/shm/probe && cat /dev/shm/probe && rm /dev/shm/probe)\"\n"
	/* The mount only: -o std has the directory whether or not it is used. */
	"[ -d /dev/mqueue ] && m=$($c fstype /dev/mqueue) && [ \"$m\" != \"$($c fstype /dev)\" ] &&\n"
	"	echo \"mqueue.fstype=$m\"\n"
	"echo \"ls=$(ls /dev | tr '\\n' ' ')\"\n"
	"if [ -e /dev/devns-control ]; then\n"
	"	echo \"control=$(stat -c '%u:%g %a' /dev/devns-control)\"\n"
	"	echo \"rtc.add=$($c add rtc0 rtc)\"\n"
	"	echo \"rtc.node=$(stat -c '%F %u:%g' /dev/rtc0)\"\n"
	"	echo \"rtc.use=$($c rtc /dev/rtc0)\"\n"
	"	echo \"rtc.rm=$($c rm rtc0)\"\n"
	"	echo \"rtc.gone=$(ls /dev/rtc0 2>&1 >/dev/null | wc -l)\"\n"
	"fi\n"
	"echo done=1\n";

/* Checks that must come out the same under the runtime's /dev and devnsfs. */
static const char *const compared[] = {
	"id", "null.write", "null.read", "zero.read", "zero.bytes", "full.write", "full.read",
	"urandom.read", "random.read", "tty", "console", "fd.link", "fd.list", "stdin.link",
	"stdout.link", "stderr.link", "stdout.write", "stderr.write", "ptmx.link",
	"pts.fstype", "pts.mode", "pty", "shm.fstype", "shm.mode", "shm.write", "mqueue.fstype",
	"done",
};

FIXTURE(oci) {
	char top[64];
	char rootfs[128];
	char runtime[64];
	char script[64];
	char helper_dir[256];
	int seq;
};

FIXTURE_VARIANT(oci) {
	const char *runtime;
	bool terminal;
};

FIXTURE_VARIANT_ADD(oci, crun) { .runtime = "crun", .terminal = false };
FIXTURE_VARIANT_ADD(oci, crun_terminal) { .runtime = "crun", .terminal = true };
FIXTURE_VARIANT_ADD(oci, runc) { .runtime = "runc", .terminal = false };
FIXTURE_VARIANT_ADD(oci, runc_terminal) { .runtime = "runc", .terminal = true };

/* The first executable NAME on the usual PATH into buf; 0 or -1. */
static int find_program(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					     "/usr/bin", "/sbin", "/bin" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s/%s", dirs[i], name);
		if (!access(buf, X_OK))
			return 0;
	}
	return -1;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	close(in);
	close(out);
	return n < 0 ? -1 : 0;
}

static int make_dir(const char *top, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	return lchown(path, TEST_UID, TEST_GID);
}

static bool is_fs(const char *path, long magic)
{
	struct statfs s;

	return !statfs(path, &s) && s.f_type == magic;
}

/* A busybox rootfs of TEST_UID's, with /probe.sh and /bin/oci_ctl. */
static int make_rootfs(const char *rootfs, const char *helper_dir)
{
	static const char *const dirs[] = { "", "bin", "dev", "proc", "sys", "tmp" };
	char path[PATH_MAX], from[300];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (make_dir(rootfs, dirs[i]))
			return -1;
	snprintf(path, sizeof(path), "%s/bin/busybox", rootfs);
	if (copy_file("/bin/busybox", path, 0755) || lchown(path, TEST_UID, TEST_GID))
		return -1;
	for (i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", rootfs, applets[i]);
		if (symlink("busybox", path) || lchown(path, TEST_UID, TEST_GID))
			return -1;
	}
	snprintf(from, sizeof(from), "%s/oci_ctl", helper_dir);
	snprintf(path, sizeof(path), "%s/bin/oci_ctl", rootfs);
	if (copy_file(from, path, 0755) || lchown(path, TEST_UID, TEST_GID))
		return -1;
	snprintf(path, sizeof(path), "%s/probe.sh", rootfs);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return -1;
	if (write(fd, probe_sh, strlen(probe_sh)) != (ssize_t)strlen(probe_sh)) {
		close(fd);
		return -1;
	}
	close(fd);
	return lchown(path, TEST_UID, TEST_GID);
}

FIXTURE_SETUP(oci)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (find_program(variant->runtime, self->runtime, sizeof(self->runtime)))
		SKIP(return, "%s is not installed", variant->runtime);
	if (variant->terminal && find_program("script", self->script, sizeof(self->script)))
		SKIP(return, "util-linux script is not installed");
	if (access("/bin/busybox", X_OK))
		SKIP(return, "no /bin/busybox (busybox-static)");
	if (find_program("python3", exe, sizeof(exe)))
		SKIP(return, "no python3 to edit config.json");
	/* oci_ctl and oci_config.py are beside this program. */
	n = readlink("/proc/self/exe", self->helper_dir, sizeof(self->helper_dir) - 1);
	ASSERT_GT(n, 0);
	self->helper_dir[n] = '\0';
	*strrchr(self->helper_dir, '/') = '\0';

	/* What the runtimes need, in a mount namespace of this test's own. */
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	if (!is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC))
		ASSERT_EQ(0, mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL))
			TH_LOG("mount cgroup2: %s", strerror(errno));
	if (!is_fs("/dev/pts", DEVPTS_SUPER_MAGIC)) {
		mkdir("/dev/pts", 0755);
		ASSERT_EQ(0, mount("devpts", "/dev/pts", "devpts", 0,
				   "newinstance,ptmxmode=0666,mode=0620"))
			TH_LOG("mount devpts: %s", strerror(errno));
	}

	snprintf(self->top, sizeof(self->top), "/tmp/oci-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->top));
	ASSERT_EQ(0, chmod(self->top, 0755));
	ASSERT_EQ(0, chown(self->top, TEST_UID, TEST_GID));
	ASSERT_EQ(0, make_dir(self->top, "state"));
	snprintf(self->rootfs, sizeof(self->rootfs), "%s/rootfs", self->top);
	ASSERT_EQ(0, make_rootfs(self->rootfs, self->helper_dir))
		TH_LOG("rootfs in %s: %s", self->rootfs, strerror(errno));
}

FIXTURE_TEARDOWN(oci)
{
	pid_t pid;

	if (!self->top[0])
		return;
	pid = fork();
	if (pid == 0) {
		execl("/bin/rm", "rm", "-rf", self->top, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/*
 * Runs argv as TEST_UID in dir, stdin in (or /dev/null if in is -1),
 * stdout and stderr into out (created by TEST_UID, so that a container
 * can reopen it through /dev/stdout), in a process group and session of
 * its own, killed after RUN_TIMEOUT seconds. Returns the wait status, or
 * -1.
 */
static int run_as_user(const char *top, const char *dir, const char *out, int in,
		       char *const argv[])
{
	char home[PATH_MAX], path_env[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	struct timespec start, now;
	int status, fd;
	pid_t pid, w;

	snprintf(home, sizeof(home), "HOME=%s", top);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *envp[] = { home, path_env, "TERM=xterm", NULL };

		if (setsid() < 0 || setgroups(0, NULL) ||
		    setresgid(TEST_GID, TEST_GID, TEST_GID) ||
		    setresuid(TEST_UID, TEST_UID, TEST_UID) || chdir(dir))
			_exit(126);
		fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		fd = in >= 0 ? in : open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return status;
		if (w < 0)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > RUN_TIMEOUT) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(50000);
	}
}

/* The file's text into buf, without the \r a pty adds to each line. */
static void read_output(const char *path, char *buf, size_t len)
{
	size_t n = 0;
	int fd, c;
	FILE *f;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	f = fdopen(fd, "r");
	while (f && (c = fgetc(f)) != EOF && n + 1 < len)
		if (c != '\r')
			buf[n++] = c;
	buf[n] = '\0';
	if (f)
		fclose(f);
}

struct run {
	int status;		/* of the runtime (or script) */
	char out[OUT_MAX];	/* what the container and the runtime printed */
};

/*
 * A bundle with /dev as dev ("tmpfs", "devnsfs" or "plain", see
 * oci_config.py): the runtime writes its rootless spec, oci_config.py
 * edits it, and the runtime runs /probe.sh in it, under script when the
 * variant wants a terminal. 0, or -1 with r->out saying what failed.
 */
static int run_container(FIXTURE_DATA(oci) *self, const FIXTURE_VARIANT(oci) *variant,
			 const char *dev, struct run *r)
{
	char bundle[128], out[160], state[128], config[160], editor[300], id[32], cmd[512];
	const char *rt = self->runtime;
	int status;

	snprintf(id, sizeof(id), "oci-%.8s-%d", dev, ++self->seq);
	snprintf(bundle, sizeof(bundle), "%s/%s", self->top, id);
	snprintf(out, sizeof(out), "%s/%s.out", self->top, id);
	snprintf(state, sizeof(state), "%s/state", self->top);
	snprintf(config, sizeof(config), "%s/config.json", bundle);
	snprintf(editor, sizeof(editor), "%s/oci_config.py", self->helper_dir);
	memset(r, 0, sizeof(*r));
	if (make_dir(self->top, id)) {
		snprintf(r->out, sizeof(r->out), "mkdir %s: %s", bundle, strerror(errno));
		return -1;
	}

	{
		char *argv[] = { (char *)rt, "spec", "--rootless", NULL };

		status = run_as_user(self->top, bundle, out, -1, argv);
	}
	if (status) {
		read_output(out, r->out, sizeof(r->out));
		return -1;
	}
	{
		char *argv[] = { "/usr/bin/python3", editor, config, (char *)dev,
				 variant->terminal ? "1" : "0", self->rootfs, "/bin/sh",
				 "/probe.sh", NULL };

		status = run_as_user(self->top, bundle, out, -1, argv);
	}
	if (status) {
		read_output(out, r->out, sizeof(r->out));
		return -1;
	}

	if (!strcmp(variant->runtime, "crun"))
		snprintf(cmd, sizeof(cmd), "%s --root %s --cgroup-manager=disabled run -b %s %s",
			 rt, state, bundle, id);
	else
		snprintf(cmd, sizeof(cmd), "%s --root %s run -b %s %s", rt, state, bundle, id);
	if (variant->terminal) {
		char *argv[] = { self->script, "-qec", cmd, "/dev/null", NULL };
		int in[2];

		/*
		 * script's stdin must not end while the container runs: at
		 * its end script sends the terminal's EOF character, a NUL in
		 * the raw mode the runtime sets, which the container's pty
		 * echoes into the output as "^@".
		 */
		if (pipe2(in, O_CLOEXEC)) {
			snprintf(r->out, sizeof(r->out), "pipe: %s", strerror(errno));
			return -1;
		}
		r->status = run_as_user(self->top, bundle, out, in[0], argv);
		close(in[0]);
		close(in[1]);
	} else {
		char *argv[] = { "/bin/sh", "-c", cmd, NULL };

		r->status = run_as_user(self->top, bundle, out, -1, argv);
	}
	read_output(out, r->out, sizeof(r->out));
	return 0;
}

/* The value of "key=" in a probe's output into buf; NULL if absent. */
static const char *probe_value(const char *out, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = out;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1, *e = strchr(v, '\n');
			size_t n = e ? (size_t)(e - v) : strlen(v);

			/* Trailing blanks are the probe's joins, nothing else. */
			while (n && v[n - 1] == ' ')
				n--;
			snprintf(buf, len, "%.*s", (int)n, v);
			return buf;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* Logs the whole output of a run, one line at a time. */
static void log_run(struct __test_metadata *_metadata, const char *what, const struct run *r)
{
	const char *p = r->out;

	TH_LOG("%s: exit status 0x%x, output:", what, r->status);
	while (*p) {
		const char *e = strchr(p, '\n');
		int n = e ? (int)(e - p) : (int)strlen(p);

		TH_LOG("  | %.*s", n, p);
		p += n + (e ? 1 : 0);
	}
}

/* EXPECTs key's value to be want; false (with a log) when it is not. */
static bool expect_value(struct __test_metadata *_metadata, const char *what,
			 const struct run *r, const char *key, const char *want)
{
	char got[512];

	if (probe_value(r->out, key, got, sizeof(got)) && !strcmp(got, want))
		return true;
	TH_LOG("%s: %s is \"%s\", not \"%s\"", what, key,
	       probe_value(r->out, key, got, sizeof(got)) ? got : "(missing)", want);
	_metadata->exit_code = KSFT_FAIL;
	return false;
}

/*
 * What the probe must see under any /dev that works like a runtime's;
 * the whole output is logged when something is amiss.
 */
static void expect_standard_dev(struct __test_metadata *_metadata, const char *what,
				const struct run *r, bool terminal)
{
	static const char *const want[][2] = {
		{ "id", "0:0" }, { "null.write", "ok" }, { "null.read", "0" },
		{ "zero.read", "100000" }, { "zero.bytes", "00" },
		{ "full.write", "write: ENOSPC" }, { "full.read", "64" },
		{ "urandom.read", "32" }, { "random.read", "32" },
		{ "fd.link", "/proc/self/fd" }, { "stdin.link", "/proc/self/fd/0" },
		{ "stdout.link", "/proc/self/fd/1" }, { "stderr.link", "/proc/self/fd/2" },
		{ "stdout.write", "ok" }, { "stderr.write", "ok" },
		{ "ptmx.link", "pts/ptmx" }, { "pts.fstype", "devpts" }, { "pty", "ok" },
		{ "shm.fstype", "tmpfs" }, { "shm.mode", "1777" }, { "shm.write", "data" },
		{ "done", "1" },
	};
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ok &= expect_value(_metadata, what, r, want[i][0], want[i][1]);
	/* The runtime's terminal is the container's controlling one. */
	ok &= expect_value(_metadata, what, r, "tty", terminal ? "same" : "ENXIO");
	ok &= expect_value(_metadata, what, r, "console", terminal ? "same" : "absent");
	if (!ok)
		log_run(_metadata, what, r);
}

/*
 * /dev = devnsfs -o std, bind-mounted onto itself: every check as under
 * the runtime's own /dev, every node devnsfs's, and the container adds,
 * uses and removes an rtc of its own.
 */
TEST_F_TIMEOUT(oci, devnsfs_dev_behaves_as_the_runtimes_own, 3 * RUN_TIMEOUT)
{
	static struct run ref, got;
	char a[512], b[512];
	size_t i;

	ASSERT_EQ(0, run_container(self, variant, "tmpfs", &ref)) {
		TH_LOG("setting up the bundle: %s", ref.out);
	}
	if (ref.status || !strstr(ref.out, "done=1"))
		log_run(_metadata, "runtime's /dev", &ref);
	ASSERT_EQ(0, ref.status);
	expect_standard_dev(_metadata, "runtime's /dev", &ref, variant->terminal);

	ASSERT_EQ(0, run_container(self, variant, "devnsfs", &got)) {
		TH_LOG("setting up the bundle: %s", got.out);
	}
	if (got.status || !strstr(got.out, "done=1"))
		log_run(_metadata, "devnsfs /dev", &got);
	ASSERT_EQ(0, got.status);

	for (i = 0; i < sizeof(compared) / sizeof(compared[0]); i++) {
		const char *va = probe_value(ref.out, compared[i], a, sizeof(a));
		const char *vb = probe_value(got.out, compared[i], b, sizeof(b));

		EXPECT_TRUE((!va && !vb) || (va && vb && !strcmp(va, vb))) {
			TH_LOG("%s: \"%s\" under the runtime's /dev, \"%s\" under devnsfs",
			       compared[i], va ? va : "(missing)", vb ? vb : "(missing)");
		}
	}
	expect_standard_dev(_metadata, "devnsfs /dev", &got, variant->terminal);

	/* The nodes are devnsfs's own: the runtime bound nothing over them. */
	expect_value(_metadata, "devnsfs /dev", &got, "dev.fstype", "devnsfs");
	expect_value(_metadata, "devnsfs /dev", &got, "nodes.fstype",
		     "null:devnsfs zero:devnsfs full:devnsfs random:devnsfs urandom:devnsfs tty:devnsfs");
	/* The container's root owns the instance and adds its own rtc. */
	expect_value(_metadata, "devnsfs /dev", &got, "control", "0:0 600");
	if (!probe_value(got.out, "rtc.add", a, sizeof(a)))
		snprintf(a, sizeof(a), "(missing)");
	EXPECT_EQ(0, strncmp(a, "rtc0: class=rtc dev=", 20)) {
		TH_LOG("rtc.add: %s", a);
	}
	expect_value(_metadata, "devnsfs /dev", &got, "rtc.node", "character special file 0:0");
	/* Reading needs no capability; setting CAP_SYS_TIME, not in the spec. */
	expect_value(_metadata, "devnsfs /dev", &got, "rtc.use", "read ok, set EACCES");
	expect_value(_metadata, "devnsfs /dev", &got, "rtc.rm", "removed");
	expect_value(_metadata, "devnsfs /dev", &got, "rtc.gone", "1");
	if (_metadata->exit_code == KSFT_FAIL)
		log_run(_metadata, "devnsfs /dev", &got);
}

/*
 * What each runtime does to a devnsfs /dev that is not a bind mount, so
 * the reason for the bind mount above: in a user namespace, both bind the
 * host's null, zero, full, tty, random and urandom over the nodes of the
 * same names, which for crun is all (the container works, but those six
 * nodes are the host's, mount points it cannot remove), while runc first
 * opens each target with O_CREAT (os.Create) and so opens devnsfs's tty
 * node, which without a controlling terminal fails, as /dev/tty does,
 * with ENXIO: the container does not start.
 */
TEST_F_TIMEOUT(oci, plain_devnsfs_dev_gets_the_runtimes_nodes_on_top, 2 * RUN_TIMEOUT)
{
	static struct run got;
	char v[512];

	ASSERT_EQ(0, run_container(self, variant, "plain", &got)) {
		TH_LOG("setting up the bundle: %s", got.out);
	}
	if (!strcmp(variant->runtime, "runc")) {
		EXPECT_NE(0, got.status);
		EXPECT_NE(NULL, strstr(got.out, "error creating device nodes: open "));
		EXPECT_NE(NULL, strstr(got.out, "/dev/tty: no such device or address"));
		if (_metadata->exit_code == KSFT_FAIL)
			log_run(_metadata, "plain devnsfs /dev", &got);
		return;
	}
	if (got.status || !strstr(got.out, "done=1"))
		log_run(_metadata, "plain devnsfs /dev", &got);
	ASSERT_EQ(0, got.status);
	expect_standard_dev(_metadata, "plain devnsfs /dev", &got, variant->terminal);
	expect_value(_metadata, "plain devnsfs /dev", &got, "dev.fstype", "devnsfs");
	if (!probe_value(got.out, "nodes.fstype", v, sizeof(v)))
		snprintf(v, sizeof(v), "(missing)");
	EXPECT_EQ(NULL, strstr(v, "devnsfs")) {
		TH_LOG("nodes.fstype: %s", v);
	}
	expect_value(_metadata, "plain devnsfs /dev", &got, "rtc.use", "read ok, set EACCES");
}

TEST_HARNESS_MAIN
