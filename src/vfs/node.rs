// SPDX-License-Identifier: GPL-2.0

//! Character device nodes in an instance's root directory.

use super::{
    file::{FileOps, Fops, Resolve},
    ids::{Kgid, Kuid, UserNs},
};
use crate::ffi;
use core::marker::PhantomData;
use kernel::{prelude::*, sync::Arc};

/// `MINORBITS` of include/linux/kdev_t.h.
pub(crate) const MINOR_BITS: u32 = 20;
const MINOR_MASK: u32 = (1 << MINOR_BITS) - 1;

/// `S_IFCHR` as an `umode_t`.
pub(super) const S_IFCHR: ffi::umode_t = {
    // CAST: u16::MAX widened to u32 (`From` is not const).
    assert!(ffi::S_IFCHR <= ffi::umode_t::MAX as u32);
    // CAST: checked to fit just above, at compile time.
    ffi::S_IFCHR as ffi::umode_t
};

/// A superblock of a mounted (or mounting) instance, borrowed from a VFS
/// callback's arguments (an open file, a mount or remount context, a
/// directory operation) for `'a`, as `miscdevice` ties `device()` to
/// `&self`. There is no way to keep one beyond what pins it.
///
/// # Invariants
///
/// `ptr` is a superblock with a root dentry, live for the whole of `'a`.
#[derive(Clone, Copy)]
pub(crate) struct SuperRef<'a> {
    ptr: *mut ffi::super_block,
    _pinned_by: PhantomData<&'a ffi::super_block>,
}

// SAFETY: the superblock's fields used here are protected by the root
// inode's lock or are immutable after set-up; the borrow keeps it alive.
unsafe impl Send for SuperRef<'_> {}
// SAFETY: as above.
unsafe impl Sync for SuperRef<'_> {}

impl<'a> SuperRef<'a> {
    /// # Safety
    ///
    /// `sb` has a root dentry and stays live for all of `'a`.
    pub(super) unsafe fn new(sb: *mut ffi::super_block) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self {
            ptr: sb,
            _pinned_by: PhantomData,
        }
    }

    pub(super) fn as_ptr(self) -> *mut ffi::super_block {
        self.ptr
    }

    /// The superblock's device number (anonymous, unique among live
    /// superblocks) as (major, minor): what stat(2) reports as `st_dev`.
    pub(crate) fn dev(self) -> (u32, u32) {
        // SAFETY: `s_dev` is set before `fill_super` and never changes.
        let dev = unsafe { (*self.ptr).s_dev };
        (dev >> MINOR_BITS, dev & MINOR_MASK)
    }

    /// The user namespace owning the instance.
    pub(crate) fn user_ns(self) -> UserNs<'a> {
        // SAFETY: the superblock pins `s_user_ns` for its life, which
        // covers `'a` (type invariant).
        unsafe { UserNs::from_raw((*self.ptr).s_user_ns) }
    }

    /// The root directory's inode.
    fn root_dir(self) -> *mut ffi::inode {
        // SAFETY: `s_root` of a live superblock is a live dentry with an
        // inode (type invariant); neither changes while it lives.
        unsafe { (*(*self.ptr).s_root).d_inode }
    }

    /// Locks the root directory, as a directory operation of the VFS does.
    pub(crate) fn lock_root(self) -> RootGuard<'a> {
        // SAFETY: the root inode is live for `'a`.
        unsafe { ffi::devnsfs_inode_lock(self.root_dir()) };
        // INVARIANT: locked just above; the guard unlocks it when dropped.
        RootGuard(RootLocked { sb: self })
    }
}

/// Proof that the root directory of `sb` is locked.
///
/// # Invariants
///
/// The root directory of `sb` is locked (`inode_lock`) for as long as the
/// value exists: it is made only by `SuperRef::lock_root`, whose guard
/// unlocks it, or for the duration of a VFS directory operation that holds
/// the lock (`assume_locked`).
pub(crate) struct RootLocked<'a> {
    sb: SuperRef<'a>,
}

/// Unlocks the root directory when dropped.
pub(crate) struct RootGuard<'a>(RootLocked<'a>);

impl<'a> core::ops::Deref for RootGuard<'a> {
    type Target = RootLocked<'a>;
    fn deref(&self) -> &RootLocked<'a> {
        &self.0
    }
}

impl Drop for RootGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: `lock_root` locked this inode, which is live for `'a`.
        unsafe { ffi::devnsfs_inode_unlock(self.0.sb.root_dir()) };
    }
}

/// What a new node looks like.
pub(crate) struct NodeSpec<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) ino: u64,
    pub(crate) perm: u16,
    pub(crate) devt: u32,
    pub(crate) uid: Kuid,
    pub(crate) gid: Kgid,
}

