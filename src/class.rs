// SPDX-License-Identifier: GPL-2.0

//! Device classes: what a device node does when opened.
//!
//! A class is a name and a constructor of per-device state implementing
//! [`ClassDevice`]; the registry below is the only place that lists them,
//! so a new class plugs in without touching the filesystem code.

mod mem;

use crate::vfs::{poll, File};
use kernel::{
    prelude::*,
    sync::Arc,
    uaccess::{UserSliceReader, UserSliceWriter},
};

/// The per-device behaviour of a class. Every call comes from an open file
/// of a live (not revoked) device, except `release` and `revoke`.
pub(crate) trait ClassDevice: Send + Sync {
    /// A new open file; refuse with an errno (e.g. `EBUSY`).
    fn open(&self, _file: &File) -> Result {
        Ok(())
    }
    /// The last close of an open file; also after revocation.
    fn release(&self, _file: &File) {}
    fn read(&self, _file: &File, _buf: &mut UserSliceWriter, _pos: &mut i64) -> Result<usize> {
        Err(EINVAL)
    }
    fn write(&self, _file: &File, _buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        Err(EINVAL)
    }
    /// Returns the new file position; `pos` is the current one.
    fn llseek(&self, _offset: i64, _whence: i32, _pos: i64) -> Result<i64> {
        Err(ESPIPE)
    }
    fn ioctl(&self, _file: &File, _cmd: u32, _arg: usize) -> Result<isize> {
        Err(ENOTTY)
    }
    fn poll(&self, _file: &File) -> u32 {
        poll::IN | poll::RDNORM | poll::OUT | poll::WRNORM
    }
    /// The device is gone: cancel timers and wake every blocked caller,
    /// who must then fail with `ENODEV`. Called once.
    fn revoke(&self) {}
}

/// A device class.
pub(crate) struct Class {
    /// What `DEVNSFS_IOC_ADD` names it by (at most 15 bytes).
    pub(crate) name: &'static CStr,
    /// Makes the state of a new device.
    pub(crate) create: fn() -> Result<Arc<dyn ClassDevice>>,
}

/// Every class devnsfs offers.
static CLASSES: [Class; 4] = [mem::NULL, mem::ZERO, mem::FULL, mem::RANDOM];

/// The class called `name`.
pub(crate) fn find(name: &[u8]) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name.as_bytes() == name)
}
