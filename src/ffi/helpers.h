/* SPDX-License-Identifier: GPL-2.0 */
/* One-line wrappers of static inlines and macros that Rust cannot call. */
#ifndef DEVNSFS_HELPERS_H
#define DEVNSFS_HELPERS_H

struct inode;
struct net;
struct netlink_skb_parms;
struct sk_buff;
struct user_namespace;

void devnsfs_inode_lock(struct inode *inode);
void devnsfs_inode_unlock(struct inode *inode);
unsigned int devnsfs_current_fsuid(void);
unsigned int devnsfs_current_fsgid(void);
struct user_namespace *devnsfs_net_user_ns(struct net *net);
struct sk_buff *devnsfs_alloc_skb(unsigned int size);
struct netlink_skb_parms *devnsfs_netlink_cb(struct sk_buff *skb);

#endif
