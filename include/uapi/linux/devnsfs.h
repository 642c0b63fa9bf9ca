/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * devnsfs: device namespaces for containers.
 *
 * Every mount of devnsfs is an instance owned by the mounting user
 * namespace. Its root holds the control node DEVNSFS_CONTROL_NAME, whose
 * ioctls add, remove and describe the instance's devices. See
 * Documentation/filesystems/devnsfs.rst.
 */
#ifndef _UAPI_LINUX_DEVNSFS_H
#define _UAPI_LINUX_DEVNSFS_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* statfs(2) f_type of every devnsfs instance ("devs"). */
#define DEVNSFS_SUPER_MAGIC	0x64657673

/* The control node in the root of every instance. */
#define DEVNSFS_CONTROL_NAME	"devns-control"

/* Sizes of the name fields, each including its terminating NUL. */
#define DEVNSFS_NAME_MAX	64
#define DEVNSFS_CLASS_MAX	16

/*
 * struct devnsfs_device - the argument of every control ioctl
 * @name:       in: the device's name, NUL-terminated: the path of its node
 *              from the instance's root, 1..63 bytes, components separated
 *              by single '/' (none leading or trailing), each 1 or more
 *              characters of [A-Za-z0-9._-] and not "." or "..", the first
 *              not DEVNSFS_CONTROL_NAME ("null", "dri/renderD128",
 *              "bus/usb/001/003")
 * @class_name: in (ADD): the device class ("null", "zero", "full",
 *              "random", "rtc", or a pass-through class: "host", "tty",
 *              "tun", "fuse", "kvm"); out (INFO)
 * @flags:      in: must be 0
 * @major:      in (ADD of "host"): the host device to pass through;
 *              out (ADD, INFO): device number of the node (the host's
 *              for a pass-through class)
 * @minor:      in (ADD of "host"); out (ADD, INFO)
 * @__reserved0: must be 0
 * @id:         out (ADD, INFO): 64-bit id, unique until reboot; ids only
 *              ever increase
 * @__reserved: must be 0
 *
 * The kernel ignores @major, @minor (except for ADD of "host") and @id on
 * input, and @class_name for REMOVE and INFO.
 *
 * Directories: ADD creates the directories on @name's path that are
 * missing (mode 0755, owned by the instance's uid= and gid=), REMOVE
 * removes each that it leaves without entries, unless something is mounted
 * on it. Only devnsfs changes them: unlink(2) and rmdir(2) in or of a
 * directory fail with EPERM (unlink(2) of a device in the root removes it).
 */
struct devnsfs_device {
	char name[DEVNSFS_NAME_MAX];
	char class_name[DEVNSFS_CLASS_MAX];
	__u32 flags;
	__u32 major;
	__u32 minor;
	__u32 __reserved0;
	__u64 id;
	__u64 __reserved[4];
};

/*
 * ioctls of the control node. ADD and REMOVE need the control node open
 * for writing; INFO does not. Every failure leaves the instance unchanged.
 *
 * Errors of all three:
 *   ENOTTY  unknown ioctl
 *   EFAULT  the argument is not readable (or, for ADD/INFO, writable)
 *   EINVAL  non-zero @flags or reserved field; bad @name (empty, not
 *           NUL-terminated within DEVNSFS_NAME_MAX, a character outside
 *           [A-Za-z0-9._-] and '/', a leading, trailing or doubled '/', a
 *           component "." or "..", or DEVNSFS_CONTROL_NAME as the first)
 *   EBADF   ADD or REMOVE on a control node not open for writing
 *   EINTR   ADD or REMOVE: killed while waiting for a directory's lock
 *           (a reader can hold one for as long as a page fault takes);
 *           a REMOVE so ended has revoked the device already
 * DEVNSFS_IOC_ADD:
 *   EINVAL      @class_name not NUL-terminated within DEVNSFS_CLASS_MAX
 *   EOPNOTSUPP  no such device class
 *   EEXIST      the instance already has a node or a directory at @name
 *   ENOTDIR     a device's node is where @name needs a directory
 *   ENOSPC      the instance holds max= devices, or every device number
 *               devnsfs may reserve has been handed out (for an instance
 *               of a container: all but the module parameter reserved)
 *   EDQUOT      the container's user namespace (with its descendants), an
 *               ancestor, or the host user owning the container used up
 *               its budget of device numbers (module parameters ns_budget,
 *               user_budget)
 *   ENOMEM      out of memory (or the memory cgroup's limit)
 *   EPERM       "host" without CAP_MKNOD in the initial user namespace,
 *               or a device cgroup that does not allow mknod of that
 *               number; "tun", "fuse", "kvm" while the module parameter
 *               tun_class, fuse_class or kvm_class is 0 (kvm_class is 0
 *               unless the host sets it)
 *   ENXIO       "tun", "fuse", "kvm": the driver is neither built in nor
 *               loaded (devnsfs loads no module for them)
 *   EINVAL      "host": @major 0 or above 4095, or @minor above 2^20 - 1
 *   ENOENT      a directory on the path of @name was removed meanwhile
 *               (the owner's rmdir(2))
 * DEVNSFS_IOC_REMOVE, DEVNSFS_IOC_INFO:
 *   ENOENT      the instance has no device called @name (a directory is
 *               not a device)
 * DEVNSFS_IOC_REMOVE:
 *   EBUSY       the device's node is a mount point
 */
