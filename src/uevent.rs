// SPDX-License-Identifier: GPL-2.0

//! Uevents of devnsfs devices, delivered only to the network namespaces
//! owned by the instance's user namespace, through a sender socket in each
//! (`sys::UeventSenders`), never to the host's.
//!
//! The wire format is the kernel's: `ACTION@DEVPATH` and `KEY=VALUE`
//! strings, each NUL-terminated, without a netlink header.

use crate::{
    sys::UeventSenders,
    vfs::{Kgid, Kuid, UserNs},
};
use core::fmt::Write;
use kernel::prelude::*;

/// Room for the longest event (63-byte name, twice in the DEVPATHs and
/// once in DEVNAME, 20-digit numbers).
const EVENT_MAX: usize = 512;

/// What happened to a device.
#[derive(Clone, Copy)]
pub(crate) enum Action {
    Add,
    Remove,
}

/// One event, as every listener receives it.
pub(crate) struct Event<'a> {
    pub(crate) action: Action,
    /// The instance: its superblock's (major, minor).
    pub(crate) instance: (u32, u32),
    /// The device's name: its node's path from the instance's root.
    pub(crate) name: &'a [u8],
    pub(crate) major: u32,
    pub(crate) minor: u32,
    pub(crate) mode: u16,
    pub(crate) class: &'a CStr,
    pub(crate) id: u64,
    pub(crate) seqnum: u64,
}

/// A fixed buffer that `write!` fills; overflow is an error, never a panic.
struct Buffer {
    bytes: [u8; EVENT_MAX],
    len: usize,
}

impl Buffer {
    fn push(&mut self, data: &[u8]) -> core::fmt::Result {
        let end = self.len.checked_add(data.len()).ok_or(core::fmt::Error)?;
        self.bytes
            .get_mut(self.len..end)
            .ok_or(core::fmt::Error)?
            .copy_from_slice(data);
        self.len = end;
        Ok(())
    }
}

impl Write for Buffer {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.push(s.as_bytes())
    }
}

/// A device name as the last component of a DEVPATH: '/' becomes '!', as
/// the kernel names the kobject of a device whose name has directories
/// (dev_set_name() of "bus/usb/001/003" gives "bus!usb!001!003").
struct KobjectName<'a>(&'a str);

impl core::fmt::Display for KobjectName<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut parts = self.0.split('/');
        if let Some(first) = parts.next() {
            f.write_str(first)?;
        }
        for part in parts {
            f.write_str("!")?;
            f.write_str(part)?;
        }
        Ok(())
    }
}

impl Event<'_> {
    fn format(&self, out: &mut Buffer) -> core::fmt::Result {
        let action = match self.action {
            Action::Add => "add",
            Action::Remove => "remove",
        };
        let name = core::str::from_utf8(self.name).map_err(|_| core::fmt::Error)?;
        let class = self.class.to_str().map_err(|_| core::fmt::Error)?;
        let (imaj, imin) = self.instance;
        let kobject = KobjectName(name);
        let devpath =
            |out: &mut Buffer| write!(out, "/devices/virtual/devnsfs/{imaj}:{imin}/{kobject}");
        write!(out, "{action}@")?;
        devpath(out)?;
        write!(out, "\0ACTION={action}\0DEVPATH=")?;
        devpath(out)?;
        write!(
            out,
            "\0SUBSYSTEM=devnsfs\0DEVNAME={name}\0MAJOR={}\0MINOR={}\0DEVMODE={}{:o}\0\
             DEVNS_CLASS={class}\0DEVNS_ID={}\0SEQNUM={}\0",
            self.major,
            self.minor,
            // C's "%#o", as lib/kobject_uevent.c writes DEVMODE.
            if self.mode == 0 { "" } else { "0" },
            self.mode,
            self.id,
            self.seqnum
        )
    }

    /// Sends the event into the network namespaces `owner` owns, from
    /// uid/gid 0 of `owner`, as lib/kobject_uevent.c does for a netns of
    /// another user namespace (listeners there see 0/0).
    pub(crate) fn send(&self, senders: &UeventSenders, owner: UserNs<'_>) {
        let mut buf = Buffer {
            bytes: [0; EVENT_MAX],
            len: 0,
        };
        if self.format(&mut buf).is_err() {
            return;
        }
        let uid = owner.root_uid().unwrap_or(Kuid::GLOBAL_ROOT);
        let gid = owner.root_gid().unwrap_or(Kgid::GLOBAL_ROOT);
        senders.broadcast(
            owner,
            buf.bytes.get(..buf.len).unwrap_or_default(),
            uid,
            gid,
        );
    }
}
