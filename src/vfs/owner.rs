// SPDX-License-Identifier: GPL-2.0

//! What the owner of an instance may make in it besides devices, as
//! container runtimes and udev make them in /dev: directories (mount
//! points, udev's /dev/char), symlinks (/dev/fd, udev's SYMLINK+=) and
//! empty regular files, which only serve as bind-mount targets
//! (/dev/console, a runtime's `linux.devices`) and never hold data.
//! Device nodes still come only from devnsfs: there is no mknod and no
//! link, and device nodes and directories cannot be renamed.
//!
//! The owner is whoever has CAP_SYS_ADMIN over the instance's user
//! namespace: the container's root for a container's instance.

use super::{
    dir::{self, S_IFDIR},
    node::RootLocked,
};
use crate::ffi;
use core::ffi::{c_int, c_uint};
use kernel::{error::from_result, prelude::*, str::CStr};

/// `CAP_SYS_ADMIN` of include/uapi/linux/capability.h.
const CAP_SYS_ADMIN: i32 = 21;

/// `RENAME_NOREPLACE` of include/uapi/linux/fs.h.
const RENAME_NOREPLACE: c_uint = 1;

/// `ATTR_SIZE` of include/linux/fs.h.
const ATTR_SIZE: c_uint = 1 << 3;

/// The longest symlink target, as PATH_MAX less the NUL.
const TARGET_MAX: usize = 4095;

/// A directory's operations: lookups as in ramfs, the owner's creations,
/// and `unlink` as given (the root's removes devices too).
pub(super) const fn dir_ops(
    unlink: unsafe extern "C" fn(*mut ffi::inode, *mut ffi::dentry) -> c_int,
) -> ffi::inode_operations {
    // SAFETY: an all-zero `inode_operations` is valid: every callback
    // `None`. The VFS answers EPERM itself for the missing mknod and link.
    let mut ops: ffi::inode_operations = unsafe { core::mem::zeroed() };
    ops.lookup = Some(ffi::simple_lookup);
    ops.create = Some(create);
    ops.unlink = Some(unlink);
    ops.mkdir = Some(mkdir);
    ops.rmdir = Some(rmdir);
    ops.symlink = Some(symlink);
    ops.rename = Some(rename);
    ops
}

/// `EPERM` unless the caller owns the instance `dir` belongs to.
///
/// # Safety
///
/// `dir` is a live inode of the instance.
unsafe fn check_owner(dir: *mut ffi::inode) -> Result {
    // SAFETY: a live inode's superblock pins its user namespace.
    if unsafe { ffi::ns_capable((*(*dir).i_sb).s_user_ns, CAP_SYS_ADMIN) } {
        Ok(())
    } else {
        Err(EPERM)
    }
}

/// The file type bits of a live inode.
///
/// # Safety
///
/// `inode` is live.
unsafe fn file_type(inode: *mut ffi::inode) -> u32 {
    // SAFETY: the type bits of a live inode never change.
    u32::from(unsafe { (*inode).i_mode }) & ffi::S_IFMT
}

/// Whether an entry may be renamed or replaced by a rename: symlinks and
/// empty files only (the instance's table names devices by path, and
/// directories hold devices).
///
/// # Safety
///
/// `inode` is live.
unsafe fn movable(inode: *mut ffi::inode) -> bool {
    // SAFETY: as the function contract says.
    matches!(unsafe { file_type(inode) }, ffi::S_IFLNK | ffi::S_IFREG)
}

/// Puts `inode` in the tree at `dentry`, pinned as ramfs pins its entries.
///
/// # Safety
///
/// `dentry` is a negative child of the locked directory `dir`; `inode` is
/// new and only the caller's, whose reference it takes.
unsafe fn instantiate(dir: *mut ffi::inode, dentry: *mut ffi::dentry, inode: *mut ffi::inode) {
    // SAFETY: as the function contract says.
    unsafe {
        ffi::d_instantiate(dentry, inode);
        ffi::devnsfs_dget(dentry);
        dir::entries_changed(dir);
    }
}

