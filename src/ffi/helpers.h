/* SPDX-License-Identifier: GPL-2.0 */
/* One-line wrappers of static inlines and macros that Rust cannot call. */
#ifndef DEVNSFS_HELPERS_H
#define DEVNSFS_HELPERS_H

#include <linux/types.h>

struct file;
struct hrtimer;
struct inode;
struct net;
struct netlink_skb_parms;
struct poll_table_struct;
struct sk_buff;
struct user_namespace;
struct wait_queue_head;

void devnsfs_inode_lock(struct inode *inode);
int devnsfs_inode_lock_killable(struct inode *inode);
void devnsfs_inode_unlock(struct inode *inode);
unsigned int devnsfs_current_fsuid(void);
unsigned int devnsfs_current_fsgid(void);
struct user_namespace *devnsfs_net_user_ns(struct net *net);
struct sk_buff *devnsfs_alloc_skb(unsigned int size);
struct netlink_skb_parms *devnsfs_netlink_cb(struct sk_buff *skb);

void devnsfs_init_waitqueue_head(struct wait_queue_head *wq_head);
void devnsfs_poll_wait(struct file *file, struct wait_queue_head *wq_head,
		       struct poll_table_struct *pt);
u64 devnsfs_hrtimer_forward_now(struct hrtimer *timer, s64 interval);
unsigned long devnsfs_clear_user(void __user *to, unsigned long n);

struct user_namespace *devnsfs_get_user_ns(struct user_namespace *ns);
void devnsfs_put_user_ns(struct user_namespace *ns);
bool devnsfs_user_ns_sole_reference(struct user_namespace *ns);

struct dentry;
bool devnsfs_d_mountpoint(const struct dentry *dentry);
void devnsfs_dont_mount(struct dentry *dentry);
struct dentry *devnsfs_lookup_noperm(struct dentry *dir, const unsigned char *name, u32 len);
void devnsfs_d_add_or_instantiate(struct dentry *dentry, struct inode *inode);
bool devnsfs_d_unhashed(const struct dentry *dentry);
void devnsfs_annotate_dir(struct inode *inode);
void devnsfs_dir_changed(struct inode *dir);
size_t devnsfs_fault_in_writeable(char __user *uaddr, size_t size);
int devnsfs_devcgroup_may_mknod(u32 major, u32 minor);
bool devnsfs_is_tty(u32 major, u32 minor);

void devnsfs_fsnotify_created(struct inode *dir, struct dentry *dentry);
void devnsfs_fsnotify_removed(struct inode *dir, struct dentry *dentry);
char *devnsfs_kstrdup_account(const char *s);
bool devnsfs_is_deaddir(const struct inode *inode);
struct dentry *devnsfs_dget(struct dentry *dentry);

#endif
