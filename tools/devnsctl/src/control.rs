//! An instance's control node and its three ioctls. The only unsafe code
//! of the crate is here: rustix cannot know the argument type of a
//! driver's private ioctl.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{FileType, Mode, OFlags};
use rustix::io::Errno;
use rustix::ioctl::{Updater, ioctl};

use crate::abi::{self, DevnsfsDevice};
use crate::device::Device;
use crate::failure::Failure;
use crate::reasons::{Op, reason};

pub struct Control {
    fd: OwnedFd,
    path: PathBuf,
    /// The instance's st_dev, as the control node has it.
    instance: u64,
}

impl Control {
    /// Opens the control node; `write` for add and rm (the kernel refuses
    /// them on a read-only descriptor), read-only otherwise, so that
    /// anyone who may read the node may describe the instance.
    pub fn open(path: &Path, write: bool) -> Result<Control, Failure> {
        let access = if write { OFlags::RDWR } else { OFlags::RDONLY };
        let what = || format!("open {}", path.display());
        let fd = rustix::fs::open(path, access | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| Failure::errno(what(), e, reason(Op::Open { write }, e)))?;
        // Said plainly here rather than as ENOTTY from the first ioctl (or,
        // for the instance's root directory, a listing of its parent).
        let fs = rustix::fs::fstatfs(&fd).map_err(|e| Failure::errno(what(), e, None))?;
        // f_type is i64 on x86-64 but narrower elsewhere.
        #[allow(clippy::useless_conversion)]
        let magic = i64::from(fs.f_type);
        if magic != abi::SUPER_MAGIC {
            return Err(Failure::plain(what(), "not on a devnsfs instance"));
        }
        let st = rustix::fs::fstat(&fd).map_err(|e| Failure::errno(what(), e, None))?;
        if FileType::from_raw_mode(st.st_mode) != FileType::CharacterDevice {
            return Err(Failure::plain(
                what(),
                "not a control node (the control node is DIR/devns-control)",
            ));
        }
        // st_dev is u64 on x86-64 but c_ulong on some architectures.
        #[allow(clippy::useless_conversion)]
        let dev = u64::from(st.st_dev);
        Ok(Control {
            fd,
            path: path.to_owned(),
            instance: dev,
        })
    }

    /// The directory of the instance's root, where the control node is.
    pub fn root(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    pub fn instance(&self) -> u64 {
        self.instance
    }

    pub fn add(&self, name: &str, class: &str, major: u32, minor: u32) -> Result<Device, Failure> {
        let what = format!("add {name}");
        let d = self
            .call::<{ abi::IOC_ADD }>(name, class, major, minor)
            .map_err(|e| Failure::errno(what.as_str(), e, reason(Op::Add { class }, e)))?;
        Ok(device(name, &d))
    }

    pub fn remove(&self, name: &str) -> Result<(), Failure> {
        self.call::<{ abi::IOC_REMOVE }>(name, "", 0, 0)
            .map(|_| ())
            .map_err(|e| Failure::errno(format!("rm {name}"), e, reason(Op::Remove, e)))
    }

    /// INFO, with the errno left to the caller: ls skips a device removed
    /// between its readdir and its INFO.
    pub fn info_raw(&self, name: &str) -> Result<Device, Errno> {
        let d = self.call::<{ abi::IOC_INFO }>(name, "", 0, 0)?;
        Ok(device(name, &d))
    }

    pub fn info(&self, name: &str) -> Result<Device, Failure> {
        self.info_raw(name)
            .map_err(|e| Failure::errno(format!("info {name}"), e, reason(Op::Info, e)))
    }

    fn call<const OPCODE: rustix::ioctl::Opcode>(
        &self,
        name: &str,
        class: &str,
        major: u32,
        minor: u32,
    ) -> Result<DevnsfsDevice, Errno> {
        // The CLI bounds both lengths; a name that cannot be held is what
        // the kernel would call a bad name.
        let mut d = DevnsfsDevice::new(name, class, major, minor).ok_or(Errno::INVAL)?;
        // SAFETY: every OPCODE used here (IOC_ADD, IOC_REMOVE, IOC_INFO)
        // takes a struct devnsfs_device, which DevnsfsDevice mirrors
        // (abi.rs pins its layout), and `d` outlives the call.
        unsafe { ioctl(&self.fd, Updater::<OPCODE, DevnsfsDevice>::new(&mut d)) }?;
        Ok(d)
    }
}

fn device(name: &str, d: &DevnsfsDevice) -> Device {
    Device {
        name: name.to_owned(),
        class: d.class(),
        major: d.major,
        minor: d.minor,
        id: d.id,
    }
}