/// A new inode of `dir`'s instance, owned by the caller as `mode` says.
///
/// # Safety
///
/// `dir` is a live, locked directory inode of the instance, and `idmap`
/// the VFS's for this call.
unsafe fn new_owned_inode(
    idmap: *mut ffi::mnt_idmap,
    dir: *mut ffi::inode,
    mode: ffi::umode_t,
) -> Result<*mut ffi::inode> {
    // SAFETY: a live inode's superblock is live.
    let inode = unsafe { ffi::new_inode((*dir).i_sb) };
    if inode.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `inode` is new and only ours.
    unsafe {
        (*inode).i_ino = dir::next_ino();
        ffi::inode_init_owner(idmap, inode, dir, mode);
        ffi::simple_inode_init_ts(inode);
    }
    Ok(inode)
}

/// `inode_operations.mkdir`.
///
/// # Safety
///
/// Called by the VFS with `dir` locked and `dentry` a negative child.
unsafe extern "C" fn mkdir(
    idmap: *mut ffi::mnt_idmap,
    dir: *mut ffi::inode,
    dentry: *mut ffi::dentry,
    mode: ffi::umode_t,
) -> c_int {
    from_result(|| {
        // SAFETY: the VFS passes live arguments (function contract).
        unsafe {
            check_owner(dir)?;
            let inode = dir::new_dir_inode((*dir).i_sb)?;
            ffi::inode_init_owner(idmap, inode, dir, S_IFDIR | mode);
            instantiate(dir, dentry, inode);
            // The new directory's "..".
            ffi::inc_nlink(dir);
        }
        Ok(0)
    })
}

/// `inode_operations.rmdir`: any empty directory, whoever made it, but
/// not one devnsfs is pruning (dead already).
///
/// # Safety
///
/// Called by the VFS with `dir` and the victim locked.
unsafe extern "C" fn rmdir(dir: *mut ffi::inode, dentry: *mut ffi::dentry) -> c_int {
    from_result(|| {
        // SAFETY: the VFS passes live arguments, the victim positive.
        unsafe {
            check_owner(dir)?;
            if ffi::devnsfs_is_deaddir((*dentry).d_inode) {
                return Err(ENOENT);
            }
            // ENOTEMPTY for a directory with entries; drops the pin.
            kernel::error::to_result(ffi::simple_rmdir(dir, dentry))?;
        }
        Ok(0)
    })
}

/// `inode_operations.symlink`.
///
/// # Safety
///
/// Called by the VFS with `dir` locked, `dentry` a negative child and
/// `target` a NUL-terminated string.
unsafe extern "C" fn symlink(
    idmap: *mut ffi::mnt_idmap,
    dir: *mut ffi::inode,
    dentry: *mut ffi::dentry,
    target: *const u8,
) -> c_int {
    from_result(|| {
        // SAFETY: the VFS passes live arguments (function contract).
        unsafe {
            check_owner(dir)?;
            let inode = new_owned_inode(idmap, dir, ffi::S_IFLNK as ffi::umode_t | 0o777)?;
            if let Err(e) = set_link(inode, CStr::from_char_ptr(target)) {
                ffi::iput(inode);
                return Err(e);
            }
            instantiate(dir, dentry, inode);
        }
        Ok(0)
    })
}

/// Makes `inode` a symlink to `target`; the copy is charged to the
/// caller's memory cgroup and freed with the inode (`free_inode`).
///
/// # Safety
///
/// `inode` is new and only the caller's.
pub(super) unsafe fn set_link(inode: *mut ffi::inode, target: &CStr) -> Result {
    if target.len() > TARGET_MAX {
        // CAST: a small errno constant; `Error` takes it negated.
        return Err(Error::from_errno(-(ffi::ENAMETOOLONG as i32)));
    }
    // SAFETY: `target` is NUL-terminated.
    let link = unsafe { ffi::devnsfs_kstrdup_account(target.as_char_ptr()) };
    if link.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `inode` is ours alone; the table is the kernel's static one,
    // whose get_link returns `i_link`.
    unsafe {
        (*inode).__bindgen_anon_4.i_link = link;
        (*inode).i_op = &ffi::simple_symlink_inode_operations;
        // CAST: at most TARGET_MAX.
        (*inode).i_size = target.len() as i64;
    }
    Ok(())
}