/*
 * Uevents. On every add and remove of a device devnsfs sends one message on
 * NETLINK_KOBJECT_UEVENT, multicast group 1, to every network namespace
 * owned by exactly the instance's user namespace (no other), with sender
 * portid 0 and SCM_CREDENTIALS of uid/gid 0 of that user namespace. The
 * payload is the kernel's format, NUL-terminated strings without a netlink
 * header (ACTION is "add" or "remove"; INSTANCE is the instance's st_dev as
 * "major:minor"; NAME is @name, KOBJ is @name with every '/' replaced by
 * '!', as the kernel names kobjects; SEQNUM counts per instance from 1):
 *
 *   ACTION@/devices/virtual/devnsfs/INSTANCE/KOBJ
 *   ACTION=ACTION   DEVPATH=/devices/virtual/devnsfs/INSTANCE/KOBJ
 *   SUBSYSTEM=devnsfs   DEVNAME=NAME   MAJOR=N   MINOR=N   DEVMODE=0NNN
 *   DEVNS_CLASS=CLASS   DEVNS_ID=ID   SEQNUM=N
 */

/*
 * Pass-through classes: the node opens a host driver's character device
 * (tty 5:0, tun 10:200, fuse 10:229, kvm 10:232, host: the number given),
 * after the usual checks of mode, owner and the opener's device cgroup
 * with the host number; opening a "host" node without a driver gives
 * ENXIO, and opening a "tun", "fuse" or "kvm" node whose driver has been
 * unloaded gives ENXIO too. Files of "host", "tun" and "kvm" nodes are
 * proxied: once the node is removed (REMOVE or unlink), every later call
 * on them fails with ENODEV (poll: POLLERR | POLLHUP) and close succeeds.
 * "tty" and "fuse" files, and a "host" node's files when a tty driver
 * serves its number, are the driver's own: removal stops new opens only.
 */

/*
 * The "rtc" class: a virtual real-time clock per device, the host's
 * CLOCK_REALTIME plus the device's own offset, behind the RTC ABI of
 * <linux/rtc.h> as drivers/rtc/dev.c presents a device with alarm and
 * update interrupts (RTC_FEATURE_ALARM | RTC_FEATURE_UPDATE_INTERRUPT),
 * periodic interrupts at 1-8192 Hz, range 1970 to 2199-12-31 23:59:59.
 * CAP_SYS_TIME is checked in the user namespace owning the instance,
 * CAP_SYS_RESOURCE (interrupts above 64 Hz) in the initial one.
 * Errors of an rtc node:
 *   EACCES      RTC_SET_TIME, RTC_PARAM_SET, RTC_EPOCH_SET without
 *               CAP_SYS_TIME; RTC_IRQP_SET above 64 Hz or RTC_PIE_ON at such
 *               a frequency without CAP_SYS_RESOURCE
 *   EDQUOT      RTC_UIE_ON, RTC_PIE_ON: the owner's budget of rtc devices
 *               with interrupts on is spent (module parameter rtc_armed)
 *   EINVAL      a date or time that does not exist, or before 1970; a
 *               frequency outside 1-8192; an unknown RTC_PARAM_* parameter
 *               or index; read() of fewer than 8 bytes other than 4; write()
 *   ERANGE      a date after 2199-12-31 23:59:59
 *   EFAULT      the argument cannot be read or written
 *   EBUSY       open() while another file of the device is open
 *   EAGAIN      read() with O_NONBLOCK and no interrupt pending
 *   EINTR       a signal ended a blocking read() (restarted with SA_RESTART)
 *   ENODEV      the device was removed; blocked readers wake with it
 *   EOPNOTSUPP  RTC_PARAM_GET/SET of RTC_PARAM_CORRECTION
 *   ENOTTY      RTC_EPOCH_*, RTC_WIE_*, RTC_VL_*, RTC_PLL_*, other ioctls
 *   ESPIPE      lseek()
 */

#define DEVNSFS_IOC_MAGIC	0xDE
#define DEVNSFS_IOC_ADD		_IOWR(DEVNSFS_IOC_MAGIC, 0x01, struct devnsfs_device)
#define DEVNSFS_IOC_REMOVE	_IOW(DEVNSFS_IOC_MAGIC, 0x02, struct devnsfs_device)
#define DEVNSFS_IOC_INFO	_IOWR(DEVNSFS_IOC_MAGIC, 0x03, struct devnsfs_device)

#endif /* _UAPI_LINUX_DEVNSFS_H */
