// SPDX-License-Identifier: GPL-2.0

//! Device classes: what a device node does when opened.
//!
//! A class is a name and a constructor of per-device state implementing
//! [`ClassDevice`]; the registry below is the only place that lists them,
//! so a new class plugs in without touching the filesystem code.

mod mem;
mod rtc;

use crate::vfs::FileOps;
use kernel::{prelude::*, sync::Arc};

/// The per-device behaviour of a class: the file operations of its nodes
/// (called only while the device is live, except `release`) and what
/// happens when it is revoked.
pub(crate) trait ClassDevice: FileOps {
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
static CLASSES: [Class; 5] = [mem::NULL, mem::ZERO, mem::FULL, mem::RANDOM, rtc::RTC];

/// The class called `name`.
pub(crate) fn find(name: &[u8]) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name.as_bytes() == name)
}
