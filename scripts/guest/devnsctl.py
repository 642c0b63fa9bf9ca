#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Drive a devnsfs control node:
devnsctl.py CONTROL add|remove|info NAME [CLASS [MAJOR:MINOR]] (the number for class host)."""
import fcntl
import struct
import sys

# struct devnsfs_device of include/uapi/linux/devnsfs.h (136 bytes).
LAYOUT = struct.Struct("=64s16sIIIIQ32x")


def ioc(direction, nr):
    return direction << 30 | LAYOUT.size << 16 | 0xDE << 8 | nr


CMDS = {"add": ioc(3, 1), "remove": ioc(1, 2), "info": ioc(3, 3)}


def main():
    ctl, verb, name = sys.argv[1:4]
    cls = sys.argv[4] if len(sys.argv) > 4 else ""
    major, minor = (int(n) for n in sys.argv[5].split(":")) if len(sys.argv) > 5 else (0, 0)
    buf = bytearray(LAYOUT.pack(name.encode(), cls.encode(), 0, major, minor, 0, 0))
    with open(ctl, "rb+", buffering=0) as f:
        fcntl.ioctl(f, CMDS[verb], buf)
    _, cls, _, major, minor, _, dev_id = LAYOUT.unpack(buf)
    if verb != "remove":
        cls = cls.rstrip(b"\0").decode()
        print(f"{name}: class={cls} dev={major}:{minor} id={dev_id}")


if __name__ == "__main__":
    main()
