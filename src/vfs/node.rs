// SPDX-License-Identifier: GPL-2.0

//! Character device nodes of an instance, in its root directory or in
//! subdirectories (`dir`) on their path.

use super::{
    dir::{self, LockedDir},
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

    /// The root directory's dentry.
    fn root_dentry(self) -> *mut ffi::dentry {
        // SAFETY: `s_root` of a live superblock is a live dentry (type
        // invariant) that never changes while it lives.
        unsafe { (*self.ptr).s_root }
    }

    /// The root directory's inode.
    fn root_dir(self) -> *mut ffi::inode {
        // SAFETY: the root dentry always has its inode.
        unsafe { (*self.root_dentry()).d_inode }
    }

    /// Locks the root directory, as a directory operation of the VFS does.
    /// For set-up only, when nobody else can reach the instance yet.
    pub(crate) fn lock_root(self) -> RootGuard<'a> {
        // SAFETY: the root inode is live for `'a`.
        unsafe { ffi::devnsfs_inode_lock(self.root_dir()) };
        // INVARIANT: locked just above; the guard unlocks it when dropped.
        RootGuard(RootLocked { sb: self })
    }

    /// Locks the root directory; `EINTR` if the caller is killed while it
    /// waits. A reader of the root (getdents(2)) holds its lock shared for
    /// as long as a page fault on its buffer takes, which a tenant's
    /// stalled FUSE server can make for ever: nobody must be stuck behind
    /// that unkillably.
    pub(crate) fn lock_root_killable(self) -> Result<RootGuard<'a>> {
        // SAFETY: the root inode is live for `'a`.
        kernel::error::to_result(unsafe { ffi::devnsfs_inode_lock_killable(self.root_dir()) })?;
        // INVARIANT: locked just above; the guard unlocks it when dropped.
        Ok(RootGuard(RootLocked { sb: self }))
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
    /// Its path from the root: components separated by single '/'.
    pub(crate) name: &'a [u8],
    pub(crate) ino: u64,
    pub(crate) perm: u16,
    pub(crate) devt: u32,
    pub(crate) uid: Kuid,
    pub(crate) gid: Kgid,
}

