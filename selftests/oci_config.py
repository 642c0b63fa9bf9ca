#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Edit the config.json that `crun spec --rootless` or `runc spec --rootless`
wrote, for oci_test:

    oci_config.py CONFIG DEV TERMINAL ROOTFS ARG...

DEV is what /dev is:
  tmpfs    the runtime's own (the spec as written: a tmpfs on which the
           runtime makes its nodes, bind mounts of the host's in a user
           namespace, and symlinks);
  devnsfs  devnsfs with -o std, then a bind mount of that instance onto
           itself, which tells both runtimes that /dev is complete (runc
           and crun create no node, symlink or directory in a /dev that
           is a bind mount); with a terminal, also a placeholder for
           /dev/console (crun binds the pty there but creates the file only
           in a /dev it fills);
  plain    devnsfs with -o std and nothing else: the runtime still adds
           its default nodes (bind mounts of the host's, in a user
           namespace) and symlinks on top.
TERMINAL is 0 or 1 (process.terminal); ROOTFS the bundle's rootfs, given
as an absolute path since runc refuses a symlink; ARG... the process.

What the test kernel lacks goes: the ipc namespace without
/proc/self/ns/ipc (CONFIG_IPC_NS), the /dev/mqueue mount without mqueue
in /proc/filesystems (CONFIG_POSIX_MQUEUE). The uid and gid maps are one
id each, the caller's (crun's spec leaves them out, and crun then tries
newuidmap with the ranges of /etc/subuid first).
"""
import json
import os
import sys

# The devnsfs mount a config.json uses for /dev: the runtime's flags
# (nosuid, noexec) and devnsfs's own option (std), which runtimes pass to
# mount(2) as data.
DEVNSFS_DEV = {"destination": "/dev", "type": "devnsfs", "source": "devnsfs",
               "options": ["nosuid", "noexec", "std"]}


def main():
    path, dev, terminal, rootfs = sys.argv[1:5]
    args = sys.argv[5:]
    with open(path) as f:
        c = json.load(f)
    c["process"]["terminal"] = terminal == "1"
    c["process"]["args"] = args
    c["root"]["path"] = rootfs
    linux = c.setdefault("linux", {})
    if not linux.get("uidMappings"):
        linux["uidMappings"] = [{"containerID": 0, "hostID": os.getuid(), "size": 1}]
    if not linux.get("gidMappings"):
        linux["gidMappings"] = [{"containerID": 0, "hostID": os.getgid(), "size": 1}]
    if not os.path.exists("/proc/self/ns/ipc"):
        linux["namespaces"] = [n for n in linux["namespaces"] if n["type"] != "ipc"]
    with open("/proc/filesystems") as f:
        has_mqueue = any(line.split()[-1] == "mqueue" for line in f if line.strip())
    mounts = []
    for m in c["mounts"]:
        if m["destination"] == "/dev/mqueue" and not has_mqueue:
            continue
        if m["destination"] == "/dev" and dev != "tmpfs":
            mounts.append(dict(DEVNSFS_DEV))
            if dev == "devnsfs":
                mounts.append({"destination": "/dev", "type": "bind",
                               "source": os.path.join(rootfs, "dev"),
                               "options": ["bind", "nosuid", "noexec"]})
                if terminal == "1":
                    mounts.append({"destination": "/dev/console", "type": "bind",
                                   "source": "/dev/null", "options": ["bind"]})
            continue
        mounts.append(m)
    c["mounts"] = mounts
    with open(path, "w") as f:
        json.dump(c, f, indent=1)


if __name__ == "__main__":
    main()
