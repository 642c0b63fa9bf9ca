// SPDX-License-Identifier: GPL-2.0

//! The control node `devns-control` and its ioctl ABI
//! (include/uapi/linux/devnsfs.h).

use super::Instance;
use crate::{
    class::{self, CLASS_NAME_MAX},
    device::{Device, Name, NAME_MAX},
    sys::{eopnotsupp, user},
    vfs::{File, FileOps, SuperPrivate},
};
use kernel::{
    ioctl::{_IOW, _IOWR},
    prelude::*,
    types::{AsBytes, FromBytes},
    uaccess::UserSlice,
};

/// `DEVNSFS_CLASS_MAX`: the class name field's size, NUL included.
const CLASS_MAX: usize = CLASS_NAME_MAX + 1;

/// `struct devnsfs_device`.
#[repr(C)]
#[derive(Clone, Copy)]
struct DevnsfsDevice {
    name: [u8; NAME_MAX],
    class_name: [u8; CLASS_MAX],
    flags: u32,
    major: u32,
    minor: u32,
    reserved0: u32,
    id: u64,
    reserved: [u64; 4],
}

// SAFETY: plain integers and byte arrays with no padding (8-byte aligned
// fields at 8-byte offsets), valid for any bits.
unsafe impl FromBytes for DevnsfsDevice {}
// SAFETY: as above; no padding bytes.
unsafe impl AsBytes for DevnsfsDevice {}

const _: () = assert!(core::mem::size_of::<DevnsfsDevice>() == 136);

const IOC_MAGIC: u32 = 0xDE;
const IOC_ADD: u32 = _IOWR::<DevnsfsDevice>(IOC_MAGIC, 0x01);
const IOC_REMOVE: u32 = _IOW::<DevnsfsDevice>(IOC_MAGIC, 0x02);
const IOC_INFO: u32 = _IOWR::<DevnsfsDevice>(IOC_MAGIC, 0x03);

/// How a control node's files reach their instance.
pub(crate) type ControlFile = SuperPrivate<Instance>;

impl DevnsfsDevice {
    /// Checks the fields every call must leave zero.
    fn check_reserved(&self) -> Result {
        if self.flags != 0 || self.reserved0 != 0 || self.reserved.iter().any(|&r| r != 0) {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Fills in what ADD and INFO report.
    fn describe(&mut self, device: &Device) {
        // Class names have at most CLASS_NAME_MAX bytes (`Class::new`
        // checks at compile time), so the zip copies all of it and leaves
        // the NUL.
        self.class_name = [0; CLASS_MAX];
        for (to, from) in self
            .class_name
            .iter_mut()
            .zip(device.class.name().as_bytes())
        {
            *to = *from;
        }
        (self.major, self.minor) = device.rdev();
        self.id = device.number.id;
    }
}

fn class_name(field: &[u8; CLASS_MAX]) -> Result<&[u8]> {
    let len = field.iter().position(|&b| b == 0).ok_or(EINVAL)?;
    Ok(&field[..len])
}

/// How many times ADD tries to copy its result back before `EFAULT`.
const ADD_ATTEMPTS: usize = 3;

impl Instance {
    /// ADD: adds the device and copies its description to `arg`. The copy
    /// happens under the root lock, before the device is visible, so it
    /// must not wait for a page fault (a FUSE-backed page could hold the
    /// lock for ever): if the page is not there, the device is dropped
    /// unseen (its number spent), the page is faulted in with no lock
    /// held, and the ADD starts over.
    fn add_reporting(
        &self,
        file: &File,
        arg: usize,
        name: Name,
        class: &'static class::Class,
        req: &mut DevnsfsDevice,
    ) -> Result {
        // Read before `describe` overwrites the fields with the result.
        let host_number = (req.major, req.minor);
        for _ in 0..ADD_ATTEMPTS {
            let copied = self.add(
                file.super_block(),
                name.clone(),
                class,
                host_number,
                |device| {
                    req.describe(device);
                    user::write_nofault(arg, &*req)
                },
            );
            match copied {
                // Only the copy fails with EFAULT.
                Err(e) if e == EFAULT => {
                    user::fault_in_writeable(arg, core::mem::size_of::<DevnsfsDevice>())?
                }
                other => return other.map(|_| ()),
            }
        }
        Err(EFAULT)
    }
}

impl FileOps for Instance {
    fn ioctl(&self, file: &File, cmd: u32, arg: usize) -> Result<isize> {
        if !matches!(cmd, IOC_ADD | IOC_REMOVE | IOC_INFO) {
            return Err(ENOTTY);
        }
        let (mut reader, mut writer) =
            UserSlice::new(arg, core::mem::size_of::<DevnsfsDevice>()).reader_writer();
        let mut req: DevnsfsDevice = reader.read()?;
        req.check_reserved()?;
        let name = Name::parse(&req.name)?;
        match cmd {
            IOC_ADD => {
                if !file.is_writable() {
                    return Err(EBADF);
                }
                let class = class::find(class_name(&req.class_name)?).ok_or_else(eopnotsupp)?;
                self.add_reporting(file, arg, name, class, &mut req)?;
            }
            IOC_REMOVE => {
                if !file.is_writable() {
                    return Err(EBADF);
                }
                self.remove(file.super_block(), &name)?;
            }
            _ => {
                let device = self.find(&name)?;
                req.describe(&device);
                writer.write(&req)?;
            }
        }
        Ok(0)
    }
}
