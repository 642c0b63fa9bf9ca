/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * devnsfs: device namespaces for containers.
 *
 * Every mount of devnsfs is an instance owned by the mounting user
 * namespace; see Documentation/filesystems/devnsfs.rst.
 */
#ifndef _UAPI_LINUX_DEVNSFS_H
#define _UAPI_LINUX_DEVNSFS_H

/* statfs(2) f_type of every devnsfs instance ("devs"). */
#define DEVNSFS_SUPER_MAGIC	0x64657673

#endif /* _UAPI_LINUX_DEVNSFS_H */
