// SPDX-License-Identifier: GPL-2.0

//! Superblock set-up and tear-down: one instance per mount.

use super::FileSystem;
use crate::ffi;
use kernel::{error::from_result, prelude::*};

/// Inode number of every instance's root directory.
const ROOT_INO: u64 = 1;

const SUPER_OPS: ffi::super_operations = {
    // SAFETY: an all-zero `super_operations` is valid: every callback `None`.
    let mut ops: ffi::super_operations = unsafe { core::mem::zeroed() };
    ops.statfs = Some(ffi::simple_statfs);
    // Nothing outlives its last reference: drop inodes at once.
    ops.drop_inode = Some(ffi::generic_delete_inode);
    ops
};

/// The `fill_super` callback of `get_tree_nodev()`.
///
/// # Safety
///
/// Called by the VFS with a new, locked superblock of a `T` filesystem that
/// nobody else can see yet.
pub(super) unsafe extern "C" fn fill_super<T: FileSystem>(
    sb: *mut ffi::super_block,
    _fc: *mut ffi::fs_context,
) -> i32 {
    from_result(|| {
        // SAFETY: `sb` is valid and exclusively ours (function contract).
        let sb = unsafe { &mut *sb };
        sb.s_magic = T::MAGIC as usize;
        sb.s_op = &SUPER_OPS;
        sb.s_blocksize = ffi::PAGE_SIZE as _;
        sb.s_blocksize_bits = ffi::PAGE_SHIFT as _;
        sb.s_time_gran = 1;
        sb.s_iflags |= ffi::SB_I_NOEXEC as usize;

        // SAFETY: `sb` is a valid superblock.
        let root = unsafe { ffi::new_inode(sb) };
        if root.is_null() {
            return Err(ENOMEM);
        }
        let (uid, gid) = owner_root(sb);
        // SAFETY: `root` is a new inode only we reference; `simple_dir_*`
        // are static tables that live forever.
        unsafe {
            (*root).i_ino = ROOT_INO as _;
            (*root).i_mode = (ffi::S_IFDIR | 0o755) as u16;
            (*root).i_uid = uid;
            (*root).i_gid = gid;
            ffi::simple_inode_init_ts(root);
            (*root).i_op = &ffi::simple_dir_inode_operations;
            (*root).__bindgen_anon_3.i_fop = &ffi::simple_dir_operations;
            ffi::set_nlink(root, 2);
        }
        // SAFETY: `root` is valid; `d_make_root` consumes our reference,
        // and drops it itself on failure.
        let dentry = unsafe { ffi::d_make_root(root) };
        if dentry.is_null() {
            return Err(ENOMEM);
        }
        sb.s_root = dentry;
        Ok(0)
    })
}

/// The root of the superblock's user namespace as kernel ids, or the global
/// root where that namespace does not map 0 (binderfs does the same).
fn owner_root(sb: &ffi::super_block) -> (ffi::kuid_t, ffi::kgid_t) {
    // SAFETY: `s_user_ns` is set and pinned for the superblock's lifetime.
    let uid = unsafe { ffi::make_kuid(sb.s_user_ns, 0) };
    // SAFETY: as above.
    let gid = unsafe { ffi::make_kgid(sb.s_user_ns, 0) };
    // (uid_t)-1 is INVALID_UID / INVALID_GID.
    let uid = if uid.val == u32::MAX {
        ffi::kuid_t { val: 0 }
    } else {
        uid
    };
    let gid = if gid.val == u32::MAX {
        ffi::kgid_t { val: 0 }
    } else {
        gid
    };
    (uid, gid)
}

/// `file_system_type.kill_sb`.
///
/// # Safety
///
/// Called by the VFS once, with a superblock of this filesystem type.
pub(super) unsafe extern "C" fn kill_sb(sb: *mut ffi::super_block) {
    // SAFETY: `sb` is valid (function contract); devnsfs pins its nodes with
    // an extra dentry reference, which kill_litter_super drops.
    unsafe { ffi::kill_litter_super(sb) };
}
