// SPDX-License-Identifier: GPL-2.0

//! A device of an instance: its name, class, number and revocation state.

use crate::{
    class::{Class, ClassDevice},
    devnum::Number,
    vfs::{poll, File, FileOps, PollTable, ReadBuf},
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{prelude::*, sync::Arc, uaccess::UserSliceReader};

/// `DEVNSFS_NAME_MAX`: a name field's size, NUL included.
pub(crate) const NAME_MAX: usize = 64;

/// The control node's name; no device may take it.
pub(crate) const CONTROL_NAME: &[u8] = b"devns-control";

/// A valid device (node) name.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Name {
    bytes: [u8; NAME_MAX],
    len: usize,
}

impl Name {
    /// Validates a NUL-terminated name field: 1 to 63 characters of
    /// `[A-Za-z0-9._-]`, not "." or "..", not the control node's name.
    pub(crate) fn parse(field: &[u8; NAME_MAX]) -> Result<Self> {
        let len = field.iter().position(|&b| b == 0).ok_or(EINVAL)?;
        let name = &field[..len];
        let allowed = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
        if len == 0
            || !name.iter().all(allowed)
            || name == b"."
            || name == b".."
            || name == CONTROL_NAME
        {
            return Err(EINVAL);
        }
        let mut bytes = [0u8; NAME_MAX];
        bytes[..len].copy_from_slice(name);
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
        &self.bytes[..self.len]
    }
}

/// A device. Its node's inode, the instance and every open file's inode
/// share it; it is freed with the last of them.
pub(crate) struct Device {
    pub(crate) name: Name,
    pub(crate) class: &'static Class,
    pub(crate) number: Number,
    /// Permission bits its node was created with.
    pub(crate) mode: u16,
    state: Arc<dyn ClassDevice>,
    revoked: AtomicBool,
}

impl Device {
    pub(crate) fn new(
        name: Name,
        class: &'static Class,
        number: Number,
        mode: u16,
        state: Arc<dyn ClassDevice>,
    ) -> Result<Arc<Self>> {
        Ok(Arc::new(
            Self {
                name,
                class,
                number,
                mode,
                state,
                revoked: AtomicBool::new(false),
            },
            GFP_KERNEL,
        )?)
    }

    /// Cuts the device off: every later call on its open files fails with
    /// `ENODEV` and blocked callers are woken. Idempotent.
    pub(crate) fn revoke(&self) {
        if !self.revoked.swap(true, Ordering::AcqRel) {
            self.state.revoke();
        }
    }

    fn live(&self) -> Result<&dyn ClassDevice> {
        if self.revoked.load(Ordering::Acquire) {
            return Err(ENODEV);
        }
        Ok(&*self.state)
    }
}

impl FileOps for Device {
    fn open(&self, file: &File) -> Result {
        self.live()?.open(file)
    }
    fn release(&self, file: &File) {
        self.state.release(file)
    }
    fn read(&self, file: &File, buf: &mut ReadBuf, pos: &mut i64) -> Result<usize> {
        self.live()?.read(file, buf, pos)
    }
    fn write(&self, file: &File, buf: &mut UserSliceReader, pos: &mut i64) -> Result<usize> {
        self.live()?.write(file, buf, pos)
    }
    fn llseek(&self, file: &File, offset: i64, whence: i32, pos: i64) -> Result<i64> {
        self.live()?.llseek(file, offset, whence, pos)
    }
    fn ioctl(&self, file: &File, cmd: u32, arg: usize) -> Result<isize> {
        self.live()?.ioctl(file, cmd, arg)
    }
    /// A revoked device polls as hung up with an error, as a hung-up tty.
    fn poll(&self, file: &File, table: &PollTable) -> u32 {
        match self.live() {
            Ok(state) => state.poll(file, table),
            Err(_) => poll::ERR | poll::HUP,
        }
    }
}
