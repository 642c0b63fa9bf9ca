// SPDX-License-Identifier: GPL-2.0

//! Subdirectories of an instance: devnsfs makes them on the path of a new
//! node and prunes them when they empty, as devtmpfs does; the owner may
//! make and remove them too (owner.rs).
//!
//! Locking. Every change devnsfs makes to an instance happens under the
//! root directory's inode lock; the owner's changes in a subdirectory hold
//! only that subdirectory's lock (the VFS's), so a subdirectory devnsfs is
//! about to enter may be removed meanwhile: devnsfs holds a reference on
//! every subdirectory it works in, and checks under its lock that it is
//! not dead (`ENOENT` for an ADD whose path lost a directory). Nobody can
//! rename a directory, and a directory holding an entry cannot be removed,
//! so a positive entry keeps its parent. An entry is added to or removed
//! from a subdirectory under that subdirectory's inode lock.
//! Subdirectory inodes keep the filesystem type's plain `i_mutex_key`
//! lockdep class (only the root gets the directory class), the class of the
//! device nodes too, whose locks `forbid_mounts` takes under the root's: so
//! devnsfs holds at most one of them at a time, never a subdirectory's and
//! a node's or two subdirectories' together.

use super::{node::RootLocked, owner};
use crate::ffi;
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicU64, Ordering},
};
use kernel::prelude::*;

/// `S_IFDIR` as an `umode_t`.
pub(super) const S_IFDIR: ffi::umode_t = {
    // CAST: u16::MAX widened to u32 (`From` is not const).
    assert!(ffi::S_IFDIR <= ffi::umode_t::MAX as u32);
    // CAST: checked to fit just above, at compile time.
    ffi::S_IFDIR as ffi::umode_t
};

/// Permission bits of every subdirectory, as devtmpfs gives its own.
const DIR_PERM: ffi::umode_t = 0o755;

/// The next inode number of a directory, symlink or file: they count down
/// from 2^32 - 1, module-wide, while device nodes count up from 2 (their
/// ids), so the two meet only after 2^32 of them.
static NEXT_INO: AtomicU64 = AtomicU64::new(0xffff_ffff);

pub(super) fn next_ino() -> usize {
    // CAST: below 2^32, so it fits `unsigned long` everywhere; a wrap after
    // 2^32 entries would only repeat a number.
    NEXT_INO.fetch_sub(1, Ordering::Relaxed) as usize
}

/// A subdirectory's operations: lookups as in ramfs, and what the owner
/// may do (owner.rs); device nodes in it are removed by REMOVE only.
struct SubdirOps;

impl SubdirOps {
    const OPS: ffi::inode_operations = owner::dir_ops(owner::unlink_in_subdir);
}

/// A new directory inode of `sb`, not yet in the tree, with its own two
/// links: mode 0755 and owned like the instance's root, as devnsfs makes
/// them (the owner's mkdir gives it the caller's then).
///
/// # Safety
///
/// `sb` is a live devnsfs superblock with a root.
pub(super) unsafe fn new_dir_inode(sb: *mut ffi::super_block) -> Result<*mut ffi::inode> {
    // SAFETY: `sb` is live (function contract).
    let inode = unsafe { ffi::new_inode(sb) };
    if inode.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `inode` is new and only ours; the operation tables are
    // promoted constants or statics that live forever; the root inode
    // lives as long as `sb`.
    unsafe {
        let root = (*(*sb).s_root).d_inode;
        (*inode).i_ino = next_ino();
        (*inode).i_mode = S_IFDIR | DIR_PERM;
        (*inode).i_uid = (*root).i_uid;
        (*inode).i_gid = (*root).i_gid;
        (*inode).i_op = &SubdirOps::OPS;
        (*inode).__bindgen_anon_3.i_fop = &ffi::simple_dir_operations;
        ffi::set_nlink(inode, 2);
        ffi::simple_inode_init_ts(inode);
    }
    Ok(inode)
}

/// The child `name` of `dir`, with a reference: the dentry the dcache has,
/// or a new, unhashed negative one. `EINVAL` for a name that cannot be one
/// component of a path.
///
/// # Safety
///
/// `dir` is a live directory dentry, locked by the caller or reachable by
/// nobody else (a new directory not yet in the tree).
pub(super) unsafe fn child(dir: *mut ffi::dentry, name: &[u8]) -> Result<*mut ffi::dentry> {
    if name.is_empty() || name == b"." || name == b".." || name.iter().any(|&b| b == b'/' || b == 0)
    {
        return Err(EINVAL);
    }
    let len = u32::try_from(name.len()).map_err(|_| EINVAL)?;
    // SAFETY: `dir` is live and locked or private (function contract), as a
    // dcache lookup and d_alloc() under it need; `name` is valid for `len`
    // bytes.
    let dentry = unsafe { ffi::devnsfs_lookup_noperm(dir, name.as_ptr(), len) };
    let dentry = kernel::error::from_err_ptr(dentry)?;
    if dentry.is_null() {
        return Err(ENOMEM);
    }
    Ok(dentry)
}