/// A node of the instance, pinned by an extra dentry reference (as in
/// binderfs) until it is removed or the superblock dies.
///
/// # Invariants
///
/// `0` is a positive dentry of the instance (in the root or a
/// subdirectory) holding that reference, unless it was given up by
/// `remove` or `unlinked`.
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

    /// The root directory's dentry.
    pub(super) fn root_dentry(&self) -> *mut ffi::dentry {
        self.sb.root_dentry()
    }

    /// Creates a character device node whose files use `R`'s operations,
    /// with the directories on its path that are missing; the inode keeps
    /// `private` (if any) until it is evicted.
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

    /// Everything a node at `path` needs that can fail: a new inode and a
    /// negative dentry, and the directories on the path that are missing,
    /// made but not yet reachable. `EEXIST` if the path is taken, `ENOTDIR`
    /// if a node is where a directory should be. devnsfs makes its own
    /// nodes, so the caller's permissions play no part.
    ///
    /// The deepest directory that exists stays locked until the node is
    /// instantiated, so that nobody's lookup makes a dentry of the same
    /// name meanwhile. The first missing directory is made complete but
    /// unhashed, which keeps it and everything below it out of reach of
    /// lookups and readdir until `instantiate` hashes it. (Below a negative
    /// dentry it could not be built: d_add() looks at the parent's inode.)
    pub(crate) fn prepare_node<'r>(&'r self, path: &[u8]) -> Result<PreparedNode<'r>> {
        let sb = self.sb.as_ptr();
        let mut parts = path.split(|&b| b == b'/');
        let leaf = parts.next_back().ok_or(EINVAL)?;
        // INVARIANT: nothing is made yet; the root is locked (`self`).
        let mut prepared = PreparedNode {
            parent: LockedDir::root(self),
            top: core::ptr::null_mut(),
            last_dir: core::ptr::null_mut(),
            dentry: core::ptr::null_mut(),
            inode: core::ptr::null_mut(),
        };
        // The directories that exist, one locked at a time.
        for part in parts.by_ref() {
            // SAFETY: `parent` is locked (type invariant of `LockedDir`).
            let found = unsafe { dir::child(prepared.parent.dentry(), part)? };
            // SAFETY: we hold a reference on `found`; its inode pointer is
            // stable while its directory is locked.
            let inode = unsafe { (*found).d_inode };
            if inode.is_null() {
                // The first missing directory: it and all below are new.
                // SAFETY: `found` is a negative child of the locked
                // `parent`, referenced by us.
                let top = unsafe { dir::unhashed_child(prepared.parent.dentry(), found, part)? };
                // SAFETY: `sb` is live (type invariant of `SuperRef`).
                let inode = match unsafe { dir::new_dir_inode(sb) } {
                    Ok(inode) => inode,
                    Err(e) => {
                        // SAFETY: the reference `unhashed_child` gave us.
                        unsafe { ffi::dput(top) };
                        return Err(e);
                    }
                };
                // SAFETY: `top` is unhashed and negative, so nobody can
                // reach it; it takes `inode`, and our reference will be its
                // pin.
                unsafe { ffi::d_instantiate(top, inode) };
                prepared.top = top;
                prepared.last_dir = top;
                break;
            }
            // SAFETY: `inode` is live while we hold `found`.
            let is_dir = unsafe { dir::is_dir(inode) };
            // SAFETY: a positive subdirectory of the instance, held by our
            // reference until `descend` has its own.
            let entered = is_dir.then(|| unsafe { prepared.parent.descend(found) });
            // SAFETY: the reference `child` gave us.
            unsafe { ffi::dput(found) };
            match entered {
                None => return Err(ENOTDIR),
                // The owner removed it since we looked it up.
                Some(Err(e)) => return Err(e),
                Some(Ok(())) => {}
            }
        }
        // New directories below the first missing one: unreachable until
        // that one is hashed, so they can be made whole now.
        for part in parts {
            // SAFETY: `last_dir` is new and unreachable (it is or hangs from
            // the unhashed `top`), so nobody else looks up in it.
            let found = unsafe { dir::child(prepared.last_dir, part)? };
            // SAFETY: `sb` is live.
            let inode = match unsafe { dir::new_dir_inode(sb) } {
                Ok(inode) => inode,
                Err(e) => {
                    // SAFETY: the reference `child` gave us.
                    unsafe { ffi::dput(found) };
                    return Err(e);
                }
            };
            // SAFETY: `found` is a new negative dentry of the unreachable,
            // positive `last_dir`, whose inode is ours alone; `found` takes
            // `inode`, and our reference becomes its pin, as for every
            // directory. Its ".." links `last_dir`.
            unsafe {
                ffi::inc_nlink((*prepared.last_dir).d_inode);
                ffi::devnsfs_d_add_or_instantiate(found, inode);
            }
            prepared.last_dir = found;
        }
        let under = if prepared.top.is_null() {
            prepared.parent.dentry()
        } else {
            prepared.last_dir
        };
        // SAFETY: `under` is the locked parent or a new, unreachable
        // directory.
        let dentry = unsafe { dir::child(under, leaf)? };
        prepared.dentry = dentry;
        // SAFETY: we hold a reference to `dentry`; its inode pointer is
        // stable while the directory is locked.
        if unsafe { !(*dentry).d_inode.is_null() } {
            return Err(EEXIST);
        }
        // SAFETY: `sb` is live (type invariant of `SuperRef`).
        let inode = unsafe { ffi::new_inode(sb) };
        if inode.is_null() {
            return Err(ENOMEM);
        }
        prepared.inode = inode;
        Ok(prepared)
    }

    /// Locks the directory `node` is in, for `remove`; `EINTR` if the
    /// caller is killed while it waits.
    pub(crate) fn lock_parent(&self, node: &NodeRef) -> Result<LockedDir<'_>> {
        // SAFETY: `node` holds a reference on a positive entry of this
        // instance, not the root (type invariant of `NodeRef`); the caller
        // holds no other lock of ours.
        unsafe { LockedDir::parent_of(self, node.0) }
    }

    /// Removes `node` from `parent`, its directory, then each directory on
    /// its path that is left without entries and is not a mount point
    /// (devtmpfs prunes its directories so): later lookups miss them, open
    /// files keep their inodes until the last close.
    pub(crate) fn remove(&self, parent: LockedDir<'_>, node: Node) {
        // SAFETY: `node.0` is a positive dentry (type invariant) of the
        // locked `parent` (the caller's), holding the pin reference, which
        // `dput` gives back (devpts does the same in devpts_pty_kill). The
        // parent is referenced for the pruning below.
        let dir = unsafe {
            ffi::devnsfs_fsnotify_removed(parent.inode(), node.0);
            ffi::drop_nlink((*node.0).d_inode);
            dir::entries_changed(parent.inode());
            ffi::d_drop(node.0);
            ffi::dput(node.0);
            ffi::devnsfs_dget(parent.dentry())
        };
        drop(parent);
        // SAFETY: `dir` is a directory we hold a reference on, which prune
        // gives back; no lock of ours is held any more.
        unsafe { dir::prune(self, dir) };
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
/// `parent` is the deepest directory on the path that exists, locked. If
/// `top` is not null, it is a positive but unhashed child of `parent` (the
/// first missing directory), with a new directory inode, on which the value
/// holds a reference; `last_dir` is `top` or a directory below it made by
/// the value (each holding its pin reference), all of them nobody else's:
/// the unhashed `top` keeps them out of reach. Unless null, `dentry` is a
/// negative child of `last_dir` (if `top` is not null) or of `parent`
/// (otherwise), on which the value holds a reference, and `inode` a new
/// inode only the value holds.
pub(crate) struct PreparedNode<'r> {
    parent: LockedDir<'r>,
    top: *mut ffi::dentry,
    last_dir: *mut ffi::dentry,
    dentry: *mut ffi::dentry,
    inode: *mut ffi::inode,
}

