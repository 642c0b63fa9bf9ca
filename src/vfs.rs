// SPDX-License-Identifier: GPL-2.0

//! A small safe layer over the VFS.
//!
//! The filesystem code above this layer names a [`FileSystem`] and never
//! touches a raw `super_block`, `inode` or `fs_context`; every `unsafe` block
//! that does lives here and argues its case.

mod fs_type;
mod super_block;

pub(crate) use fs_type::{FileSystem, FsTypeSlot, Registration};