/// A node in the root directory, pinned by an extra dentry reference (as in
/// binderfs) until it is removed or the superblock dies.
///
/// # Invariants
///
/// `0` is a positive dentry of the root directory holding that reference,
/// unless it was given up by `remove` or `unlinked`.
pub(crate) struct Node(*mut ffi::dentry);

// SAFETY: the dentry is only used under the root directory's lock.
unsafe impl Send for Node {}
// SAFETY: as above.
unsafe impl Sync for Node {}

impl<'a> RootLocked<'a> {
    /// # Safety
    ///
    /// The root directory of `sb` must be locked for the result's lifetime.
    pub(super) unsafe fn assume_locked(sb: SuperRef<'a>) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self { sb }
    }

    /// The superblock whose root is locked.
    pub(crate) fn super_block(&self) -> SuperRef<'a> {
        self.sb
    }

    /// Creates a character device node whose files use `R`'s operations;
    /// the inode keeps `private` (if any) until it is evicted.
    pub(crate) fn create_node<R: Resolve>(
        &self,
        spec: &NodeSpec<'_>,
        private: Option<Arc<R::Target>>,
    ) -> Result<Node>
    where
        R::Target: FileOps,
    {
        Ok(self
            .prepare_node(spec.name)?
            .instantiate::<R>(spec, private))
    }

    /// Everything a node called `name` needs that can fail: a new inode and
    /// a negative dentry. `EEXIST` if the name is taken. devnsfs makes its
    /// own nodes, so the caller's permissions on the root play no part.
    pub(crate) fn prepare_node(&self, name: &[u8]) -> Result<PreparedNode<'_>> {
        let len = u32::try_from(name.len()).map_err(|_| EINVAL)?;
        let sb = self.sb.as_ptr();
        // SAFETY: the root is locked (`self`), as a dcache lookup and
        // d_alloc() under it need; `name` is valid for `len` bytes.
        let dentry = unsafe { ffi::devnsfs_lookup_noperm((*sb).s_root, name.as_ptr(), len) };
        let dentry = kernel::error::from_err_ptr(dentry)?;
        if dentry.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: we hold a reference to `dentry`; its inode pointer is
        // stable while the directory is locked.
        if unsafe { !(*dentry).d_inode.is_null() } {
            // SAFETY: drop the reference the lookup gave us.
            unsafe { ffi::dput(dentry) };
            return Err(EEXIST);
        }
        // SAFETY: `sb` is live (type invariant of `SuperRef`).
        let inode = unsafe { ffi::new_inode(sb) };
        if inode.is_null() {
            // SAFETY: as above.
            unsafe { ffi::dput(dentry) };
            return Err(ENOMEM);
        }
        // INVARIANT: a negative child of the locked root and a new inode.
        Ok(PreparedNode {
            dentry,
            inode,
            _root: PhantomData,
        })
    }

    /// Readies `node` for removal: `EBUSY` if it is a mount point (in any
    /// mount namespace), as unlink(2) refuses one; otherwise no mount can
    /// be made on it from now on (lock_mount() checks cant_mount() under
    /// the node's inode lock, which this takes too).
    pub(crate) fn forbid_mounts(&self, node: &Node) -> Result {
        let dentry = node.0;
        // SAFETY: the node is live (type invariant of `Node`) and its
        // directory locked, so its inode stays; locking a child after its
        // directory is the VFS's own order.
        let inode = unsafe { (*dentry).d_inode };
        // SAFETY: as above.
        unsafe { ffi::devnsfs_inode_lock(inode) };
        // SAFETY: `dentry` is live; its flags change under the locks held.
        let mounted = unsafe { ffi::devnsfs_d_mountpoint(dentry) };
        if !mounted {
            // SAFETY: as above; dont_mount() takes the dentry's own lock.
            unsafe { ffi::devnsfs_dont_mount(dentry) };
        }
        // SAFETY: locked just above.
        unsafe { ffi::devnsfs_inode_unlock(inode) };
        if mounted {
            Err(EBUSY)
        } else {
            Ok(())
        }
    }

    /// Removes `node` from the directory: later lookups miss it, open files
    /// keep their inode until the last close.
    pub(crate) fn remove(&self, node: Node) {
        // SAFETY: `node.0` is a positive dentry of this (locked) directory
        // holding the pin reference, which `dput` gives back (devpts does
        // the same in devpts_pty_kill).
        unsafe {
            ffi::drop_nlink((*node.0).d_inode);
            ffi::d_drop(node.0);
            ffi::dput(node.0);
        }
    }

    /// Completes the `unlink(2)` `call` of `node`.
    pub(crate) fn unlinked(&self, node: Node, call: UnlinkCall) -> Result {
        if !node.is_unlinked_by(&call) {
            return Err(EINVAL);
        }
        // SAFETY: `call` comes from the VFS unlink operation, which holds
        // `dir` locked; simple_unlink drops the pin reference ("undo the
        // count from create").
        kernel::error::to_result(unsafe { ffi::simple_unlink(call.dir, call.dentry) })
    }
}

