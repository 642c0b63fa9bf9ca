// SPDX-License-Identifier: GPL-2.0

//! A small safe layer over the VFS.
//!
//! The filesystem code above this layer names a [`FileSystem`] and never
//! touches a raw `super_block`, `inode`, `dentry`, `file` or `fs_context`;
//! every `unsafe` block that does lives here and argues its case.

mod context;
mod dir;
mod file;
mod fs_type;
mod ids;
mod node;
mod owner;
mod proxy;
mod read_buf;
mod super_block;

pub(crate) use context::{FsContext, ParamSpec, Parsed};
pub(crate) use file::{cap, poll, File, FileOps, InodePrivate, PollTable, SuperPrivate};
pub(crate) use fs_type::{FileSystem, FsTypeSlot, Registration};
pub(crate) use ids::{Kgid, Kuid, UserNs, UserNsRef};
pub(crate) use node::{Node, NodeSpec, RootLocked, SuperRef, UnlinkCall, MINOR_BITS};
pub(crate) use proxy::{open_host, Forwarding, ProxySlot, ProxyTarget, Revocable};
pub(crate) use read_buf::ReadBuf;
pub(crate) use super_block::OptionWriter;
