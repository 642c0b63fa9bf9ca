/* SPDX-License-Identifier: GPL-2.0 */
/* One-line wrappers of static inlines and macros that Rust cannot call. */
#ifndef DEVNSFS_HELPERS_H
#define DEVNSFS_HELPERS_H

struct inode;

void devnsfs_inode_lock(struct inode *inode);
void devnsfs_inode_unlock(struct inode *inode);
unsigned int devnsfs_current_fsuid(void);
unsigned int devnsfs_current_fsgid(void);

#endif
