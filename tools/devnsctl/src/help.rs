//! The man page: --help's long text. Kept apart from the grammar in
//! cli.rs so that each reads on its own.

pub const ABOUT: &str = "Add, remove, list and watch the devices of a devnsfs instance";

pub const LONG_ABOUT: &str = "\
devnsctl drives devnsfs, the device namespaces of containers: it adds, \
removes and describes the devices of an instance through its control node \
(devns-control, the ioctls DEVNSFS_IOC_ADD, DEVNSFS_IOC_REMOVE and \
DEVNSFS_IOC_INFO of <linux/devnsfs.h>), lists every entry of an instance, \
prints devnsfs uevents as they arrive, and mounts new instances.

The instance is the one whose control node is --control PATH (default \
/dev/devns-control), or, with --pid PID, the one at /dev of that process's \
mount namespace (/proc/PID/root/dev/devns-control). Adding and removing \
need the control node open for writing; info and ls only reading.

The rules (names, classes, budgets, who may add what) are in \
Documentation/filesystems/devnsfs.rst.";

pub const AFTER_LONG_HELP: &str = "\
EXAMPLES:
  In a container (unshare --user --map-root-user --mount --net):
    devnsctl mount -o std /dev
    devnsctl add net/tun tun
    devnsctl add rtc0 rtc
    devnsctl ls
  A host device by number (host root only: CAP_MKNOD):
    devnsctl --pid 4242 add dri/renderD128 host --host 226:128
  The devices of the container whose init is PID 4242, as JSON:
    devnsctl --pid 4242 ls --json
  Its uevents, from inside its network namespace:
    nsenter --net=/proc/4242/ns/net devnsctl monitor

EXIT STATUS:
  0  success
  1  the operation failed; the message names the errno and why
  2  usage error (bad arguments)

ERRORS (add, rm, info; Documentation/filesystems/devnsfs.rst, Errors):
  EINVAL      a bad name (1 to 63 bytes, components of [A-Za-z0-9._-]
              separated by single '/', not '.' or '..', the first not
              devns-control); host: major 0 or above 4095, minor above 2^20-1
  EOPNOTSUPP  add: no such class
  EEXIST      add: a node or directory is already at that path
  ENOTDIR     add: a device's node is where the path needs a directory
  ENOSPC      add: the instance holds max= devices, or every number devnsfs
              may reserve is handed out
  EDQUOT      add: your user's device-number budget is spent (ns_budget,
              user_budget); numbers are never reused until reboot
  ENOMEM      out of memory, or the memory cgroup's memory.max
  EPERM       add: class host needs CAP_MKNOD in the initial user namespace
              (and a device cgroup allowing it); tun, fuse, kvm while the
              host's tun_class, fuse_class or kvm_class is 0
  ENXIO       add: the driver of tun, fuse or kvm is not loaded
  EBADF       add, rm: the control node is not open for writing
  ENOENT      rm, info: no such device (a directory is not a device)
  EBUSY       rm: the device's node is a mount point";

pub const ADD_LONG: &str = "\
Add device NAME of class CLASS and print what it got: its number and id. \
NAME is the node's path from the instance's root (null, net/tun, \
dri/renderD128); the directories on it appear with it.

Classes: null, zero, full, random (the semantics of /dev/null, /dev/zero, \
/dev/full, /dev/urandom) and rtc (a clock of the container's own) are \
devnsfs's own devices. tty (5:0), tun (10:200), fuse (10:229), kvm \
(10:232) and host pass a host driver's device through, with the host's \
number; host takes that number from --host and needs CAP_MKNOD in the \
initial user namespace.";

pub const LS_LONG: &str = "\
List every entry of the instance: the control node, each device with its \
class, number, id and kind (native: devnsfs's own device; pass-through: a \
host driver's device), directories, symlinks and files (mount targets) \
the owner made or -o std put there, and directories something is mounted \
on (mountpoint: not entered).";

pub const MONITOR_LONG: &str = "\
Print devnsfs's uevents as they arrive, one line (or JSON object) per \
event, until interrupted or --count events. devnsfs sends an instance's \
events only into the network namespaces its user namespace owns, so this \
sees those of the containers whose network namespace it runs in; run it \
there (nsenter --net) to watch a container. Only messages from the kernel \
(netlink port 0) with SUBSYSTEM=devnsfs are shown. The line \"listening\" \
goes to stderr once the socket is bound.";

pub const MOUNT_LONG: &str = "\
Mount a new devnsfs instance on DIR with fsopen(2), fsconfig(2), \
fsmount(2) and move_mount(2). When the kernel refuses an option, its own \
message (the fs_context log) is printed, which mount(8) leaves in dmesg. \
OPTIONS are devnsfs's (uid=, gid=, mode=, ctlmode=, max=, std: a \
container's whole /dev) and the mount flags ro, nosuid, nodev, noexec, \
noatime, nodiratime, strictatime.";