/// A node about to be created: the fallible part is done, so that what
/// happens between preparing and instantiating (spending a device number)
/// is never wasted. Dropped unused, it gives everything back.
///
/// # Invariants
///
/// `dentry` is a negative child of the root, locked for `'a`, on which the
/// value holds a reference; `inode` is a new inode only the value holds.
pub(crate) struct PreparedNode<'a> {
    dentry: *mut ffi::dentry,
    inode: *mut ffi::inode,
    _root: PhantomData<&'a RootLocked<'a>>,
}

impl PreparedNode<'_> {
    /// Makes the node, whose files use `R`'s operations; the inode keeps
    /// `private` (if any) until it is evicted.
    pub(crate) fn instantiate<R: Resolve>(
        self,
        spec: &NodeSpec<'_>,
        private: Option<Arc<R::Target>>,
    ) -> Node
    where
        R::Target: FileOps,
    {
        let this = core::mem::ManuallyDrop::new(self);
        let (dentry, inode) = (this.dentry, this.inode);
        let private = private.map_or(core::ptr::null_mut(), |p| Arc::into_raw(p).cast_mut());
        // SAFETY: `inode` is new and only ours (type invariant); the fops
        // table is a promoted constant that lives forever. An inode number
        // that `unsigned long` cannot hold (32-bit only) wraps, which only
        // makes two inode numbers equal.
        unsafe {
            // CAST: see the SAFETY comment: a wrap is harmless.
            (*inode).i_ino = spec.ino as usize;
            ffi::init_special_inode(inode, S_IFCHR | spec.perm, spec.devt);
            super::proxy::learn_chrdev_fops(inode);
            (*inode).__bindgen_anon_3.i_fop = &Fops::<R>::TABLE;
            (*inode).i_uid = spec.uid.raw();
            (*inode).i_gid = spec.gid.raw();
            (*inode).i_private = private.cast();
            ffi::simple_inode_init_ts(inode);
        }
        // SAFETY: `dentry` is negative and the directory locked (type
        // invariant); it takes our inode reference, and keeps the lookup's
        // dentry reference as the pin. A dentry new from d_alloc() is
        // hashed here, so that lookups find it.
        unsafe { ffi::devnsfs_d_add_or_instantiate(dentry, inode) };
        // INVARIANT: a positive dentry holding the extra reference.
        Node(dentry)
    }
}

impl Drop for PreparedNode<'_> {
    fn drop(&mut self) {
        // SAFETY: both are ours (type invariant); the inode keeps nothing
        // yet, so iput() only frees it.
        unsafe {
            ffi::iput(self.inode);
            ffi::dput(self.dentry);
        }
    }
}

/// An `unlink(2)` in progress in the root directory.
///
/// # Invariants
///
/// `dir` is the locked root inode and `dentry` a positive child of it, both
/// valid for the duration of the VFS call.
pub(crate) struct UnlinkCall {
    pub(super) dir: *mut ffi::inode,
    pub(super) dentry: *mut ffi::dentry,
}

impl UnlinkCall {
    /// The name being unlinked.
    pub(crate) fn name(&self) -> &[u8] {
        // SAFETY: the dentry and its name are stable while the directory is
        // locked (type invariant).
        unsafe {
            let name = &(*self.dentry).d_name;
            // CAST: a u32 length fits usize on every 64-bit architecture.
            let len = name.__bindgen_anon_1.__bindgen_anon_1.len as usize;
            core::slice::from_raw_parts(name.name, len)
        }
    }
}

impl Node {
    /// Whether `call` unlinks this node.
    pub(crate) fn is_unlinked_by(&self, call: &UnlinkCall) -> bool {
        self.0 == call.dentry
    }

    /// Changes the permission bits of the node's inode, under its inode
    /// lock as chmod(2) (notify_change()) changes them.
    pub(crate) fn set_perm(&self, _root: &RootLocked<'_>, perm: u16) {
        // SAFETY: the node is live (type invariant) and the directory
        // locked, which excludes concurrent removal; the inode lock orders
        // this with setattr.
        unsafe {
            let inode = (*self.0).d_inode;
            ffi::devnsfs_inode_lock(inode);
            (*inode).i_mode = ((*inode).i_mode & !0o7777) | perm;
            ffi::devnsfs_inode_unlock(inode);
        }
    }
}
