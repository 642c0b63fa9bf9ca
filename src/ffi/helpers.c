// SPDX-License-Identifier: GPL-2.0
/* One-line wrappers of static inlines and macros that Rust cannot call. */

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/netlink.h>
#include <linux/poll.h>
#include <linux/skbuff.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <net/net_namespace.h>
#include "helpers.h"

void devnsfs_inode_lock(struct inode *inode)
{
	inode_lock(inode);
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
