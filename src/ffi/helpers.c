// SPDX-License-Identifier: GPL-2.0
/* One-line wrappers of static inlines and macros that Rust cannot call. */

#include <linux/cred.h>
#include <linux/device_cgroup.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/hrtimer.h>
#include <linux/major.h>
#include <linux/netlink.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/skbuff.h>
#include <linux/tty.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>
#include <net/net_namespace.h>
#include "helpers.h"

void devnsfs_inode_lock(struct inode *inode)
{
	inode_lock(inode);
}

int devnsfs_inode_lock_killable(struct inode *inode)
{
	return inode_lock_killable(inode);
}

void devnsfs_inode_unlock(struct inode *inode)
{
	inode_unlock(inode);
}

/* Kernel-internal (global) fsuid and fsgid of the current task. */
unsigned int devnsfs_current_fsuid(void)
{
	return __kuid_val(current_fsuid());
}

unsigned int devnsfs_current_fsgid(void)
{
	return __kgid_val(current_fsgid());
}

struct user_namespace *devnsfs_net_user_ns(struct net *net)
{
	return net->user_ns;
}

struct sk_buff *devnsfs_alloc_skb(unsigned int size)
{
	return alloc_skb(size, GFP_KERNEL);
}

struct netlink_skb_parms *devnsfs_netlink_cb(struct sk_buff *skb)
{
	return &NETLINK_CB(skb);
}

/* One lock class for every devnsfs wait queue: they never nest. */
void devnsfs_init_waitqueue_head(struct wait_queue_head *wq_head)
{
	init_waitqueue_head(wq_head);
}

void devnsfs_poll_wait(struct file *file, struct wait_queue_head *wq_head,
		       struct poll_table_struct *pt)
{
	poll_wait(file, wq_head, pt);
}

u64 devnsfs_hrtimer_forward_now(struct hrtimer *timer, s64 interval)
{
	return hrtimer_forward_now(timer, interval);
}

unsigned long devnsfs_clear_user(void __user *to, unsigned long n)
{
	return clear_user(to, n);
}

struct user_namespace *devnsfs_get_user_ns(struct user_namespace *ns)
{
	return get_user_ns(ns);
}

void devnsfs_put_user_ns(struct user_namespace *ns)
{
	put_user_ns(ns);
}

/* Whether the caller holds the only reference left on ns. */
bool devnsfs_user_ns_sole_reference(struct user_namespace *ns)
{
	return refcount_read(&ns->ns.count) == 1;
}

bool devnsfs_d_mountpoint(const struct dentry *dentry)
{
	return d_mountpoint(dentry);
}

void devnsfs_dont_mount(struct dentry *dentry)
{
	dont_mount(dentry);
}

/*
 * The dentry of name in dir, negative if new: a lookup without the
 * permission check of lookup_one_len(), for devnsfs's own nodes.
 */
struct dentry *devnsfs_lookup_noperm(struct dentry *dir, const unsigned char *name, u32 len)
{
	struct qstr q = QSTR_INIT(name, len);
	struct dentry *d = d_hash_and_lookup(dir, &q);

	return d ? d : d_alloc(dir, &q);
}

/* Makes a prepared dentry positive, hashing it if d_alloc() made it. */
void devnsfs_d_add_or_instantiate(struct dentry *dentry, struct inode *inode)
{
	if (d_unhashed(dentry))
		d_add(dentry, inode);
	else
		d_instantiate(dentry, inode);
}

bool devnsfs_d_unhashed(const struct dentry *dentry)
{
	return d_unhashed(dentry);
}

/* A directory's i_rwsem gets its own lockdep class, as shmem gives it. */
void devnsfs_annotate_dir(struct inode *inode)
{
	lockdep_annotate_inode_mutex_key(inode);
}

/* An entry of dir was added or removed: its mtime and ctime are now. */
void devnsfs_dir_changed(struct inode *dir)
{
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
}

/* Bytes of [uaddr, uaddr + size) that could not be faulted in writable. */
size_t devnsfs_fault_in_writeable(char __user *uaddr, size_t size)
{
	return fault_in_writeable(uaddr, size);
}

/* mknod(2)'s device cgroup check (0 or -EPERM) for a character device. */
int devnsfs_devcgroup_may_mknod(u32 major, u32 minor)
{
	return devcgroup_inode_mknod(S_IFCHR, MKDEV(major, minor));
}

/*
 * Whether a tty driver serves the character device: tty_kopen_shared()
 * finds the driver by number (-ENODEV if none) and opens nothing.
 */
bool devnsfs_is_tty(u32 major, u32 minor)
{
	struct tty_struct *tty;

	if (major == TTYAUX_MAJOR)
		return true;
	tty = tty_kopen_shared(MKDEV(major, minor));
	if (tty == ERR_PTR(-ENODEV))
		return false;
	if (!IS_ERR_OR_NULL(tty))
		tty_kref_put(tty);
	return true;
}

/* What a syscall making the entry would tell fsnotify (IN_CREATE). */
void devnsfs_fsnotify_created(struct inode *dir, struct dentry *dentry)
{
	if (d_is_dir(dentry))
		fsnotify_mkdir(dir, dentry);
	else
		fsnotify_create(dir, dentry);
}

/* What a syscall removing the (still positive) entry would tell (IN_DELETE). */
void devnsfs_fsnotify_removed(struct inode *dir, struct dentry *dentry)
{
	if (d_is_dir(dentry))
		fsnotify_rmdir(dir, dentry);
	else
		fsnotify_unlink(dir, dentry);
}

/* A symlink target's copy, charged to the caller's memory cgroup. */
char *devnsfs_kstrdup_account(const char *s)
{
	return kstrdup(s, GFP_KERNEL_ACCOUNT);
}

bool devnsfs_is_deaddir(const struct inode *inode)
{
	return IS_DEADDIR(inode);
}

struct dentry *devnsfs_dget(struct dentry *dentry)
{
	return dget(dentry);
}
