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

/// The longest class name: `DEVNSFS_CLASS_MAX` less the NUL.
pub(crate) const CLASS_NAME_MAX: usize = 15;

/// A device class.
pub(crate) struct Class {
    name: &'static CStr,
    create: fn() -> Result<Arc<dyn ClassDevice>>,
}

impl Class {
    /// A class called `name` (at most [`CLASS_NAME_MAX`] bytes: a longer
    /// name fails to compile, since classes are constants) whose devices'
    /// state `create` makes.
    pub(crate) const fn new(
        name: &'static CStr,
        create: fn() -> Result<Arc<dyn ClassDevice>>,
    ) -> Self {
        assert!(
            name.len() <= CLASS_NAME_MAX,
            "class names have at most 15 bytes"
        );
        Self { name, create }
    }

    /// What `DEVNSFS_IOC_ADD` names it by.
    pub(crate) fn name(&self) -> &'static CStr {
        self.name
    }

    /// The state of a new device of this class.
    pub(crate) fn create(&self) -> Result<Arc<dyn ClassDevice>> {
        (self.create)()
    }
}

/// Every class devnsfs offers.
static CLASSES: [Class; 5] = [mem::NULL, mem::ZERO, mem::FULL, mem::RANDOM, rtc::RTC];

/// The class called `name`.
pub(crate) fn find(name: &[u8]) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name.as_bytes() == name)
}
