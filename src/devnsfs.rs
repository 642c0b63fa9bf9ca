// SPDX-License-Identifier: GPL-2.0

//! devnsfs: device namespaces for containers.
//!
//! Every mount of `devnsfs` is an instance owned by the mounting user
//! namespace. See Documentation/filesystems/devnsfs.rst.

use kernel::prelude::*;

mod class;
mod device;
mod devnum;
mod ffi;
mod fs;
mod instance;
mod params;
mod sys;
mod tenant;
mod uevent;
mod vfs;

module! {
    type: DevnsfsModule,
    name: "devnsfs",
    author: "devnsfs developers",
    description: "Device namespaces for containers",
    license: "GPL",
}

struct DevnsfsModule {
    _fs: vfs::Registration<fs::Devnsfs>,
}

impl kernel::Module for DevnsfsModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _fs: fs::register(module)?,
        })
    }
}