impl PreparedNode<'_> {
    /// Makes the node, whose files use `R`'s operations, and the new
    /// directories on its path reachable; the inode keeps `private` (if
    /// any) until it is evicted.
    pub(crate) fn instantiate<R: Resolve>(
        mut self,
        spec: &NodeSpec<'_>,
        private: Option<Arc<R::Target>>,
    ) -> Node
    where
        R::Target: FileOps,
    {
        let (dentry, inode) = (self.dentry, self.inode);
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
        // SAFETY: `dentry` is negative in the locked `parent` or in a new,
        // unreachable directory (type invariant); it takes our inode
        // reference, and keeps the lookup's dentry reference as the pin. A
        // dentry new from d_alloc() is hashed here, so that lookups find it.
        unsafe { ffi::devnsfs_d_add_or_instantiate(dentry, inode) };
        if !self.top.is_null() {
            // SAFETY: `top` is a complete, unhashed directory of the locked
            // `parent` with its subtree below it (type invariant); hashing
            // it makes all of it reachable at once, and our reference stays
            // as its pin. Its ".." links `parent`.
            unsafe {
                ffi::d_rehash(self.top);
                ffi::inc_nlink(self.parent.inode());
            }
        }
        // What the VFS reports for a new entry: for the top new directory
        // if there is one (nobody can watch below it yet), else the node.
        let created = if self.top.is_null() { dentry } else { self.top };
        // SAFETY: `parent` is locked (type invariant) and `created` its
        // positive child.
        unsafe {
            dir::entries_changed(self.parent.inode());
            ffi::devnsfs_fsnotify_created(self.parent.inode(), created);
        }
        // Everything is in the tree now: nothing for `drop` but the lock.
        self.top = core::ptr::null_mut();
        self.last_dir = core::ptr::null_mut();
        self.dentry = core::ptr::null_mut();
        self.inode = core::ptr::null_mut();
        // INVARIANT: a positive dentry holding the extra reference.
        Node(dentry)
    }
}

impl Drop for PreparedNode<'_> {
    fn drop(&mut self) {
        // SAFETY: all of these are ours alone (type invariant); inodes keep
        // nothing yet, so iput() only frees them, and each dput() gives back
        // our reference, a child's before its parent's (each child holds
        // one on its parent too, so the order only decides who frees). A
        // directory made here is freed, with its inode, with its pin, since
        // devnsfs dentries are never kept unused.
        unsafe {
            if !self.inode.is_null() {
                ffi::iput(self.inode);
            }
            if !self.dentry.is_null() {
                ffi::dput(self.dentry);
            }
            if !self.top.is_null() {
                let mut dir = self.last_dir;
                while dir != self.top {
                    let up = (*dir).d_parent;
                    ffi::dput(dir);
                    dir = up;
                }
                ffi::dput(self.top);
            }
        }
        // `parent` unlocks itself.
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

/// A counted reference on a node's dentry, to work on it without the
/// instance's locks.
///
/// # Invariants
///
/// `0` is a dentry of a device node of an instance (not the root), on which
/// the value holds a reference.
pub(crate) struct NodeRef(*mut ffi::dentry);

impl NodeRef {
    /// Readies the node for removal, under its inode's lock (which
    /// lock_mount() takes to check cant_mount()): `EBUSY` if it is a mount
    /// point (in any mount namespace), as unlink(2) refuses one; otherwise
    /// no mount can be made on it from now on. `EINTR` if the caller is
    /// killed while it waits for the lock.
    pub(crate) fn forbid_mounts(&self) -> Result {
        // SAFETY: our reference keeps the dentry, and a node's inode stays
        // with it (type invariant).
        let inode = unsafe { (*self.0).d_inode };
        // SAFETY: `inode` is live; the caller holds no lock of ours.
        kernel::error::to_result(unsafe { ffi::devnsfs_inode_lock_killable(inode) })?;
        // SAFETY: `self.0` is live; its flags change under the lock held;
        // dont_mount() takes the dentry's own lock.
        let mounted = unsafe {
            let mounted = ffi::devnsfs_d_mountpoint(self.0);
            if !mounted {
                ffi::devnsfs_dont_mount(self.0);
            }
            ffi::devnsfs_inode_unlock(inode);
            mounted
        };
        if mounted {
            Err(EBUSY)
        } else {
            Ok(())
        }
    }
}

impl Drop for NodeRef {
    fn drop(&mut self) {
        // SAFETY: the reference the value holds (type invariant).
        unsafe { ffi::dput(self.0) };
    }
}

// SAFETY: a counted dentry reference may be dropped on any task.
unsafe impl Send for NodeRef {}

impl Node {
    /// A counted reference on the node, valid after the node is removed.
    pub(crate) fn counted(&self) -> NodeRef {
        // SAFETY: the node is live (type invariant); the new reference is
        // the value's.
        NodeRef(unsafe { ffi::devnsfs_dget(self.0) })
    }

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
