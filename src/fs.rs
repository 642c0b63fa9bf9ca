// SPDX-License-Identifier: GPL-2.0

//! The devnsfs filesystem type.

use crate::vfs;
use kernel::{c_str, prelude::*};

/// `DEVNSFS_SUPER_MAGIC` of include/uapi/linux/devnsfs.h.
const DEVNSFS_SUPER_MAGIC: u32 = 0x6465_7673;

/// The storage the VFS links into its list of filesystem types.
static DEVNSFS_TYPE: vfs::FsTypeSlot = vfs::FsTypeSlot::new();

/// The devnsfs filesystem: every mount is a new instance.
pub(crate) struct Devnsfs;

impl vfs::FileSystem for Devnsfs {
    const NAME: &'static CStr = c_str!("devnsfs");
    const MAGIC: u32 = DEVNSFS_SUPER_MAGIC;
}

/// Registers devnsfs; it stays registered until the result is dropped.
pub(crate) fn register(module: &'static ThisModule) -> Result<vfs::Registration<Devnsfs>> {
    vfs::Registration::register(&DEVNSFS_TYPE, module)
}
