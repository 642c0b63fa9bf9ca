// SPDX-License-Identifier: GPL-2.0
/*
 * Device directories: a device name may be a relative path (dri/renderD128,
 * bus/usb/001/003). ADD creates the directories on its path, REMOVE prunes
 * the ones that became empty, as devtmpfs does. Devices in them and
 * directories never move, and only REMOVE removes a device from one; the
 * instance's owner may add entries of its own (issue 13, owner_test).
 * Uevents carry the path.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "utils.h"
#include "instance_fixture.h"

/* An instance mounted by host root, in a private mount namespace. */
INSTANCE_FIXTURE(inst)

/* The sorted entries of directory name ("" for the root) are expected. */
#define ASSERT_LIST(name, expected) do {					\
	char list[512];								\
	ASSERT_EQ(0, list_dir(P(name), list, sizeof(list))) {			\
		TH_LOG("list %s: %s", name, strerror(errno));			\
	}									\
	ASSERT_STREQ(expected, list) TH_LOG("in '%s'", name);			\
} while (0)

#define ASSERT_GONE(name) do {							\
	struct stat gone;							\
	ASSERT_EQ(-1, lstat(P(name), &gone)) TH_LOG("%s is still there", name);	\
	ASSERT_EQ(ENOENT, errno);						\
} while (0)

