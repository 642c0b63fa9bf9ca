// SPDX-License-Identifier: GPL-2.0

//! Superblock set-up and tear-down: one instance per mount.

use super::{
    dir::S_IFDIR,
    ids::{Kgid, Kuid, UserNs},
    node::{RootLocked, SuperRef, UnlinkCall},
    owner, FileSystem,
};
use crate::ffi;
use core::marker::PhantomData;
use kernel::{c_str, error::from_result, prelude::*, sync::Arc};

/// Inode number of every instance's root directory.
const ROOT_INO: usize = 1;

struct SuperOps<T>(PhantomData<T>);

impl<T: FileSystem> SuperOps<T> {
    const OPS: ffi::super_operations = {
        // SAFETY: an all-zero `super_operations` is valid: every callback `None`.
        let mut ops: ffi::super_operations = unsafe { core::mem::zeroed() };
        ops.statfs = Some(ffi::simple_statfs);
        // Nothing outlives its last reference: drop inodes at once.
        ops.drop_inode = Some(ffi::generic_delete_inode);
        ops.evict_inode = Some(evict_inode::<T>);
        ops.show_options = Some(show_options::<T>);
        ops.free_inode = Some(free_inode);
        ops
    };
}

/// The root directory's operations: lookups as in ramfs, what the owner
/// may make (owner.rs), and unlink, which removes a device as REMOVE does.
/// devnsfs alone decides which device nodes exist: no mknod, no link.
struct RootDirOps<T>(PhantomData<T>);

impl<T: FileSystem> RootDirOps<T> {
    const OPS: ffi::inode_operations = owner::dir_ops(unlink::<T>);
}

/// Sets up a new superblock and its root directory.
///
/// # Safety
///
/// `sb` is a new superblock of a `T` filesystem, exclusively owned by the
/// caller, that lives for all of `'a` (at most until `kill_sb`).
pub(super) unsafe fn init<'a, T: FileSystem>(sb: *mut ffi::super_block) -> Result<SuperRef<'a>> {
    // SAFETY: `sb` is valid and exclusively ours (function contract).
    let s = unsafe { &mut *sb };
    // CAST: u32 to unsigned long (usize) never truncates.
    s.s_magic = T::MAGIC as usize;
    s.s_op = &SuperOps::<T>::OPS;
    // What simple_lookup() gives its dentries, for every dentry of the
    // instance: none outlives its last reference.
    s.s_d_op = core::ptr::addr_of!(ffi::simple_dentry_operations);
    // CAST: PAGE_SIZE and PAGE_SHIFT are small constants.
    s.s_blocksize = ffi::PAGE_SIZE as _;
    // CAST: as above.
    s.s_blocksize_bits = ffi::PAGE_SHIFT as _;
    s.s_time_gran = 1;
    // Nodes of a userns-owned instance must open (devpts and binderfs do
    // the same): they are devnsfs's own, never arbitrary numbers. Nothing
    // on devnsfs is ever executed.
    // CAST: flag constants below bit 32, widened.
    s.s_iflags &= !(ffi::SB_I_NODEV as usize);
    // CAST: as above.
    s.s_iflags |= ffi::SB_I_NOEXEC as usize;

    // SAFETY: `sb` is a valid superblock.
    let root = unsafe { ffi::new_inode(sb) };
    if root.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `s_user_ns` is set and pinned for the superblock's lifetime.
    let (uid, gid) = owner_root(unsafe { UserNs::from_raw(s.s_user_ns) });
    // SAFETY: `root` is a new inode only we reference; the operation
    // tables are static.
    unsafe {
        (*root).i_ino = ROOT_INO;
        (*root).i_mode = S_IFDIR | 0o755;
        // Node and subdirectory inodes are locked inside the root's
        // (removal, chmod of the control node, entries of subdirectories):
        // the root's lock needs a class of its own, the directory class.
        ffi::devnsfs_annotate_dir(root);
        (*root).i_uid = uid.raw();
        (*root).i_gid = gid.raw();
        ffi::simple_inode_init_ts(root);
        (*root).i_op = &RootDirOps::<T>::OPS;
        (*root).__bindgen_anon_3.i_fop = &ffi::simple_dir_operations;
        ffi::set_nlink(root, 2);
    }
    // SAFETY: `root` is valid; `d_make_root` consumes our reference, and
    // drops it itself on failure.
    let dentry = unsafe { ffi::d_make_root(root) };
    if dentry.is_null() {
        return Err(ENOMEM);
    }
    s.s_root = dentry;
    // SAFETY: the superblock has a root now and lives for `'a` (function
    // contract).
    Ok(unsafe { SuperRef::new(sb) })
}

/// The root of the owning user namespace, or the global root where that
/// namespace does not map 0 (binderfs does the same).
fn owner_root(ns: UserNs<'_>) -> (Kuid, Kgid) {
    (
        ns.root_uid().unwrap_or(Kuid::GLOBAL_ROOT),
        ns.root_gid().unwrap_or(Kgid::GLOBAL_ROOT),
    )
}

/// Hands `instance` to the superblock; `kill_sb` drops it.
///
/// # Safety
///
/// `sb` is exclusively owned by the caller and has no instance yet.
pub(super) unsafe fn set_instance<T: FileSystem>(sb: SuperRef<'_>, instance: Arc<T::Instance>) {
    // SAFETY: as the function contract says.
    unsafe { (*sb.as_ptr()).s_fs_info = Arc::into_raw(instance).cast_mut().cast() };
}

/// The instance of a live superblock of ours.
///
/// # Safety
///
/// `sb` is a live `T` superblock whose `fill_super` succeeded; the result
/// must not outlive it.
pub(super) unsafe fn instance<'a, T: FileSystem>(sb: *mut ffi::super_block) -> &'a T::Instance {
    // SAFETY: `set_instance` stored an `Arc<T::Instance>` there.
    unsafe { &*(*sb).s_fs_info.cast::<T::Instance>() }
}