/// Frees what `set_link` gave a symlink inode, once RCU path walks are done
/// with it (`super_operations.free_inode`).
///
/// # Safety
///
/// `inode` is a devnsfs inode being freed, after an RCU grace period.
pub(super) unsafe fn free_link(inode: *mut ffi::inode) {
    // SAFETY: as the function contract says; only symlinks have `i_link`.
    unsafe {
        if file_type(inode) == ffi::S_IFLNK {
            ffi::kfree((*inode).__bindgen_anon_4.i_link.cast());
        }
    }
}

/// `inode_operations.create`: an empty file, a bind-mount target.
///
/// # Safety
///
/// Called by the VFS with `dir` locked and `dentry` a negative child.
unsafe extern "C" fn create(
    idmap: *mut ffi::mnt_idmap,
    dir: *mut ffi::inode,
    dentry: *mut ffi::dentry,
    mode: ffi::umode_t,
    _excl: bool,
) -> c_int {
    from_result(|| {
        // SAFETY: the VFS passes live arguments (function contract).
        unsafe {
            check_owner(dir)?;
            let inode = new_owned_inode(idmap, dir, mode)?;
            (*inode).i_op = &MOUNT_TARGET_IOPS;
            (*inode).__bindgen_anon_3.i_fop = &MOUNT_TARGET_FOPS;
            instantiate(dir, dentry, inode);
        }
        Ok(0)
    })
}

/// An empty file's operations: attributes, and no size but 0.
const MOUNT_TARGET_IOPS: ffi::inode_operations = {
    // SAFETY: an all-zero `inode_operations` is valid.
    let mut ops: ffi::inode_operations = unsafe { core::mem::zeroed() };
    ops.setattr = Some(mount_target_setattr);
    ops
};

/// An empty file's file operations: it opens (O_CREAT, O_TRUNC), and
/// read(2) and write(2) fail with `EINVAL` (no data operations), so it
/// never holds data.
const MOUNT_TARGET_FOPS: ffi::file_operations = {
    // SAFETY: an all-zero `file_operations` is valid.
    let mut fops: ffi::file_operations = unsafe { core::mem::zeroed() };
    fops.owner = core::ptr::addr_of_mut!(ffi::__this_module);
    fops
};

/// `inode_operations.setattr` of an empty file: truncating to 0 is fine
/// (O_TRUNC), any other size `EPERM`.
///
/// # Safety
///
/// Called by the VFS with valid arguments.
unsafe extern "C" fn mount_target_setattr(
    idmap: *mut ffi::mnt_idmap,
    dentry: *mut ffi::dentry,
    attr: *mut ffi::iattr,
) -> c_int {
    // SAFETY: the VFS passes a valid `attr`.
    let grows = unsafe { (*attr).ia_valid & ATTR_SIZE != 0 && (*attr).ia_size != 0 };
    if grows {
        return EPERM.to_errno();
    }
    // SAFETY: the VFS's own arguments.
    unsafe { ffi::simple_setattr(idmap, dentry, attr) }
}

/// Removes what the owner may remove with unlink(2): a symlink or an
/// empty file.
///
/// # Safety
///
/// Called from a VFS unlink with `dir` and the positive `dentry` locked.
pub(super) unsafe fn unlink_owned(dir: *mut ffi::inode, dentry: *mut ffi::dentry) -> Result {
    // SAFETY: as the function contract says; simple_unlink drops the pin.
    unsafe {
        check_owner(dir)?;
        kernel::error::to_result(ffi::simple_unlink(dir, dentry))
    }
}

/// `inode_operations.unlink` of a subdirectory: a device node in one goes
/// by `DEVNSFS_IOC_REMOVE` only (the instance's table is locked after the
/// root, which the VFS does not hold here).
///
/// # Safety
///
/// Called by the VFS with `dir` and the positive `dentry` locked.
pub(super) unsafe extern "C" fn unlink_in_subdir(
    dir: *mut ffi::inode,
    dentry: *mut ffi::dentry,
) -> c_int {
    from_result(|| {
        // SAFETY: the victim of a VFS unlink is positive.
        if unsafe { file_type((*dentry).d_inode) } == ffi::S_IFCHR {
            return Err(EPERM);
        }
        // SAFETY: the VFS's own arguments.
        unsafe { unlink_owned(dir, dentry)? };
        Ok(0)
    })
}

