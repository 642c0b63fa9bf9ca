// SPDX-License-Identifier: GPL-2.0

//! A device of an instance: its name, class, number and revocation state.

use crate::{
    class::{Behaviour, Call, Class, ClassDevice},
    devnum::Number,
    sys::{Active, Liveness},
    vfs::{
        open_host, poll, File, FileOps, InodePrivate, PollTable, ProxySlot, ProxyTarget, ReadBuf,
        Revocable, MINOR_BITS,
    },
};
use kernel::{init::PinInit, prelude::*, uaccess::UserSliceReader};

/// `DEVNSFS_NAME_MAX`: a name field's size, NUL included.
pub(crate) const NAME_MAX: usize = 64;

/// The control node's name; no device may take it.
pub(crate) const CONTROL_NAME: &[u8] = b"devns-control";

/// A valid device name: the path of its node from the instance's root.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Name {
    bytes: [u8; NAME_MAX],
    len: usize,
}

impl Name {
    /// Validates a NUL-terminated name field: a relative path of 1 to 63
    /// bytes whose components, separated by single '/', are each 1 or more
    /// characters of `[A-Za-z0-9._-]` other than "." and ".."; the first
    /// is not the control node's name.
    pub(crate) fn parse(field: &[u8; NAME_MAX]) -> Result<Self> {
        let len = field.iter().position(|&b| b == 0).ok_or(EINVAL)?;
        let name = field.get(..len).ok_or(EINVAL)?;
        let allowed = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
        // An empty name is one empty component; a leading, trailing or
        // doubled '/' makes another.
        let valid = |part: &[u8]| {
            !part.is_empty() && part.iter().all(allowed) && part != b"." && part != b".."
        };
        if !name.split(|&b| b == b'/').all(valid)
            || name.split(|&b| b == b'/').next() == Some(CONTROL_NAME)
        {
            return Err(EINVAL);
        }
        let mut bytes = [0u8; NAME_MAX];
        bytes.get_mut(..len).ok_or(EINVAL)?.copy_from_slice(name);
        Ok(Self { bytes, len })
    }

    /// A name taken from an existing directory entry (may be invalid).
    pub(crate) fn from_entry(name: &[u8]) -> Result<Self> {
        let mut field = [0u8; NAME_MAX];
        field
            .get_mut(..name.len())
            .ok_or(ENOENT)?
            .copy_from_slice(name);
        Self::parse(&field).map_err(|_| ENOENT)
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        // `len` < NAME_MAX (`parse`), so the slice is always there.
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// A device. Its node's inode, the instance and every open file's inode
/// share it; it is freed with the last of them.
#[pin_data]
pub(crate) struct Device {
    pub(crate) name: Name,
    pub(crate) class: &'static Class,
    pub(crate) number: Number,
    /// Permission bits its node was created with.
    pub(crate) mode: u16,
    state: Behaviour,
    /// Calls in flight on a native device; revocation waits for them.
    #[pin]
    liveness: Liveness,
}

impl Device {
    pub(crate) fn new(
        name: Name,
        class: &'static Class,
        number: Number,
        mode: u16,
        state: Behaviour,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            name,
            class,
            number,
            mode,
            state,
            liveness <- Liveness::new(),
        })
    }

    /// Cuts the device off: later calls on its open files fail with
    /// `ENODEV`, and blocked callers are woken. Idempotent; never waits
    /// for the calls in flight, so callers may hold locks.
    pub(crate) fn revoke(&self) {
        self.liveness.begin_revoke(|| match &self.state {
            Behaviour::Native(state) => state.revoke(),
            Behaviour::Host(host) => host.revoke(),
        });
    }

    /// The number of its node, as (major, minor): the host device's for a
    /// pass-through device, else the one devnsfs handed out.
    pub(crate) fn rdev(&self) -> (u32, u32) {
        match &self.state {
            Behaviour::Native(_) => (self.number.major, self.number.minor),
            Behaviour::Host(host) => host.number(),
        }
    }

    /// After `revoke`: waits until no call is in flight any more (long
    /// reads and writes stop at their next page). Holding no lock that a
    /// call might wait for; a waiter being killed stops early.
    pub(crate) fn wait_revoked(&self) {
        let _ = self.liveness.wait_idle();
    }

    /// `rdev` as the kernel's `dev_t`, MKDEV(major, minor).
    pub(crate) fn devt(&self) -> u32 {
        let (major, minor) = self.rdev();
        (major << MINOR_BITS) | minor
    }

    /// Enters a call on a live native device (`ENODEV` once revoked).
    /// The files of a pass-through device never call here after their
    /// open: their `f_op` is the driver's or the proxy's.
    fn enter(&self) -> Result<(Active<'_>, &dyn ClassDevice)> {
        match &self.state {
            Behaviour::Native(state) => Ok((self.liveness.enter().ok_or(ENODEV)?, &**state)),
            Behaviour::Host(_) => Err(ENODEV),
        }
    }
}

impl FileOps for Device {
    /// A pass-through device's open does not count as a call in flight:
    /// a driver's open may block (a serial port waiting for carrier), and
    /// removal must not wait for it.
    fn open(&self, file: &File) -> Result {
        if let Behaviour::Host(host) = &self.state {
            let forwarding = host.open_forwarding()?;
            return open_host::<InodePrivate<Device>>(file, forwarding, host.proxy());
        }
        let (_active, state) = self.enter()?;
        state.open(file)
    }
    fn release(&self, file: &File) {
        if let Behaviour::Native(state) = &self.state {
            state.release(file)
        }
    }
    fn read(&self, file: &File, buf: &mut ReadBuf, pos: &mut i64) -> Result<usize> {
        let (_active, state) = self.enter()?;
        let call = Call {
            file,
            liveness: &self.liveness,
        };
        state.read(&call, buf, pos)
    }
    fn write(&self, file: &File, buf: &mut UserSliceReader, pos: &mut i64) -> Result<usize> {
        let (_active, state) = self.enter()?;
        let call = Call {
            file,
            liveness: &self.liveness,
        };
        state.write(&call, buf, pos)
    }
    fn llseek(&self, file: &File, offset: i64, whence: i32, pos: i64) -> Result<i64> {
        let (_active, state) = self.enter()?;
        state.llseek(file, offset, whence, pos)
    }
    fn ioctl(&self, file: &File, cmd: u32, arg: usize) -> Result<isize> {
        let (_active, state) = self.enter()?;
        state.ioctl(file, cmd, arg)
    }
    /// A revoked device polls as hung up with an error, as a hung-up tty.
    fn poll(&self, file: &File, table: &PollTable) -> u32 {
        match self.enter() {
            Ok((_active, state)) => state.poll(file, table),
            Err(_) => poll::ERR | poll::HUP,
        }
    }
}

impl ProxyTarget for Device {
    fn passthrough(&self) -> Option<(&dyn Revocable, &ProxySlot)> {
        match &self.state {
            Behaviour::Host(host) => Some((&**host, host.proxy())),
            Behaviour::Native(_) => None,
        }
    }
}