/// `file_system_type.kill_sb`.
///
/// # Safety
///
/// Called by the VFS once, with a superblock of this filesystem type.
pub(super) unsafe extern "C" fn kill_sb<T: FileSystem>(sb: *mut ffi::super_block) {
    // SAFETY: `sb` is valid (function contract).
    let instance = unsafe { (*sb).s_fs_info.cast::<T::Instance>() };
    // SAFETY: `sb` is valid (function contract); nodes are pinned with an
    // extra dentry reference, which kill_litter_super drops, evicting them.
    unsafe { ffi::kill_litter_super(sb) };
    if !instance.is_null() {
        // SAFETY: `set_instance` stored a reference from `Arc::into_raw`;
        // nothing can reach it any more.
        drop(unsafe { Arc::from_raw(instance) });
    }
}

/// `super_operations.evict_inode`.
///
/// # Safety
///
/// Called by the VFS with valid arguments of a `T` filesystem.
unsafe extern "C" fn evict_inode<T: FileSystem>(inode: *mut ffi::inode) {
    // SAFETY: the VFS evicts a valid inode that nobody else references.
    unsafe {
        ffi::truncate_inode_pages_final(&mut (*inode).i_data);
        ffi::clear_inode(inode);
        let private = (*inode).i_private.cast::<T::Node>();
        // Only device nodes keep something; directories and the control
        // node keep nothing.
        if !private.is_null() && u32::from((*inode).i_mode) & ffi::S_IFMT == ffi::S_IFCHR {
            (*inode).i_private = core::ptr::null_mut();
            drop(Arc::from_raw(private));
        }
    }
}

/// Appends `,name=value` options to a mountinfo line.
///
/// # Invariants
///
/// `seq` is the `seq_file` of the `show_options` call that made the value,
/// valid for `'a`.
pub(crate) struct OptionWriter<'a> {
    seq: *mut ffi::seq_file,
    /// The user namespace ids are shown in: the reader's.
    pub(crate) ns: UserNs<'a>,
}

impl OptionWriter<'_> {
    /// `,name=value` in decimal.
    pub(crate) fn decimal(&mut self, name: &CStr, value: u32) {
        // SAFETY: `seq` is valid for the call; the format consumes one C
        // string and one unsigned int.
        unsafe {
            ffi::seq_printf(
                self.seq,
                c_str!(",%s=%u").as_char_ptr(),
                name.as_char_ptr(),
                value,
            )
        };
    }

    /// `,name=value` in octal, as mode options are written.
    /// Appends `,name`.
    pub(crate) fn flag(&mut self, name: &CStr) {
        // SAFETY: `seq` is valid for this call (type invariant); the format
        // takes one NUL-terminated string.
        unsafe { ffi::seq_printf(self.seq, c_str!(",%s").as_char_ptr(), name.as_char_ptr()) };
    }

    pub(crate) fn octal(&mut self, name: &CStr, value: u32) {
        // SAFETY: as above.
        unsafe {
            ffi::seq_printf(
                self.seq,
                c_str!(",%s=%04o").as_char_ptr(),
                name.as_char_ptr(),
                value,
            )
        };
    }
}

/// `super_operations.show_options`.
///
/// # Safety
///
/// Called by the VFS with valid arguments of a `T` filesystem.
unsafe extern "C" fn show_options<T: FileSystem>(
    seq: *mut ffi::seq_file,
    root: *mut ffi::dentry,
) -> i32 {
    // SAFETY: the VFS passes the root of a mounted instance of ours, and
    // the reader's seq_file (whose `file` has the reader's credentials).
    unsafe {
        let instance = instance::<T>((*root).d_sb);
        let ns = UserNs::from_raw((*(*(*seq).file).f_cred).user_ns);
        // INVARIANT: `seq` is valid for this call, which outlives `out`.
        let mut out = OptionWriter { seq, ns };
        T::show_options(instance, &mut out);
    }
    0
}

/// `super_operations.free_inode`: frees a symlink's target with the inode.
///
/// # Safety
///
/// Called by the VFS after an RCU grace period, once per inode.
unsafe extern "C" fn free_inode(inode: *mut ffi::inode) {
    // SAFETY: nobody uses the inode any more (function contract); devnsfs
    // inodes come from new_inode(), which free_inode_nonrcu() frees.
    unsafe {
        owner::free_link(inode);
        ffi::free_inode_nonrcu(inode);
    }
}

/// `inode_operations.unlink` of the root: a device node goes as with
/// `DEVNSFS_IOC_REMOVE`; a symlink or an empty file as the owner's.
///
/// # Safety
///
/// Called by the VFS with valid arguments of a `T` filesystem.
unsafe extern "C" fn unlink<T: FileSystem>(dir: *mut ffi::inode, dentry: *mut ffi::dentry) -> i32 {
    from_result(|| {
        // SAFETY: the victim of a VFS unlink is positive and locked.
        let mode = unsafe { u32::from((*(*dentry).d_inode).i_mode) };
        if mode & ffi::S_IFMT != ffi::S_IFCHR {
            // SAFETY: the VFS's own arguments.
            unsafe { owner::unlink_owned(dir, dentry)? };
            return Ok(0);
        }
        // SAFETY: the VFS holds `dir` (our root) locked and passes a
        // positive child; the superblock is live.
        let (root, instance) = unsafe {
            let sb = SuperRef::new((*dir).i_sb);
            (RootLocked::assume_locked(sb), instance::<T>((*dir).i_sb))
        };
        T::unlink(instance, &root, UnlinkCall { dir, dentry })?;
        Ok(0)
    })
}
