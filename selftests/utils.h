/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the devnsfs selftests. */
#ifndef DEVNSFS_SELFTEST_UTILS_H
#define DEVNSFS_SELFTEST_UTILS_H

#include <stddef.h>
#include <sys/types.h>

/* The unprivileged user of the test guest. */
#define TEST_UID 1000
#define TEST_GID 1000

/*
 * A child process in a new user and mount namespace, root inside and
 * TEST_UID/TEST_GID outside (the binderfs selftest pattern: the child
 * unshares, the privileged parent writes its uid_map and gid_map).
 */
struct userns_child {
	pid_t pid;
	int to_child;
	int from_child;
};

/*
 * Runs in the child once it is root in its namespaces. Returns 0, or an
 * errno value after writing what failed into msg.
 */
typedef int (*userns_fn)(void *arg, char *msg, size_t len);

int userns_child_start(struct userns_child *c, userns_fn fn, void *arg);
/* The same, but TEST_UID/TEST_GID map to inside (so 0 stays unmapped). */
int userns_child_start_as(struct userns_child *c, unsigned int inside, userns_fn fn, void *arg);
/*
 * The same, root inside, with the maps host root writes for it (several
 * lines allowed, e.g. "0 1000 1\n1 200000 100"): a container with more ids
 * than its own. Inside 0 must map to TEST_UID/TEST_GID.
 */
int userns_child_start_maps(struct userns_child *c, const char *uid_map, const char *gid_map,
			    userns_fn fn, void *arg);
/* Waits for fn's verdict; the child stays alive (and its mounts with it). */
int userns_child_result(struct userns_child *c, char *msg, size_t len);
/* Lets the child exit; returns its wait status. */
int userns_child_finish(struct userns_child *c);

/* A new directory under /tmp that TEST_UID can reach; caller frees. */
char *make_mountpoint(void);
/* Records what failed and returns err, for userns_fn bodies. */
int fail_msg(char *msg, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif

#include <linux/devnsfs.h>

/* Fills a devnsfs_device for name and class (either may be NULL). */
void dev_init(struct devnsfs_device *d, const char *name, const char *class_name);
/* ioctl(ctl, cmd, d): 0 or -errno. */
int ctl_call(int ctl, unsigned long cmd, struct devnsfs_device *d);
/* Adds name of class through the control node; 0 or -errno. */
int ctl_add(int ctl, const char *name, const char *class_name, struct devnsfs_device *out);
int ctl_remove(int ctl, const char *name);
/* Mounts a new instance on dir with options; returns its control fd. */
int mount_instance(const char *dir, const char *options);
/* path = dir/name into buf. */
const char *node_path(char *buf, size_t len, const char *dir, const char *name);
/* Entries of dir besides "." and "..", sorted, each followed by a space. */
int list_dir(const char *dir, char *buf, size_t len);
/* Writes text to a file (for module parameters and the like); 0 or -1. */
int write_text(const char *path, const char *text);
/* Reloads devnsfs with parameters ("" for the defaults); 0 or -errno. */
int reload_module(const char *params);
/* The module's reference count, -1 if unreadable. */
int module_refcount(void);
/*
 * The super options (the last field) of the devnsfs mount on dir, from
 * /proc/self/mountinfo, into buf; 0, or -1 if there is none.
 */
int super_options(const char *dir, char *buf, size_t len);

/*
 * The count of a soak loop: quick under make check, full under make stress
 * (DEVNSFS_STRESS=1 in the environment), so both run the same code.
 */
unsigned long soak_count(unsigned long quick, unsigned long full);

/*
 * Passing a file descriptor over a unix socket (SCM_RIGHTS), with one byte
 * of payload: send returns 0 or -errno; recv returns the received fd or
 * -errno.
 */
int scm_send_fd(int sock, int fd);
int scm_recv_fd(int sock);

/*
 * From inside a userns child (root of its namespaces): a grandchild in a
 * new user and mount namespace nested in the caller's, its root mapped to
 * the caller's root (as unshare --map-root-user does, no privilege
 * needed). Use userns_child_result() and userns_child_finish() on it.
 */
int userns_child_start_nested(struct userns_child *c, userns_fn fn, void *arg);
/*
 * Runs fn in a forked process that joins the user and mount namespaces of
 * pid as their root (root of the initial namespace only may): a second
 * task of that container, holding no capability outside it. Returns fn's
 * result, or -1 with msg set if the process could not get there.
 */
int userns_join_run(pid_t pid, userns_fn fn, void *arg, char *msg, size_t len);
/*
 * Loads devnsfs with params ("" for the defaults) whether or not it is
 * loaded (a reload with a parameter it does not know leaves it unloaded),
 * waiting up to 5 s while the last instance goes; 0 or -errno.
 */
int reload_module_wait(const char *params);
/* reload_module_wait(""). */
int reset_module(void);
/*
 * Runs fn in a forked child with the caller's credentials and namespaces
 * and returns its result, or -1 with msg set if the child died before
 * reporting. The child may change its credentials or cgroup freely: the
 * caller's stay as they were.
 */
int fork_run(userns_fn fn, void *arg, char *msg, size_t len);
