// SPDX-License-Identifier: GPL-2.0

//! Device classes: what a device node does when opened.
//!
//! A class is a name and a constructor of per-device state implementing
//! [`ClassDevice`]; the registry below is the only place that lists them,
//! so a new class plugs in without touching the filesystem code.

mod mem;
mod passthrough;
mod rtc;

pub(crate) use passthrough::HostDevice;

use crate::{
    sys::Liveness,
    tenant::Budgets,
    vfs::{poll, File, PollTable, ReadBuf, UserNs},
};
use kernel::{prelude::*, sync::Arc, uaccess::UserSliceReader};

/// What a class needs to know about a device it makes.
pub(crate) struct NewDevice<'a> {
    /// The user namespace owning the instance.
    pub(crate) owner: UserNs<'a>,
    pub(crate) budgets: &'a Arc<Budgets>,
    /// The host device ADD names, as (major, minor): the "host" class's
    /// input, ignored by every other class.
    pub(crate) host_number: (u32, u32),
}

/// What a device does: its class's own file operations, or a host
/// driver's, reached through the pass-through.
pub(crate) enum Behaviour {
    Native(Arc<dyn ClassDevice>),
    Host(Arc<HostDevice>),
}

/// One read or write on an open file of a device, entered while the device
/// was live.
pub(crate) struct Call<'a> {
    pub(crate) file: &'a File,
    pub(crate) liveness: &'a Liveness,
}

impl Call<'_> {
    /// Whether the device is being revoked: its removal waits for this
    /// call, so a long read or write ends early with what it has done.
    pub(crate) fn revoked(&self) -> bool {
        self.liveness.is_revoked()
    }
}

/// The per-device behaviour of a class: the file operations of its nodes,
/// called only while the device is live (except `release`), and what
/// happens when it is revoked. Unimplemented calls fail as the kernel's mem
/// devices do for an operation they lack.
pub(crate) trait ClassDevice: Send + Sync + 'static {
    fn open(&self, _file: &File) -> Result {
        Ok(())
    }
    fn release(&self, _file: &File) {}
    fn read(&self, _call: &Call<'_>, _buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        Err(EINVAL)
    }
    fn write(&self, _call: &Call<'_>, _buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        Err(EINVAL)
    }
    /// Returns the new position; `pos` is the current one.
    fn llseek(&self, _file: &File, _offset: i64, _whence: i32, _pos: i64) -> Result<i64> {
        Err(ESPIPE)
    }
    fn ioctl(&self, _file: &File, _cmd: u32, _arg: usize) -> Result<isize> {
        Err(ENOTTY)
    }
    fn poll(&self, _file: &File, _table: &PollTable) -> u32 {
        poll::IN | poll::RDNORM | poll::OUT | poll::WRNORM
    }
    /// The device is being removed: cancel timers and wake every blocked
    /// caller, who must then fail with `ENODEV`. Called once; removal then
    /// waits for the calls in flight to return.
    fn revoke(&self) {}
}

/// The longest class name: `DEVNSFS_CLASS_MAX` less the NUL.
pub(crate) const CLASS_NAME_MAX: usize = 15;

/// How a class makes the state of a new device.
enum Make {
    Native(fn(&NewDevice<'_>) -> Result<Arc<dyn ClassDevice>>),
    Host(fn(&NewDevice<'_>) -> Result<Arc<HostDevice>>),
}

/// A device class.
pub(crate) struct Class {
    name: &'static CStr,
    make: Make,
}

impl Class {
    /// A class called `name` (at most [`CLASS_NAME_MAX`] bytes: a longer
    /// name fails to compile, since classes are constants) whose devices'
    /// state `create` makes.
    pub(crate) const fn new(
        name: &'static CStr,
        create: fn(&NewDevice<'_>) -> Result<Arc<dyn ClassDevice>>,
    ) -> Self {
        Self::checked(name, Make::Native(create))
    }

    /// A class of pass-through devices, whose state `create` makes (and
    /// whose policy it applies: who may add what).
    const fn host(
        name: &'static CStr,
        create: fn(&NewDevice<'_>) -> Result<Arc<HostDevice>>,
    ) -> Self {
        Self::checked(name, Make::Host(create))
    }

    const fn checked(name: &'static CStr, make: Make) -> Self {
        assert!(
            name.len() <= CLASS_NAME_MAX,
            "class names have at most 15 bytes"
        );
        Self { name, make }
    }

    /// What `DEVNSFS_IOC_ADD` names it by.
    pub(crate) fn name(&self) -> &'static CStr {
        self.name
    }

    /// The state of a new device of this class.
    pub(crate) fn create(&self, new: &NewDevice<'_>) -> Result<Behaviour> {
        Ok(match self.make {
            Make::Native(create) => Behaviour::Native(create(new)?),
            Make::Host(create) => Behaviour::Host(create(new)?),
        })
    }
}

/// Every class devnsfs offers.
static CLASSES: [Class; 10] = [
    mem::NULL,
    mem::ZERO,
    mem::FULL,
    mem::RANDOM,
    rtc::RTC,
    passthrough::HOST,
    passthrough::TTY,
    passthrough::TUN,
    passthrough::FUSE,
    passthrough::KVM,
];

/// The class called `name`.
pub(crate) fn find(name: &[u8]) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name.as_bytes() == name)
}