/// `inode_operations.rename`: symlinks and empty files, over each other.
///
/// # Safety
///
/// Called by the VFS with both directories and the entries locked
/// (lock_rename()).
unsafe extern "C" fn rename(
    idmap: *mut ffi::mnt_idmap,
    old_dir: *mut ffi::inode,
    old_dentry: *mut ffi::dentry,
    new_dir: *mut ffi::inode,
    new_dentry: *mut ffi::dentry,
    flags: c_uint,
) -> c_int {
    from_result(|| {
        // SAFETY: the VFS passes live arguments; `old_dentry` is positive.
        unsafe {
            check_owner(old_dir)?;
            if flags & !RENAME_NOREPLACE != 0 {
                // RENAME_EXCHANGE could swap a symlink with a device node.
                return Err(EINVAL);
            }
            let target = (*new_dentry).d_inode;
            if !movable((*old_dentry).d_inode) || (!target.is_null() && !movable(target)) {
                return Err(EPERM);
            }
            kernel::error::to_result(ffi::simple_rename(
                idmap, old_dir, old_dentry, new_dir, new_dentry, flags,
            ))?;
        }
        Ok(0)
    })
}

impl RootLocked<'_> {
    /// Makes symlink `name` -> `target` in the root, as devnsfs's own
    /// (owned like the root): `-o std`'s fd, stdin, ptmx and the like.
    pub(crate) fn make_symlink(&self, name: &[u8], target: &CStr) -> Result {
        self.make_entry(name, |sb| {
            // SAFETY: `sb` is live (type invariant of `SuperRef`).
            let inode = unsafe { ffi::new_inode(sb) };
            if inode.is_null() {
                return Err(ENOMEM);
            }
            // SAFETY: `inode` is new and only ours; the root is live.
            unsafe {
                let root = (*(*sb).s_root).d_inode;
                (*inode).i_ino = dir::next_ino();
                (*inode).i_mode = ffi::S_IFLNK as ffi::umode_t | 0o777;
                (*inode).i_uid = (*root).i_uid;
                (*inode).i_gid = (*root).i_gid;
                ffi::simple_inode_init_ts(inode);
                if let Err(e) = set_link(inode, target) {
                    ffi::iput(inode);
                    return Err(e);
                }
            }
            Ok(inode)
        })
    }

    /// Makes directory `name` in the root, as devnsfs's own: `-o std`'s
    /// mount points pts, shm and mqueue.
    pub(crate) fn make_dir(&self, name: &[u8]) -> Result {
        self.make_entry(name, |sb| {
            // SAFETY: `sb` is live and has a root.
            unsafe { dir::new_dir_inode(sb) }
        })?;
        // SAFETY: the root is live and locked; the new directory's "..".
        unsafe { ffi::inc_nlink((*self.root_dentry()).d_inode) };
        Ok(())
    }

    /// Puts the inode `make` makes at `name` in the root, pinned.
    fn make_entry(
        &self,
        name: &[u8],
        make: impl FnOnce(*mut ffi::super_block) -> Result<*mut ffi::inode>,
    ) -> Result {
        let root = self.root_dentry();
        // SAFETY: the root is locked (`self`).
        let dentry = unsafe { dir::child(root, name)? };
        // SAFETY: we hold a reference on `dentry`, stable under the lock.
        if unsafe { !(*dentry).d_inode.is_null() } {
            // SAFETY: the reference `child` gave us.
            unsafe { ffi::dput(dentry) };
            return Err(EEXIST);
        }
        let inode = match make(self.super_block().as_ptr()) {
            Ok(inode) => inode,
            Err(e) => {
                // SAFETY: as above.
                unsafe { ffi::dput(dentry) };
                return Err(e);
            }
        };
        // SAFETY: `dentry` is a negative child of the locked root; it takes
        // our inode reference and keeps ours as the pin.
        unsafe {
            ffi::devnsfs_d_add_or_instantiate(dentry, inode);
            let dir = (*root).d_inode;
            dir::entries_changed(dir);
            ffi::devnsfs_fsnotify_created(dir, dentry);
        }
        Ok(())
    }
}
