// SPDX-License-Identifier: GPL-2.0
/* One-line wrappers of static inlines and macros that Rust cannot call. */

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>
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