/* name is a directory of the instance, mode 0755, owned by uid:gid. */
static void check_dir(struct __test_metadata *_metadata, const char *path,
		      uid_t uid, gid_t gid, nlink_t nlink)
{
	struct stat st;

	ASSERT_EQ(0, lstat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
	EXPECT_TRUE(S_ISDIR(st.st_mode)) TH_LOG("%s: mode %o", path, st.st_mode);
	EXPECT_EQ(0755, st.st_mode & 07777) TH_LOG("%s", path);
	EXPECT_EQ(uid, st.st_uid) TH_LOG("%s", path);
	EXPECT_EQ(gid, st.st_gid) TH_LOG("%s", path);
	EXPECT_EQ(nlink, st.st_nlink) TH_LOG("%s", path);
}

TEST_F(inst, add_creates_the_directories_on_the_path)
{
	struct devnsfs_device r, u;
	struct stat st, root;

	ASSERT_EQ(0, ctl_add(self->ctl, "dri/renderD128", "null", &r));
	ASSERT_EQ(0, ctl_add(self->ctl, "bus/usb/001/003", "zero", &u));

	/* A directory's links: its own two, one per subdirectory. */
	check_dir(_metadata, P("dri"), 0, 0, 2);
	check_dir(_metadata, P("bus"), 0, 0, 3);
	check_dir(_metadata, P("bus/usb"), 0, 0, 3);
	check_dir(_metadata, P("bus/usb/001"), 0, 0, 2);
	ASSERT_EQ(0, stat(self->dir, &root));
	EXPECT_EQ(4, root.st_nlink);

	ASSERT_EQ(0, lstat(P("dri/renderD128"), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(makedev(r.major, r.minor), st.st_rdev);
	ASSERT_EQ(0, lstat(P("bus/usb/001/003"), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(makedev(u.major, u.minor), st.st_rdev);
	/* Directories have inode numbers of their own. */
	ASSERT_EQ(0, lstat(P("dri"), &root));
	EXPECT_NE(st.st_ino, root.st_ino);
	EXPECT_NE(1, root.st_ino);
}

TEST_F(inst, readdir_lists_directories_and_nodes)
{
	DIR *d;
	struct dirent *e;
	int dirs = 0, chrs = 0;

	ASSERT_EQ(0, ctl_add(self->ctl, "dri/card0", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "dri/renderD128", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "dri/by-path/pci-0", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "net/tun", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "null", "null", NULL));
	ASSERT_LIST("", "devns-control dri net null ");
	ASSERT_LIST("dri", "by-path card0 renderD128 ");
	ASSERT_LIST("dri/by-path", "pci-0 ");
	ASSERT_LIST("net", "tun ");

	d = opendir(P("dri"));
	ASSERT_NE(NULL, d);
	while ((e = readdir(d))) {
		dirs += e->d_type == DT_DIR;
		chrs += e->d_type == DT_CHR;
	}
	closedir(d);
	/* ".", ".." and by-path; card0 and renderD128. */
	EXPECT_EQ(3, dirs);
	EXPECT_EQ(2, chrs);
}

/* Directories are owned like the root (uid= and gid= are the nodes'). */
TEST_F(inst, directories_are_owned_like_the_root)
{
	char *dir = make_mountpoint(), path[256];
	struct stat st;
	int ctl;

	ASSERT_NE(NULL, dir);
	ctl = mount_instance(dir, "uid=1234,gid=2345,mode=0640");
	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, ctl_add(ctl, "a/b/c", "null", NULL));
	check_dir(_metadata, node_path(path, sizeof(path), dir, "a"), 0, 0, 3);
	check_dir(_metadata, node_path(path, sizeof(path), dir, "a/b"), 0, 0, 2);
	/* mode= is for nodes, not directories. */
	ASSERT_EQ(0, lstat(node_path(path, sizeof(path), dir, "a/b/c"), &st));
	EXPECT_EQ(0640, st.st_mode & 07777);
	EXPECT_EQ(1234, st.st_uid);
	close(ctl);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	free(dir);
}

TEST_F(inst, info_and_remove_take_paths)
{
	struct devnsfs_device a, info;

	ASSERT_EQ(0, ctl_add(self->ctl, "dri/renderD128", "random", &a));
	dev_init(&info, "dri/renderD128", NULL);
	ASSERT_EQ(0, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &info));
	EXPECT_STREQ("random", info.class_name);
	EXPECT_EQ(a.id, info.id);
	EXPECT_EQ(a.major, info.major);
	EXPECT_EQ(a.minor, info.minor);

	/* A directory is not a device; nor is a name without its path. */
	dev_init(&info, "dri", NULL);
	EXPECT_EQ(-ENOENT, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &info));
	EXPECT_EQ(-ENOENT, ctl_remove(self->ctl, "dri"));
	dev_init(&info, "renderD128", NULL);
	EXPECT_EQ(-ENOENT, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &info));
	EXPECT_EQ(-ENOENT, ctl_remove(self->ctl, "renderD128"));
	EXPECT_EQ(-ENOENT, ctl_remove(self->ctl, "dri/renderD129"));
	ASSERT_LIST("dri", "renderD128 ");

	ASSERT_EQ(0, ctl_remove(self->ctl, "dri/renderD128"));
	dev_init(&info, "dri/renderD128", NULL);
	EXPECT_EQ(-ENOENT, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &info));
	ASSERT_GONE("dri");
	ASSERT_LIST("", "devns-control ");
	/* And back. */
	ASSERT_EQ(0, ctl_add(self->ctl, "dri/renderD128", "null", NULL));
	ASSERT_LIST("dri", "renderD128 ");
}

TEST_F(inst, remove_prunes_only_directories_that_became_empty)
{
	struct stat st;

	ASSERT_EQ(0, ctl_add(self->ctl, "bus/usb/001/003", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "bus/usb/001/004", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "bus/usb/002/001", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "bus/pci", "null", NULL));

	ASSERT_EQ(0, ctl_remove(self->ctl, "bus/usb/001/003"));
	ASSERT_LIST("bus/usb/001", "004 ");
	ASSERT_EQ(0, ctl_remove(self->ctl, "bus/usb/001/004"));
	ASSERT_GONE("bus/usb/001");
	ASSERT_LIST("bus/usb", "002 ");
	check_dir(_metadata, P("bus/usb"), 0, 0, 3);
	ASSERT_EQ(0, ctl_remove(self->ctl, "bus/usb/002/001"));
	ASSERT_GONE("bus/usb");
	/* bus still holds a device of its own. */
	ASSERT_LIST("bus", "pci ");
	check_dir(_metadata, P("bus"), 0, 0, 2);
	ASSERT_EQ(0, ctl_remove(self->ctl, "bus/pci"));
	ASSERT_GONE("bus");
	ASSERT_LIST("", "devns-control ");
	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_EQ(2, st.st_nlink);
}