/// A new, unhashed negative child `name` of `dir` in place of `found`, a
/// negative child of that name, on whose reference it takes over: `found`
/// itself if d_alloc() just made it, else (a negative dentry some lookup
/// left hashed) a fresh one, `found` being dropped from the hash, as
/// lookups miss an unhashed dentry just as a negative one.
///
/// # Safety
///
/// `dir` is a live directory dentry locked by the caller, and `found` a
/// negative child of it on which the caller holds a reference.
pub(super) unsafe fn unhashed_child(
    dir: *mut ffi::dentry,
    found: *mut ffi::dentry,
    name: &[u8],
) -> Result<*mut ffi::dentry> {
    // SAFETY: `found` is live (function contract).
    if unsafe { ffi::devnsfs_d_unhashed(found) } {
        return Ok(found);
    }
    // SAFETY: `found` is negative and ours to drop a reference of; `dir`
    // is locked, so no lookup hashes another dentry of `name` meanwhile.
    unsafe {
        ffi::d_drop(found);
        ffi::dput(found);
        child(dir, name)
    }
}

/// Whether `inode` is a directory's.
///
/// # Safety
///
/// `inode` is live.
pub(super) unsafe fn is_dir(inode: *mut ffi::inode) -> bool {
    // SAFETY: the file type bits of a live inode never change.
    u32::from(unsafe { (*inode).i_mode }) & ffi::S_IFMT == ffi::S_IFDIR
}

/// Records a change of `dir`'s entries in its times, as simple_unlink()
/// does.
///
/// # Safety
///
/// `dir` is a live directory inode, locked by the caller.
pub(super) unsafe fn entries_changed(dir: *mut ffi::inode) {
    // SAFETY: as the function contract says.
    unsafe { ffi::devnsfs_dir_changed(dir) };
}

/// A directory of the instance in which devnsfs adds or removes an entry,
/// locked: the root by the [`RootLocked`] this borrows, a subdirectory by
/// this value.
///
/// # Invariants
///
/// `dentry` is a positive directory of the instance whose root `'r`'s
/// [`RootLocked`] holds locked. If `subdir`, `dentry` is not the root, is
/// not dead, and this value holds a reference on it and its inode's lock,
/// released on drop (and no other subdirectory lock of this task is held
/// meanwhile); otherwise `dentry` is the root.
pub(crate) struct LockedDir<'r> {
    dentry: *mut ffi::dentry,
    subdir: bool,
    _root: PhantomData<&'r RootLocked<'r>>,
}

impl<'r> LockedDir<'r> {
    /// The root directory, locked by `root`.
    pub(super) fn root(root: &'r RootLocked<'r>) -> Self {
        // INVARIANT: the root, which `root` holds locked.
        Self {
            dentry: root.root_dentry(),
            subdir: false,
            _root: PhantomData,
        }
    }

    /// The directory `entry` is in, locked.
    ///
    /// # Safety
    ///
    /// `entry` is a positive entry of `root`'s instance other than the
    /// root, on which the caller holds a reference (or the pin), and the
    /// caller holds no subdirectory or node lock.
    pub(super) unsafe fn parent_of(
        root: &'r RootLocked<'r>,
        entry: *mut ffi::dentry,
    ) -> Result<Self> {
        // SAFETY: an entry of the instance keeps its parent: directories
        // are never renamed, and one holding an entry is never removed.
        let parent = unsafe { (*entry).d_parent };
        let mut dir = Self::root(root);
        if parent != dir.dentry {
            // SAFETY: a subdirectory of the instance, alive while it holds
            // `entry` (so not dead either); no other lock held.
            unsafe { dir.descend(parent)? };
        }
        Ok(dir)
    }

    /// Moves to subdirectory `dir`: unlocks this one first, if it is a
    /// subdirectory, then takes a reference on `dir` and locks it.
    /// `ENOENT` (and the value stays at the root) if `dir` was removed
    /// before the lock was taken (the owner's rmdir(2)); `EINTR` if the
    /// caller is killed while it waits (a reader can hold the lock for as
    /// long as a page fault on its buffer takes).
    ///
    /// # Safety
    ///
    /// `dir` is a positive subdirectory (not the root) of the instance, on
    /// which the caller holds a reference until this returns.
    pub(super) unsafe fn descend(&mut self, dir: *mut ffi::dentry) -> Result {
        self.unlock();
        // SAFETY: `dir` is live (function contract); our own reference
        // keeps it and its inode while we hold the lock. The only
        // subdirectory lock this task held was released just above.
        let locked = unsafe {
            ffi::devnsfs_dget(dir);
            kernel::error::to_result(ffi::devnsfs_inode_lock_killable((*dir).d_inode))
        };
        if let Err(e) = locked {
            // SAFETY: referenced just above.
            unsafe { ffi::dput(dir) };
            self.dentry = self.dentry_root();
            return Err(e);
        }
        // SAFETY: locked and referenced just above.
        let dead = unsafe { ffi::devnsfs_is_deaddir((*dir).d_inode) };
        if dead {
            // SAFETY: locked and referenced just above.
            unsafe {
                ffi::devnsfs_inode_unlock((*dir).d_inode);
                ffi::dput(dir);
            }
            self.dentry = self.dentry_root();
            return Err(ENOENT);
        }
        // INVARIANT: referenced, locked and not dead, and not the root.
        self.dentry = dir;
        self.subdir = true;
        Ok(())
    }