TEST_F(inst, a_file_on_a_device_in_a_pruned_directory_is_revoked)
{
	char buf[8];
	int fd, dfd;

	ASSERT_EQ(0, ctl_add(self->ctl, "z/zero", "zero", NULL));
	fd = open(P("z/zero"), O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	dfd = open(P("z"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dfd, 0);
	ASSERT_EQ(0, ctl_remove(self->ctl, "z/zero"));
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(ENODEV, errno);
	ASSERT_GONE("z");
	/* The open directory is dead: nothing in it, nothing to make. */
	EXPECT_EQ(-1, faccessat(dfd, "zero", F_OK, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mknodat(dfd, "n", S_IFCHR | 0600, makedev(1, 3)));
	EXPECT_EQ(-1, mkdirat(dfd, "sub", 0755));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, symlinkat("zero", dfd, "sym"));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, openat(dfd, "file", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	EXPECT_EQ(ENOENT, errno);
	close(dfd);
	close(fd);
	/* The same path can be added again, in a new directory. */
	ASSERT_EQ(0, ctl_add(self->ctl, "z/zero", "zero", NULL));
	ASSERT_LIST("z", "zero ");
}

TEST_F(inst, device_in_the_way_is_enotdir_directory_in_the_way_is_eexist)
{
	struct devnsfs_device d;

	ASSERT_EQ(0, ctl_add(self->ctl, "a", "null", NULL));
	EXPECT_EQ(-ENOTDIR, ctl_add(self->ctl, "a/b", "null", NULL));
	EXPECT_EQ(-ENOTDIR, ctl_add(self->ctl, "a/b/c", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "d/e", "null", NULL));
	EXPECT_EQ(-EEXIST, ctl_add(self->ctl, "d", "null", NULL));
	EXPECT_EQ(-EEXIST, ctl_add(self->ctl, "d/e", "zero", NULL));
	EXPECT_EQ(-ENOTDIR, ctl_add(self->ctl, "d/e/f", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "x/y/z", "null", NULL));
	EXPECT_EQ(-EEXIST, ctl_add(self->ctl, "x/y", "null", NULL));
	EXPECT_EQ(-EEXIST, ctl_add(self->ctl, "x", "null", NULL));
	/* The first component may not be the control node; later ones may. */
	dev_init(&d, "devns-control/x", "null");
	EXPECT_EQ(-EINVAL, ctl_call(self->ctl, DEVNSFS_IOC_ADD, &d));
	EXPECT_EQ(0, ctl_add(self->ctl, "x/devns-control", "null", NULL));
	ASSERT_LIST("", "a d devns-control x ");
	ASSERT_LIST("d", "e ");
	ASSERT_LIST("x", "devns-control y ");
	ASSERT_LIST("x/y", "z ");
}

TEST_F(inst, bad_paths_are_einval)
{
	static const char * const bad[] = {
		"/", "/a", "a/", "a//b", "//", "./a", "a/.", "a/./b", "../a", "a/..",
		"a/../b", ".", "..", "devns-control", "devns-control/a", "a/b c",
		"a/\xc3\xa9", "a\\b", "a/b/",
	};
	struct devnsfs_device d;
	unsigned int i;
	char name[DEVNSFS_NAME_MAX];

	ASSERT_EQ(0, ctl_add(self->ctl, "a/b", "null", NULL));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		dev_init(&d, bad[i], "null");
		EXPECT_EQ(-EINVAL, ctl_call(self->ctl, DEVNSFS_IOC_ADD, &d)) {
			TH_LOG("name '%s'", bad[i]);
		}
		dev_init(&d, bad[i], "null");
		EXPECT_EQ(-EINVAL, ctl_call(self->ctl, DEVNSFS_IOC_REMOVE, &d)) {
			TH_LOG("name '%s'", bad[i]);
		}
		dev_init(&d, bad[i], NULL);
		EXPECT_EQ(-EINVAL, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &d)) {
			TH_LOG("name '%s'", bad[i]);
		}
	}
	/* 64 bytes: no NUL within the field. */
	dev_init(&d, NULL, "null");
	for (i = 0; i < DEVNSFS_NAME_MAX; i++)
		d.name[i] = i % 2 ? '/' : 'p';
	EXPECT_EQ(-EINVAL, ctl_call(self->ctl, DEVNSFS_IOC_ADD, &d));
	ASSERT_LIST("", "a devns-control ");
	ASSERT_LIST("a", "b ");

	/* 63 bytes, 32 components: 31 nested directories, then all pruned. */
	for (i = 0; i < DEVNSFS_NAME_MAX - 1; i++)
		name[i] = i % 2 ? '/' : 'p';
	name[DEVNSFS_NAME_MAX - 1] = '\0';
	ASSERT_EQ(0, ctl_add(self->ctl, name, "null", NULL));
	ASSERT_EQ(0, access(P(name), F_OK));
	ASSERT_EQ(0, ctl_remove(self->ctl, name));
	ASSERT_GONE("p");
	ASSERT_LIST("", "a devns-control ");
}

TEST_F(inst, failed_adds_leave_no_directories)
{
	long page = sysconf(_SC_PAGESIZE);
	struct devnsfs_device *ro;

	EXPECT_EQ(-EOPNOTSUPP, ctl_add(self->ctl, "q/r/s", "nosuchclass", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "a/b", "null", NULL));
	EXPECT_EQ(-ENOTDIR, ctl_add(self->ctl, "a/b/c/d", "null", NULL));
	/* The result cannot be written back: the device never appears. */
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	dev_init(ro, "a/new/dir/node", "zero");
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->ctl, DEVNSFS_IOC_ADD, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, page);
	/* The instance is full. */
	ASSERT_EQ(0, mount("none", self->dir, NULL, MS_REMOUNT, "max=1"));
	EXPECT_EQ(-ENOSPC, ctl_add(self->ctl, "full/x", "null", NULL));
	EXPECT_EQ(-ENOSPC, ctl_add(self->ctl, "a/full/x", "null", NULL));
	ASSERT_LIST("", "a devns-control ");
	ASSERT_LIST("a", "b ");
}

/*
 * Devices in subdirectories and the directories ADD made stay where they
 * are; the owner (host root here) may add its own entries beside them.
 */
TEST_F(inst, devices_and_directories_in_subdirectories_stay_put)
{
	int fd;

	char other[256];
	struct devnsfs_device d;

	ASSERT_EQ(0, ctl_add(self->ctl, "dri/card0", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "a/b/c", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "top", "null", NULL));

	EXPECT_EQ(-1, unlink(P("dri/card0")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, unlink(P("a/b/c")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rmdir(P("a/b")));
	EXPECT_EQ(ENOTEMPTY, errno);
	EXPECT_EQ(-1, rmdir(P("dri")));
	EXPECT_EQ(ENOTEMPTY, errno);
	EXPECT_EQ(-1, unlink(P("dri")));
	EXPECT_EQ(EISDIR, errno);
	EXPECT_EQ(-1, mknod(P("dri/nod"), S_IFCHR | 0600, makedev(1, 3)));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, mknod(P("dri/fifo"), S_IFIFO | 0600, 0));
	EXPECT_EQ(EPERM, errno);
	node_path(other, sizeof(other), self->dir, "dri/card0");
	EXPECT_EQ(-1, link(other, P("dri/hard")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rename(other, P("dri/moved")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, rename(other, P("moved")));
	EXPECT_EQ(EPERM, errno);
	node_path(other, sizeof(other), self->dir, "a/b");
	EXPECT_EQ(-1, rename(other, P("a/bb")));
	EXPECT_EQ(EPERM, errno);
	ASSERT_LIST("dri", "card0 ");
	ASSERT_LIST("a/b", "c ");
	dev_init(&d, "dri/card0", NULL);
	EXPECT_EQ(0, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &d));

	/* The owner's own entries, beside the device. */
	fd = open(P("dri/file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	EXPECT_LE(0, fd) TH_LOG("create dri/file: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(0, mkdir(P("dri/sub"), 0755)) TH_LOG("mkdir dri/sub: %s", strerror(errno));
	EXPECT_EQ(0, symlink("card0", P("dri/sym"))) TH_LOG("symlink dri/sym: %s", strerror(errno));
	ASSERT_LIST("dri", "card0 file sub sym ");
	node_path(other, sizeof(other), self->dir, "dri/file");
	EXPECT_EQ(-1, link(other, P("dri/hard")));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, unlink(P("dri/file")));
	EXPECT_EQ(0, unlink(P("dri/sym")));
	EXPECT_EQ(0, rmdir(P("dri/sub")));
	ASSERT_LIST("dri", "card0 ");
	/* mknod(S_IFREG) is the VFS's create, as open(O_CREAT | O_EXCL): empty. */
	EXPECT_EQ(0, mknod(P("dri/reg"), S_IFREG | 0600, 0));
	EXPECT_EQ(0, unlink(P("dri/reg")));

	/* A device in the root still goes with unlink(2). */
	ASSERT_EQ(0, unlink(P("top")));
	dev_init(&d, "top", NULL);
	EXPECT_EQ(-ENOENT, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &d));
	ASSERT_LIST("", "a devns-control dri ");
}

/* A pass-through class lives in directories as the host's node does. */
TEST_F(inst, net_tun_as_on_the_host)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, ctl_add(self->ctl, "net/tun", "tun", NULL));
	ASSERT_EQ(0, lstat(P("net/tun"), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(makedev(10, 200), st.st_rdev);
	fd = open(P("net/tun"), O_RDWR | O_CLOEXEC);
	EXPECT_GE(fd, 0) TH_LOG("open net/tun: %s", strerror(errno));
	ASSERT_EQ(0, ctl_remove(self->ctl, "net/tun"));
	ASSERT_GONE("net");
	if (fd >= 0)
		close(fd);
}

/* A mount on a directory keeps it (and so its ancestors) when it empties. */
TEST_F(inst, a_mounted_directory_is_not_pruned)
{
	char cover[] = "/tmp/devnsfs-cover.XXXXXX", file[] = "/tmp/devnsfs-file.XXXXXX";
	struct devnsfs_device d;
	struct stat st;
	int fd;

	ASSERT_NE(NULL, mkdtemp(cover));
	ASSERT_EQ(0, ctl_add(self->ctl, "m/sub/n", "null", NULL));
	ASSERT_EQ(0, ctl_add(self->ctl, "m/sub/o", "null", NULL));
	ASSERT_EQ(0, mount(cover, P("m/sub"), NULL, MS_BIND, NULL)) {
		TH_LOG("bind mount on the directory: %s", strerror(errno));
	}
	ASSERT_EQ(0, ctl_remove(self->ctl, "m/sub/n"));
	ASSERT_EQ(0, ctl_remove(self->ctl, "m/sub/o"));
	dev_init(&d, "m/sub/o", NULL);
	EXPECT_EQ(-ENOENT, ctl_call(self->ctl, DEVNSFS_IOC_INFO, &d));
	ASSERT_LIST("m", "sub ");
	EXPECT_EQ(0, umount2(P("m/sub"), 0));
	/* Uncovered, it is an empty directory of the instance. */
	check_dir(_metadata, P("m/sub"), 0, 0, 2);
	ASSERT_LIST("m/sub", "");
	/* Which the owner may remove (issue 13); rmdir(2) prunes nothing. */
	EXPECT_EQ(0, rmdir(P("m/sub"))) TH_LOG("rmdir m/sub: %s", strerror(errno));
	ASSERT_LIST("m", "");
	/* Used again, and pruned once it empties unmounted. */
	ASSERT_EQ(0, ctl_add(self->ctl, "m/sub/p", "null", NULL));
	ASSERT_EQ(0, ctl_remove(self->ctl, "m/sub/p"));
	ASSERT_GONE("m");

	/* A node in a directory that is a mount point goes away, EBUSY not. */
	ASSERT_EQ(0, ctl_add(self->ctl, "k/n", "null", NULL));
	ASSERT_EQ(0, mount(cover, P("k"), NULL, MS_BIND, NULL));
	ASSERT_EQ(0, ctl_remove(self->ctl, "k/n"));
	EXPECT_EQ(0, umount2(P("k"), 0));
	ASSERT_EQ(0, lstat(P("k"), &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));

	/* A mounted node in a directory: EBUSY, and the directory stays. */
	fd = mkstemp(file);
	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, ctl_add(self->ctl, "k/dev", "null", NULL));
	ASSERT_EQ(0, mount(file, P("k/dev"), NULL, MS_BIND, NULL));
	EXPECT_EQ(-EBUSY, ctl_remove(self->ctl, "k/dev"));
	ASSERT_LIST("k", "dev ");
	EXPECT_EQ(0, umount2(P("k/dev"), 0));
	ASSERT_EQ(0, ctl_remove(self->ctl, "k/dev"));
	ASSERT_GONE("k");

	/* Nothing pins the instance: it unmounts. */
	close(self->ctl);
	self->ctl = -1;
	EXPECT_EQ(0, umount2(self->dir, 0)) {
		TH_LOG("umount of the instance: %s", strerror(errno));
	}
	rmdir(cover);
	unlink(file);
}

/* ---- Uevents and containers ---- */

#define EVENT_MAX 2048

static int uevent_listener(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd, size = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The next devnsfs event within 5 s, its NULs shown as '|'; its length or -1. */
static ssize_t next_devnsfs_event(int fd, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n, i;

	for (;;) {
		if (poll(&pfd, 1, 5000) != 1)
			return -1;
		n = recv(fd, buf, len - 1, 0);
		if (n < 0)
			return -1;
		if (memmem(buf, n, "SUBSYSTEM=devnsfs", 18))
			break;
	}
	for (i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = '|';
	buf[n] = '\0';
	return n;
}

/*
 * In a container with its own netns: the events of a device in a
 * directory, then a file of it opened, read and written there.
 */
static int container_uses_a_subdirectory(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char path[256], got[EVENT_MAX], want[EVENT_MAX], devpath[128];
	struct devnsfs_device d;
	struct stat inst, st;
	int listener, ctl, fd, ret;
	const char *action;
	unsigned int seq;

	if (unshare(CLONE_NEWNET))
		return fail_msg(msg, len, errno, "unshare(CLONE_NEWNET)");
	listener = uevent_listener();
	if (listener < 0)
		return fail_msg(msg, len, errno, "listener");
	if (mount("none", dir, "devnsfs", 0, "mode=0666"))
		return fail_msg(msg, len, errno, "mount");
	if (stat(dir, &inst))
		return fail_msg(msg, len, errno, "stat");
	ctl = open(node_path(path, sizeof(path), dir, DEVNSFS_CONTROL_NAME), O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "open control");
	ret = ctl_add(ctl, "bus/usb/001/003", "zero", &d);
	if (ret)
		return fail_msg(msg, len, -ret, "add");

	if (stat(node_path(path, sizeof(path), dir, "bus/usb"), &st))
		return fail_msg(msg, len, errno, "stat bus/usb");
	if (!S_ISDIR(st.st_mode) || st.st_uid || st.st_gid)
		return fail_msg(msg, len, EPERM, "bus/usb: mode %o owner %d:%d inside",
				st.st_mode, st.st_uid, st.st_gid);
	fd = open(node_path(path, sizeof(path), dir, "bus/usb/001/003"), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail_msg(msg, len, errno, "open the node");
	if (read(fd, got, 16) != 16 || got[0] || got[15])
		return fail_msg(msg, len, EIO, "read of zero");
	if (write(fd, "x", 1) != 1)
		return fail_msg(msg, len, errno, "write");
	close(fd);
	/* The container's root owns the instance: it may create a file there. */
	fd = open(node_path(path, sizeof(path), dir, "bus/usb/001/x"),
		  O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail_msg(msg, len, errno, "create in a subdirectory");
	close(fd);
	if (!unlink(node_path(path, sizeof(path), dir, "bus/usb/001/003")) || errno != EPERM)
		return fail_msg(msg, len, errno, "unlink of a device in a subdirectory");
	if (unlink(node_path(path, sizeof(path), dir, "bus/usb/001/x")))
		return fail_msg(msg, len, errno, "unlink of its file in a subdirectory");
	ret = ctl_remove(ctl, "bus/usb/001/003");
	if (ret)
		return fail_msg(msg, len, -ret, "remove");
	if (!stat(node_path(path, sizeof(path), dir, "bus"), &st) || errno != ENOENT)
		return fail_msg(msg, len, errno, "bus was not pruned");

	snprintf(devpath, sizeof(devpath), "/devices/virtual/devnsfs/%u:%u/bus!usb!001!003",
		 major(inst.st_dev), minor(inst.st_dev));
	for (seq = 1; seq <= 2; seq++) {
		action = seq == 1 ? "add" : "remove";
		snprintf(want, sizeof(want),
			 "%s@%s|ACTION=%s|DEVPATH=%s|SUBSYSTEM=devnsfs|DEVNAME=bus/usb/001/003|"
			 "MAJOR=%u|MINOR=%u|DEVMODE=0666|DEVNS_CLASS=zero|DEVNS_ID=%llu|SEQNUM=%u|",
			 action, devpath, action, devpath, d.major, d.minor,
			 (unsigned long long)d.id, seq);
		if (next_devnsfs_event(listener, got, sizeof(got)) < 0)
			return fail_msg(msg, len, errno, "no %s event", action);
		if (strcmp(want, got))
			return fail_msg(msg, len, EBADMSG, "got %.180s", got);
	}
	close(ctl);
	close(listener);
	return 0;
}

TEST(a_container_uses_devices_in_directories)
{
	struct userns_child c;
	char *dir = make_mountpoint(), msg[512], path[256];
	struct stat st;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, userns_child_start(&c, container_uses_a_subdirectory, dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	/* From outside: the container's root is TEST_UID. */
	snprintf(path, sizeof(path), "/proc/%d/root%s/%s", c.pid, dir, DEVNSFS_CONTROL_NAME);
	EXPECT_EQ(0, stat(path, &st));
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(dir);
	free(dir);
}

/* Directories as the container sees them: owned by its root. */
static int container_dirs(void *arg, char *msg, size_t len)
{
	const char *dir = arg;
	char path[256];
	int ctl, ret;

	if (mount("none", dir, "devnsfs", 0, NULL))
		return fail_msg(msg, len, errno, "mount");
	ctl = open(node_path(path, sizeof(path), dir, DEVNSFS_CONTROL_NAME), O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return fail_msg(msg, len, errno, "open control");
	ret = ctl_add(ctl, "dri/renderD128", "null", NULL);
	if (ret)
		return fail_msg(msg, len, -ret, "add");
	if (!rmdir(node_path(path, sizeof(path), dir, "dri")) || errno != ENOTEMPTY)
		return fail_msg(msg, len, errno, "rmdir of a directory holding a device");
	return 0;
}

TEST(container_directories_are_owned_by_its_root)
{
	struct userns_child c;
	char *dir = make_mountpoint(), msg[512], path[256];
	struct stat st;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, userns_child_start(&c, container_dirs, dir));
	EXPECT_EQ(0, userns_child_result(&c, msg, sizeof(msg))) {
		TH_LOG("in the container: %s", msg);
	}
	snprintf(path, sizeof(path), "/proc/%d/root%s/dri", c.pid, dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0755, st.st_mode & 07777);
	EXPECT_EQ(TEST_UID, st.st_uid);
	EXPECT_EQ(TEST_GID, st.st_gid);
	EXPECT_EQ(0, userns_child_finish(&c));
	rmdir(dir);
	free(dir);
}

TEST_HARNESS_MAIN