    /// The root, where a value that lost its subdirectory stands.
    fn dentry_root(&self) -> *mut ffi::dentry {
        // SAFETY: every dentry of the instance has a live superblock.
        unsafe { (*(*self.dentry).d_sb).s_root }
    }

    fn unlock(&mut self) {
        if self.subdir {
            // SAFETY: this value locked and referenced it (type invariant).
            unsafe {
                ffi::devnsfs_inode_unlock(self.inode());
                ffi::dput(self.dentry);
            }
            self.dentry = self.dentry_root();
            self.subdir = false;
        }
    }

    pub(super) fn dentry(&self) -> *mut ffi::dentry {
        self.dentry
    }

    pub(super) fn inode(&self) -> *mut ffi::inode {
        // SAFETY: `dentry` is positive and stays so while locked (type
        // invariant).
        unsafe { (*self.dentry).d_inode }
    }
}

impl Drop for LockedDir<'_> {
    fn drop(&mut self) {
        self.unlock();
    }
}

/// Readies `dentry`, an entry about to be removed, under its inode's lock
/// (which lock_mount() takes to check cant_mount()): if it is not a mount
/// point (in any mount namespace), and, for a directory, has no entries,
/// nothing can be mounted on it from now on and a directory is marked dead
/// (lookups in it fail, as after rmdir(2)). Returns whether it is ready.
///
/// # Safety
///
/// `dentry` is a positive entry of `root`'s instance on which the caller
/// holds a reference (or the pin), and the caller holds no subdirectory or
/// node lock.
pub(super) unsafe fn retire(_root: &RootLocked<'_>, dentry: *mut ffi::dentry) -> bool {
    // SAFETY: positive while the root is locked (function contract).
    let inode = unsafe { (*dentry).d_inode };
    // SAFETY: the inode is live; the caller holds no lock of its class. A
    // caller killed while it waits leaves the directory for later.
    if unsafe { ffi::devnsfs_inode_lock_killable(inode) } != 0 {
        return false;
    }
    // SAFETY: `dentry` is live; its flags and children change under the
    // locks held (devnsfs adds entries under the root's).
    // A directory the owner removed meanwhile (dead) is gone already.
    let ready = unsafe {
        !ffi::devnsfs_d_mountpoint(dentry)
            && (!is_dir(inode)
                || (!ffi::devnsfs_is_deaddir(inode) && ffi::simple_empty(dentry) != 0))
    };
    if ready {
        // SAFETY: as above; dont_mount() takes the dentry's own lock, and
        // i_flags change under the inode lock held.
        unsafe {
            ffi::devnsfs_dont_mount(dentry);
            if is_dir(inode) {
                (*inode).i_flags |= ffi::S_DEAD;
            }
        }
    }
    // SAFETY: locked just above.
    unsafe { ffi::devnsfs_inode_unlock(inode) };
    ready
}

/// Removes `dir` and then each ancestor below the root while it has no
/// entries and is not a mount point; the first that has one or is stays.
/// Gives back the caller's reference on `dir`.
///
/// # Safety
///
/// `dir` is a directory of `root`'s instance (the root allowed) on which
/// the caller holds a reference, which this gives back, and the caller
/// holds no subdirectory or node lock.
pub(super) unsafe fn prune<'r>(root: &'r RootLocked<'r>, mut dir: *mut ffi::dentry) {
    while dir != root.root_dentry() {
        // SAFETY: referenced; no lock held (function contract).
        if !unsafe { retire(root, dir) } {
            break;
        }
        // SAFETY: as above; retired, so the owner's rmdir leaves it alone
        // (owner.rs refuses a dead directory). A caller killed while it
        // waits leaves it (dead and empty) for kill_sb.
        let Ok(parent) = (unsafe { LockedDir::parent_of(root, dir) }) else {
            break;
        };
        // SAFETY: `dir` is an empty, retired directory in the locked
        // `parent`, holding its pin reference, which the first `dput`
        // gives back (as simple_rmdir() does for ramfs); the second is the
        // caller's (or ours, from the loop). Its parent keeps the link
        // `dir`'s ".." gave it until now.
        let up = unsafe {
            ffi::devnsfs_fsnotify_removed(parent.inode(), dir);
            ffi::clear_nlink((*dir).d_inode);
            ffi::drop_nlink(parent.inode());
            entries_changed(parent.inode());
            ffi::d_drop(dir);
            ffi::dput(dir);
            let up = ffi::devnsfs_dget(parent.dentry());
            ffi::dput(dir);
            up
        };
        dir = up;
    }
    // SAFETY: the reference held on `dir` (the caller's or the loop's).
    unsafe { ffi::dput(dir) };
}
